"""Request bodies of the REST routes (validated with pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class ChatBody(BaseModel):
    """A chat, by path or by id (the id stays when the file is renamed)."""

    chat: str | None = Field(None, min_length=1, description="the chat's path")
    chat_id: str | None = Field(None, min_length=1)


class PermissionAnswerBody(ChatBody):
    request: int = Field(ge=1)
    option_id: str = Field(min_length=1)


class StopBody(ChatBody):
    persona: str | None = None  # id or name; all replies to the caller when absent
    message_id: str | None = None  # only this waiting message: it leaves the queue unanswered


class SendNowBody(ChatBody):
    message_id: str = Field(min_length=1)  # a message waiting for a busy persona
    persona: str | None = None  # id or name: the one to send it to, when it waits for several


class OptionBody(ChatBody):
    """A person's pick of a persona's model or mode for this chat."""

    persona: str  # id or name
    category: Literal["model", "mode"]
    value: str


class TrustBody(BaseModel):
    """A persona file, and the SHA-256 of the content the person read (a prefix of 8+ digits)."""

    path: str = Field(min_length=1, description="relative to the server root")
    sha256: str = Field(min_length=8, max_length=64, pattern=r"^[0-9a-fA-F]+$")


class CredentialBody(BaseModel):
    """The value of an agent's credential variable (never sent back)."""

    value: str = Field(min_length=1, max_length=16_384)


class QuestionAnswerBody(ChatBody):
    """An answer to a persona's question: the values of its fields, or text, or a decline."""

    question: int = Field(ge=1)
    action: Literal["accept", "decline"] = "accept"
    values: dict[str, Any] | None = None
    text: str | None = None


class SignInBody(BaseModel):
    """Start an agent's own sign-in (one of the methods it offers) in a JupyterLab terminal."""

    persona: str = Field(min_length=1)
    method: str = Field(min_length=1)

"""Turn and TurnWriter: what one persona writes while it answers one message.

Every message a turn posts or streams is recorded on the turn, so that the runtime can
close what the persona left open, mark a stopped turn, and pass the reply on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jupyterlab_chat.models import Message

from .chat import ChatWriter, MessageStream
from .message_meta import Notice, RichMeta, metadata


@dataclass
class Turn:
    """One message being answered by one persona."""

    message: Message
    requester: str  # who asked: the sender of the message that started this turn
    hop: int = 0  # persona-to-persona depth of `message`
    streams: list[MessageStream] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)
    stopped: bool = False

    @property
    def message_ids(self) -> list[str]:
        ids = list(self.posted)
        for stream in self.streams:
            ids.extend(stream.message_ids)
        return ids


class TurnWriter:
    """Writes to the chat as one persona; what it writes belongs to the turn under way."""

    def __init__(self, chat: ChatWriter, sender: str):
        self.chat = chat
        self.sender = sender
        self.turn: Turn | None = None  # set by the runtime while a turn runs

    def posted(self, message_id: str) -> str:
        """Count a message posted for this persona (e.g. a permission request) in the turn."""
        if self.turn is not None and message_id:
            self.turn.posted.append(message_id)
        return message_id

    def post(self, body: str, *, metadata: dict[str, Any] | None = None) -> str:
        return self.posted(self.chat.post(self.sender, body, metadata=metadata))

    def post_rich(self, body: str, meta: RichMeta) -> str:
        """A message with a structured form the frontend renders (a tool call, a plan)."""
        return self.posted(self.chat.post_rich(self.sender, body, meta))

    def update_rich(self, message_id: str, body: str, meta: RichMeta) -> None:
        self.chat.update_rich(message_id, body, meta)

    def note(self, body: str) -> None:
        """A notice apart from the turn's reply: not closed nor marked with it, and never
        given to an agent as part of the conversation."""
        self.chat.post(self.sender, body, metadata=metadata(Notice(persona=self.sender)))

    def open_stream(
        self, *, metadata: dict[str, Any] | None = None, wrap: tuple[str, str] = ("", "")
    ) -> MessageStream:
        stream = self.chat.open_stream(self.sender, metadata=metadata, wrap=wrap)
        if self.turn is not None:
            self.turn.streams.append(stream)
        return stream

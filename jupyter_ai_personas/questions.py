"""QuestionBroker: an agent asks the people in the chat a question (ACP elicitation).

A question is a message of its own, numbered per chat (`question #2`), with its fields: a
choice shows its options as buttons, free text is typed. It is answered by a button (REST),
by `/answer [N] <text>` in the chat (an option's number or title, or free text), declined
with `/answer N decline`, and cancelled by `/stop` or a timeout. The message records the answer
and who gave it; the agent gets the values as the form's schema names them.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from .chat import ChatWriter
from .message_meta import (
    FieldKind,
    QuestionChoice,
    QuestionField,
    QuestionMessage,
    QuestionRecord,
    QuestionState,
)
from .sharing import Steering

Action = Literal["accept", "decline", "cancel"]


class QuestionAnswer(BaseModel):
    action: Action
    values: dict[str, Any] = {}
    by: str | None = None


FIELD_KINDS: dict[str, FieldKind] = {"boolean": "boolean", "number": "number", "integer": "number"}


def fields_from_schema(schema: Any) -> list[QuestionField]:
    """The fields of an ACP elicitation form (a restricted JSON schema of flat properties)."""
    data = schema.model_dump(by_alias=True, exclude_none=True) if hasattr(schema, "model_dump") else schema
    required = set(data.get("required") or [])
    fields = []
    for name, prop in (data.get("properties") or {}).items():
        options = (
            prop.get("oneOf")
            or prop.get("one_of")
            or [{"const": v, "title": v} for v in prop.get("enum") or []]
        )
        choices = [
            QuestionChoice(
                value=str(o.get("const")),
                title=str(o.get("title") or o.get("const")),
                description=o.get("description") or "",
            )
            for o in options
        ]
        fields.append(
            QuestionField(
                name=name,
                title=prop.get("title") or name,
                kind="choice" if choices else FIELD_KINDS.get(prop.get("type", "string"), "text"),
                description=prop.get("description") or "",
                choices=choices,
                required=name in required,
            )
        )
    return fields


def values_from_text(fields: list[QuestionField], text: str) -> dict[str, Any]:
    """A typed answer: an option's number or title picks it; other text fills the free-text field."""
    text = text.strip()
    values: dict[str, Any] = {}
    choice = next((f for f in fields if f.kind == "choice"), None)
    free = next((f for f in fields if f.kind == "text"), None)
    if choice is not None:
        picked = None
        if text.isdigit() and 1 <= int(text) <= len(choice.choices):
            picked = choice.choices[int(text) - 1]
        else:
            picked = next(
                (c for c in choice.choices if text.lower() in (c.title.lower(), c.value.lower())), None
            )
        if picked is not None:
            values[choice.name] = picked.value
            return values
    boolean = next((f for f in fields if f.kind == "boolean"), None)
    if boolean is not None and text.lower() in ("yes", "no", "true", "false"):
        values[boolean.name] = text.lower() in ("yes", "true")
        return values
    number = next((f for f in fields if f.kind == "number"), None)
    if number is not None and free is None:
        try:
            values[number.name] = float(text) if "." in text else int(text)
            return values
        except ValueError:
            pass
    if free is not None:
        values[free.name] = text
        return values
    raise QuestionAnswerError(
        "that answer fits none of the question's fields: pick an option by its number or title"
    )


class QuestionAnswerError(Exception):
    """An answer that cannot be applied; the message says why."""


@dataclass
class PendingQuestion:
    number: int
    persona_id: str
    persona_name: str
    fields: list[QuestionField]
    message_id: str
    state: QuestionState
    future: asyncio.Future[QuestionAnswer] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    timer: asyncio.TimerHandle | None = None


class QuestionBroker:
    def __init__(self, writer: ChatWriter, *, timeout: float = 300.0, steering: Steering | None = None):
        self.writer = writer
        self.timeout = timeout
        self.steering = steering  # who may answer, on a shared server
        self.pending: dict[int, PendingQuestion] = {}
        self._counter = 0

    async def ask(
        self,
        *,
        persona_id: str,
        persona_name: str,
        message: str,
        fields: list[QuestionField],
        url: str | None = None,
    ) -> QuestionAnswer:
        """Post the question and wait for its answer (cancelling the wait answers `cancel`)."""
        self._counter += 1
        number = self._counter
        state = QuestionState(question=number, persona=persona_id, message=message, fields=fields, url=url)
        body = _markdown(persona_name, number, message, fields, url, _pending_line(number, fields, url))
        message_id = self.writer.post_rich(
            persona_id, body, QuestionMessage(persona=persona_id, question=state)
        )
        question = PendingQuestion(number, persona_id, persona_name, fields, message_id, state)
        self.pending[number] = question
        if self.timeout > 0:
            question.timer = asyncio.get_running_loop().call_later(
                self.timeout, self._finish, number, QuestionAnswer(action="cancel"), "⌛ No answer in time"
            )
        try:
            return await asyncio.shield(question.future)
        except asyncio.CancelledError:
            self._finish(number, QuestionAnswer(action="cancel"), "⏹ Cancelled")
            raise

    def answer(
        self,
        number: int | None,
        *,
        by: str,
        text: str | None = None,
        values: dict[str, Any] | None = None,
        action: Action = "accept",
        username: str | None = None,
    ) -> int:
        """Answer a question (the only waiting one when `number` is None); returns its number."""
        if number is None:
            if len(self.pending) != 1:
                listed = ", ".join(f"#{n}" for n in sorted(self.pending)) or "none"
                raise QuestionAnswerError(f"Say which question: `/answer N ...` (waiting: {listed}).")
            number = next(iter(self.pending))
        question = self.pending.get(number)
        if question is None:
            raise QuestionAnswerError(f"Question #{number} is not waiting for an answer.")
        refused = self.steering.check(question.persona_id, username) if self.steering else None
        if refused:
            raise QuestionAnswerError(refused)
        if action == "accept" and (text or "").strip().lower() == "decline":
            action = "decline"
        if action == "accept" and values is None:
            values = values_from_text(question.fields, text or "") if question.fields else {}
        shown = ", ".join(str(v) for v in (values or {}).values())
        line = f"✅ {shown} — answered by {by}" if action == "accept" else f"🚫 Declined by {by}"
        self._finish(number, QuestionAnswer(action=action, values=values or {}, by=by), line)
        return number

    def cancel(self, persona_id: str | None = None) -> None:
        for number, question in list(self.pending.items()):
            if persona_id is None or question.persona_id == persona_id:
                self._finish(number, QuestionAnswer(action="cancel"), "⏹ Cancelled (stopped)")

    def _finish(self, number: int, answer: QuestionAnswer, line: str) -> None:
        question = self.pending.pop(number, None)
        if question is None:
            return
        if question.timer is not None:
            question.timer.cancel()
        state = question.state
        state.status = "answered" if answer.action != "cancel" else "cancelled"
        state.answer = QuestionRecord(**answer.model_dump(), line=line, at=time.time())
        body = _markdown(question.persona_name, number, state.message, question.fields, state.url, line)
        self.writer.update_rich(
            question.message_id, body, QuestionMessage(persona=question.persona_id, question=state)
        )
        if not question.future.done():
            question.future.set_result(answer)


def _markdown(
    persona: str, number: int, message: str, fields: list[QuestionField], url: str | None, status: str
) -> str:
    lines = [f"❓ **{persona}** asks (question #{number}): {message}"]
    if url:
        lines.append(f"🔗 [{url}]({url})")
    for f in fields:
        if f.kind == "choice":
            options = "\n".join(
                f"{i}. **{c.title}**" + (f" — {c.description}" if c.description else "")
                for i, c in enumerate(f.choices, 1)
            )
            lines.append(f"_{f.title}_\n\n{options}")
        elif f.description or f.title:
            lines.append(f"_{f.title}_" + (f": {f.description}" if f.description else ""))
    lines.append(status)
    return "\n\n".join(lines)


def _pending_line(number: int, fields: list[QuestionField], url: str | None) -> str:
    if url:
        return f"⏳ Open the link, then answer `/answer {number} done` (or `/answer {number} decline`)."
    if any(f.kind == "choice" for f in fields):
        return (
            f"⏳ Answer with `/answer {number} <option number or title>`, or type your own answer after it."
        )
    return f"⏳ Answer with `/answer {number} <your answer>` (or `/answer {number} decline`)."

"""PermissionBroker: a persona asks, a person answers in the chat (or a policy does).

Each request is shown in a chat message and numbered per chat (#1, #2, ...). It is
answered by `/allow`, `/always` or `/reject` (with the number when several wait), by the
REST endpoint behind the frontend's buttons, or by a timeout (rejected). `/stop` answers
it `cancelled`. The message records the answer and who gave it, in its body (the last
paragraph) and in `metadata.jupyter_ai_personas.permission`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Literal, Protocol

from jupyterlab_chat.models import Message
from pydantic import BaseModel

from .chat import ChatWriter
from .message_meta import (
    OptionKind,
    PermissionMessage,
    PermissionOption,
    PermissionRecord,
    PermissionState,
    PermissionStatus,
    ToolCallMessage,
    read,
)
from .sharing import Steering

WORDS: dict[str, tuple[OptionKind, ...]] = {
    "allow": ("allow_once", "allow_always"),
    "always": ("allow_always", "allow_once"),
    "reject": ("reject_once", "reject_always"),
}


class PermissionAnswer(BaseModel):
    """What the persona gets back: an option, or `cancelled`."""

    outcome: Literal["selected", "cancelled"]
    option_id: str | None = None
    kind: OptionKind | None = None
    by: str | None = None

    @property
    def allowed(self) -> bool:
        return self.outcome == "selected" and bool(self.kind and self.kind.startswith("allow"))


class PermissionView(Protocol):
    """Shows a request in the chat; called again with each change of its state."""

    def show(self, state: PermissionState, status_line: str) -> None: ...


class MessageView:
    """A request shown as a message of its own: a description, then the status line."""

    def __init__(self, writer: ChatWriter, sender: str, description: str):
        self.writer, self.sender, self.description = writer, sender, description
        self.message_id: str | None = None

    def show(self, state: PermissionState, status_line: str) -> None:
        body = f"{self.description}\n\n{status_line}"
        meta = PermissionMessage(persona=self.sender, description=self.description, permission=state)
        if self.message_id is None:
            self.message_id = self.writer.post_rich(self.sender, body, meta)
        else:
            self.writer.update_rich(self.message_id, body, meta)


@dataclass
class PendingRequest:
    number: int
    persona_id: str
    options: list[PermissionOption]
    view: PermissionView
    state: PermissionState
    future: asyncio.Future[PermissionAnswer] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    timer: asyncio.TimerHandle | None = None


class PermissionAnswerError(Exception):
    """A person's answer that cannot be applied; the message says why."""


class PermissionBroker:
    def __init__(self, writer: ChatWriter, *, timeout: float = 300.0, steering: Steering | None = None):
        self.writer = writer
        self.timeout = timeout
        self.steering = steering  # who may answer, on a shared server
        self.pending: dict[int, PendingRequest] = {}
        self._counter = max((state.request for _, _, state in self._recorded()), default=0)
        # "always" answers, per persona: what they cover (a tool kind, or one MCP tool). Kept in
        # the server's memory only: nothing an agent can write (the chat file) can add one.
        self.always: dict[str, set[str]] = {}

    # -- "always" answers --------------------------------------------------------------
    def always_for(self, persona_id: str) -> set[str]:
        return set(self.always.get(persona_id, ()))

    def remember_always(self, persona_id: str, key: str) -> None:
        self.always.setdefault(persona_id, set()).add(key)

    def revoke_always(self, persona_id: str | None = None) -> int:
        """Forget the "always" answers (of one persona); returns how many there were."""
        targets = [persona_id] if persona_id is not None else list(self.always)
        return sum(len(self.always.pop(target, ())) for target in targets)

    def _recorded(self) -> list[tuple[Message, PermissionMessage | ToolCallMessage, PermissionState]]:
        """The requests in the chat, in a message of their own or in their tool call's."""
        found = []
        for message in self.writer.messages():
            meta = read(message)
            if isinstance(meta, PermissionMessage | ToolCallMessage) and meta.permission is not None:
                found.append((message, meta, meta.permission))
        return found

    # -- asking ------------------------------------------------------------------------
    async def ask(
        self,
        *,
        persona_id: str,
        title: str,
        options: list[PermissionOption],
        view: PermissionView,
        always_scope: str | None = None,
    ) -> PermissionAnswer:
        """Show a request and wait for its answer (cancelling the wait answers `cancelled`).

        `always_scope` says what an "always" answer would cover, shown with the request.
        """
        self._counter += 1
        number = self._counter
        state = PermissionState(
            request=number,
            persona=persona_id,
            title=title,
            options=options,
            always_scope=always_scope if _option_for(options, ("allow_always",)) else None,
        )
        request = PendingRequest(
            number=number, persona_id=persona_id, options=options, view=view, state=state
        )
        self.pending[number] = request
        view.show(state, _pending_line(number, options, state.always_scope))
        if self.timeout > 0:
            request.timer = asyncio.get_running_loop().call_later(self.timeout, self._time_out, number)
        try:
            return await asyncio.shield(request.future)
        except asyncio.CancelledError:
            self._finish(request, PermissionAnswer(outcome="cancelled"), "cancelled", "⏹ Cancelled")
            raise

    # -- answering ---------------------------------------------------------------------
    def waiting(self, persona_id: str | None = None) -> list[PendingRequest]:
        return [r for r in self.pending.values() if persona_id is None or r.persona_id == persona_id]

    def answer_word(self, word: str, number: int | None, by: str, username: str | None = None) -> int:
        """Answer with /allow, /always or /reject; returns the request number."""
        if number is None:
            waiting = sorted(self.pending)
            if not waiting:
                raise PermissionAnswerError("No permission request is waiting.")
            if len(waiting) > 1:
                listed = ", ".join(f"#{n}" for n in waiting)
                raise PermissionAnswerError(
                    f"Several requests are waiting ({listed}): say which, e.g. `/{word} {waiting[-1]}`."
                )
            number = waiting[0]
        request = self.pending.get(number)
        if request is None:
            raise PermissionAnswerError(f"Request #{number} is not waiting for an answer.")
        option = _option_for(request.options, WORDS[word])
        if option is None:
            names = ", ".join(o.name for o in request.options)
            raise PermissionAnswerError(
                f"Request #{number} cannot be answered `/{word}` (its options: {names})."
            )
        self.answer(number, option.option_id, by, username)
        return number

    def answer(self, number: int, option_id: str, by: str, username: str | None = None) -> PermissionAnswer:
        """`by`: the name shown with the answer; `username`: who answers, for the sharing rule."""
        request = self.pending.get(number)
        if request is None:
            raise PermissionAnswerError(f"Request #{number} is not waiting for an answer.")
        refused = self.steering.check(request.persona_id, username) if self.steering else None
        if refused:
            raise PermissionAnswerError(refused)
        option = next((o for o in request.options if o.option_id == option_id), None)
        if option is None:
            raise PermissionAnswerError(f"Request #{number} has no option {option_id!r}.")
        answer = PermissionAnswer(outcome="selected", option_id=option.option_id, kind=option.kind, by=by)
        icon = "✅" if answer.allowed else "🚫"
        self._finish(request, answer, "answered", f"{icon} {option.name} — answered by {by}")
        return answer

    def cancel(self, persona_id: str | None = None) -> int:
        """Answer every waiting request (of one persona) `cancelled`, as /stop does."""
        requests = self.waiting(persona_id)
        for request in requests:
            self._finish(request, PermissionAnswer(outcome="cancelled"), "cancelled", "⏹ Cancelled (stopped)")
        return len(requests)

    def close(self) -> None:
        for request in list(self.pending.values()):
            self._finish(request, PermissionAnswer(outcome="cancelled"), "cancelled", "⏹ Cancelled")

    def _time_out(self, number: int) -> None:
        request = self.pending.get(number)
        if request is None:
            return
        option = _option_for(request.options, ("reject_once", "reject_always"))
        answer = (
            PermissionAnswer(outcome="selected", option_id=option.option_id, kind=option.kind, by="timeout")
            if option is not None
            else PermissionAnswer(outcome="cancelled")
        )
        minutes = self.timeout / 60
        wait = f"{minutes:g} minutes" if minutes >= 1 else f"{self.timeout:g} seconds"
        self._finish(request, answer, "timeout", f"⌛ Rejected: no answer within {wait}")

    def _finish(
        self, request: PendingRequest, answer: PermissionAnswer, status: PermissionStatus, line: str
    ) -> None:
        if self.pending.pop(request.number, None) is None:
            return
        if request.timer is not None:
            request.timer.cancel()
        request.state.status = status
        request.state.answer = PermissionRecord(**answer.model_dump(), line=line, at=time.time())
        request.view.show(request.state, line)
        if not request.future.done():
            request.future.set_result(answer)

    def expire_stale(self) -> int:
        """Mark requests left pending by a previous server run as expired."""
        count = 0
        for message, meta, state in self._recorded():
            if state.status != "pending" or state.request in self.pending:
                continue
            line = "⌛ Expired: the server restarted before an answer"
            state.status, state.answer = "expired", PermissionRecord(line=line, at=time.time())
            body = (message.body or "").rsplit("\n\n", 1)[0] + "\n\n" + line
            self.writer.update_rich(message.id, body, meta)
            count += 1
        return count


def _option_for(options: list[PermissionOption], kinds: tuple[str, ...]) -> PermissionOption | None:
    for kind in kinds:
        for option in options:
            if option.kind == kind:
                return option
    return None


def _pending_line(number: int, options: list[PermissionOption], always_scope: str | None = None) -> str:
    words = []
    if _option_for(options, ("allow_once", "allow_always")):
        words.append(f"`/allow {number}`")
    if _option_for(options, ("allow_always",)):
        scope = f" ({always_scope})" if always_scope else ""
        words.append(f"`/always {number}`{scope}")
    if _option_for(options, ("reject_once", "reject_always")):
        words.append(f"`/reject {number}`")
    return f"⏳ Waiting for your answer to request #{number}: " + ", ".join(words)

"""TurnRunner: one turn at a time per persona per chat, the rest queued in order."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections import deque
from collections.abc import Awaitable, Callable

from jupyterlab_chat.models import Message

from .message_meta import ErrorNotice, metadata
from .persona import BasePersona
from .server_activity import active_while
from .turn_writer import Turn

STOPPED_MARK = "⏹ *stopped*"
WRITING_DELAY = 0.1  # seconds before a persona shows as writing
TurnEndCallback = Callable[[BasePersona, Turn], Awaitable[None]]


def error_message(persona_name: str, what: str, exc: BaseException) -> str:
    """A short error line with the details folded away."""
    summary = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300]
    details = "".join(traceback.format_exception(exc)).strip()[-6000:]
    return (
        f"⚠️ **{persona_name}** {what}: `{summary}`\n\n"
        f"<details><summary>Details</summary>\n\n```\n{details}\n```\n\n</details>"
    )


class TurnRunner:
    """Runs a persona's turns one after the other and handles errors and /stop."""

    def __init__(
        self,
        persona: BasePersona,
        on_turn_end: TurnEndCallback | None = None,
        on_queue_change: Callable[[], None] | None = None,
    ):
        self.persona = persona
        self._on_turn_end = on_turn_end
        self._on_queue_change = on_queue_change
        self._queue: deque[Turn] = deque()
        self._sending: dict[str, Turn] = {}  # taken out of the queue while the agent is given them
        self._wakeup = asyncio.Event()
        self._current: Turn | None = None
        self._task: asyncio.Task[None] | None = None
        self._prepared = False
        self._closed = False
        self._worker = asyncio.create_task(self._work(), name=f"turns:{persona.id}")

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def current(self) -> Turn | None:
        return self._current

    @property
    def waiting(self) -> list[Turn]:
        """The turns queued behind the one running (none while the runner is idle: the next
        queued turn is about to start)."""
        return list(self._queue) if self._current is not None else []

    def submit(self, message: Message, requester: str, hop: int = 0) -> None:
        if self._closed:
            return
        self._queue.append(Turn(message=message, requester=requester, hop=hop))
        self._wakeup.set()
        self._queue_changed()

    @property
    def sending(self) -> list[Turn]:
        """Waiting messages being sent into the turn under way (see `take_for_sending`)."""
        return list(self._sending.values())

    def drop(self, message_id: str) -> Turn | None:
        """Take a waiting message out of the queue, unanswered (one being sent: not put back)."""
        for turn in self._queue:
            if turn.message.id == message_id:
                self._queue.remove(turn)
                self._queue_changed()
                return turn
        turn = self._sending.get(message_id)
        if turn is not None:
            turn.stopped = True
        return turn

    def take_for_sending(self, turn: Turn) -> int:
        """Take a waiting turn out of the queue (so it never starts) while it is sent into the
        turn under way; a stop or a cancel still reaches it. Returns its place."""
        position = self._queue.index(turn)
        self._queue.remove(turn)
        self._sending[turn.message.id] = turn
        self._queue_changed()
        return position

    def sent(self, turn: Turn, *, put_back_at: int | None = None) -> None:
        """The send is over; the turn waits again in its place when it was not taken (nor
        stopped or cancelled meanwhile)."""
        self._sending.pop(turn.message.id, None)
        if put_back_at is None or turn.stopped or self._closed:
            return
        self._queue.insert(min(put_back_at, len(self._queue)), turn)
        self._wakeup.set()
        self._queue_changed()

    def _queue_changed(self) -> None:
        if self._on_queue_change is not None:
            try:
                self._on_queue_change()
            except Exception:  # showing the queue is cosmetic: never let it break a turn
                self.persona.log.debug("queue not published", exc_info=True)

    async def stop(self, requester: str | None = None, *, any_current: bool = False) -> bool:
        """Stop the running turn and drop the queued ones asked by `requester` (None: anyone).

        With `any_current`, the running turn stops whoever asked for it. Returns True when
        something was stopped or dropped.
        """
        dropped = [t for t in self._queue if requester is None or t.requester == requester]
        for turn in dropped:
            self._queue.remove(turn)
        for turn in self._sending.values():  # the send goes on; the message will not wait again
            if requester is None or turn.requester == requester:
                turn.stopped = True
                dropped.append(turn)
        if dropped:
            self._queue_changed()
        turn, task = self._current, self._task
        if turn is None or task is None or task.done():
            return bool(dropped)
        if requester is not None and turn.requester != requester and not any_current:
            return bool(dropped)
        turn.stopped = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.persona.on_stop(), timeout=5)
        if self.persona.context.permissions is not None:
            self.persona.context.permissions.cancel(self.persona.id)
        if self.persona.context.questions is not None:
            self.persona.context.questions.cancel(self.persona.id)
        task.cancel()
        return True

    def interrupt(self, mark: str) -> None:
        """Close the running turn's open streams with `mark` at once; nothing more is queued."""
        self._closed = True
        self._queue.clear()
        turn = self._current
        if turn is None:
            return
        turn.stopped = True
        open_streams = [s for s in turn.streams if not s.closed]
        for stream in open_streams:
            stream.close("\n\n" + mark if stream is open_streams[-1] else "")

    async def close(self) -> None:
        """Stop everything and shut the persona down."""
        self._closed = True
        self._queue.clear()
        if self._task is not None and not self._task.done():
            if self._current is not None:
                self._current.stopped = True
            self._task.cancel()
        self._worker.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._worker
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.persona.shutdown(), timeout=10)

    async def _work(self) -> None:
        while not self._closed:
            if not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            turn = self._queue.popleft()
            self._current = turn
            self._queue_changed()
            try:
                await self._run(turn)
            except Exception:  # the runner itself must survive anything
                self.persona.log.exception("turn of %s failed", self.persona.name)
            finally:
                self._current = None
                self._task = None
                self._queue_changed()

    async def _run(self, turn: Turn) -> None:
        persona = self.persona
        persona.writer.turn = turn
        # "is writing" shows only when the reply takes a moment: a fast first chunk reaches
        # the browsers without an awareness update to render ahead of it
        writing = asyncio.get_running_loop().call_later(WRITING_DELAY, persona.chat.set_writing, persona.user)
        self._task = asyncio.create_task(self._process(turn))
        try:
            # wait() never raises the task's exception or cancellation into the worker
            async with active_while(persona.runtime.serverapp):  # no idle culling mid-turn
                await asyncio.wait([self._task])
            self._report(turn, self._task)
        finally:
            persona.writer.turn = None
            writing.cancel()
            persona.chat.set_writing(persona.user, active=False)
            persona.chat.save_now()  # a turn's end is on disk, whatever stops the server next
        if self._on_turn_end is not None and not turn.stopped:
            await self._on_turn_end(persona, turn)

    async def _process(self, turn: Turn) -> None:
        if not self._prepared:
            try:
                await self.persona.prepare()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                raise _PrepareFailed(exc) from exc
            self._prepared = True
        await self.persona.process_message(turn.message)

    def _report(self, turn: Turn, task: asyncio.Task[None]) -> None:
        persona = self.persona
        open_streams = [s for s in turn.streams if not s.closed]
        if task.cancelled():
            if open_streams or any(s.started for s in turn.streams):
                target = open_streams[-1] if open_streams else turn.streams[-1]
                for stream in open_streams:
                    if stream is not target:
                        stream.close()
                if target.closed:
                    persona.chat.post(persona.id, STOPPED_MARK)
                else:
                    target.close("\n\n" + STOPPED_MARK if target.text else STOPPED_MARK)
            else:
                turn.posted.append(persona.chat.post(persona.id, STOPPED_MARK))
            return
        for stream in open_streams:
            stream.close()
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, _PrepareFailed):
            text = error_message(persona.name, "could not get ready", exc.cause)
        else:
            text = error_message(persona.name, "hit an error", exc)
        persona.log.warning("%s: %s", persona.name, exc, exc_info=exc)
        persona.chat.post(persona.id, text, metadata=metadata(ErrorNotice()))


class _PrepareFailed(Exception):
    def __init__(self, cause: Exception):
        super().__init__(str(cause))
        self.cause = cause

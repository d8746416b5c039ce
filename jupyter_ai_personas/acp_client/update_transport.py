"""The agent's stdout as ACP messages: session updates delivered in order, without a task each,
and a streamed reply read in batches.

The ACP SDK (agent-client-protocol 0.12) starts a task per notification and routes it; for a
reply streamed as 2,000 chunks that is a large part of the server's CPU, and the largest is the
wake-up per chunk (one `read` of the pipe each, ~0.25 ms here). This transport, on the SDK's own
`Transport` seam with its newline-delimited JSON framing reused:

- hands every `session/update` notification to the client itself, validated with the SDK's
  `SessionNotification` model as its router would, in the order the agent sent them and
  before the next message is read (a malformed one is logged and dropped, as the SDK does);
- once chunks of the agent's text or thoughts come in quick succession (a stream), stops
  reading the pipe for `READ_PAUSE` seconds after each, so that the chunks that arrive
  meanwhile are read together. The chat shows a streaming reply every `flush_interval` (0.2 s)
  anyway, and the first chunks of a reply are read at once; an answer or request that arrives
  in a pause waits for its end. A lone chunk never pauses: a short reply's end (the prompt's
  answer) is read at once, and so the next message starts at once.

Requests, responses and other notifications go to the SDK unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from acp._transport import NdjsonTransport  # the SDK's stdio framing, exported by its module
from acp.schema import SessionNotification
from acp.task import MessageSender, TaskSupervisor

UPDATE = "session/update"
READ_PAUSE = 0.15  # seconds: less than the default flush_interval (0.2 s), at which the chat shows it
log = logging.getLogger(__name__)


class SessionUpdateTransport:
    """`acp.connect_to_agent(client, SessionUpdateTransport(stdout, stdin, client, pipe))`:
    `pipe` is the stdout's `asyncio.ReadTransport` (paused between batches), or None."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: Any,
        pipe: asyncio.ReadTransport | None = None,
    ) -> None:
        self._tasks = TaskSupervisor(source="jupyter_ai_personas.SessionUpdateTransport")
        self._lines = NdjsonTransport(reader, MessageSender(writer, self._tasks))
        self._client = client
        self._pipe = pipe
        self._resume: asyncio.TimerHandle | None = None
        self._last_chunk = float("-inf")

    async def send(self, message: dict[str, Any]) -> None:
        await self._lines.send(message)

    async def receive(self) -> dict[str, Any] | None:
        while True:
            message = await self._lines.receive()
            if message is None or message.get("method") != UPDATE or "id" in message:
                self._last_chunk = float("-inf")  # e.g. a turn's end: the next reply starts afresh
                return message
            update = await self._deliver(message.get("params"))
            if update in ("agent_message_chunk", "agent_thought_chunk"):
                now = asyncio.get_running_loop().time()
                if now - self._last_chunk < READ_PAUSE:  # chunks in quick succession: a stream
                    self._pause()
                self._last_chunk = now

    async def _deliver(self, params: Any) -> str | None:
        """Give the client one session update; its kind."""
        try:
            notification = SessionNotification.model_validate(params)
            meta = notification.field_meta or {}
            await self._client.session_update(
                session_id=notification.session_id, update=notification.update, **meta
            )
            return str(notification.update.session_update)
        except Exception:
            log.exception("Unhandled error while handling notification method=%s", UPDATE)
            return None

    def _pause(self) -> None:
        pipe = self._pipe
        if pipe is None or self._resume is not None or pipe.is_closing():
            return
        pipe.pause_reading()
        self._resume = asyncio.get_running_loop().call_later(READ_PAUSE, self._resume_reading)

    def _resume_reading(self) -> None:
        self._resume = None
        if self._pipe is not None and not self._pipe.is_closing():
            self._pipe.resume_reading()

    async def close(self) -> None:
        if self._resume is not None:
            self._resume.cancel()
            self._resume_reading()
        try:
            await self._lines.close()
        finally:
            await self._tasks.shutdown()

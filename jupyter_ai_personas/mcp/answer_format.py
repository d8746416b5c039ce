"""How each POST of an MCP session is answered: plain JSON unless it needs a stream.

Streamable HTTP lets the server answer any POST with `application/json` or with a
`text/event-stream` (a client accepts both). The SDK 1.x fixes the choice per session manager,
and an event stream per request is the costly one: a task group of five per response, and the
SDK client closes the stream once it has the answer, before the stream's end arrives, so every
request costs a new connection. Here the choice is made per request:

- up front (`answer_as_json`): a request that asks for no progress is answered as JSON, as is
  everything for a client that accepts only JSON. Requests with a progress token get a stream.
- after the fact (`SingleAnswer`): a stream whose first event is the answer itself (a tool
  that reported no progress) goes out as JSON after all.

This is the choice the SDK 2.x makes for protocol revision 2026-07-28. It needs one small
reach into the SDK 1.x (matched against 1.30): the session's transport reads its
`is_json_response_enabled` per request, from a context variable the gateway sets.
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mcp.server.streamable_http import StreamableHTTPServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
_ANSWER_JSON: contextvars.ContextVar[bool | None] = contextvars.ContextVar("mcp_answer_json", default=None)


def answer_as_json(method: str, accept: str, body: bytes | None) -> bool:
    """Whether this request's answer goes out as one JSON body (see the module's docstring)."""
    if method != "POST":
        return False
    if "text/event-stream" not in accept:
        return True
    try:
        message = json.loads(body or b"")
    except ValueError:
        return True  # the SDK answers a malformed body with a JSON error either way
    if not isinstance(message, dict) or "method" not in message or "id" not in message:
        return True  # a notification or a response: acknowledged with 202, no stream
    params = message.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    return not (isinstance(meta, dict) and meta.get("progressToken") is not None)


class _PerRequestTransport(StreamableHTTPServerTransport):
    @property  # type: ignore[override]
    def is_json_response_enabled(self) -> bool:
        chosen = _ANSWER_JSON.get()
        return bool(self.__dict__.get("_json_default", False)) if chosen is None else chosen

    @is_json_response_enabled.setter
    def is_json_response_enabled(self, value: bool) -> None:
        self.__dict__["_json_default"] = value


class SessionManager(StreamableHTTPSessionManager):
    """The SDK's session manager, whose sessions choose JSON or a stream per request."""

    def _admit_session(self, requestor: Any) -> StreamableHTTPServerTransport | None:
        transport = super()._admit_session(requestor)
        if transport is not None:
            default = transport.__dict__.pop("is_json_response_enabled", False)
            transport.__class__ = _PerRequestTransport
            transport.is_json_response_enabled = default
        return transport

    async def handle_as(self, json_answer: bool, scope: Any, receive: Any, send: Send) -> None:
        token = _ANSWER_JSON.set(json_answer)
        streamed_post = scope.get("method") == "POST" and not json_answer
        try:
            await self.handle_request(scope, receive, SingleAnswer(send) if streamed_post else send)
        finally:
            _ANSWER_JSON.reset(token)


def _lone_response(chunk: bytes) -> bytes | None:
    """The JSON-RPC response in one SSE event, or None when the chunk is anything else."""
    try:
        text = chunk.decode()
    except UnicodeDecodeError:
        return None
    events = [event for event in text.replace("\r\n", "\n").split("\n\n") if event.strip()]
    if len(events) != 1:
        return None
    data: list[str] = []
    for line in events[0].split("\n"):
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value.removeprefix(" "))
        elif name not in ("event", "id"):  # a comment (keep-alive) or a retry: a real stream
            return None
    try:
        message = json.loads("\n".join(data))
    except ValueError:
        return None
    answers = isinstance(message, dict) and "id" in message and ("result" in message or "error" in message)
    return "\n".join(data).encode() if answers and "method" not in message else None


class SingleAnswer:
    """Wraps the `send` of one streamed POST: headers wait for the first event; when that event
    is the answer, it goes out as JSON with a length (the connection is kept); anything else
    (progress, a keep-alive) commits to the stream as the SDK wrote it."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._held: Message | None = None
        self._done = False

    async def __call__(self, message: Message) -> None:
        if self._done:
            return  # the stream's own end, after the answer went out as JSON
        if message["type"] == "http.response.start" and self._is_event_stream(message):
            self._held = message
            return
        if self._held is not None and message["type"] == "http.response.body":
            held, self._held = self._held, None
            answer = _lone_response(message.get("body", b""))
            if answer is not None:
                self._done = True
                await self._send(self._as_json(held, answer))
                await self._send({"type": "http.response.body", "body": answer, "more_body": False})
                return
            await self._send(held)
        await self._send(message)

    @staticmethod
    def _is_event_stream(message: Message) -> bool:
        return any(
            name.lower() == b"content-type" and value.startswith(b"text/event-stream")
            for name, value in message.get("headers", [])
        )

    @staticmethod
    def _as_json(start: Message, body: bytes) -> Message:
        headers = [
            (name, value)
            for name, value in start.get("headers", [])
            if name.lower() not in (b"content-type", b"cache-control", b"connection", b"content-length")
        ]
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        return {**start, "headers": headers}

"""Serve one Tornado request with an ASGI application (the MCP SDK's Streamable HTTP manager).

Jupyter's Tornado handler authenticates the request; the SDK then answers it, streaming
server-sent events through Tornado as they are sent. Nothing here knows about MCP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from tornado.iostream import StreamClosedError
from tornado.web import RequestHandler

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
AsgiApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


def asgi_scope(handler: RequestHandler, extra: dict[str, Any]) -> Scope:
    request = handler.request
    host, _, port = (request.host or "localhost").partition(":")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": request.version.removeprefix("HTTP/") or "1.1",
        "method": request.method,
        "scheme": request.protocol,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers.get_all()],
        "client": (request.remote_ip, 0),
        "server": (host, int(port) if port.isdigit() else 80),
        "state": {},
        **extra,
    }


class TornadoAsgiBridge:
    """Runs an ASGI app for one Tornado request: the body in, the status, headers and body out."""

    def __init__(self, handler: RequestHandler) -> None:
        self.handler = handler
        self.closed = asyncio.Event()  # set by the handler's on_connection_close
        self._body_sent = False
        self._started = False

    async def run(self, app: AsgiApp, extra_scope: dict[str, Any]) -> None:
        await app(asgi_scope(self.handler, extra_scope), self._receive, self._send)
        if not self.handler._finished:
            self.handler.finish()

    async def _receive(self) -> Message:
        if not self._body_sent:
            self._body_sent = True
            return {"type": "http.request", "body": self.handler.request.body or b"", "more_body": False}
        await self.closed.wait()  # a streaming response ends when the client goes away
        return {"type": "http.disconnect"}

    async def _send(self, message: Message) -> None:
        handler = self.handler
        if message["type"] == "http.response.start":
            self._started = True
            handler.set_status(message["status"])
            handler.clear_header("Content-Type")
            for name, value in message.get("headers", []):
                handler.add_header(name.decode("latin-1"), value.decode("latin-1"))
            return
        if message["type"] != "http.response.body" or handler._finished:
            return
        body = message.get("body", b"")
        if body:
            handler.write(body)
        try:
            if message.get("more_body", False):
                await handler.flush()  # an event of a stream: to the client now
            else:
                handler.finish()
        except StreamClosedError:
            self.closed.set()

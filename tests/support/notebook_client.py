"""A person with a notebook open: the same room and CRDT sync that JupyterLab uses."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx
from httpx_ws import aconnect_ws
from jupyter_ydoc import YNotebook
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from pycrdt import Awareness, Doc, Provider, Text

from .chat_client import CountingChannel, open_room
from .server import JupyterServer

T = TypeVar("T")


class NotebookClient:
    """`async with NotebookClient(server, "a.ipynb") as notebook:`"""

    def __init__(self, server: JupyterServer, path: str):
        self.server, self.path = server, path
        self.doc = Doc()
        self.notebook = YNotebook(self.doc)
        self.awareness = Awareness(self.doc)
        self._changed = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self.channel: CountingChannel | None = None

    async def __aenter__(self) -> NotebookClient:
        room, session = await open_room(self.server, self.path, kind="notebook")
        http = await self._stack.enter_async_context(httpx.AsyncClient(headers=self.server.headers))
        websocket = await self._stack.enter_async_context(
            aconnect_ws(
                f"{self.server.url}api/collaboration/room/{room}?sessionId={session}",
                client=http,
                keepalive_ping_interval_seconds=None,
            )
        )
        self.channel = CountingChannel(websocket, room, self._on_awareness)
        provider = await self._stack.enter_async_context(Provider(self.doc, self.channel))
        await asyncio.wait_for(provider.synced.wait(), 20)
        self.doc.observe(lambda _event: self._changed.set())
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self._stack.aclose()

    def _on_awareness(self, update: bytes) -> None:
        self.awareness.apply_awareness_update(update, "server")
        self._changed.set()

    # -- looking -----------------------------------------------------------------------
    def cells(self) -> list[dict[str, Any]]:
        return self.notebook.get()["cells"]

    def ids(self) -> list[str]:
        return [c["id"] for c in self.cells()]

    def cell(self, cell_id: str) -> dict[str, Any]:
        return next(c for c in self.cells() if c["id"] == cell_id)

    def collaborators(self) -> list[dict[str, Any]]:
        return [s for s in self.awareness.states.values() if s and s.get("user")]

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 30, what: str = "") -> T:
        deadline = time.monotonic() + timeout
        while True:
            self._changed.clear()
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}; cells: {self.cells()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), 1.0)

    # -- acting ------------------------------------------------------------------------
    def type_into(self, cell_id: str, text: str, at: int = 0) -> None:
        """A person typing `text` into a cell at position `at`."""
        for ycell in self.notebook.ycells:
            if ycell.get("id") == cell_id:
                source = ycell["source"]
                assert isinstance(source, Text)
                source.insert(at, text)
                return
        raise KeyError(cell_id)


@contextlib.asynccontextmanager
async def mcp_session(
    server: JupyterServer, headers: dict[str, str] | None = None
) -> AsyncIterator[ClientSession]:
    """The official MCP client, on the server's notebook tools."""
    url = server.url + "api/ai-personas/mcp"
    http = httpx.AsyncClient(
        headers=server.headers if headers is None else headers, timeout=httpx.Timeout(600)
    )
    async with http, streamable_http_client(url, http_client=http) as (read, write, _):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session

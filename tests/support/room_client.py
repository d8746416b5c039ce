"""A person with a collaborative document open: the same room websocket and CRDT sync as JupyterLab."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from httpx_ws import aconnect_ws
from pycrdt import Awareness, Channel, Doc, YMessageType, read_message

from .lab_provider import LabProvider
from .server import JupyterServer

T = TypeVar("T")


class CountingChannel(Channel):
    """A pycrdt channel over the room websocket that counts the bytes it receives."""

    def __init__(self, websocket: Any, path: str, on_awareness: Callable[[bytes], None] | None = None):
        self._websocket = websocket
        self._path = path
        self._on_awareness = on_awareness
        self.bytes_received = 0
        self.frames_received = 0
        self.receive_times: list[float] = []

    @property
    def path(self) -> str:
        return self._path

    async def send(self, message: bytes) -> None:
        await self._websocket.send_bytes(message)

    async def recv(self) -> bytes:
        data = bytes(await self._websocket.receive_bytes())
        self.bytes_received += len(data)
        self.frames_received += 1
        self.receive_times.append(time.monotonic())
        if data and data[0] == YMessageType.AWARENESS and self._on_awareness is not None:
            self._on_awareness(read_message(data[1:]))
        return data

    async def __anext__(self) -> bytes:
        try:
            return await self.recv()
        except Exception:
            raise StopAsyncIteration() from None


async def open_room(server: JupyterServer, path: str, *, kind: str = "chat") -> tuple[str, str]:
    """Ask the collaboration extension for a room: returns (room id, session id)."""
    file_format = "text" if kind == "chat" else "json"
    async with server.client() as client:
        response = await client.put(
            f"api/collaboration/session/{quote(path)}", json={"format": file_format, "type": kind}
        )
        response.raise_for_status()
        data = response.json()
    return f"{data['format']}:{data['type']}:{data['fileId']}", data["sessionId"]


class RoomClient:
    """What the chat and notebook clients share: joining the room, following changes, waiting."""

    kind = "chat"

    def __init__(self, server: JupyterServer, path: str):
        self.server, self.path = server, path
        self.doc = Doc()
        self.awareness = Awareness(self.doc)
        self._changed = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self.channel: CountingChannel | None = None

    async def _connect(self) -> None:
        room, session = await open_room(self.server, self.path, kind=self.kind)
        http = await self._stack.enter_async_context(
            httpx.AsyncClient(headers=self.server.headers, **self.server.http_options)
        )
        websocket = await self._stack.enter_async_context(
            aconnect_ws(
                f"{self.server.url}api/collaboration/room/{room}?sessionId={session}",
                client=http,
                keepalive_ping_interval_seconds=None,
            )
        )
        self.channel = CountingChannel(websocket, room, self._on_awareness)
        provider = await self._stack.enter_async_context(LabProvider(self.doc, self.channel))
        await asyncio.wait_for(provider.synced.wait(), 20)
        self.doc.observe(lambda _event: self._changed.set())

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self._stack.aclose()

    def _on_awareness(self, update: bytes) -> None:
        self.awareness.apply_awareness_update(update, "server")
        self._changed.set()

    def describe(self) -> str:
        """What a timed-out wait shows of the document."""
        return ""

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 30, what: str = "") -> T:
        """Wait until `predicate()` returns something truthy (checked on every change)."""
        deadline = time.monotonic() + timeout
        while True:
            self._changed.clear()
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {what or predicate}; {self.describe()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))

"""Acting as a person in a chat: the same websocket and CRDT sync that JupyterLab uses."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from httpx_ws import aconnect_ws
from pycrdt import Array, Awareness, Channel, Doc, Map, Provider, YMessageType, read_message

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


async def create_chat(server: JupyterServer, path: str, content: dict[str, Any] | None = None) -> None:
    async with server.client() as client:
        response = await client.put(
            f"api/contents/{quote(path)}",
            json={"type": "file", "format": "text", "content": json.dumps(content or {})},
        )
        response.raise_for_status()


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


class ChatClient:
    """A person in a chat. Use `async with ChatClient(server, "a.chat") as chat:`."""

    def __init__(self, server: JupyterServer, path: str, *, username: str = "alice", create: bool = True):
        self.server = server
        self.path = path
        self.username = username
        self.create = create
        self.doc = Doc()
        self.messages_array = self.doc.get("messages", type=Array)
        self.users_map = self.doc.get("users", type=Map)
        self.metadata_map = self.doc.get("metadata", type=Map)
        self.awareness = Awareness(self.doc)
        self._changed = asyncio.Event()
        self._stack = contextlib.AsyncExitStack()
        self.channel: CountingChannel | None = None

    async def __aenter__(self) -> ChatClient:
        if self.create:
            async with self.server.client() as client:
                exists = (await client.get(f"api/contents/{quote(self.path)}?content=0")).status_code == 200
            if not exists:
                await create_chat(self.server, self.path)
        room, session = await open_room(self.server, self.path)
        http = await self._stack.enter_async_context(httpx.AsyncClient(headers=self.server.headers))
        websocket = await self._stack.enter_async_context(
            aconnect_ws(
                f"{self.server.url}api/collaboration/room/{room}?sessionId={session}",
                client=http,
                keepalive_ping_interval_seconds=None,
            )
        )
        self.channel = CountingChannel(websocket, room, self._apply_awareness)
        provider = await self._stack.enter_async_context(Provider(self.doc, self.channel))
        await asyncio.wait_for(provider.synced.wait(), 20)
        self.doc.observe(lambda _event: self._changed.set())
        return self

    def _apply_awareness(self, update: bytes) -> None:
        self.awareness.apply_awareness_update(update, "server")
        self._changed.set()

    def writers(self) -> list[str]:
        """Display names of the users shown as writing (personas publish these)."""
        names = []
        for state in self.awareness.states.values():
            for writer in (state or {}).get("writers", []) or []:
                names.append(writer.get("user", {}).get("display_name", ""))
        return names

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self._stack.aclose()

    # -- acting --------------------------------------------------------------------------
    def join(self, display_name: str | None = None) -> None:
        name = display_name or self.username.capitalize()
        self.users_map[self.username] = {
            "username": self.username,
            "name": name,
            "display_name": name,
            "initials": name[:1].upper(),
            "avatar_url": None,
            "color": None,
            "bot": False,
        }

    def send(self, body: str, *, mentions: list[str] | None = None, metadata: dict | None = None) -> str:
        """Post a message as the chat frontend does (client time, raw_time set)."""
        if self.username not in self.users_map:
            self.join()
        message_id = str(uuid.uuid4())
        fields: dict[str, Any] = {
            "type": "msg",
            "id": message_id,
            "body": body,
            "time": time.time(),
            "sender": self.username,
            "raw_time": True,
        }
        if mentions:
            fields["mentions"] = mentions
        if metadata:
            fields["metadata"] = metadata
        self.messages_array.append(Map(fields))
        return message_id

    def edit(self, message_id: str, body: str) -> None:
        for message in self.messages_array:
            if message.get("id") == message_id:
                message["body"] = body
                message["edited"] = True

    # -- looking -------------------------------------------------------------------------
    def messages(self) -> list[dict[str, Any]]:
        return self.messages_array.to_py() or []

    def users(self) -> dict[str, dict[str, Any]]:
        return self.users_map.to_py() or {}

    def user_id(self, name: str) -> str | None:
        for username, user in self.users().items():
            if user.get("name") == name or user.get("display_name") == name:
                return username
        return None

    def messages_from(self, name: str) -> list[dict[str, Any]]:
        """Messages of the user with this display name (a persona, or "Personas")."""
        ids = {u for u, user in self.users().items() if user.get("display_name") == name}
        return [m for m in self.messages() if m.get("sender") in ids]

    def bodies_from(self, name: str) -> list[str]:
        return [m.get("body", "") for m in self.messages_from(name)]

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
                raise AssertionError(
                    f"timed out waiting for {what or predicate}; messages:\n"
                    + "\n".join(f"- {m.get('sender')}: {m.get('body', '')[:300]!r}" for m in self.messages())
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 1.0))

    async def wait_for_text(self, name: str, text: str, timeout: float = 30) -> str:
        """Wait for a message of `name` containing `text`; returns its body."""

        def found() -> str | None:
            return next((b for b in self.bodies_from(name) if text in b), None)

        return await self.wait_for(found, timeout, what=f"{name!r} to write {text!r}")

    async def settle(self, seconds: float = 1.0) -> None:
        """Let the server act (used to check that something does NOT happen)."""
        await asyncio.sleep(seconds)

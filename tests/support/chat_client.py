"""Acting as a person in a chat: the same websocket and CRDT sync that JupyterLab uses."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any
from urllib.parse import quote

from pycrdt import Array, Map

from .room_client import RoomClient
from .server import JupyterServer


async def create_chat(server: JupyterServer, path: str, content: dict[str, Any] | None = None) -> None:
    async with server.client() as client:
        response = await client.put(
            f"api/contents/{quote(path)}",
            json={"type": "file", "format": "text", "content": json.dumps(content or {})},
        )
        response.raise_for_status()


class ChatClient(RoomClient):
    """A person in a chat. Use `async with ChatClient(server, "a.chat") as chat:`."""

    def __init__(self, server: JupyterServer, path: str, *, username: str = "alice", create: bool = True):
        super().__init__(server, path)
        self.username = username
        self.create = create
        self.messages_array = self.doc.get("messages", type=Array)
        self.users_map = self.doc.get("users", type=Map)
        self.metadata_map = self.doc.get("metadata", type=Map)

    async def __aenter__(self) -> ChatClient:
        if self.create:
            async with self.server.client() as client:
                exists = (await client.get(f"api/contents/{quote(self.path)}?content=0")).status_code == 200
            if not exists:
                await create_chat(self.server, self.path)
        await self._connect()
        return self

    def writers(self) -> list[str]:
        """Display names of the users shown as writing (personas publish these)."""
        names = []
        for state in self.awareness.states.values():
            for writer in (state or {}).get("writers", []) or []:
                names.append(writer.get("user", {}).get("display_name", ""))
        return names

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

    def send(
        self,
        body: str,
        *,
        mentions: list[str] | None = None,
        metadata: dict | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> str:
        """Post a message as the chat frontend does (client time, raw_time set); `attachments`
        as jupyterlab-chat stores them (a file, or a notebook with cells and selections)."""
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
        if attachments:
            ids = [str(uuid.uuid4()) for _ in attachments]
            attachments_map = self.doc.get("attachments", type=Map)
            for attachment_id, attachment in zip(ids, attachments, strict=True):
                attachments_map[attachment_id] = attachment
            fields["attachments"] = ids
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

    def tail_start(self) -> int:
        """Where a timed wait starts looking for what comes next: a few messages before the
        chat's end (the person's own may be moved back by its server time)."""
        return max(len(self.messages_array) - 3, 0)

    def messages_from_index(self, start: int) -> list[dict[str, Any]]:
        """The messages at `start` and after (a long chat is not read whole, as a browser does not
        on each change: what a timed wait checks)."""
        array = self.messages_array
        items = (array[index] for index in range(max(start, 0), len(array)))
        return [item.to_py() if isinstance(item, Map) else item for item in items]

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

    def describe(self) -> str:
        return "messages:\n" + "\n".join(
            f"- {m.get('sender')}: {m.get('body', '')[:300]!r}" for m in self.messages()
        )

    async def wait_for_text(self, name: str, text: str, timeout: float = 30) -> str:
        """Wait for a message of `name` containing `text`; returns its body."""

        def found() -> str | None:
            return next((b for b in self.bodies_from(name) if text in b), None)

        return await self.wait_for(found, timeout, what=f"{name!r} to write {text!r}")

    async def settle(self, seconds: float = 1.0) -> None:
        """Let the server act (used to check that something does NOT happen)."""
        await asyncio.sleep(seconds)

"""The live documents of jupyter-collaboration 5 (and of jupyter-server-documents).

jupyter-collaboration never frees a room that no browser joined, so the rooms this layer
opens without one are saved and released after `idle_release` seconds unused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from jupyter_ydoc import YNotebook, YUnicode
from pycrdt import Text

from ..paths import PathRules
from ..upstream import open_room_document, room_lock, save_in_progress, server_documents_room
from .global_presence import GlobalPresence
from .layer import DocumentLayer
from .notebook import NotebookError
from .sync import apply_notebook_json
from .text_edits import EditConflict, apply_text, rebase


class CollaborationLayer(DocumentLayer):
    name = "jupyter-collaboration (live)"

    def __init__(self, serverapp: Any, rules: PathRules, log: logging.Logger, *, idle_release: float = 60.0):
        super().__init__(serverapp, rules, log)
        self.extension = serverapp.web_app.settings["jupyter_server_ydoc"]
        self.idle_release = idle_release
        self._headless: dict[str, float] = {}  # room id -> last use
        self._room_ids: dict[tuple[str, str, str], str] = {}  # (path, kind, format) -> room id
        self.presence = GlobalPresence(self.extension)
        self._release_task: asyncio.Task[None] | None = None

    def show_working(self, user: dict[str, Any], api_path: str) -> None:
        self.presence.show(user, api_path)

    def room_id(self, api_path: str, kind: str, file_format: str) -> str:
        file_id = self.serverapp.web_app.settings["file_id_manager"].index(api_path)
        return f"{file_format}:{kind}:{file_id}"

    async def _document(self, api_path: str, kind: str, file_format: str, *, create: bool) -> Any:
        # an open room is used directly: its id looked up before (the file id index is a sqlite
        # query each time, slow right after a save), checked to be still this path's
        known = self._room_ids.get((api_path, kind, file_format))
        if known is not None:
            document = open_room_document(self.extension, self._room(known), known, api_path)
            if document is not None:
                if known in self._headless:
                    self._headless[known] = time.monotonic()
                return document
        room_id = self.room_id(api_path, kind, file_format)
        existed = self.extension.ywebsocket_server.room_exists(room_id)
        try:
            document = await self.extension.get_document(
                path=api_path, content_type=kind, file_format=file_format, copy=False, create=create
            )
        except Exception as exc:
            reason = getattr(exc, "log_message", None) or str(exc) or type(exc).__name__
            raise NotebookError(f"{api_path} cannot be opened: {reason}") from None
        if document is not None:
            self._room_ids[(api_path, kind, file_format)] = room_id
        if document is not None and not existed:
            self._headless[room_id] = time.monotonic()
            self._watch_rooms()
        elif room_id in self._headless:
            self._headless[room_id] = time.monotonic()
        return document

    @contextlib.asynccontextmanager
    async def notebook(self, api_path: str) -> AsyncIterator[YNotebook]:
        self.require_file(api_path)
        document = await self._document(api_path, "notebook", "json", create=True)
        if document is None:
            raise NotebookError(f"{api_path} cannot be opened")
        yield document

    def _room(self, room_id: str) -> Any:
        rooms = getattr(self.extension.ywebsocket_server, "rooms", {})
        return rooms.get(room_id)

    def is_open(self, api_path: str) -> bool:
        if not (self.root / api_path).is_file():
            return False
        for kind, file_format in (("notebook", "json"), ("file", "text")):
            room = self._room(self.room_id(api_path, kind, file_format))
            if room is not None and getattr(room, "clients", None):
                return True
        return False

    async def _open_text(self, api_path: str) -> YUnicode | None:
        for kind, file_format in (("file", "text"), ("notebook", "json")):
            room_id = self.room_id(api_path, kind, file_format)
            room = self._room(room_id)
            if room is not None and getattr(room, "clients", None):
                return await self._document(api_path, kind, file_format, create=False)
        return None

    async def live_text(self, api_path: str) -> str | None:
        document = await self._open_text(api_path)
        if document is None:
            return None
        if isinstance(document, YNotebook):
            return json.dumps(document.get(), indent=1, ensure_ascii=False) + "\n"
        return document.get()

    async def write_live_text(self, api_path: str, content: str, base: str | None = None) -> bool:
        document = await self._open_text(api_path)
        if document is None:
            return False
        if isinstance(document, YNotebook):
            apply_notebook_json(document, content, base)
        else:
            source = document.ydoc.get("source", type=Text)
            try:
                merged = rebase(base, str(source), content) if base is not None else content
            except EditConflict as exc:
                raise NotebookError(f"{api_path}: {exc}; read it again and redo the change") from None
            apply_text(source, merged)
        return True

    # -- releasing rooms no browser opened ---------------------------------------------
    def _watch_rooms(self) -> None:
        if self._release_task is None or self._release_task.done():
            self._release_task = asyncio.create_task(self._release_idle())

    async def _release_idle(self) -> None:
        while self._headless:
            await asyncio.sleep(min(10.0, self.idle_release / 2))
            now = time.monotonic()
            for room_id, last_use in list(self._headless.items()):
                if now - last_use >= self.idle_release:
                    await self.release(room_id)

    async def release(self, room_id: str) -> None:
        self._headless.pop(room_id, None)
        server = self.extension.ywebsocket_server
        room = self._room(room_id)
        if room is None or getattr(room, "clients", None):
            return  # gone already, or a person joined: their connection cleans it up
        async with room_lock(self.extension, room_id):
            saving = save_in_progress(room)
            if saving is not None and not saving.done():
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(saving), 10)
            await server.delete_room(room=room)
            file_id = room_id.split(":")[-1]
            loaders = self.extension.file_loaders
            if file_id in loaders and loaders[file_id].number_of_subscriptions == 0:
                await loaders.remove(file_id)
        self.log.info("released the room of %s (no browser had it open)", room_id)

    async def close(self) -> None:
        if self._release_task is not None:
            self._release_task.cancel()
        self._headless.clear()
        self.presence.close()


class ServerDocumentsLayer(CollaborationLayer):
    """jupyter-server-documents: the same shim without `create`; it frees idle rooms itself."""

    name = "jupyter-server-documents (live)"

    async def _document(self, api_path: str, kind: str, file_format: str, *, create: bool) -> Any:
        try:
            return await self.extension.get_document(
                path=api_path, content_type=kind, file_format=file_format
            )
        except Exception as exc:
            raise NotebookError(f"{api_path} cannot be opened: {exc}") from None

    def _room(self, room_id: str) -> Any:
        return server_documents_room(self.serverapp.web_app.settings.get("yroom_manager"), room_id)

    async def _open_text(self, api_path: str) -> YUnicode | None:
        return None if not self.is_open(api_path) else await super()._open_text(api_path)


def make_document_layer(serverapp: Any, rules: PathRules, log: logging.Logger, **options: Any) -> Any:
    """The best layer this server offers."""
    from .layer import DiskLayer

    shim = serverapp.web_app.settings.get("jupyter_server_ydoc")
    if shim is None:
        return DiskLayer(serverapp, rules, log)  # no live documents on this server
    if type(shim).__module__.startswith("jupyter_server_documents"):
        return ServerDocumentsLayer(serverapp, rules, log, **options)
    return CollaborationLayer(serverapp, rules, log, **options)

"""ChatRouter: attaches a ChatSession to every chat opened on the server."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from jupyterlab_chat.ychat import YChat

from ..chat_loads import ChatLoads
from ..runtime import Runtime
from ..trust import file_digest
from ..watcher import FolderWatcher
from .builtin_commands import register_builtin_commands
from .chat_session import ChatSession
from .commands import CommandRegistry
from .session_commands import register_session_commands


class TrustError(Exception):
    """A `/trust` that cannot be applied; the message says why."""


class ChatRouter:
    def __init__(self, runtime: Runtime, loads: ChatLoads):
        self.runtime = runtime
        self.commands = CommandRegistry()
        register_builtin_commands(self.commands, self.refresh_all, self.trust_file)
        register_session_commands(self.commands)
        self.sessions: dict[str, ChatSession] = {}
        # ids of messages already handled, per chat; kept across close and reopen
        self._seen: dict[str, set[str]] = {}
        self.log = runtime.log
        self._watcher = FolderWatcher(log=runtime.log)
        self._lock = asyncio.Lock()
        self._chat_manager: Any = None
        self._loads = loads  # each chat's history, heard as its room loaded

    async def start(self, chat_manager: Any) -> None:
        self._chat_manager = chat_manager
        chat_manager.observe_chats(self._on_chat_event)
        self._watcher.start(self._on_folders_changed)
        live = getattr(chat_manager, "_chats_by_id", None) or {}
        opened = [(chat_id, model, self._history(model)) for chat_id, model in list(live.items())]
        for chat_id, model, history in opened:
            await self.attach(chat_id, model, history)

    def prepare_shutdown(self) -> list[tuple[Any, Any]]:
        """Mark the replies in progress and snapshot every chat, without awaiting (see `extension`)."""
        snapshots = [session.prepare_shutdown() for session in self.sessions.values()]
        return [snapshot for snapshot in snapshots if snapshot is not None]

    async def stop(self) -> None:
        await self._watcher.stop()
        for chat_id in list(self.sessions):
            await self.detach(chat_id)

    async def _on_chat_event(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        action, chat_id = data.get("action"), data.get("chat_id")
        if not chat_id:
            return
        try:
            if action == "opened":
                model = self._chat_manager.get(chat_id)
                if model is not None:
                    await self.attach(chat_id, model)
            elif action in ("closed", "deleted"):
                await self.detach(chat_id)
        except Exception:
            self.log.exception("chat event %s for %s failed", action, data.get("path"))

    def _history(self, model: Any) -> set[str]:
        try:
            path = model.get_path()
        except ValueError:  # no path (yet): nothing saved
            return set()
        return self._loads.history(getattr(model, "room_id", None), path)

    async def attach(self, chat_id: str, model: Any, history: set[str] | None = None) -> None:
        if not isinstance(model, YChat):
            self.log.warning(
                "chat %s is not a collaborative YChat; personas need jupyter-collaboration", chat_id
            )
            return
        if history is None:  # before waiting for the lock (`chat_loads` says why)
            history = self._history(model)
        async with self._lock:
            current = self.sessions.get(chat_id)
            if current is not None and current.ychat is model:
                return  # "opened" is emitted again for every client that connects
            if current is not None:
                await current.close()
            session = ChatSession(
                model,
                chat_id,
                model.get_path(),
                self.runtime,
                self.commands,
                self._seen.setdefault(chat_id, set()),
            )
            self.sessions[chat_id] = session
            await session.start(history)
            self._update_watch()
            self.log.info("personas attached to chat %s", session.path)

    async def detach(self, chat_id: str) -> None:
        async with self._lock:
            session = self.sessions.pop(chat_id, None)
            if session is not None:
                await session.close()
                self._update_watch()
                self.log.info("personas detached from chat %s", session.path)

    def session_for_path(self, path: str) -> ChatSession | None:
        for session in self.sessions.values():
            try:
                current = session.ychat.get_path()
            except ValueError:
                current = session.path
            if current == path:
                return session
        return None

    def _update_watch(self) -> None:
        folders: set[Path] = set()
        for session in self.sessions.values():
            folders |= session.folders()
        self._watcher.set_folders(folders)

    async def _on_folders_changed(self, folders: set[Path]) -> None:
        catalog = self.runtime.catalog
        folders = {folder for folder in folders if catalog.invalidate_if_changed(folder)}
        if not folders:
            return
        for session in list(self.sessions.values()):
            if session.folders() & folders:
                await session.reload()

    async def refresh_all(self) -> None:
        self.runtime.catalog.refresh()
        for session in list(self.sessions.values()):
            await session.reload()

    async def trust_file(self, path: str, digest_prefix: str, *, by: str) -> str:
        """Trust a persona file's content as a person read it; what to tell them, or TrustError."""
        catalog = self.runtime.catalog
        target = (self.runtime.root_dir / path).resolve()
        if not catalog.is_persona_folder(target.parent) or target.suffix not in (".py", ".md"):
            raise TrustError(f"`{path}` is not a persona file (a .py or .md file in a persona folder).")
        if not target.is_file():
            raise TrustError(f"`{path}` does not exist (any more).")
        digest = file_digest(target)
        if len(digest_prefix) < 8 or not digest.startswith(digest_prefix.lower()):
            raise TrustError(
                f"`{path}` is not the content that notice showed (its SHA-256 does not start with "
                f"`{digest_prefix or '?'}`): it changed since. Read it again; the new notice gives "
                "the command."
            )
        catalog.trust.trust(target, digest)
        self.log.info("persona file %s (sha256 %s) trusted by %s", target, digest, by)
        await self.reload_folder(target.parent)
        return (
            f"🔓 {by} trusted `{path}` (SHA-256 `{digest[:12]}…`): its personas are loaded. "
            "A change to it asks again."
        )

    async def reload_folder(self, folder: Path) -> None:
        """Load one persona folder again (e.g. a file of it was trusted) in every chat that sees it."""
        self.runtime.catalog.forget(folder)
        for session in list(self.sessions.values()):
            if folder in session.folders():
                await session.reload()

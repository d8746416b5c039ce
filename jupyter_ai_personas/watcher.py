"""FolderWatcher: notices persona files created, edited or deleted, without polling.

A persona folder that does not exist yet is watched through its nearest existing
parent (`.jupyter`, or the chat's folder itself), so creating it is noticed too.
Watches are not recursive: a big server root costs nothing. The callback may be called
for folders that did not change; it compares their contents itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import awatch

ChangeCallback = Callable[[set[Path]], Awaitable[None]]


class FolderWatcher:
    def __init__(self, *, step_ms: int = 100, log: logging.Logger | None = None):
        self._step_ms = step_ms
        self._log = log or logging.getLogger(__name__)
        self._folders: set[Path] = set()
        self._restart = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._callback: ChangeCallback | None = None
        self._pending: set[asyncio.Future[None]] = set()

    def start(self, callback: ChangeCallback) -> None:
        self._callback = callback
        self._task = asyncio.create_task(self._run(), name="persona-folder-watcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def set_folders(self, folders: set[Path]) -> None:
        if folders != self._folders:
            self._folders = set(folders)
            self._restart.set()

    def _recheck(self, folders: set[Path]) -> None:
        task = asyncio.ensure_future(self._notify(folders))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _notify(self, folders: set[Path]) -> None:
        folders &= self._folders
        if folders and self._callback is not None:
            try:
                await self._callback(folders)
            except Exception:
                self._log.exception("persona reload failed")

    def _targets(self) -> set[Path]:
        """What to watch: each folder, or its nearest existing parent."""
        targets = set()
        for folder in self._folders:
            candidate = folder
            while not candidate.is_dir() and candidate != candidate.parent:
                candidate = candidate.parent
            targets.add(candidate)
        return targets

    def _affected(self, changed: Path) -> tuple[set[Path], bool]:
        """The folders a changed path concerns, and whether what we watch must change."""
        folders, retarget = set(), False
        for folder in self._folders:
            if changed.parent == folder:
                folders.add(folder)
            elif folder.is_relative_to(changed):
                folders.add(folder)  # the folder or one of its parents came or went
                retarget = True
        return folders, retarget

    async def _run(self) -> None:
        while True:
            self._restart.clear()
            targets = self._targets()
            if not targets:
                await self._restart.wait()
                continue
            # A change made while the watch was being set up would go unseen: look once more
            # when it is surely armed (the callback ignores folders that did not change).
            asyncio.get_running_loop().call_later(0.5, self._recheck, set(self._folders))
            try:
                async for changes in awatch(
                    *targets,
                    recursive=False,
                    watch_filter=None,
                    step=self._step_ms,
                    debounce=1000,
                    stop_event=self._restart,
                    ignore_permission_denied=True,
                ):
                    affected: set[Path] = set()
                    retargeted: set[Path] = set()
                    for _change, raw_path in changes:
                        folders, retarget = self._affected(Path(raw_path))
                        affected |= folders
                        if retarget:
                            retargeted |= folders
                    if any(not target.is_dir() for target in targets):
                        retargeted |= affected
                    if affected and self._callback is not None:
                        await self._callback(affected)
                    if retargeted:
                        self._restart.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                # a watched folder vanished under us, for instance: look again shortly
                self._log.debug("persona folder watch restarted", exc_info=True)
                await asyncio.sleep(0.2)

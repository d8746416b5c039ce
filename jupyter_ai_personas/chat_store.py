"""jupyter-collaboration's document store, with a chat's updates written together.

jupyter-collaboration keeps each document's updates in an SQLite store
(`YDocExtension.ystore_class`), one write per update. A write is a transaction of about ten
hops to a worker thread (pycrdt-store's SQLiteYStore over sqlite-anyio), about 2 ms of the
server's CPU; a reply streaming for 20 s updates its chat some 120 times, so the store was a
third of the server's CPU for that reply. This store, which the extension puts in place unless
a person configured a `ystore_class` (`PersonasExtension.batch_chat_store`), merges the updates
a chat gets within `chat_write_interval` seconds and writes them as one. Other documents are
written update by update, as before: the notebook timeline replays the store one update at a
time.

What it gives up: on a kill (SIGKILL), the last `chat_write_interval` of a chat's updates are
missing from the store. The store is not where chats are kept, their files are (`chat_saving`),
and a room whose store differs from its file loads the file. A stopping server writes what is
pending (`flush_all`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Any

from jupyter_server_ydoc.stores import SQLiteYStore
from pycrdt import Doc, merge_updates
from traitlets import Float

_STORES: weakref.WeakSet[ChatBatchingYStore] = weakref.WeakSet()


def is_chat(store_path: str) -> bool:
    """jupyter-collaboration names a document's updates `.{file_type}:{file_id}.y`."""
    return store_path.startswith(".chat:")


class ChatBatchingYStore(SQLiteYStore):
    chat_write_interval = Float(
        1.0,
        config=True,
        help="""Seconds during which a chat's document updates are gathered and then written
        to the store as one (0: each at once, as jupyter-collaboration does).""",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushing = asyncio.Lock()  # a flush waits for one in progress (readers see it)
        _STORES.add(self)

    async def write(self, data: bytes) -> None:
        if not is_chat(self.path) or self.chat_write_interval <= 0:
            await super().write(data)
            return
        self._pending.append(data)
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.chat_write_interval, self._write_soon)

    def _write_soon(self) -> None:
        self._timer = None
        asyncio.ensure_future(self.flush()).add_done_callback(self._written)

    def _written(self, task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.log.error("chat updates not written to the store %s", self.path, exc_info=task.exception())

    async def flush(self) -> None:
        """Write what is pending now, as one update; after a flush in progress."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._flushing:
            while self._pending:
                pending, self._pending = self._pending, []
                try:
                    await super().write(pending[0] if len(pending) == 1 else merge_updates(*pending))
                except BaseException:
                    self._pending[:0] = pending  # kept for the next flush
                    raise

    # readers (a room loading, the timeline) see every update: what is pending is written first
    async def read(self) -> AsyncIterator[tuple[bytes, bytes, float]]:  # type: ignore[override]
        await self.flush()
        async for item in super().read():
            yield item

    async def apply_updates(self, ydoc: Doc) -> None:
        await self.flush()
        await super().apply_updates(ydoc)

    async def stop(self) -> None:
        await self.flush()
        await super().stop()


async def flush_all(timeout: float = 5.0) -> None:
    """Write every store's pending updates (the server stops)."""
    flushes = [store.flush() for store in list(_STORES) if store._pending or store._flushing.locked()]
    if flushes:
        await asyncio.wait_for(asyncio.gather(*flushes, return_exceptions=True), timeout)


def use_for_chats(serverapp: Any, log: Any) -> None:
    """Make this the collaboration extension's store, unless a person configured one. Called
    before jupyter-collaboration loads (jupyter_server loads extensions in name order), which
    is when it reads `ystore_class`."""
    manager = getattr(serverapp, "extension_manager", None)  # None: a server being built (tests)
    collaboration = manager.extension_apps.get("jupyter_server_ydoc", set()) if manager else set()
    for app in collaboration:
        if app.ystore_class is not type(app).ystore_class.default_value:  # configured
            log.info("chat updates: the configured YDocExtension.ystore_class is kept")
            continue
        app.ystore_class = ChatBatchingYStore

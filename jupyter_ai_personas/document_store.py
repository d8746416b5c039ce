"""jupyter-collaboration's document store, at a fraction of its cost.

jupyter-collaboration keeps each document's updates in an SQLite store
(`YDocExtension.ystore_class`, pycrdt-store's SQLiteYStore), one write per update. Each write
was a transaction in SQLite's rollback-journal mode (a journal file made, synced and deleted,
about 0.3 ms of the server's CPU and 0.6 ms of a disk's time) reached by three hops to a worker
thread. An agent inserting a cell pays it once; a reply streaming for 20 s updates its chat some
120 times. This store, which the extension puts in place unless a person configured a
`ystore_class` (`PersonasExtension.document_store`):

- keeps the database in SQLite's write-ahead-log mode where it is on a local disk
  (`write_ahead_log`): a write is an append, a twentieth of the CPU. With `synchronous=NORMAL`
  a commit survives any crash or kill of the server; a power cut may take the last ones back,
  never the database. Only on filesystems known to be local (`sqlite_wal`): SQLite does not
  support the mode on network ones. A stopping server folds the log into the database file
  (`flush_all`), and the log's files go when the server exits. One case loses updates that
  the journal would keep: pycrdt-store renames a database of a schema version it does not know
  (another server, of another version, on the same file at once), and a database renamed in
  this mode leaves its log to the new one: what the running server had in the log and what it
  writes after are lost from the store (not from the documents' files). `write_ahead_log =
  False` avoids it;
- writes an update in one hop where pycrdt-store's write is only an insert (no squashing, no
  size cleanup, no checkpoint due), and leaves the rest to it;
- merges the updates a chat gets within `chat_write_interval` seconds and writes them as one.
  Other documents are written update by update: the notebook timeline replays the store one
  update at a time. On a kill (SIGKILL) the last interval of a chat's updates is missing from
  the store; chats are kept in their files (`chat_saving`), and a room whose store differs from
  its file loads the file. A stopping server writes what is pending first;
- gives the rooms jupyter-collaboration opens for the server (`get_document`, as the agents'
  tools do) the server's configuration, which it gives only to the rooms browsers open: their
  updates went to a second database (`.jupyter_ystore.db` in the workspace) otherwise.
"""

from __future__ import annotations

import asyncio
import atexit
import math
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from anyio import to_thread
from jupyter_server_ydoc.stores import SQLiteYStore
from pycrdt import Doc, merge_updates
from traitlets import Bool, Float
from traitlets.config import Config

from .sqlite_wal import close_quietly, fold, insert_update, on_local_disk, turn_back, write_ahead

_STORES: weakref.WeakSet[DocumentStore] = weakref.WeakSet()
JOURNAL_RETRY_SECONDS = 30.0  # a database busy when the store first wrote: tried again after
_WARNED: set[str] = set()  # databases whose busy journal was said (once)


def is_chat(store_path: str) -> bool:
    """jupyter-collaboration names a document's updates `.{file_type}:{file_id}.y`."""
    return store_path.startswith(".chat:")


class DocumentStore(SQLiteYStore):
    chat_write_interval = Float(
        1.0,
        config=True,
        help="""Seconds during which a chat's document updates are gathered and then written
        to the store as one (0: each at once, as jupyter-collaboration does).""",
    )
    write_ahead_log = Bool(
        True,
        config=True,
        help="""Keep the store's SQLite database in write-ahead-log mode where it is on a
        filesystem known to be local (a twentieth of the CPU per update); never on a network
        filesystem. Off (or off a local disk), a database left in the mode is turned back to
        SQLite's default journal when the server starts.""",
    )

    # jupyter-collaboration configures the stores of rooms browsers open, not of those it opens
    # for the server (`get_document`, as agents' tools do): those get their server's config
    # here, from the subclass made for it (`use_as_collaboration_store`)
    server_config: ClassVar[Config | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("config") is None and self.server_config is not None:
            kwargs["config"] = self.server_config
        super().__init__(*args, **kwargs)
        if kwargs.get("log") is not None:  # pycrdt-store's __init__ put its own, unhandled, back
            self.log = kwargs["log"]
        self._pending: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushing = asyncio.Lock()  # a flush waits for one in progress (readers see it)
        self._in_order = asyncio.Lock()  # FIFO: writes keep the order of the room's updates
        # the log is turned on at the first write (turned back at start-up: `turn_back`)
        self._journal_next_try = 0.0 if self.write_ahead_log else math.inf
        self.in_write_ahead_log = False
        _STORES.add(self)

    async def write(self, data: bytes) -> None:
        if not is_chat(self.path) or self.chat_write_interval <= 0:
            await self._write_now(data)
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
                    await self._write_now(pending[0] if len(pending) == 1 else merge_updates(*pending))
                except BaseException:
                    self._pending[:0] = pending  # kept for the next flush
                    raise

    def _sqlite(self) -> tuple[sqlite3.Connection | None, Any]:
        """sqlite-anyio 0.2's connection under the store's, and the limiter of its thread."""
        database = getattr(self, "_db", None)
        return getattr(database, "_real_connection", None), getattr(database, "_limiter", None)

    def _only_insert(self) -> bool:
        """Whether pycrdt-store's write would only insert: no squashing or size cleanup
        configured, and no checkpoint due (its write does those)."""
        squash = self.squash_after_inactivity_of or self.document_ttl or self.squash_history_older_than
        due = bool(self.checkpoint_interval) and self._update_counter + 1 >= self.checkpoint_interval
        return not (squash or self.cleanup_when_db_size_above or due)

    async def _write_now(self, data: bytes) -> None:
        if self.db_initialized is None:
            raise RuntimeError("YStore not started")
        await self.db_initialized.wait()
        connection, limiter = self._sqlite()
        if connection is None or limiter is None:
            await super().write(data)
            return
        # the journal set, and each insert decided, stamped and written, under the lock as
        # pycrdt-store's writes are: rows keep the order of updates (a checkpoint drops an
        # update whose predecessor it lacks), and timestamps that order (it reads the rows
        # stamped after it)
        async with self._in_order:  # one write at a time, in the order they came
            async with self.lock:
                if time.monotonic() >= self._journal_next_try:
                    await self._set_journal(connection, limiter)
                plain = self._only_insert()
                if plain:
                    metadata = await self.get_metadata()
                    stored = self._compress(data) if self._compress else data
                    row = (self.path, stored, metadata, time.time())
                    self._update_counter += 1
                    try:
                        await to_thread.run_sync(insert_update, connection, row, limiter=limiter)
                    except sqlite3.Error:  # as pycrdt-store does: logged, and the room goes on
                        self.log.exception("a document update was not written to the store %s", self.path)
            if not plain:
                await super().write(data)  # a checkpoint, squashing or cleanup: pycrdt-store's own

    async def _set_journal(self, connection: sqlite3.Connection, limiter: Any) -> None:
        """With the lock held: the write-ahead log on, where it may be."""
        try:
            mode = await to_thread.run_sync(write_ahead, connection, self.db_path, limiter=limiter)
        except sqlite3.Error as exc:
            self._journal_next_try = time.monotonic() + JOURNAL_RETRY_SECONDS
            if self.db_path not in _WARNED:
                _WARNED.add(self.db_path)
                self.log.warning(
                    "the document store %s keeps its journal for now (%s); tried again every %.0f s",
                    self.db_path,
                    exc,
                    JOURNAL_RETRY_SECONDS,
                )
            return
        self._journal_next_try = math.inf
        self.in_write_ahead_log = mode == "wal"
        if mode is not None and mode != "wal":
            self.log.info("the document store %s keeps SQLite's %s journal", self.db_path, mode)

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
    """The server stops: every store's pending updates are written, then each database's
    write-ahead log is folded into it, so that the database file alone holds everything."""
    stores = list(_STORES)
    flushes = [store.flush() for store in stores if store._pending or store._flushing.locked()]
    if flushes:
        await asyncio.wait_for(asyncio.gather(*flushes, return_exceptions=True), timeout)
    for db_path in {store.db_path for store in stores if store.in_write_ahead_log}:
        try:
            folded = await asyncio.wait_for(to_thread.run_sync(fold, db_path), timeout)
        except (sqlite3.Error, TimeoutError) as exc:
            folded, reason = False, str(exc) or "timed out"
        else:
            reason = "busy"
        if not folded:  # SQLite folds it when it next opens the database
            stores[0].log.warning("the write-ahead log of %s is not folded into it: %s", db_path, reason)


def _close_at_exit() -> None:
    """No more updates come once the server's loop is gone: each store's connection closes,
    and with the last one to a database SQLite removes its log's files."""
    for store in list(_STORES):
        connection, _ = store._sqlite()
        if connection is not None:
            close_quietly(connection)


atexit.register(_close_at_exit)


def use_as_collaboration_store(serverapp: Any, log: Any) -> None:
    """Make this the collaboration extension's store, unless a person configured one. Called
    before jupyter-collaboration loads (jupyter_server loads extensions in name order), which
    is when it reads `ystore_class`."""
    manager = getattr(serverapp, "extension_manager", None)  # None: a server being built (tests)
    collaboration = manager.extension_apps.get("jupyter_server_ydoc", set()) if manager else set()
    for app in collaboration:
        if app.ystore_class is not type(app).ystore_class.default_value:  # configured
            log.info("document store: the configured YDocExtension.ystore_class is kept")
            continue
        # one class per server, with its configuration (named alike: config sections match it)
        namespace = {"server_config": app.config, "__module__": __name__}
        store_class = type("DocumentStore", (DocumentStore,), namespace)
        app.ystore_class = store_class
        settings = store_class(path="")  # the configured database, before any room opens it
        if not settings.write_ahead_log or not on_local_disk(settings.db_path):
            kept = turn_back(settings.db_path)
            if kept is not None:
                log.warning("document store %s: still in write-ahead-log mode (%s)", settings.db_path, kept)

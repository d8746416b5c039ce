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
  never the database. SQLite does not support the mode on network filesystems, which keep the
  journal. A stopping server folds the log into the database file (`flush_all`);
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
import contextlib
import os
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

_STORES: weakref.WeakSet[DocumentStore] = weakref.WeakSet()
# where SQLite's write-ahead log is not supported (its index is shared memory)
NETWORK_FILESYSTEMS = (
    *("nfs", "cifs", "smb", "9p", "drvfs", "fuse"),
    *("lustre", "gpfs", "ceph", "gluster", "afs"),
)


def is_chat(store_path: str) -> bool:
    """jupyter-collaboration names a document's updates `.{file_type}:{file_id}.y`."""
    return store_path.startswith(".chat:")


def on_local_disk(path: str, mounts: str = "/proc/self/mounts") -> bool:
    """Whether a file is on a local filesystem, by the mount that holds it (Linux); False when
    that cannot be told, as on other systems."""
    try:
        with open(mounts) as table:
            entries = [line.split()[1:3] for line in table if len(line.split()) > 2]
    except OSError:
        return False
    folder = os.path.dirname(os.path.realpath(path)) or "/"
    holding = [
        (point.replace("\\040", " "), kind)
        for point, kind in entries
        if folder == point or folder.startswith(point.rstrip("/") + "/")
    ]
    if not holding:
        return False
    _, kind = max(holding, key=lambda entry: len(entry[0]))
    return not kind.lower().startswith(NETWORK_FILESYSTEMS)


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
        help="""Keep the store's SQLite database in write-ahead-log mode where it is on a local
        disk (a twentieth of the CPU per update); never on a network filesystem.""",
    )

    # jupyter-collaboration configures the stores of rooms browsers open, not of those it opens
    # for the server (`get_document`, as agents' tools do): those get the server's config here
    server_config: ClassVar[Config | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("config") is None and self.server_config is not None:
            kwargs["config"] = self.server_config
        super().__init__(*args, **kwargs)
        self._pending: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushing = asyncio.Lock()  # a flush waits for one in progress (readers see it)
        self._connection_set = False
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
        database = self._db
        connection = getattr(database, "_real_connection", None)  # sqlite-anyio 0.2's
        limiter = getattr(database, "_limiter", None)
        if connection is None or limiter is None:
            await super().write(data)
            return
        if not self._connection_set:
            self._connection_set = True
            await self._set_connection(connection, limiter)
        if not self._only_insert():
            await super().write(data)
            return
        metadata = await self.get_metadata()
        row = (self.path, self._compress(data) if self._compress else data, metadata, time.time())
        async with self.lock:
            self._update_counter += 1
            try:
                await to_thread.run_sync(_insert, connection, row, limiter=limiter)
            except sqlite3.Error:  # as pycrdt-store does: logged, and the room goes on
                self.log.exception("a document update was not written to the store %s", self.path)

    async def _set_connection(self, connection: sqlite3.Connection, limiter: Any) -> None:
        if not (self.write_ahead_log and self.db_path != ":memory:" and on_local_disk(self.db_path)):
            return
        async with self.lock:
            try:
                mode = await to_thread.run_sync(_write_ahead, connection, limiter=limiter)
            except sqlite3.Error as exc:  # busy: another store's connection sets it
                self.log.debug("the store %s keeps its journal mode: %s", self.db_path, exc)
                return
        if mode != "wal":
            self.log.info("the document store %s keeps SQLite's %s journal", self.db_path, mode)

    async def fold_log(self) -> None:
        """Copy the write-ahead log into the database and empty it (SQLite's checkpoint)."""
        connection = getattr(self._db, "_real_connection", None)
        if connection is not None:
            async with self.lock:
                await to_thread.run_sync(_fold, connection, limiter=self._db._limiter)

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


def _write_ahead(connection: sqlite3.Connection) -> str:
    """The database in write-ahead-log mode (persistent, for every connection), and this
    connection syncing at checkpoints only; the mode the database is in."""
    mode = str(connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
    if mode == "wal":
        connection.execute("PRAGMA synchronous=NORMAL")
    return mode


def _fold(connection: sqlite3.Connection) -> None:
    if str(connection.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _insert(connection: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    try:
        connection.execute("INSERT INTO yupdates VALUES (?, ?, ?, ?)", row)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


async def flush_all(timeout: float = 5.0) -> None:
    """The server stops: every store's pending updates are written, then each database's
    write-ahead log is folded into it, so that the database file alone holds everything."""
    stores = list(_STORES)
    flushes = [store.flush() for store in stores if store._pending or store._flushing.locked()]
    if flushes:
        await asyncio.wait_for(asyncio.gather(*flushes, return_exceptions=True), timeout)
    databases = {store.db_path: store for store in stores if store._connection_set}
    for store in databases.values():
        with contextlib.suppress(Exception):  # a store already closed: nothing to fold
            await asyncio.wait_for(store.fold_log(), timeout)


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
        DocumentStore.server_config = app.config
        app.ystore_class = DocumentStore

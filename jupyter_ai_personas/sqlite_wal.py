"""SQLite's write-ahead log (sqlite.org/wal.html) for jupyter-collaboration's document store:
where it may be used, turning a database to it (and back), and folding it into the database file.

The mode is kept in the database file, for every connection. Its index is shared memory, which
SQLite does not support on network filesystems: the log is used only where the database's
folder is on a filesystem known to be local. The functions here block (the filesystem, SQLite's
locks): the store runs them in its database's worker thread.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from typing import Any

MOUNTINFO = "/proc/self/mountinfo"
LOCAL_FILESYSTEMS = frozenset(
    {"ext2", "ext3", "ext4", "xfs", "btrfs", "zfs", "f2fs", "bcachefs", "jfs", "reiserfs", "nilfs2"}
    | {"tmpfs", "ramfs", "overlay"}
)
_local: dict[str, bool] = {}  # database path -> on a local filesystem (asked once)


def filesystem_of(folder: str, mountinfo: str = MOUNTINFO) -> str | None:
    """The type of the filesystem holding `folder`, from the mount of its device (Linux); None
    when that cannot be told (another system, a device no mount names)."""
    try:
        device = os.stat(folder).st_dev
        with open(mountinfo) as table:
            lines = table.read().splitlines()
    except OSError:
        return None
    wanted = f"{os.major(device)}:{os.minor(device)}"
    kinds = []
    for line in lines:
        fields = line.split()
        if len(fields) > 4 and fields[2] == wanted and "-" in fields[4:]:
            separator = fields.index("-", 4)
            if separator + 1 < len(fields):
                kinds.append(fields[separator + 1])
    return kinds[-1] if kinds else None  # the last: a mount stacked over an earlier one


def on_local_disk(db_path: str, mountinfo: str = MOUNTINFO) -> bool:
    """Whether the database's folder is on a filesystem known to be local."""
    if db_path == ":memory:":
        return False
    known = _local.get(db_path) if mountinfo == MOUNTINFO else None
    if known is None:
        folder = os.path.dirname(os.path.realpath(db_path)) or "/"  # where SQLite puts the log
        known = filesystem_of(folder, mountinfo) in LOCAL_FILESYSTEMS
        if mountinfo == MOUNTINFO:
            _local[db_path] = known
    return known


def journal_mode(connection: sqlite3.Connection, change_to: str | None = None) -> str:
    """The database's journal mode, after changing it to `change_to` if given (SQLite answers
    with the mode it is in: the old one when it could not change)."""
    pragma = "PRAGMA journal_mode" + (f" = {change_to}" if change_to else "")
    return str(connection.execute(pragma).fetchone()[0]).lower()


def write_ahead(connection: sqlite3.Connection, db_path: str) -> str | None:
    """Turn the database to the write-ahead log where it is on a local disk, this connection
    syncing at checkpoints only (a commit survives a crash or kill of the server; a power cut
    may take the last ones back, never the database). The journal mode after, or None where
    the log is not for it. A database another connection is busy with raises
    sqlite3.OperationalError after 0.1 s, so that the store tries again later, not waits."""
    if not on_local_disk(db_path):
        return None
    mode = journal_mode(connection)
    if mode != "wal":
        (waited,) = connection.execute("PRAGMA busy_timeout").fetchone()
        connection.execute("PRAGMA busy_timeout = 100")
        try:
            mode = journal_mode(connection, "wal")
        finally:
            connection.execute(f"PRAGMA busy_timeout = {int(waited)}")
    if mode == "wal":
        connection.execute("PRAGMA synchronous = NORMAL")
    return mode


def turn_back(db_path: str) -> str | None:
    """A database left in the write-ahead log, turned back to SQLite's default journal (which
    needs it closed everywhere else: done as the server starts); None when done or not needed,
    else why not."""
    if db_path == ":memory:" or not os.path.exists(db_path):
        return None
    try:
        with contextlib.closing(sqlite3.connect(db_path, timeout=0.1)) as connection:
            if journal_mode(connection) != "wal":
                return None
            mode = journal_mode(connection, "delete")
    except sqlite3.Error as exc:
        return str(exc)
    return None if mode == "delete" else f"it is in {mode} mode"


def insert_update(connection: sqlite3.Connection, row: tuple[Any, ...]) -> None:
    """pycrdt-store's row of one update, committed."""
    try:
        connection.execute("INSERT INTO yupdates VALUES (?, ?, ?, ?)", row)
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def fold(db_path: str) -> bool:
    """Copy the write-ahead log into the database file and empty it (a checkpoint), on a
    connection of its own; False when a reader or writer kept it from finishing."""
    with contextlib.closing(sqlite3.connect(db_path, timeout=1.0)) as connection:
        if journal_mode(connection) != "wal":
            return True
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy


def close_quietly(connection: sqlite3.Connection) -> None:
    """Closing the last connection to a database folds its log and removes the log's files
    (`-wal`, `-shm`) from beside it."""
    with contextlib.suppress(Exception):
        connection.close()

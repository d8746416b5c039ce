"""jupyter-collaboration's store: a write-ahead log on local disks; a chat's updates written
together, other documents' each alone."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import TaskGroup
from pycrdt import Doc, Text

from jupyter_ai_personas.document_store import DocumentStore, flush_all
from jupyter_ai_personas.sqlite_wal import on_local_disk, turn_back, write_ahead


def updates(count: int) -> list[bytes]:
    doc, seen = Doc(), []
    text = doc.get("source", type=Text)
    doc.observe(lambda event: seen.append(event.update))
    for i in range(count):
        text += f"chunk {i} "
    return seen


async def started(
    group: TaskGroup, db: Path, path: str = ".notebook:def.y", checkpoints: int = 100, **options: Any
) -> DocumentStore:
    """A store on `db` whose database is open, run by `group` (as a room runs its store);
    `checkpoints`: pycrdt-store's checkpoint interval (not a traitlet)."""
    store = DocumentStore(path=path, db_path=str(db), **options)
    store.checkpoint_interval = checkpoints
    await group.start(store.start)
    await store.db_initialized.wait()
    return store


def rows(db: Path, path: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return connection.execute("SELECT COUNT(*) FROM yupdates WHERE path = ?", (path,)).fetchone()[0]


def test_a_chats_updates_are_written_as_one_and_read_whole(tmp_path: Path) -> None:
    db, other = tmp_path / "ystore.db", tmp_path / "other.db"  # two first starts of one db race

    async def main() -> None:
        async with anyio.create_task_group() as group:
            chat = await started(group, db, ".chat:abc.y", chat_write_interval=30)
            notebook = await started(group, other, chat_write_interval=30)
            for update in updates(50):
                await chat.write(update)
                await notebook.write(update)
            assert rows(other, ".notebook:def.y") == 50  # the notebook timeline keeps each update
            assert rows(db, ".chat:abc.y") == 0  # pending: within the interval
            doc = Doc()
            await chat.apply_updates(doc)  # a reader sees every update: pending ones are written
            assert str(doc.get("source", type=Text)) == "".join(f"chunk {i} " for i in range(50))
            assert rows(db, ".chat:abc.y") == 1
            await chat.write(updates(1)[0])
            await flush_all()  # the server stops
            assert rows(db, ".chat:abc.y") == 2
            group.cancel_scope.cancel()

    anyio.run(main)


def test_the_interval_elapses_and_the_batch_is_written(tmp_path: Path) -> None:
    db = tmp_path / "ystore.db"

    async def main() -> None:
        async with anyio.create_task_group() as group:
            chat = await started(group, db, ".chat:abc.y", chat_write_interval=0.05)
            for update in updates(5):
                await chat.write(update)
            with anyio.fail_after(5):
                while rows(db, ".chat:abc.y") == 0:
                    await anyio.sleep(0.02)
            assert rows(db, ".chat:abc.y") == 1
            group.cancel_scope.cancel()

    anyio.run(main)


def test_the_store_is_put_in_place_unless_a_person_configured_one() -> None:
    import logging
    from types import SimpleNamespace

    from jupyter_server_ydoc.app import YDocExtension
    from jupyter_server_ydoc.stores import TempFileYStore
    from traitlets.config import Config

    from jupyter_ai_personas.document_store import use_as_collaboration_store

    plain = YDocExtension()
    configured = YDocExtension(config=Config({"YDocExtension": {"ystore_class": TempFileYStore}}))
    for app in (plain, configured):
        server = SimpleNamespace(
            extension_manager=SimpleNamespace(extension_apps={"jupyter_server_ydoc": {app}})
        )
        use_as_collaboration_store(server, logging.getLogger("test"))
    assert issubclass(plain.ystore_class, DocumentStore)
    assert plain.ystore_class.server_config is plain.config  # for the rooms it opens unconfigured
    assert configured.ystore_class is TempFileYStore


def journal_mode(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(db)) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def test_a_notebooks_updates_are_each_kept_in_a_write_ahead_log_and_checkpointed(tmp_path: Path) -> None:
    db = tmp_path / "ystore.db"
    assert on_local_disk(str(db))  # the tests' temporary folders are on a local disk

    async def main() -> None:
        async with anyio.create_task_group() as group:
            notebook = await started(group, db, checkpoints=20)
            for update in updates(50):
                await notebook.write(update)
            assert journal_mode(db) == "wal"
            assert rows(db, ".notebook:def.y") == 50  # one row per update: the timeline
            # pycrdt-store's checkpoints are still made
            with contextlib.closing(sqlite3.connect(db)) as connection:
                assert connection.execute("SELECT COUNT(*) FROM ycheckpoints").fetchone()[0] == 1
            timeline = [update async for update, _, _ in notebook.read()]
            assert len(timeline) == 50
            doc = Doc()
            await notebook.apply_updates(doc)
            assert str(doc.get("source", type=Text)) == "".join(f"chunk {i} " for i in range(50))
            await flush_all()  # the server stops: the database file alone holds every update
            assert (tmp_path / "ystore.db-wal").stat().st_size == 0
            copy = tmp_path / "copy.db"
            copy.write_bytes(db.read_bytes())
            assert rows(copy, ".notebook:def.y") == 50
            group.cancel_scope.cancel()

    anyio.run(main)


def test_the_journal_is_kept_where_the_database_is_not_on_a_local_disk(tmp_path: Path) -> None:
    device = os.stat(tmp_path).st_dev
    here = f"{os.major(device)}:{os.minor(device)}"
    mountinfo = tmp_path / "mountinfo"

    def entry(n: int, device_number: str, point: str, kind: str) -> str:
        return f"{n} 1 {device_number} / {point} rw shared:{n} - {kind} src rw\n"

    def judged(*entries: str) -> bool:
        mountinfo.write_text("".join(entries))
        return on_local_disk(str(tmp_path / "ystore.db"), str(mountinfo))

    assert judged(entry(1, here, "/", "ext4"), entry(2, "0:99", "/mnt/share", "nfs4"))
    assert not judged(entry(1, here, "/home", "nfs4"))
    # a mount stacked on another at the same place (an automount, then what it mounts): the last
    assert not judged(entry(1, here, "/home", "autofs"), entry(2, here, "/home", "nfs4"))
    assert not judged(entry(1, here, "/", "vboxsf"))  # not known to be local: kept
    assert not judged(entry(1, "0:99", "/", "ext4"))  # no mount of this device: cannot tell
    assert not on_local_disk(str(tmp_path / "ystore.db"), str(tmp_path / "no-such-table"))

    db = tmp_path / "ystore.db"

    async def main() -> None:
        async with anyio.create_task_group() as group:
            before = await started(group, db)
            await before.write(updates(1)[0])
            assert journal_mode(db) == "wal"
            assert turn_back(str(db)) is not None  # open elsewhere: it cannot, and says so
            await before.stop()
            # turned off (or the folder now on a network filesystem): back to SQLite's default
            # journal as the server starts, before rooms open it
            assert turn_back(str(db)) is None
            assert journal_mode(db) == "delete"
            store = await started(group, db, write_ahead_log=False)
            await store.write(updates(1)[0])
            assert journal_mode(db) == "delete"
            assert rows(db, ".notebook:def.y") == 2
            group.cancel_scope.cancel()

    anyio.run(main)


def test_an_update_written_while_checkpoints_are_made_is_read_back(tmp_path: Path) -> None:
    """pycrdt-store reads a document as its last checkpoint and the rows stamped after it: a
    row must not be stamped before a checkpoint it is written after."""
    db = tmp_path / "ystore.db"

    async def main() -> None:
        sent = updates(7)
        async with anyio.create_task_group() as group:
            store = await started(group, db, checkpoints=3)
            await store.write(sent[0])
            await store.write(sent[1])  # the next write is due a checkpoint
            await store.lock.acquire()  # the store is busy: updates queue up, as a room sends them
            for update in sent[2:6]:
                group.start_soon(store.write, update)
            await anyio.sleep(0.05)
            store.lock.release()
            with anyio.fail_after(5):
                while store._update_counter != 0:  # the first queued write made a checkpoint
                    await anyio.sleep(0)
            group.start_soon(store.write, sent[6])  # a new update while the others wait
            with anyio.fail_after(5):
                while rows(db, ".notebook:def.y") < 7:
                    await anyio.sleep(0.01)
            doc = Doc()
            await store.apply_updates(doc)
            assert str(doc.get("source", type=Text)) == "".join(f"chunk {i} " for i in range(7))
            group.cancel_scope.cancel()

    anyio.run(main)


def test_updates_arriving_while_the_journal_is_set_keep_their_order(tmp_path: Path, monkeypatch) -> None:
    """A room writes each update in a task of its own; the first write sets the journal too.
    Updates that came during it must not overtake it: rows keep the order of updates (a
    checkpoint drops an update whose predecessor it lacks)."""
    import time

    from jupyter_ai_personas import document_store

    def slow(connection: sqlite3.Connection, db_path: str) -> str | None:
        time.sleep(0.05)  # a slow disk, a database busy for a moment
        return write_ahead(connection, db_path)

    monkeypatch.setattr(document_store, "write_ahead", slow)
    db = tmp_path / "ystore.db"

    async def main() -> None:
        sent = updates(24)
        async with anyio.create_task_group() as group:
            store = await started(group, db, checkpoints=8)
            for update in sent[:12]:
                group.start_soon(store.write, update)
            with anyio.fail_after(5):
                while not store.in_write_ahead_log:  # the first write set the journal
                    await anyio.sleep(0.001)
            for update in sent[12:]:  # while the others still wait
                group.start_soon(store.write, update)
            with anyio.fail_after(10):
                while rows(db, ".notebook:def.y") < 24:
                    await anyio.sleep(0.01)
            with contextlib.closing(sqlite3.connect(db)) as connection:
                stored = [row[0] for row in connection.execute("SELECT yupdate FROM yupdates ORDER BY rowid")]
            assert stored == sent
            doc = Doc()
            await store.apply_updates(doc)  # its checkpoints and the rows after them
            assert str(doc.get("source", type=Text)) == "".join(f"chunk {i} " for i in range(24))
            group.cancel_scope.cancel()

    anyio.run(main)

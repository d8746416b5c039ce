"""A chat's updates are written to the collaboration store together; other documents' each alone."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
from pycrdt import Doc, Text

from jupyter_ai_personas.chat_store import ChatBatchingYStore, flush_all


def updates(count: int) -> list[bytes]:
    doc, seen = Doc(), []
    text = doc.get("source", type=Text)
    doc.observe(lambda event: seen.append(event.update))
    for i in range(count):
        text += f"chunk {i} "
    return seen


def rows(db: Path, path: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT COUNT(*) FROM yupdates WHERE path = ?", (path,)).fetchone()[0]


def test_a_chats_updates_are_written_as_one_and_read_whole(tmp_path: Path) -> None:
    db, other = tmp_path / "ystore.db", tmp_path / "other.db"  # two first starts of one db race

    async def main() -> None:
        chat = ChatBatchingYStore(path=".chat:abc.y", db_path=str(db), chat_write_interval=30)
        notebook = ChatBatchingYStore(path=".notebook:def.y", db_path=str(other), chat_write_interval=30)
        async with anyio.create_task_group() as group:
            await group.start(chat.start)
            await group.start(notebook.start)
            await chat.db_initialized.wait()
            await notebook.db_initialized.wait()
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
        chat = ChatBatchingYStore(path=".chat:abc.y", db_path=str(db), chat_write_interval=0.05)
        async with anyio.create_task_group() as group:
            await group.start(chat.start)
            await chat.db_initialized.wait()
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

    from jupyter_ai_personas.chat_store import use_for_chats

    plain = YDocExtension()
    configured = YDocExtension(config=Config({"YDocExtension": {"ystore_class": TempFileYStore}}))
    for app in (plain, configured):
        server = SimpleNamespace(
            extension_manager=SimpleNamespace(extension_apps={"jupyter_server_ydoc": {app}})
        )
        use_for_chats(server, logging.getLogger("test"))
    assert plain.ystore_class is ChatBatchingYStore
    assert configured.ystore_class is TempFileYStore

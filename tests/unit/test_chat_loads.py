"""A chat's history is what its file held when the room loaded, not what the room saved since."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from jupyter_ai_personas.chat_loads import COLLABORATION_EVENTS, ChatLoads


def write_chat(root: Path, *ids: str) -> None:
    (root / "a.chat").write_text(json.dumps({"messages": [{"id": i, "body": i} for i in ids]}))


def test_the_history_is_the_file_as_the_room_loaded(tmp_path: Path) -> None:
    loads = ChatLoads(tmp_path)
    write_chat(tmp_path, "old")
    event = {"room": "text:chat:f1", "path": "a.chat", "action": "load"}
    asyncio.run(loads._on_room_event(None, COLLABORATION_EVENTS, event))
    write_chat(tmp_path, "old", "posted-since")  # the room saved a new message before attaching
    assert loads.history("text:chat:f1", "a.chat") == {"old"}
    assert loads.history("text:chat:f1", "a.chat") == {"old"}  # attached again: the same history
    clean = {"room": "text:chat:f1", "path": "a.chat", "action": "clean"}
    asyncio.run(loads._on_room_event(None, COLLABORATION_EVENTS, clean))
    # a room whose load was not heard (it loaded before the listener): its file as it is now
    assert loads.history("text:chat:f1", "a.chat") == {"old", "posted-since"}


def test_other_rooms_and_actions_are_not_recorded(tmp_path: Path) -> None:
    loads = ChatLoads(tmp_path)
    write_chat(tmp_path, "old")
    for event in (
        {"room": "json:notebook:f2", "path": "a.chat", "action": "load"},
        {"room": "text:chat:f1", "path": "a.chat", "action": "save"},
    ):
        asyncio.run(loads._on_room_event(None, COLLABORATION_EVENTS, event))
    write_chat(tmp_path, "old", "new")
    assert loads.history("text:chat:f1", "a.chat") == {"old", "new"}
    assert loads.history(None, "missing.chat") == set()


def test_messages_that_come_through_the_file_join_the_live_history(tmp_path: Path) -> None:
    loads = ChatLoads(tmp_path)
    write_chat(tmp_path, "old")
    load = {"room": "text:chat:f1", "path": "a.chat", "action": "load"}
    asyncio.run(loads._on_room_event(None, COLLABORATION_EVENTS, load))
    attached = loads.history("text:chat:f1", "a.chat")  # what a session holds
    write_chat(tmp_path, "old", "forged")  # something wrote the file: the room overwrites itself
    overwrite = {"room": "text:chat:f1", "path": "a.chat", "action": "overwrite"}
    asyncio.run(loads._on_room_event(None, COLLABORATION_EVENTS, overwrite))
    assert attached == {"old", "forged"}
    # a room loaded before the listener: the set given at attach is the one kept and added to
    write_chat(tmp_path, "early")
    unheard = loads.history("text:chat:f2", "a.chat")
    write_chat(tmp_path, "early", "forged-too")
    overwrite = {"room": "text:chat:f2", "path": "a.chat", "action": "overwrite"}
    asyncio.run(loads._on_room_event(None, COLLABORATION_EVENTS, overwrite))
    assert unheard == {"early", "forged-too"}

"""What each chat's file held when its room loaded: its history, told apart from what is new.

A chat's messages on disk when its room loads are history; a message posted after that is
answered, even when the room saved it before personas attached to the chat (jupyter-collaboration
saves within a second; attaching can take longer, persona files are imported and jupyterlab-chat's
`opened` event itself comes after the room is ready). So the file is read on
jupyter-collaboration's `load` room event, emitted before the room takes content and before any
client can post; the listener is in place before the server serves.

A message that reaches a chat through its file rather than through a person's client (an
"overwrite": something wrote the file, e.g. an agent's shell command) is history too: nobody
sent it in the chat, so it is shown but never answered. The `overwrite` event comes before the
room applies the file (or, when the file changed while the room saved, just after: readers
yield once before they decide, see `ChatSession`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COLLABORATION_EVENTS = "https://schema.jupyter.org/jupyter_collaboration/session/v1"


def saved_message_ids(root_dir: Path, path: str) -> set[str]:
    """The ids of the messages in a chat's file."""
    try:
        content = json.loads((root_dir / path).read_text(encoding="utf-8"))
        return {m.get("id") for m in content.get("messages", []) if isinstance(m, dict)}
    except (OSError, ValueError, AttributeError):
        return set()


class ChatLoads:
    def __init__(self, root_dir: Path):
        self.root_dir = root_dir
        self._history: dict[str, set[str]] = {}  # room id -> the message ids when it loaded

    def listen(self, event_logger: Any) -> None:
        if event_logger is None:  # a server without events (some tests): the files are read at attach
            return
        event_logger.add_listener(schema_id=COLLABORATION_EVENTS, listener=self._on_room_event)

    async def _on_room_event(self, logger: Any, schema_id: str, data: dict[str, Any]) -> None:
        room, path, action = str(data.get("room") or ""), data.get("path"), data.get("action")
        if room.split(":")[1:2] != ["chat"]:
            return
        if action == "load" and path:
            self._history[room] = saved_message_ids(self.root_dir, str(path))
        elif action == "overwrite" and path:  # the same set the attached session reads
            self._history.setdefault(room, set()).update(saved_message_ids(self.root_dir, str(path)))
        elif action == "clean":  # the room is gone: its next load is recorded again
            self._history.pop(room, None)

    def history(self, room_id: str | None, path: str) -> set[str]:
        """The chat's history as its room loaded, and what reached it through its file since (a
        live set, kept while the room lives: a chat can be attached more than once per load);
        for a room that loaded before the listener (the server was starting), its file as it is
        now."""
        if not room_id:
            return saved_message_ids(self.root_dir, path)
        kept = self._history.get(room_id)
        if kept is None:
            kept = self._history[room_id] = saved_message_ids(self.root_dir, path)
        return kept

"""An agent editing a notebook appears in its awareness, as people do: name, colour, cell."""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_ydoc import YNotebook

LINGER_SECONDS = 10.0
_clear_handles: dict[int, asyncio.TimerHandle] = {}


def show_presence(notebook: YNotebook, user: dict[str, Any], cell_id: str | None, path: str) -> None:
    awareness = getattr(notebook, "awareness", None)
    if awareness is None:
        return
    awareness.set_local_state(
        {"user": user, "activeCellId": cell_id, "notebookPath": path, "current": cell_id}
    )
    key = id(awareness)
    handle = _clear_handles.pop(key, None)
    if handle is not None:
        handle.cancel()
    loop = asyncio.get_running_loop()
    _clear_handles[key] = loop.call_later(LINGER_SECONDS, _clear, awareness, key)


def _clear(awareness: Any, key: int) -> None:
    _clear_handles.pop(key, None)
    try:
        awareness.set_local_state(None)
    except Exception:  # the room is gone
        pass

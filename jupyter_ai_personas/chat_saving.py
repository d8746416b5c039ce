"""ChatSaver: a chat reaches the disk while replies stream, at each turn end, and at shutdown.

jupyter-collaboration saves a room only after a pause in its changes, so a long streamed reply
would keep postponing the save of everything, the person's message included. The saver asks
the room to save at most `interval` seconds after a write, at once when a turn ends or a
session id is stored, and writes a last snapshot when the server stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from .upstream import document_room, save_room_content, save_room_soon, snapshot_content

log = logging.getLogger(__name__)


class ChatSaver:
    def __init__(self, serverapp: Any, ychat: Any, *, interval: float = 3.0):
        self.serverapp = serverapp
        self.ychat = ychat
        self.interval = interval
        self._timer: asyncio.TimerHandle | None = None
        self.closed = False

    def _room(self) -> Any | None:
        return document_room(self.serverapp, self.ychat) if self.serverapp is not None else None

    def touched(self) -> None:
        """Something was written: it is saved within `interval` seconds, whatever follows."""
        if self._timer is None and self.interval > 0 and not self.closed:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self.save_now)

    def save_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        room = self._room() if not self.closed else None
        if room is not None:
            save_room_soon(room)

    def snapshot(self) -> tuple[Any, Any] | None:
        """(room, content) as the document is now: taken before anything else stops."""
        room = self._room()
        if room is None:
            return None
        try:
            return room, snapshot_content(self.ychat.get())
        except Exception:
            log.warning("could not read the chat %s to save it", getattr(room, "room_id", "?"), exc_info=True)
            return None

    def close(self) -> None:
        """No more saves from here (at shutdown, a save left running would keep the server alive:
        the thread the contents manager writes from is only released by a running loop)."""
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


async def save_snapshots(snapshots: list[tuple[Any, Any]]) -> None:
    await asyncio.gather(*(save_room_content(room, content) for room, content in snapshots))

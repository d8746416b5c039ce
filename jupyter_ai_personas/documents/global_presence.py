"""An agent working on a document shows in JupyterLab's collaborators panel, as people do.

The panel lists the states of the global awareness room (`JupyterLab:globalAwareness`): each
agent gets a state of its own there (its own awareness client), naming the document it works
on, renewed while it works (remote states expire after 30 s) and removed a while after.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Awareness, Doc

from ..upstream import global_awareness_room

RENEW_SECONDS = 10.0
LINGER_SECONDS = 60.0  # an agent stays listed this long after its last edit


@dataclass
class _Agent:
    state: dict[str, Any]
    awareness: Awareness = field(default_factory=lambda: Awareness(Doc()))
    seen: float = field(default_factory=time.monotonic)


class GlobalPresence:
    def __init__(self, extension: Any):
        self.extension = extension  # jupyter-collaboration's YDocExtension
        self.agents: dict[str, _Agent] = {}
        self._task: asyncio.Task[None] | None = None

    def show(self, user: dict[str, Any], api_path: str) -> None:
        """`user` (a chat user's fields) works on `api_path` now."""
        state = {"user": user, "current": f"RTC:{api_path}", "documents": [api_path]}
        agent = self.agents.get(user["username"])
        if agent is None:
            agent = self.agents[user["username"]] = _Agent(state)
        agent.state, agent.seen = state, time.monotonic()
        self._publish(agent, state)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._renew())

    def _publish(self, agent: _Agent, state: dict[str, Any] | None) -> None:
        room = global_awareness_room(self.extension)
        if room is None:  # no JupyterLab page open: nobody to show it to
            return
        agent.awareness.set_local_state(state)
        update = agent.awareness.encode_awareness_update([agent.awareness.client_id])
        # "local": the room then sends it to every page, as it does its own state
        room.awareness.apply_awareness_update(update, "local")

    async def _renew(self) -> None:
        while self.agents:
            await asyncio.sleep(RENEW_SECONDS)
            for username, agent in list(self.agents.items()):
                gone = time.monotonic() - agent.seen > LINGER_SECONDS
                with contextlib.suppress(Exception):  # the room may have closed meanwhile
                    self._publish(agent, None if gone else agent.state)
                if gone:
                    del self.agents[username]

    def close(self) -> None:
        for agent in self.agents.values():
            with contextlib.suppress(Exception):
                self._publish(agent, None)
        self.agents.clear()
        if self._task is not None:
            self._task.cancel()

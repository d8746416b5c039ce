"""IdleRelease: an agent session with no turn for a while is closed in its agent.

Memory then follows the chats in use: claude-agent-acp, for one, runs a Claude Code process
per session (~200 MB), which `session/close` ends. The chat keeps the session id, and the next
mention resumes it (`session/resume` or `session/load`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable


class IdleRelease:
    def __init__(
        self, timeout: Callable[[], float], release: Callable[[], Awaitable[None]], log: logging.Logger
    ):
        self.timeout = timeout  # read when armed: the setting may change while the server runs
        self.release = release
        self.log = log
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Future[None] | None = None

    def arm(self) -> None:
        """A turn ended: release after the timeout, unless another turn starts first."""
        self.cancel()
        seconds = self.timeout()
        if seconds > 0:
            self._timer = asyncio.get_running_loop().call_later(seconds, self._fire)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def settle(self) -> None:
        """Before a turn: no release pending, and one under way has finished."""
        self.cancel()
        task = self._task
        if task is not None and not task.done():
            await asyncio.shield(task)

    def _fire(self) -> None:
        self._timer = None
        self._task = asyncio.ensure_future(self._release())

    async def _release(self) -> None:
        try:
            await self.release()
        except Exception:  # the session stays open: no worse than before
            self.log.warning("could not close an idle agent session", exc_info=True)

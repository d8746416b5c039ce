"""AgentSupervisor: one process per agent launch per server, started on first use.

A crashed process is replaced on the next use, waiting longer after repeated crashes;
an idle one is stopped; all are stopped with the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from .launch import AgentLaunch

if TYPE_CHECKING:
    from ..process_reaper import ProcessReaper
    from .process import AgentProcess

CRASH_WINDOW = 120.0  # crashes older than this are forgotten
MAX_BACKOFF = 30.0


class AgentSupervisor:
    def __init__(
        self,
        *,
        cwd: Path,
        log: logging.Logger,
        idle_timeout: float = 900.0,
        start_timeout: float = 60.0,
        reaper: ProcessReaper | None = None,
    ):
        self.reaper = reaper
        self.cwd = cwd
        self.log = log
        self.idle_timeout = idle_timeout
        self.start_timeout = start_timeout
        self.processes: dict[str, AgentProcess] = {}
        self._starting: dict[str, asyncio.Future[AgentProcess]] = {}
        self._crashes: dict[str, deque[float]] = {}
        self._users: dict[str, int] = {}  # turns in progress per launch key
        self._idle_task: asyncio.Task[None] | None = None
        self._closed = False

    def backoff(self, key: str) -> float:
        """Seconds to wait before starting this agent again (0 unless it keeps crashing)."""
        crashes = self._crashes.get(key)
        if not crashes:
            return 0.0
        now = time.monotonic()
        while crashes and now - crashes[0] > CRASH_WINDOW:
            crashes.popleft()
        if len(crashes) < 2:
            return 0.0
        delay = min(MAX_BACKOFF, 2.0 ** (len(crashes) - 1))
        return max(0.0, crashes[-1] + delay - now)

    async def acquire(self, launch: AgentLaunch) -> AgentProcess:
        """The running process for `launch`, starting it (after any back-off) if needed."""
        if self._closed:
            raise RuntimeError("the server is shutting down")
        key = launch.key
        process = self.processes.get(key)
        if process is not None and process.alive:
            process.last_used = time.monotonic()
            return process
        pending = self._starting.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[AgentProcess] = asyncio.get_running_loop().create_future()
        self._starting[key] = future
        try:
            delay = self.backoff(key)
            if delay:
                self.log.info("agent %s crashed repeatedly; waiting %.1f s", launch.name, delay)
                await asyncio.sleep(delay)
            from .process import AgentProcess  # the acp SDK, on first use

            process = AgentProcess(
                launch,
                cwd=self.cwd,
                on_exit=self._on_exit,
                log=self.log,
                start_timeout=self.start_timeout,
                reaper=self.reaper,
            )
            await process.start()
            if self._closed:
                await process.stop()
                raise RuntimeError("the server is shutting down")
            self.processes[key] = process
            self.log.info("agent %s started (pid %s)", launch.name, process.pid)
            future.set_result(process)
            self._ensure_idle_watch()
            return process
        except BaseException as exc:
            if not future.done():
                future.set_exception(exc)
                future.exception()  # retrieved: waiters get it through shield
            raise
        finally:
            self._starting.pop(key, None)

    def _on_exit(self, process: AgentProcess) -> None:
        key = process.launch.key
        if self.processes.get(key) is process:
            del self.processes[key]
        if not process.stopping:
            self._crashes.setdefault(key, deque(maxlen=10)).append(time.monotonic())

    # -- use tracking, for idle stops --------------------------------------------------
    def turn_started(self, process: AgentProcess) -> None:
        key = process.launch.key
        self._users[key] = self._users.get(key, 0) + 1
        process.last_used = time.monotonic()

    def turn_ended(self, process: AgentProcess) -> None:
        key = process.launch.key
        self._users[key] = max(0, self._users.get(key, 0) - 1)
        process.last_used = time.monotonic()

    def _ensure_idle_watch(self) -> None:
        if self.idle_timeout > 0 and (self._idle_task is None or self._idle_task.done()):
            self._idle_task = asyncio.create_task(self._stop_idle())

    async def _stop_idle(self) -> None:
        while self.processes and not self._closed:
            await asyncio.sleep(min(self.idle_timeout / 4, 30.0))
            now = time.monotonic()
            for key, process in list(self.processes.items()):
                if self._users.get(key, 0) == 0 and now - process.last_used >= self.idle_timeout:
                    self.log.info(
                        "agent %s idle for %.0f s: stopping it", process.launch.name, self.idle_timeout
                    )
                    await self.stop(key)

    async def stop_idle_with_variable(self, name: str) -> None:
        """Stop the idle processes started with variable `name` (it changed: the next use
        starts the agent with the new value; busy ones finish their turns first)."""
        for key, process in list(self.processes.items()):
            if self._users.get(key, 0) == 0 and name in process.launch.environment:
                await self.stop(key)

    # -- stopping ----------------------------------------------------------------------
    async def stop(self, key: str) -> bool:
        process = self.processes.pop(key, None)
        if process is None:
            return False
        await process.stop()
        return True

    async def shutdown(self) -> None:
        self._closed = True
        if self._idle_task is not None:
            self._idle_task.cancel()
        await asyncio.gather(*(p.stop() for p in list(self.processes.values())), return_exceptions=True)
        self.processes.clear()
        for future in self._starting.values():
            with contextlib.suppress(Exception):
                future.cancel()

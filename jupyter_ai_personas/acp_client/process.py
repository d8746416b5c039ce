"""AgentProcess: one running agent program, its ACP connection and its stderr."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import acp
from acp.schema import (
    AuthCapabilities,
    ClientCapabilities,
    ElicitationCapabilities,
    ElicitationFormCapabilities,
    ElicitationUrlCapabilities,
    FileSystemCapabilities,
    Implementation,
    InitializeResponse,
)

from .._version import __version__
from ..process_reaper import ProcessReaper
from .client import AcpClient
from .launch import AgentLaunch
from .update_transport import SessionUpdateTransport

STDERR_LINES = 200
STDERR_LINE_CHARS = 2000
STDOUT_LIMIT = 50 * 1024 * 1024  # one JSON-RPC message per line; diffs of big files are big


class AgentStartError(RuntimeError):
    """The agent program could not be started or did not answer `initialize`."""


class AgentProcess:
    def __init__(
        self,
        launch: AgentLaunch,
        *,
        cwd: Path,
        on_exit: Callable[[AgentProcess], None],
        log: logging.Logger,
        start_timeout: float = 60.0,
        reaper: ProcessReaper | None = None,
    ):
        self.reaper = reaper
        self.launch = launch
        self.cwd = cwd
        self.log = log
        self.start_timeout = start_timeout
        self.client = AcpClient()
        self.stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self.stderr_bytes = 0
        self.init: InitializeResponse | None = None
        self.connection: Any = None
        self.process: asyncio.subprocess.Process | None = None
        self.returncode: int | None = None
        self.stopping = False
        self.started_at = time.monotonic()
        self.last_used = time.monotonic()
        self._on_exit = on_exit
        self._tasks: list[asyncio.Task[Any]] = []

    # -- facts about the agent ---------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.returncode is None and not self.stopping

    @property
    def agent_name(self) -> str:
        info = self.init.agent_info if self.init else None
        return (info.name if info else "") or ""

    @property
    def agent_version(self) -> str:
        info = self.init.agent_info if self.init else None
        return (info.version if info else "") or ""

    def capability(self, *path: str) -> Any:
        """A value from the agent's capabilities, e.g. capability("session_capabilities", "resume")."""
        value: Any = self.init.agent_capabilities if self.init else None
        for part in path:
            value = getattr(value, part, None) if value is not None else None
        return value

    def stderr_tail(self, lines: int = 15) -> str:
        return "\n".join(list(self.stderr)[-lines:])

    # -- life cycle --------------------------------------------------------------------
    async def start(self) -> None:
        env = self.launch.environment
        try:
            # asyncio.create_subprocess_exec, keeping the transport: its stdout pipe is paused
            # between batches of a streamed reply (update_transport.py)
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.subprocess_exec(
                lambda: asyncio.subprocess.SubprocessStreamProtocol(limit=STDOUT_LIMIT, loop=loop),
                *self.launch.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self.reaper.marked_environment(env) if self.reaper is not None else env,
                cwd=self.cwd,
                start_new_session=True,  # its own process group: killed as a whole
            )
            self.process = asyncio.subprocess.Process(transport, protocol, loop)
        except OSError as exc:
            raise AgentStartError(f"`{self.launch.argv[0]}` could not be started: {exc}") from exc
        if self.reaper is not None:
            self.reaper.watch(self.process.pid)
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self._tasks.append(asyncio.create_task(self._drain_stderr(self.process.stderr)))
        self._tasks.append(asyncio.create_task(self._watch_exit()))
        pipe = transport.get_pipe_transport(1)
        stdio = SessionUpdateTransport(
            self.process.stdout,
            self.process.stdin,
            self.client,
            pipe if isinstance(pipe, asyncio.ReadTransport) else None,
        )
        # elicitation is still marked unstable in the SDK (0.12): it is what today's agents use
        self.connection = acp.connect_to_agent(self.client, stdio, use_unstable_protocol=True)
        try:
            self.init = await asyncio.wait_for(self._initialize(), self.start_timeout)
        except (TimeoutError, Exception) as exc:
            await self.stop()
            if isinstance(exc, TimeoutError):
                problem = f"did not answer `initialize` within {self.start_timeout:g} s"
            else:
                problem = f"failed to start: {type(exc).__name__}: {exc}"
            tail = self.stderr_tail()
            raise AgentStartError(
                problem + (f"\n\nIts last output:\n```\n{tail}\n```" if tail else "")
            ) from exc

    async def _initialize(self) -> InitializeResponse:
        init = await self.connection.initialize(
            protocol_version=acp.PROTOCOL_VERSION,
            client_capabilities=ClientCapabilities(
                fs=FileSystemCapabilities(read_text_file=True, write_text_file=True),
                terminal=True,
                # questions for the chat's people (Claude's AskUserQuestion, sign-in links)
                elicitation=ElicitationCapabilities(
                    form=ElicitationFormCapabilities(), url=ElicitationUrlCapabilities()
                ),
                # sign-in commands the person runs in a JupyterLab terminal
                auth=AuthCapabilities(terminal=True),
            ),
            client_info=Implementation(
                name="jupyter-ai-personas", title="Jupyter AI Personas", version=__version__
            ),
        )
        await self._authenticate(init)
        return init

    async def _authenticate(self, init: InitializeResponse) -> None:
        """Sign in with the first wanted method the agent offers whose credentials are set.

        Chosen by what is offered (methods are renamed between versions: codex-acp 0.16's
        `openai-api-key` is 2.6's `api-key`), never by one hard-coded id; without any, the
        agent may have a login of its own.
        """
        offered = {getattr(m, "id", None): m for m in init.auth_methods or []}
        environment = self.launch.environment
        for wanted in self.launch.auth_methods:
            method = offered.get(wanted)
            if method is None:
                continue
            needed = [
                v.name for v in getattr(method, "vars", None) or [] if not getattr(v, "optional", False)
            ]
            if needed and not all(environment.get(name) for name in needed):
                continue
            try:
                await self.connection.authenticate(method_id=wanted)
            except Exception as exc:  # e.g. no key for a method that names none: try the next
                self.log.info("agent %s: sign-in with %s failed: %s", self.launch.name, wanted, exc)
                continue
            return

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        # Always read, so an agent that writes a lot to stderr never blocks on a full pipe.
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than the limit: keep reading
                line = (await stream.read(STDOUT_LIMIT))[:STDERR_LINE_CHARS]
            if not line:
                return
            self.stderr_bytes += len(line)
            self.stderr.append(line.decode(errors="replace").rstrip()[:STDERR_LINE_CHARS])

    async def _watch_exit(self) -> None:
        assert self.process is not None
        self.returncode = await _exit_code(self.process)
        if not self.stopping:
            self.log.warning("agent %s exited with code %s", self.launch.name, self.returncode)
            # what it started goes with it (e.g. the binary a node wrapper runs, which would
            # otherwise keep the connection open and the turn going)
            _signal_group(self.process.pid, signal.SIGKILL)
        if self.reaper is not None:
            self.reaper.forget(self.process.pid)
        await asyncio.sleep(0.05)  # let the stderr reader take the last lines
        self.client.on_process_exit()
        self._on_exit(self)

    async def stop(self, grace: float = 3.0) -> None:
        """Terminate the whole process group (the agent and every child it started)."""
        self.stopping = True
        process = self.process
        if process is None:
            return
        if self.connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.connection.close(), 1)
        if process.returncode is None:
            stragglers = _descendants(process.pid)
            _signal_group(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                pass
            _signal_group(process.pid, signal.SIGKILL)
            for pid in stragglers:  # children that made their own process group
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), grace)
        for task in self._tasks:
            if not task.done() and task is not asyncio.current_task():
                task.cancel()


async def _exit_code(process: asyncio.subprocess.Process) -> int:
    """The exit code as soon as the process exits: `wait()` alone also waits for its pipes to
    close, which a child still holding them (a wrapper's binary) would postpone forever."""
    waiter = asyncio.ensure_future(process.wait())
    try:
        while process.returncode is None:
            await asyncio.wait({waiter}, timeout=0.5)
    finally:
        waiter.cancel()
    return process.returncode


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, sig)


def _descendants(root: int) -> list[int]:
    """Pids of every process below `root`, read from /proc (empty where there is none)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found

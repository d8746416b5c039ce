"""Commands an agent runs through ACP terminal/*: bounded output, safe environment,
confined working directory, and killed with the session that started them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import PathRules
from ..process_reaper import ProcessReaper
from .environment import terminal_environment
from .files import refused

DEFAULT_OUTPUT_LIMIT = 1_000_000


@dataclass
class Terminal:
    id: str
    command: list[str]
    process: asyncio.subprocess.Process
    limit: int
    output: bytearray = field(default_factory=bytearray)
    truncated: bool = False
    exit_code: int | None = None
    exit_signal: str | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None

    def text(self) -> str:
        return self.output.decode("utf-8", errors="replace")

    def append(self, data: bytes) -> None:
        self.output.extend(data)
        if len(self.output) > self.limit:
            # keep the end, cut at a character boundary (ACP: truncate from the beginning)
            cut = len(self.output) - self.limit
            while cut < len(self.output) and (self.output[cut] & 0xC0) == 0x80:
                cut += 1
            del self.output[:cut]
            self.truncated = True


class TerminalManager:
    def __init__(self, rules: PathRules, agent_env: dict[str, str], reaper: ProcessReaper | None = None):
        self.rules = rules
        self.reaper = reaper
        self.agent_env = agent_env
        self.terminals: dict[str, Terminal] = {}

    def _environment(self, requested: dict[str, str]) -> dict[str, str]:
        env = terminal_environment(self.agent_env, requested)
        return self.reaper.marked_environment(env) if self.reaper is not None else env

    async def create(
        self,
        command: str,
        args: list[str],
        env: dict[str, str],
        workdir: Path,
        output_byte_limit: int | None,
    ) -> Terminal:
        """Start a command in `workdir` (already checked against the path rules)."""
        argv = [command, *args] if args else shlex.split(command)
        if not argv:
            raise refused(command, "an empty command")
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=workdir,
                env=self._environment(env),
                start_new_session=True,
            )
        except OSError as exc:
            raise refused(command, f"cannot be started: {exc}") from None
        if self.reaper is not None:
            self.reaper.watch(process.pid)
        limit = output_byte_limit if output_byte_limit is not None else DEFAULT_OUTPUT_LIMIT
        terminal = Terminal(id=f"term-{uuid.uuid4().hex[:12]}", command=argv, process=process, limit=limit)
        terminal.reader = asyncio.create_task(self._read(terminal))
        self.terminals[terminal.id] = terminal
        return terminal

    async def _read(self, terminal: Terminal) -> None:
        stream = terminal.process.stdout
        assert stream is not None
        while chunk := await stream.read(65536):
            terminal.append(chunk)
        code = await terminal.process.wait()
        if self.reaper is not None:
            self.reaper.forget(terminal.process.pid)
        if code < 0:
            terminal.exit_signal = signal.Signals(-code).name
        else:
            terminal.exit_code = code
        terminal.done.set()

    def get(self, terminal_id: str) -> Terminal:
        terminal = self.terminals.get(terminal_id)
        if terminal is None:
            raise refused(terminal_id, "no such terminal")
        return terminal

    async def wait(self, terminal_id: str) -> Terminal:
        terminal = self.get(terminal_id)
        await terminal.done.wait()
        return terminal

    def kill(self, terminal_id: str) -> None:
        terminal = self.get(terminal_id)
        if not terminal.done.is_set():
            with contextlib.suppress(OSError):
                os.killpg(terminal.process.pid, signal.SIGKILL)

    def release(self, terminal_id: str) -> None:
        if terminal_id in self.terminals:
            self.kill(terminal_id)
            del self.terminals[terminal_id]

    def close(self) -> None:
        """Kill every command of this session."""
        for terminal_id in list(self.terminals):
            self.release(terminal_id)

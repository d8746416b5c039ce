"""A watchdog that kills agents (and the commands they run) when the server dies, SIGKILL included.

Run as its own small program (stdlib only, `python -I process_reaper.py MARK`), in a session
of its own. The server writes `+<pid>` for each process to watch and `-<pid>` when one is gone.
When its stdin closes, which happens however the server ends (even SIGKILL: the kernel closes
the pipe), it kills every watched process with its descendants, its process group and its
session, and every process whose environment carries the server's mark: a process the server
had started but not yet named (it died in between) is found by its mark.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path

MARK_VARIABLE = "JUPYTER_AI_PERSONAS_REAPER"


def _processes() -> dict[int, tuple[int, int, int]]:
    """pid -> (parent pid, process group, session) of every process, from /proc."""
    table: dict[int, tuple[int, int, int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            table[int(entry.name)] = (int(fields[1]), int(fields[2]), int(fields[3]))
        except (OSError, IndexError, ValueError):
            continue
    return table


def targets(roots: set[int], table: dict[int, tuple[int, int, int]]) -> set[int]:
    """The roots, everything below them, and every process in their groups or sessions."""
    found = {pid for pid in roots if pid in table}
    found |= {pid for pid, (_, group, session) in table.items() if group in roots or session in roots}
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    stack = list(found)
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    found.discard(os.getpid())
    return found


def marked(mark: str) -> set[int]:
    """The processes whose environment holds the mark (inherited by everything they start)."""
    needle = f"{MARK_VARIABLE}={mark}".encode()
    found = set()
    for entry in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, ValueError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.add(int(entry.name))
    return found


def kill_all(roots: set[int], mark: str | None = None) -> None:
    if mark:
        roots = roots | marked(mark)
    for pid in targets(roots, _processes()):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is for the server
    watched: set[int] = set()
    for line in sys.stdin:
        line = line.strip()
        with contextlib.suppress(ValueError):
            if line.startswith("+"):
                watched.add(int(line[1:]))
            elif line.startswith("-"):
                watched.discard(int(line[1:]))
    kill_all(watched, sys.argv[1] if len(sys.argv) > 1 else None)


class ProcessReaper:
    """The server's side: started on first use, told which processes to watch."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.mark = uuid.uuid4().hex

    def marked_environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """`env` with this server's mark, for a process about to start (the reaper is started
        first, so that a server killed right after the start still has its process killed)."""
        self._pipe()
        return {**env, MARK_VARIABLE: self.mark}

    def _pipe(self) -> subprocess.Popen[str] | None:
        if self._process is None or self._process.poll() is not None:
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-I", "-u", __file__, self.mark],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a kill of the server's process group spares it
                    text=True,
                )
            except OSError:
                return None
        return self._process

    def _say(self, line: str) -> None:
        process = self._pipe()
        if process is not None and process.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                process.stdin.write(line + "\n")
                process.stdin.flush()

    def watch(self, pid: int) -> None:
        self._say(f"+{pid}")

    def forget(self, pid: int) -> None:
        if self._process is not None:
            self._say(f"-{pid}")

    def close(self) -> None:
        """A clean stop: whatever is still watched is killed, then the reaper exits."""
        process, self._process = self._process, None
        if process is None or process.stdin is None:
            return
        with contextlib.suppress(OSError, ValueError):
            process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)


if __name__ == "__main__":
    main()

"""Helpers shared by the benchmarks: servers, CPU time, statistics, machine facts."""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.support.server import JupyterServer, server_env

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its reaped children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / CLOCK_TICKS


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    cpus = os.cpu_count()
    try:
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    except (OSError, ValueError):
        mem = 0
    system = f"{platform.system()} {platform.machine()}"
    return f"{system}, {cpus} CPUs, {mem} GiB, Python {platform.python_version()}"


@asynccontextmanager
async def running_server(args: list[str] | None = None, **env: str) -> AsyncIterator[JupyterServer]:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        home = Path(tmp) / "home"
        server = JupyterServer(Path(tmp) / "root", home, args=args, env=server_env(home, **env))
        await server.start()
        try:
            yield server
        finally:
            await server.stop()

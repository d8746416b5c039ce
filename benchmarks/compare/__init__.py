"""jupyter-ai-personas side by side with Jupyter AI v3 on the same work (`make bench-compare`).

Each measure runs for both runtimes in alternating order, round after round, on fresh
servers; the report gives medians with ranges (or percentiles of the pooled samples).
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from .browser import Chromium, browser_latency
from .measures import (
    agent_start_seconds,
    cold_latency,
    crowd,
    idle_without_runtime,
    startup_seconds,
    streamed_reply,
    warm_latency,
)
from .report import NOTES, plot, table
from .runtimes import OURS, V3, V3_NODELAY, V3_VENV, Runtime

__all__ = ["NOTES", "run", "table"]

ROUNDS = 3
WARM, BROWSER, COLD, STARTS, CHATS = 30, 15, 3, 2, 20
PACKAGES = (
    "jupyter_server",
    "jupyter_collaboration",
    "jupyterlab_chat",
    "pycrdt",
    "jupyter_ai_personas",
    "jupyter_ai_persona_manager",
    "jupyter_ai_router",
    "jupyter_ai_acp_client",
    "agent_client_protocol",
)


def versions(runtime: Runtime) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json\nout = {}\n"
        f"for name in {PACKAGES!r}:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    out = subprocess.run([str(runtime.python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def alternate(index: int) -> list[Runtime]:
    return [OURS, V3] if index % 2 == 0 else [V3, OURS]


async def run() -> dict[str, Any]:
    if not V3.python.exists():
        sys.exit(f"Jupyter AI v3 is not installed in {V3_VENV}: run `make bench-compare`")
    data: dict[str, Any] = {key: {} for key in (OURS.key, V3.key, V3_NODELAY.key)}
    extensions = {runtime.key: list(runtime.enabled_extensions()) for runtime in (OURS, V3)}

    def add(runtime: Runtime, measure: str, value: Any) -> None:
        data[runtime.key].setdefault(measure, []).append(value)

    async with Chromium() as browser:
        for index in range(ROUNDS):
            print(f"round {index + 1}/{ROUNDS}", flush=True)
            for runtime in alternate(index):
                for _ in range(STARTS):
                    add(runtime, "start_full", await startup_seconds(runtime, []))
                    add(runtime, "start_without", await startup_seconds(runtime, list(runtime.packages)))
                    add(runtime, "start_plain", await startup_seconds(runtime, extensions[runtime.key]))
            for runtime in [*alternate(index), V3_NODELAY]:
                data[runtime.key].setdefault("warm", []).extend(await warm_latency(runtime, WARM))
            for runtime in alternate(index):
                data[runtime.key].setdefault("browser", []).extend(
                    await browser_latency(browser, runtime, BROWSER)
                )
                for _ in range(COLD):
                    add(runtime, "cold", await cold_latency(runtime))
                    add(runtime, "agent_start", await agent_start_seconds())  # the same program
            for runtime in alternate(index):
                add(runtime, "stream", await streamed_reply(runtime))
            for runtime in alternate(index):
                add(runtime, "crowd", await crowd(runtime, CHATS))
                add(runtime, "idle_without", await idle_without_runtime(runtime, CHATS))
    result = {
        "rounds": ROUNDS,
        "chats": CHATS,
        "runtimes": data,
        "versions": {OURS.key: versions(OURS), V3.key: versions(V3)},
    }
    plot(result)
    return result

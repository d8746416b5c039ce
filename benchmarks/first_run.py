"""From a fresh clone to @Claude's first answer: `make lab` as a new user runs it.

The clone is of the committed tree; package caches (pip, npm) are the machine's own (warm
after one install), everything else starts empty (the clone, its .venv, .agents and the
demo workspace, a new home folder). Claude answers from the tests' fake model, so only the
set-up and the runtime are timed, never a model.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.fake_model import FakeModel, Turn
from tests.support.chat_client import ChatClient
from tests.support.server import REPO, JupyterServer, free_port

STEPS = ("Python environment", "Agents (npm registry)", "Demo workspace", "Starting JupyterLab")


async def run() -> dict[str, Any]:
    model = FakeModel()
    await model.start()
    real_home = Path.home()
    with tempfile.TemporaryDirectory(prefix="first-run-") as scratch:
        clone, home = Path(scratch) / "clone", Path(scratch) / "home"
        home.mkdir()
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        port, token = free_port(), secrets.token_hex(16)
        env = {
            **os.environ,
            "HOME": str(home),
            "PIP_CACHE_DIR": str(real_home / ".cache" / "pip"),  # warm caches, nothing else
            "npm_config_cache": str(real_home / ".npm"),
            "JUPYTER_TOKEN": token,
            "ANTHROPIC_API_KEY": "first-run-key",
            "ANTHROPIC_BASE_URL": model.url,
            "DISABLE_AUTOUPDATER": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        }
        start = time.monotonic()
        lab = await asyncio.create_subprocess_exec(
            "make",
            "lab",
            f"PORT={port}",
            cwd=clone,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        steps: dict[str, float] = {}
        reader = asyncio.ensure_future(_read_steps(lab, start, steps))
        try:
            server = JupyterServer(clone / ".demo-workspace", home, port=port)
            server.token = token
            ready = await _wait_for_status(server, lab)
            steps["server answers"] = ready - start
            model.queue("anthropic", Turn(text="Hello from Claude, on its first run."))
            async with ChatClient(server, "welcome.chat", create=False) as chat:
                asked = time.monotonic()
                chat.send("@Claude hello")
                await chat.wait_for_text("Claude", "on its first run", timeout=120)
                answered = time.monotonic()
        finally:
            os.killpg(lab.pid, signal.SIGINT)
            try:
                await asyncio.wait_for(lab.wait(), 30)
            except TimeoutError:
                os.killpg(lab.pid, signal.SIGKILL)
            reader.cancel()
            await model.stop()
    return {
        "steps": {name: round(seconds, 1) for name, seconds in steps.items()},
        "first_answer_after_asking": round(answered - asked, 2),
        "total": round(answered - start, 1),
    }


async def _read_steps(lab: asyncio.subprocess.Process, start: float, steps: dict[str, float]) -> None:
    assert lab.stdout is not None
    while line := await lab.stdout.readline():
        text = line.decode(errors="replace")
        for step in STEPS:
            if text.startswith(step) and step not in steps:
                steps[step] = time.monotonic() - start


async def _wait_for_status(server: JupyterServer, lab: asyncio.subprocess.Process) -> float:
    async with httpx.AsyncClient(headers=server.headers) as client:
        for _ in range(6000):
            if lab.returncode is not None:
                raise RuntimeError(f"make lab ended early with code {lab.returncode}")
            try:
                if (await client.get(server.url + "api/status", timeout=2)).status_code == 200:
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("the lab server never answered")


def table(data: dict[str, Any]) -> str:
    rows = ["| step (seconds from `make lab`) | reached at |", "|---|---|"]
    steps = sorted(data["steps"].items(), key=lambda item: item[1])
    rows += [f"| {name} | {seconds:.1f} s |" for name, seconds in steps]
    asked = data["first_answer_after_asking"]
    rows.append(f"| @Claude's first answer ({asked:.1f} s after the question) | {data['total']:.1f} s |")
    goal = "✓" if data["total"] <= 120 else "✗"
    rows.append(
        f"| **total, fresh clone to a working @Claude** (goal ≤ 120 s) | **{data['total']:.1f} s** {goal} |"
    )
    return "\n".join(rows)


NOTES = """
Each line above is a step `make lab` prints as it starts it; most of the time goes to the
frontend build (before "Agents") and to the agents' npm install (before "Demo workspace"). The
first answer includes starting the agent program and opening its session.
"""

"""Memory that follows the chats in use: 20 chats that each had a @Claude conversation (the real
claude-agent-acp, against the tests' fake model), 2 of them active again, and how long a closed
session takes to answer when it is resumed."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import agents_env
from tests.e2e.fake_model import FakeModel, Turn
from tests.support.chat_client import ChatClient
from tests.support.server import JupyterServer

from .common import median

CHATS, ACTIVE = 20, 2
IDLE = 4.0  # session_idle_timeout for the run (600 s by default: the same, later)


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> tuple[float, int]:
    """The resident memory of a process and everything below it (MB), and how many processes."""
    total, count = 0, 0
    for member in _tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        total, count = total + kb, count + 1
    return total / 1024, count


async def _turn(chat: ChatClient, model: FakeModel, text: str) -> float:
    model.queue("anthropic", Turn(text=f"Answer to {text}."))
    started = time.monotonic()
    chat.send(f"@Claude {text}")
    await chat.wait_for_text("Claude", f"Answer to {text}.", timeout=120)
    return time.monotonic() - started


async def run() -> dict[str, Any]:
    model = FakeModel()
    await model.start()
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        home = Path(tmp) / "home"
        args = [f"--PersonasExtension.session_idle_timeout={IDLE}"]
        server = JupyterServer(Path(tmp) / "root", home, env=agents_env(home, model), args=args)
        await server.start()
        assert server.process is not None
        try:
            peak = 0.0
            for index in range(CHATS):  # one conversation per chat, one after the other
                async with ChatClient(server, f"chat-{index}.chat") as chat:
                    await _turn(chat, model, f"question {index}")
                    peak = max(peak, rss_mb(server.process.pid)[0])
            await asyncio.sleep(IDLE + 2)  # every session idle: closed in the agent
            idle_mb, idle_count = rss_mb(server.process.pid)
            resumed = []
            for index in range(ACTIVE):  # two of them come back
                async with ChatClient(server, f"chat-{index}.chat") as chat:
                    resumed.append(await _turn(chat, model, f"follow-up {index}"))
            active_mb, active_count = rss_mb(server.process.pid)
        finally:
            await server.stop()
            await model.stop()
    return {
        "chats": CHATS,
        "active": ACTIVE,
        "idle_mb": idle_mb,
        "idle_processes": idle_count,
        "active_mb": active_mb,
        "active_processes": active_count,
        "peak_mb": peak,
        "resumed": resumed,
    }


def table(data: dict[str, Any]) -> str:
    resumed = data["resumed"]
    return "\n".join(
        [
            "| measure | value | goal |",
            "|---|---|---|",
            f"| server + agents, {data['chats']} chats that each had a conversation, {data['active']} "
            f"active again | {data['active_mb']:.0f} MB ({data['active_processes']} processes) "
            "| ≤ 1,024 MB |",
            f"| the same, every session idle | {data['idle_mb']:.0f} MB "
            f"({data['idle_processes']} processes) | |",
            f"| largest while the {data['chats']} conversations ran | {data['peak_mb']:.0f} MB | |",
            f"| a resumed session's answer (mention → whole answer) | {median(resumed):.2f} s "
            f"(max {max(resumed):.2f} s) | ≤ 2 s to the first chunk |",
        ]
    )


NOTES = f"""
Resident memory (RSS) of the Jupyter server and every process below it (the adapter, Claude
Code), summed: pages shared between processes count once per process, so the figures are an
upper bound. Each chat talks to @Claude (claude-agent-acp 0.101 with the real Claude Code)
in turn; a session with no turn for `session_idle_timeout` ({IDLE:g} s here, 600 s by default)
is closed in the agent, which ends its Claude Code process, and the chat's next mention resumes
it. Without the idle close, every chat with a session keeps a Claude Code process (~200 MB).
The answer is short, so the whole answer arrives with its first chunk.
"""

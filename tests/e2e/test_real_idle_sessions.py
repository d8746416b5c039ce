"""An idle @Claude session is closed in claude-agent-acp (its Claude Code process ends, the memory
comes back) and the next mention resumes the same conversation."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import agents_env
from tests.e2e.fake_model import Turn
from tests.e2e.test_real_agents import agent_pid
from tests.support.chat_client import ChatClient

pytestmark = pytest.mark.asyncio


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (the adapter's per-session programs)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


async def test_an_idle_claude_session_ends_its_process_and_resumes_the_conversation(
    start_server, fake_model, generation, tmp_path
):
    env = agents_env(tmp_path / "home", fake_model, generation)
    server = await start_server(env=env, args=["--PersonasExtension.session_idle_timeout=3"])
    fake_model.queue("anthropic", Turn(text="Noted: your dataset is penguins.csv."))
    async with ChatClient(server, "idle.chat") as chat:
        chat.send("@Claude remember that my dataset is penguins.csv")
        await chat.wait_for_text("Claude", "Noted: your dataset", timeout=90)
        adapter = agent_pid(server, "claude-agent-acp")
        assert adapter is not None
        assert descendants(adapter), "Claude Code runs below the adapter while the session is open"
        for _ in range(100):  # idle past the timeout: the session is closed, its process ends
            if not descendants(adapter):
                break
            await asyncio.sleep(0.2)
        assert not descendants(adapter), "the idle session's Claude Code process is still running"
        fake_model.queue("anthropic", Turn(text="It is penguins.csv."))
        asked = time.monotonic()
        chat.send("@Claude which dataset did I name?")
        await chat.wait_for_text("Claude", "It is penguins.csv.", timeout=90)
        print(f"resumed ({generation}): answer after {time.monotonic() - asked:.2f} s")
        assert agent_pid(server, "claude-agent-acp") == adapter  # the same adapter, a resumed session
    asked = [r for r in fake_model.model_requests("anthropic") if "which dataset" in json.dumps(r["body"])]
    assert asked and "remember that my dataset is penguins.csv" in json.dumps(asked[-1]["body"])

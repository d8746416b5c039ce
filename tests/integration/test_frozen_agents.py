"""A stopped turn stays stopped: late updates never reach the next reply, a frozen agent is restarted."""

from __future__ import annotations

import os
import signal

import pytest
import pytest_asyncio

from tests.integration.test_acp_agents import alive, pid_of
from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio
STOPPED = "⏹ *stopped*"


@pytest_asyncio.fixture(scope="module")
async def frozen_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("frozen-home")
    return await start_server(env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state")))


async def test_late_updates_of_a_stopped_turn_never_reach_the_next_reply(frozen_server, chat_path):
    async with ChatClient(frozen_server, chat_path) as chat:
        chat.send("@Scripted linger")  # goes on talking for 1.5 s after the stop
        await chat.wait_for_text("Scripted", "l5 ")
        chat.send("/stop")
        await chat.wait_for_text("Scripted", STOPPED)
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello from the scripted agent!", timeout=20)
        await chat.settle(1.0)
        assert not any("LATE" in body for body in chat.bodies_from("Scripted")), chat.describe()


async def test_a_frozen_agent_gets_a_note_and_is_restarted_by_the_next_message(frozen_server, chat_path):
    async with ChatClient(frozen_server, chat_path) as chat:
        pid = await pid_of(chat)
        chat.send("@Scripted stream 1000 0.05")
        await chat.wait_for_text("Scripted", "c5 ")
        os.kill(pid, signal.SIGSTOP)  # frozen: reads nothing, answers nothing
        try:
            chat.send("/stop")
            await chat.wait_for_text("Scripted", STOPPED)
            note = await chat.wait_for_text("Scripted", "has not ended its stopped turn", timeout=15)
            assert "your next message to it restarts the agent" in note
            chat.send("@Scripted hello")
            await chat.wait_for_text("Scripted", "did not end its stopped turn within 5 s and was restarted")
            await chat.wait_for_text("Scripted", "Hello from the scripted agent!", timeout=30)
            assert not alive(pid)
            assert await pid_of(chat) != pid
            stopped_reply = next(b for b in chat.bodies_from("Scripted") if b.startswith("c0"))
            hello = next(b for b in chat.bodies_from("Scripted") if "Hello from" in b)
            assert " c" not in hello and STOPPED in stopped_reply
        finally:
            if alive(pid):
                os.kill(pid, signal.SIGCONT)

"""Memory follows the chats in use: an idle agent session is closed in its agent and resumed,
conversation and all, by the chat's next mention."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def idle_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("idle-home")
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    return await start_server(env=env, args=["--PersonasExtension.session_idle_timeout=1.5"])


async def test_an_idle_session_is_closed_in_the_agent_and_resumed_by_the_next_mention(idle_server):
    async with ChatClient(idle_server, "quiet.chat") as quiet, ChatClient(idle_server, "busy.chat") as busy:
        quiet.send("@Scripted count")
        await quiet.wait_for_text("Scripted", "count=1")
        busy.send("@Scripted open")
        await busy.wait_for_text("Scripted", "open sessions=2")  # both chats' sessions in memory
        await asyncio.sleep(3)  # both idle past the timeout: closed in the agent
        busy.send("@Scripted open")  # busy's session is resumed for this turn; quiet's stays closed
        before = len(busy.bodies_from("Scripted"))
        answer = await busy.wait_for(
            lambda: next((b for b in busy.bodies_from("Scripted")[before:] if "open sessions" in b), None)
        )
        assert answer == "open sessions=1", busy.describe()
        # the quiet chat's next mention continues the same conversation, nothing said about it
        quiet.send("@Scripted count")
        await quiet.wait_for_text("Scripted", "count=2")
        assert not [b for b in quiet.bodies_from("Scripted") if "session" in b.lower()]

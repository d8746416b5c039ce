"""`/new` starts a new conversation with an agent in a chat; `/sessions` lists the agent's
conversations in the chat's folder and continues one of them."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def sessions_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("sessions-home")
    return await start_server(env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state")))


def next_from(chat: ChatClient, persona: str, contains: str) -> Awaitable[str]:
    """The next message of `persona` with `contains` (counted from now: call before sending)."""
    before = len(chat.bodies_from(persona))
    return chat.wait_for(lambda: next((b for b in chat.bodies_from(persona)[before:] if contains in b), None))


async def test_new_starts_afresh_and_sessions_goes_back_to_the_earlier_conversation(sessions_server):
    async with ChatClient(sessions_server, "analysis.chat") as chat:
        chat.send("@Scripted penguins first")
        await chat.wait_for_text("Scripted", "You said: penguins first")
        chat.send("@Scripted count")
        await chat.wait_for_text("Scripted", "count=2")

        chat.send("/new @Scripted")
        said = await chat.wait_for_text("Personas", "starts a new conversation")
        assert "/sessions @Scripted" in said
        counted = next_from(chat, "Scripted", "count=")
        chat.send("@Scripted count")  # a new session: it has seen one prompt, not three
        assert await counted == "count=1"
        prompted = next_from(chat, "Scripted", "PROMPT<<")
        chat.send("@Scripted prompt")  # and it was told nothing of the earlier conversation
        assert "penguins" not in await prompted

        chat.send("/sessions @Scripted")
        listing = await chat.wait_for_text("Personas", "conversations in this folder")
        lines = [line for line in listing.splitlines() if line[:1].isdigit()]
        assert len(lines) == 2 and "← this chat" in lines[0] and "penguins first" in lines[1], listing
        waiting = next_from(chat, "Personas", "↩️")
        chat.send("/sessions @Scripted 2")
        assert "continues “penguins first”" in await waiting
        counted = next_from(chat, "Scripted", "count=")
        chat.send("@Scripted count")  # the earlier conversation, resumed: its 2 prompts and this one
        assert await counted == "count=3"

        waiting = next_from(chat, "Personas", "no such conversation")
        chat.send("/sessions @Scripted 9")
        assert "`/sessions @Scripted` lists them" in await waiting
        chat.send("/new")
        assert "Say which persona" in await chat.wait_for_text("Personas", "Say which persona")

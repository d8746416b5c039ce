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


async def test_a_person_picks_the_model_for_this_chat_and_it_applies_at_once(sessions_server):
    async with ChatClient(sessions_server, "pick.chat") as chat, sessions_server.client() as client:
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello")
        listed = (await client.get("api/ai-personas/personas", params={"chat": "pick.chat"})).json()
        options = next(p for p in listed["personas"] if p["mention_name"] == "Scripted")["options"]
        model = next(o for o in options if o["category"] == "model")
        assert model["current"] == "fast" and [c["value"] for c in model["choices"]] == ["fast", "smart"]
        body = {"chat": "pick.chat", "persona": "Scripted", "category": "model", "value": "smart"}
        response = await client.post("api/ai-personas/options", json=body)
        assert response.status_code == 200, response.text
        assert next(o for o in response.json()["options"] if o["category"] == "model")["current"] == "smart"
        meta = next_from(chat, "Scripted", "model=")
        chat.send("@Scripted meta")  # the agent's session has the picked model
        assert "model=smart" in await meta
        refused = await client.post("api/ai-personas/options", json={**body, "value": "huge"})
        assert refused.status_code == 409 and "offers no model 'huge'" in refused.text
    # kept with the chat: the next session of this chat gets it too
    async with ChatClient(sessions_server, "pick.chat") as chat:
        chat.send("/new @Scripted")
        await chat.wait_for_text("Personas", "starts a new conversation")
        meta = next_from(chat, "Scripted", "model=")
        chat.send("@Scripted meta")
        assert "model=smart" in await meta


async def test_a_mode_written_into_the_chat_file_does_not_change_how_the_agent_asks(sessions_server):
    # the chat document is writable by any collaborator (and by an agent a person let write it):
    # a mode that skips asking, forged into its metadata, must not reach the agent
    async with ChatClient(sessions_server, "forged.chat") as chat:
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello")
        state = chat.metadata_map.to_py()["jupyter_ai_personas"]
        persona_id = next(iter(state["sessions"]))
        state["sessions"][persona_id]["chosen"] = {"mode": "code"}
        chat.metadata_map["jupyter_ai_personas"] = state
        await chat.settle(0.5)
        meta = next_from(chat, "Scripted", "mode=")
        chat.send("@Scripted meta")
        assert "mode=ask" in await meta

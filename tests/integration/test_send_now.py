"""A message sent while an agent works, given to it at once (Send now: ACP's steering extension,
as claude-agent-acp has it). The agent is the scripted ACP agent, a real subprocess."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from jupyter_ai_personas.message_meta import QUEUE_AWARENESS_KEY as QUEUE_KEY
from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def acp_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("send-now-home")
    return await start_server(env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state")))


def waiting_entries(chat: ChatClient) -> list[dict]:
    return [e for s in chat.awareness.states.values() for e in (s or {}).get(QUEUE_KEY, [])]


async def test_a_waiting_message_sent_now_is_answered_in_the_turn_under_way(acp_server, chat_path):
    """An agent that takes messages during a turn (the steering extension of claude-agent-acp)
    gets a waiting message at once when its sender asks; the reply goes on below it."""
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted listen 30")
        await chat.wait_for_text("Scripted", "..")
        follow_up = chat.send("@Scripted also look at the plot")
        await chat.wait_for(
            lambda: (
                [(e["message_id"], e["can_send_now"]) for e in waiting_entries(chat)] == [(follow_up, True)]
            ),
            what="the follow-up waiting, with Send now offered",
        )
        async with acp_server.client() as client:
            sent = await client.post(
                "api/ai-personas/send-now", json={"chat": chat_path, "message_id": follow_up}
            )
            again = await client.post(
                "api/ai-personas/send-now", json={"chat": chat_path, "message_id": follow_up}
            )
        assert sent.json() == {"sent": ["Scripted"], "confirmed": True}
        assert again.status_code == 404 and "not waiting" in again.text
        await chat.wait_for_text("Scripted", "Heard during the turn: also look at the plot")
        await chat.wait_for(
            lambda: not waiting_entries(chat) and "Scripted" not in chat.writers(), what="idle"
        )
        await chat.settle(1.0)
        order = [m["id"] for m in chat.messages()]
        answer = next(m["id"] for m in chat.messages_from("Scripted") if "Heard during" in m["body"])
        dots = next(m["id"] for m in chat.messages_from("Scripted") if m["body"].startswith(".."))
        assert order.index(dots) < order.index(follow_up) < order.index(answer)
        assert "Heard" not in next(m["body"] for m in chat.messages() if m["id"] == dots)
        # answered once, in the turn it was sent into
        assert not any("You said: also look at the plot" in b for b in chat.bodies_from("Scripted"))


async def test_a_message_cannot_be_sent_into_a_turn_someone_else_asked_for(acp_server, chat_path):
    async with (
        ChatClient(acp_server, chat_path) as alice,
        ChatClient(acp_server, chat_path, username="bob") as bob,
    ):
        alice.send("@Scripted listen 8")
        await alice.wait_for_text("Scripted", "..")
        waiting = bob.send("@Scripted look at mine instead")
        await bob.wait_for(
            lambda: (
                [(e["message_id"], e["can_send_now"]) for e in waiting_entries(bob)] == [(waiting, False)]
            ),
            what="bob's message waiting, without Send now",
        )
        async with acp_server.client() as client:
            refused = await client.post(
                "api/ai-personas/send-now", json={"chat": chat_path, "message_id": waiting}
            )
        assert refused.status_code == 409 and "waits for its turn" in refused.text
        assert [e["message_id"] for e in waiting_entries(bob)] == [waiting]  # still in its place
        await bob.wait_for_text("Scripted", "nothing came", timeout=30)
        await bob.wait_for_text("Scripted", "You said: look at mine instead", timeout=30)


async def wait_for_offer(chat: ChatClient, message_id: str, offered: bool) -> None:
    await chat.wait_for(
        lambda: (
            [(e["message_id"], e["can_send_now"]) for e in waiting_entries(chat)] == [(message_id, offered)]
        ),
        what=f"the message waiting, Send now offered: {offered}",
    )


async def test_a_message_the_agent_does_not_take_waits_in_its_place_and_is_answered_once(
    acp_server, chat_path
):
    """The turn ends while the agent is asked (it answers "promptRequired"): the message keeps
    its place and is answered in a turn of its own, once."""
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted listen 2")
        await chat.wait_for_text("Scripted", "..")
        later = chat.send("@Scripted slowly please")
        await wait_for_offer(chat, later, True)
        async with acp_server.client() as client:
            refused = await client.post(
                "api/ai-personas/send-now", json={"chat": chat_path, "message_id": later}
            )
        assert refused.status_code == 409 and "waits for its turn" in refused.text
        await chat.wait_for_text("Scripted", "You said: slowly please", timeout=30)
        await chat.wait_for(lambda: "Scripted" not in chat.writers(), what="idle")
        await chat.settle(1.0)
        bodies = chat.bodies_from("Scripted")
        assert sum("slowly please" in b for b in bodies) == 1, bodies
        assert not any("Heard during the turn" in b for b in bodies)


async def test_a_message_taken_back_while_it_is_being_sent_is_not_answered(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted listen 2")
        await chat.wait_for_text("Scripted", "..")
        later = chat.send("@Scripted slowly then never mind")
        await wait_for_offer(chat, later, True)
        async with acp_server.client() as client:
            sending = asyncio.ensure_future(
                client.post("api/ai-personas/send-now", json={"chat": chat_path, "message_id": later})
            )
            await asyncio.sleep(0.3)  # the agent holds its answer until the turn ends
            again = await client.post(
                "api/ai-personas/send-now", json={"chat": chat_path, "message_id": later}
            )
            taken = await client.post("api/ai-personas/stop", json={"chat": chat_path, "message_id": later})
            assert (await sending).status_code == 409
        assert again.status_code == 409 and "being sent" in again.text
        assert taken.json() == {"stopped": ["Scripted"]}
        await chat.wait_for_text("Scripted", "nothing came", timeout=30)
        await chat.wait_for(
            lambda: "Scripted" not in chat.writers() and not waiting_entries(chat), what="idle"
        )
        await chat.settle(1.5)
        assert not any("never mind" in b for b in chat.bodies_from("Scripted"))

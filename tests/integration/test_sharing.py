"""A server shared with others (JupyterHub sharing): the owner's agents and keys do the work, so
only the person who asked a persona, and the owner, may answer its requests or stop its reply."""

from __future__ import annotations

import contextlib

import pytest
import pytest_asyncio

from jupyter_ai_personas.message_meta import QUEUE_AWARENESS_KEY as QUEUE_KEY
from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def shared_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("shared-home")
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    args = ["--PersonasExtension.server_owner=olivia", "--PersonasExtension.permission_timeout=60"]
    return await start_server(env=env, args=args)


def next_answer(chat: ChatClient, contains: str):
    before = len(chat.bodies_from("Personas"))
    return chat.wait_for(
        lambda: next((b for b in chat.bodies_from("Personas")[before:] if contains in b), None)
    )


async def test_only_who_asked_and_the_owner_answer_requests_and_stop_replies(shared_server):
    root = shared_server.root_dir
    async with contextlib.AsyncExitStack() as stack:
        alice, mallory, olivia = [
            await stack.enter_async_context(ChatClient(shared_server, "team.chat", username=name))
            for name in ("alice", "mallory", "olivia")
        ]
        alice.send("@Scripted write notes.txt hello")
        await alice.wait_for_text("Scripted", "Waiting for your answer to request #1")
        refused = next_answer(mallory, "may answer or stop")
        mallory.send("/allow")  # shared into the server: not theirs to allow
        said = await refused
        assert "**alice**, who asked," in said and "**olivia**" in said
        assert not (root / "notes.txt").exists()
        olivia.send("/allow")  # the owner, whose keys do the work
        await alice.wait_for_text("Scripted", "Wrote notes.txt.")
        assert (root / "notes.txt").read_text() == "hello"

        alice.send("@Scripted stream 400 0.05")
        await alice.wait_for_text("Scripted", "c3 ")
        refused = next_answer(mallory, "may answer or stop")
        mallory.send("/stop @Scripted")
        await refused
        olivia.send("/stop @Scripted")
        await alice.wait_for_text("Scripted", "stopped")

        refused = next_answer(mallory, "may answer or stop")
        mallory.send("/sessions @Scripted")  # the owner's conversations are not theirs to list or switch
        await refused

        personas = next_answer(mallory, "This server is")
        mallory.send("/personas")
        assert "run with olivia's programs and keys" in await personas


async def test_only_who_sent_a_waiting_message_or_the_owner_may_take_it_back_or_send_it_now(shared_server):
    async with ChatClient(shared_server, "queue.chat", username="alice") as alice:
        alice.send("@Scripted stream 200 0.03")
        await alice.wait_for_text("Scripted", "c2 ")
        waiting = alice.send("@Scripted hello")

        def queued() -> list[str]:
            states = alice.awareness.states.values()
            return [e["message_id"] for s in states for e in (s or {}).get(QUEUE_KEY, [])]

        await alice.wait_for(lambda: queued() == [waiting], what="alice's message waiting")
        async with shared_server.client() as client:  # a Jupyter user who is neither alice nor olivia
            response = await client.post(
                "api/ai-personas/stop", json={"chat": "queue.chat", "message_id": waiting}
            )
            pushed = await client.post(
                "api/ai-personas/send-now", json={"chat": "queue.chat", "message_id": waiting}
            )
        assert response.status_code == 403 and "alice, who sent it, or olivia" in response.text
        assert pushed.status_code == 403 and "or olivia may send it now" in pushed.text
        await alice.wait_for_text("Scripted", "Hello from the scripted agent!", timeout=60)

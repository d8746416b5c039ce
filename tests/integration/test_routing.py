"""Routing rules, as people in a chat see them: who answers which message, and how often."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from tests.support.chat_client import ChatClient, create_chat

pytestmark = pytest.mark.asyncio


@pytest.fixture
def chat_path(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name.replace('[', '_').replace(']', '')}.chat"


async def test_mention_gets_a_reply(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Echo hello there")
        assert await chat.wait_for_text("Echo", "Echo: hello there")


@pytest.mark.parametrize("written", ["@echo, how are you", "@ECHO: how are you", "(@Echo) how are you"])
async def test_mentions_ignore_case_and_trailing_punctuation(server, chat_path, written):
    async with ChatClient(server, chat_path) as chat:
        chat.send(written)
        assert await chat.wait_for_text("Echo", "how are you")


async def test_each_mentioned_persona_answers_once(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Crasher and @Streamer and @crasher again: 3")
        await chat.wait_for_text("Crasher", "Crasher is fine")
        await chat.wait_for_text("Streamer", "[done]")
        await chat.settle(1.5)
        assert len(chat.messages_from("Crasher")) == 1
        assert len(chat.messages_from("Streamer")) == 1


async def test_message_mentions_and_to_persona_metadata_route(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Echo"), what="Echo to join the chat")
        echo_id = chat.user_id("Echo")
        chat.send("picked from the mention list", mentions=[echo_id])
        await chat.wait_for_text("Echo", "Echo: picked from the mention list")
        chat.send("picked in the Jupyter AI persona picker", metadata={"to_persona": echo_id})
        await chat.wait_for_text("Echo", "Echo: picked in the Jupyter AI persona picker")


async def test_a_persona_never_receives_its_own_message(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Echo repeat after me: @Echo")
        await chat.wait_for_text("Echo", "repeat after me")
        await chat.settle(1.5)
        assert len(chat.messages_from("Echo")) == 1


async def test_personas_mentioning_each_other_stop_at_the_hop_limit(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Ping start the rally")
        notice = await chat.wait_for_text("Personas", "hop limit")
        assert "@Pong" in notice
        await chat.settle(1.5)
        # person -> Ping (1) -> Pong (2) -> Ping (3, not passed on)
        assert len(chat.messages_from("Ping")) == 2
        assert len(chat.messages_from("Pong")) == 1


async def test_without_a_mention_the_last_addressed_persona_answers(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Template first")
        await chat.wait_for_text("Template", "You said: first")
        chat.send("and a follow-up")
        await chat.wait_for_text("Template", "You said: and a follow-up")
        chat.send("@Echo switch")
        await chat.wait_for_text("Echo", "Echo: switch")
        chat.send("still there?")
        await chat.wait_for_text("Echo", "Echo: still there?")


async def test_with_several_people_only_explicit_mentions_route(server, chat_path):
    async with ChatClient(server, chat_path, username="alice") as alice:
        alice.send("@Echo one")
        await alice.wait_for_text("Echo", "Echo: one")
        async with ChatClient(server, chat_path, username="bob") as bob:
            bob.send("hi alice, I'm here too")
            await alice.wait_for(lambda: "bob" in alice.users(), what="bob to appear")
            alice.send("this is for bob, not for a persona")
            await alice.settle(1.5)
            assert len(alice.messages_from("Echo")) == 1
            bob.send("@echo from bob")
            await alice.wait_for_text("Echo", "Echo: from bob")


async def test_unknown_mention_gets_a_helpful_answer(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Nobody are you there?")
        answer = await chat.wait_for_text("Personas", "@nobody is not a persona")
        assert "@Echo" in answer
        chat.send("@Echo still fine")
        await chat.wait_for_text("Echo", "Echo: still fine")


async def test_mentions_in_code_and_addresses_are_not_routed(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("write to echo@example.com and use `@Echo` in ```\n@Template\n```")
        await chat.settle(1.5)
        assert chat.messages_from("Echo") == [] and chat.messages_from("Template") == []


async def test_edits_do_not_route_again(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        message_id = chat.send("@Echo original")
        await chat.wait_for_text("Echo", "Echo: original")
        chat.edit(message_id, "@Echo edited")
        await chat.settle(1.5)
        assert chat.bodies_from("Echo") == ["Echo: original"]


async def test_a_message_moved_by_the_server_is_answered_once(server, chat_path):
    """A message whose client clock is behind is repositioned (delete + insert) by the server."""
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Echo first")
        await chat.wait_for_text("Echo", "Echo: first")
        message_id = chat.send("@Echo from a slow clock")
        for message in chat.messages_array:
            if message.get("id") == message_id:
                message["time"] = time.time() - 3600
        await chat.wait_for_text("Echo", "Echo: from a slow clock")
        await chat.settle(2)
        assert len(chat.messages_from("Echo")) == 2


async def test_messages_from_before_the_chat_opened_are_not_replayed(server, chat_path):
    old = {
        "messages": [
            {
                "type": "msg",
                "id": str(uuid.uuid4()),
                "body": "@Echo this was asked yesterday",
                "time": time.time() - 86400,
                "sender": "alice",
                "raw_time": False,
            }
        ],
        "users": {"alice": {"username": "alice", "name": "Alice", "display_name": "Alice"}},
        "metadata": {"id": str(uuid.uuid4())},
    }
    await create_chat(server, chat_path, old)
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Echo today")
        await chat.wait_for_text("Echo", "Echo: today")
        await chat.settle(1)
        assert chat.bodies_from("Echo") == ["Echo: today"]


async def test_a_message_sent_right_after_the_room_loads_is_answered(server, chat_path):
    # A new chat room is "dirty" for about a second; jupyterlab-chat's own message
    # observer drops messages then. Ours must not.
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Echo instantly")
        await chat.wait_for_text("Echo", "Echo: instantly", timeout=10)
    # and the reply is saved with the chat
    saved = server.root_dir / chat_path
    for _ in range(100):
        if "Echo: instantly" in saved.read_text():
            break
        await asyncio.sleep(0.1)
    assert "Echo: instantly" in json.dumps(json.loads(saved.read_text()))


async def test_a_one_megabyte_message_gets_a_clear_answer(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Echo " + "x" * 1_000_000)
        answer = await chat.wait_for_text("Echo", "characters")
        assert "1,000,006" in answer
        chat.send("@Echo short one")
        await chat.wait_for_text("Echo", "Echo: short one")
        assert len(chat.messages()[0]["body"]) == 1_000_006  # the person's message is intact

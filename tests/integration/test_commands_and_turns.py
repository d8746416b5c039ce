"""Slash commands and the life of a turn: queueing, errors, prepare, /stop."""

from __future__ import annotations

import pytest

from tests.support.chat_client import ChatClient

pytestmark = pytest.mark.asyncio
STOPPED = "⏹ *stopped*"


async def test_help_lists_commands_and_personas(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("/help")
        answer = await chat.wait_for_text("Personas", "Commands")
        for expected in ("/help", "/personas", "/refresh", "/stop", "`@Echo`", "`@Streamer`"):
            assert expected in answer


async def test_personas_lists_each_persona_with_its_source(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("/personas")
        answer = await chat.wait_for_text("Personas", "Personas in this chat")
        assert "**@Echo** — Repeats what you say" in answer
        assert "package jupyter-ai-personas-testkit" in answer


async def test_unknown_command_gets_a_helpful_answer(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("/personnas")
        answer = await chat.wait_for_text("Personas", "is not a command")
        assert "/personas" in answer and "/help" in answer


async def test_refresh_reloads_and_reports(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("/refresh")
        await chat.wait_for_text("Personas", "Reloaded every persona source")
        chat.send("@Echo after refresh")
        await chat.wait_for_text("Echo", "Echo: after refresh")


async def test_turns_of_one_persona_run_one_at_a_time_in_order(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Streamer 10 0.02")
        chat.send("@Streamer 3 0.02")
        await chat.wait_for(lambda: len([b for b in chat.bodies_from("Streamer") if "[done]" in b]) == 2)
        first, second = chat.bodies_from("Streamer")
        assert first.startswith("w0 w1") and "w9" in first
        assert second == "w0 w1 w2 [done]"


async def test_an_exception_becomes_an_error_message_and_the_persona_stays_usable(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Crasher please fail")
        error = await chat.wait_for_text("Crasher", "hit an error")
        assert "ValueError: kaboom on purpose" in error
        assert "<details>" in error  # the traceback is folded away
        chat.send("@Crasher are you ok?")
        await chat.wait_for_text("Crasher", "Crasher is fine")


async def test_prepare_is_retried_after_a_failure(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Moody hello")
        await chat.wait_for_text("Moody", "could not get ready")
        chat.send("@Moody hello again")
        await chat.wait_for_text("Moody", "ready after 2 attempts")


async def test_stop_ends_the_reply_with_a_mark_and_the_next_turn_starts(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Streamer 400 0.02")
        await chat.wait_for_text("Streamer", "w5 ")
        chat.send("/stop")
        stopped = await chat.wait_for_text("Streamer", STOPPED)
        assert "[done]" not in stopped
        chat.send("@Streamer 2 0.01")
        await chat.wait_for_text("Streamer", "w0 w1 [done]")


async def test_stop_before_the_first_chunk(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Streamer 5 0.01 30")  # thinks 30 s before writing
        await chat.wait_for(lambda: chat.user_id("Streamer"))
        await chat.settle(0.5)
        chat.send("/stop")
        assert await chat.wait_for_text("Streamer", STOPPED) == STOPPED


async def test_stop_only_stops_replies_to_you_unless_you_name_the_persona(server, chat_path):
    async with ChatClient(server, chat_path, username="alice") as alice:
        async with ChatClient(server, chat_path, username="bob") as bob:
            alice.send("@Streamer 400 0.02")
            await bob.wait_for_text("Streamer", "w3 ")
            bob.send("/stop")
            await bob.wait_for_text("Personas", "Nothing to stop")
            assert "[done]" not in bob.bodies_from("Streamer")[0]
            assert STOPPED not in bob.bodies_from("Streamer")[0]
            bob.send("/stop @Streamer")
            await bob.wait_for_text("Streamer", STOPPED)


async def test_stop_with_nothing_running(server, chat_path):
    async with ChatClient(server, chat_path) as chat:
        chat.send("/stop")
        await chat.wait_for_text("Personas", "Nothing to stop")


async def test_a_stream_is_coalesced_into_few_writes(server, chat_path):
    """200 chunks in about 2 s arrive in far fewer document updates than chunks."""
    async with ChatClient(server, chat_path) as chat:
        chat.send("@Streamer 200 0.01")
        assert chat.channel is not None
        before = chat.channel.frames_received
        await chat.wait_for_text("Streamer", "[done]")
        reply = "".join(chat.bodies_from("Streamer"))  # a long reply continues in new messages
        assert reply.startswith("w0 w1 w2") and "w199" in reply
        frames = chat.channel.frames_received - before
        assert frames < 60, f"{frames} websocket frames for a 200-chunk reply"

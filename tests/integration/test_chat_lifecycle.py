"""Chats come and go: the router attaches when a chat opens and detaches when it closes."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def quick_cleanup_server(start_server):
    # rooms are freed 0.5 s after the last person leaves (60 s by default)
    return await start_server(args=["--YDocExtension.document_cleanup_delay=0.5"])


async def test_reopened_chat_is_answered_once_per_message(quick_cleanup_server):
    server = quick_cleanup_server
    async with ChatClient(server, "reopen.chat") as chat:
        chat.send("@Echo first visit")
        await chat.wait_for_text("Echo", "Echo: first visit")
        await chat.settle(1)  # saved
    await chat.settle(2)  # the room is cleaned: personas detach
    assert "personas detached from chat reopen.chat" in server.log()
    async with ChatClient(server, "reopen.chat") as chat:
        await chat.wait_for(lambda: chat.bodies_from("Echo"))
        chat.send("@Echo second visit")
        await chat.wait_for_text("Echo", "Echo: second visit")
        await chat.settle(1.5)
        assert chat.bodies_from("Echo") == ["Echo: first visit", "Echo: second visit"]
    assert server.log().count("personas attached to chat reopen.chat") == 2


async def test_two_people_connecting_attach_the_chat_once(quick_cleanup_server):
    server = quick_cleanup_server
    async with ChatClient(server, "crowd.chat", username="alice") as alice:
        async with ChatClient(server, "crowd.chat", username="bob"):
            alice.send("@Echo hi all")
            await alice.wait_for_text("Echo", "Echo: hi all")
            await alice.settle(1)
            assert alice.bodies_from("Echo") == ["Echo: hi all"]
    assert server.log().count("personas attached to chat crowd.chat") == 1


async def test_a_working_persona_shows_as_writing(quick_cleanup_server):
    async with ChatClient(quick_cleanup_server, "typing.chat") as chat:
        chat.send("@Streamer 60 0.05")
        await chat.wait_for(lambda: "Streamer" in chat.writers(), what="Streamer shown as writing")
        await chat.wait_for_text("Streamer", "[done]")
        await chat.wait_for(lambda: "Streamer" not in chat.writers(), what="the status to clear")


async def test_a_persona_at_work_keeps_the_server_active(quick_cleanup_server):
    """JupyterHub's idle culler reads /api/status: a turn with no browser open must count."""
    server = quick_cleanup_server
    async with ChatClient(server, "activity.chat") as chat, server.client() as http:
        await asyncio.sleep(1.5)  # nothing happens: the last activity stays where it was
        before = (await http.get("api/status")).json()["last_activity"]
        chat.send("@Streamer 30 0.05")  # over the collaboration websocket: no API request
        await chat.wait_for_text("Streamer", "[done]")
        after = (await http.get("api/status")).json()["last_activity"]
    assert after > before

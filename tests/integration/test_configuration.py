"""`c.PersonasExtension.*` settings, the avatar route, and a server under a base URL."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.chat_client import ChatClient

pytestmark = pytest.mark.asyncio


async def test_everything_works_under_a_base_url(start_server):
    server = await start_server(base_url="/user/alice/")
    async with ChatClient(server, "hub.chat") as chat:
        chat.send("@Echo behind a hub")
        await chat.wait_for_text("Echo", "Echo: behind a hub")
        chat.send("@Streamer 3")
        await chat.wait_for_text("Streamer", "[done]")
        avatars = {name: chat.users()[chat.user_id(name)]["avatar_url"] for name in ("Echo", "Streamer")}
    for url in avatars.values():
        assert url.startswith("/user/alice/api/ai-personas/avatars/"), url
        async with httpx.AsyncClient(headers=server.headers) as client:
            response = await client.get(f"http://127.0.0.1:{server.port}{url}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
    assert "🦜" in (await _get(server, avatars["Echo"])).text
    assert "circle" in (await _get(server, avatars["Streamer"])).text  # the package's own file


async def test_avatars_need_authentication(server):
    async with ChatClient(server, "auth.chat") as chat:
        await chat.wait_for(lambda: chat.user_id("Echo"))
        url = chat.users()[chat.user_id("Echo")]["avatar_url"]
    async with httpx.AsyncClient() as anonymous:
        response = await anonymous.get(f"http://127.0.0.1:{server.port}{url}")
    assert response.status_code in (302, 401, 403)  # a login redirect, never the image
    assert "svg" not in response.text
    missing = await _get(server, "/api/ai-personas/avatars/jupyter-ai-personas%3A%3Anope%3A%3ANope")
    assert missing.status_code == 404


async def _get(server, url: str) -> httpx.Response:
    path = urlsplit(url).path
    async with httpx.AsyncClient(headers=server.headers) as client:
        return await client.get(f"http://127.0.0.1:{server.port}{path}")


async def test_sticky_routing_can_be_turned_off(start_server):
    server = await start_server(args=["--PersonasExtension.sticky_routing=False"])
    async with ChatClient(server, "nosticky.chat") as chat:
        chat.send("@Echo first")
        await chat.wait_for_text("Echo", "Echo: first")
        chat.send("no mention here")
        await chat.settle(1.5)
        assert chat.bodies_from("Echo") == ["Echo: first"]


async def test_default_persona_hop_limit_and_disabled_personas(start_server, tmp_path):
    extra = tmp_path / "team-personas"
    extra.mkdir()
    (extra / "teamwork.md").write_text(
        "---\nname: Teamwork\nclass: personas_testkit.template:TemplatePersona\n---\nteam {prompt}\n"
    )
    server = await start_server(
        args=[
            "--PersonasExtension.default_persona=Template",
            "--PersonasExtension.hop_limit=1",
            "--PersonasExtension.disabled_personas=Crasher",
            f"--PersonasExtension.persona_paths={extra}",
        ]
    )
    async with ChatClient(server, "configured.chat") as chat:
        chat.send("nobody named")
        await chat.wait_for_text("Template", "You said: nobody named")
        chat.send("@Ping go")
        await chat.wait_for_text("Personas", "1 times (the hop limit)")
        assert len(chat.messages_from("Ping")) == 1 and len(chat.messages_from("Pong")) == 1
        chat.send("@Crasher hello")
        await chat.wait_for_text("Personas", "@crasher is not a persona")
        chat.send("@Teamwork hi")
        await chat.wait_for_text("Teamwork", "team hi")
        chat.send("/personas")
        listing = await chat.wait_for_text("Personas", "**Disabled**")
        assert "@Crasher" in listing.split("**Disabled**")[1]


async def test_flush_interval_and_message_splitting(start_server):
    server = await start_server(
        args=["--PersonasExtension.flush_interval=1.0", "--PersonasExtension.max_message_chars=0"]
    )
    async with ChatClient(server, "slowflush.chat") as chat:
        chat.send("@Streamer 300 0.01")
        await chat.wait_for(lambda: chat.bodies_from("Streamer"))
        assert chat.channel is not None
        seen: list[str] = []

        def record() -> bool:
            body = chat.bodies_from("Streamer")[0]
            if not seen or seen[-1] != body:
                seen.append(body)
            return "[done]" in body

        await chat.wait_for(record, timeout=30)
        # about 3 s of streaming seen at one write per second, all in one message
        assert 2 <= len(seen) <= 7, [len(b) for b in seen]
        assert len(chat.messages_from("Streamer")) == 1

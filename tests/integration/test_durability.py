"""Nothing is lost on a stop: chats reach the disk, and no agent outlives the server.

Each test stops a real server the way it happens in practice (SIGTERM from a service manager,
SIGINT from JupyterHub, SIGKILL) while the scripted agent streams a reply.
"""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path

import pytest

from tests.integration.test_acp_agents import _running, alive, pid_of
from tests.support.chat_client import ChatClient
from tests.support.server import JupyterServer, server_env

pytestmark = pytest.mark.asyncio
PERSONA_KEY = "jupyter_ai_personas"


def saved_chat(root: Path, name: str) -> dict:
    return json.loads((root / name).read_text())


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT", "api/shutdown"])
async def test_a_stop_mid_reply_keeps_the_message_the_reply_and_the_session(tmp_path, how):
    home, root = tmp_path / "home", tmp_path / "root"
    server = JupyterServer(root, home, env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "state")))
    await server.start()
    try:
        async with ChatClient(server, "long.chat") as chat:
            pid = await pid_of(chat)
            chat.send("@Scripted stream 1000 0.02")  # 20 s: the stop comes in the middle
            await chat.wait_for_text("Scripted", "c60 ")
            await asyncio.sleep(4)  # longer than a save delay: writes keep coming all along
            if how == "api/shutdown":  # File > Shut Down in JupyterLab
                async with server.client() as http:
                    (await http.post("api/shutdown")).raise_for_status()
                assert server.process is not None
                code = await asyncio.wait_for(server.process.wait(), 20)
            else:
                code = await server.stop(sig=getattr(signal, how))
    finally:
        await server.stop()
    said = [line for line in server.log().splitlines() if "SIGINT" in line or "received signal" in line]
    assert code == 0, "\n".join(said) + "\n" + server.log()[-3000:]
    assert not alive(pid), "the agent outlived the server"
    saved = saved_chat(root, "long.chat")
    bodies = [m["body"] for m in saved["messages"]]
    asked = bodies.index("@Scripted stream 1000 0.02")  # the person's message
    reply = "\n\n".join(bodies[asked + 1 :])  # a long reply continues in several messages
    assert reply.startswith("c0 c1") and "c60 " in reply and "[end]" not in reply
    assert reply.endswith("⏹ *interrupted: the server stopped*")
    sessions = saved["metadata"][PERSONA_KEY]["sessions"]
    assert any(entry.get("id") for entry in sessions.values()), "the session id was not saved"


async def test_a_reply_reaches_the_disk_while_it_streams(start_server, tmp_path):
    server = await start_server(env=server_env(tmp_path / "home", SCRIPTED_AGENT_STATE=str(tmp_path / "s")))
    async with ChatClient(server, "streaming.chat") as chat:
        chat.send("@Scripted stream 1000 0.02")
        await chat.wait_for_text("Scripted", "c10 ")

        def on_disk() -> str:
            try:
                content = saved_chat(server.root_dir, "streaming.chat")
            except (OSError, ValueError):
                return ""
            return next((m["body"] for m in content.get("messages", []) if m["body"].startswith("c0")), "")

        for _ in range(100):  # within a few seconds, while the reply is still growing
            if "c50 " in on_disk():
                break
            await asyncio.sleep(0.1)
        assert "c50 " in on_disk() and "[end]" not in on_disk()
        chat.send("/stop")
        await chat.wait_for_text("Scripted", "⏹ *stopped*")


async def test_no_agent_or_command_outlives_a_killed_server(tmp_path):
    home, root = tmp_path / "home", tmp_path / "root"
    server = JupyterServer(root, home, env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "state")))
    await server.start()
    try:
        async with ChatClient(server, "killed.chat") as chat:
            pid = await pid_of(chat)
            chat.send("@Scripted run sleep 319")
            await chat.wait_for_text("Scripted", "Waiting for your answer")
            chat.send("/allow")
            commands = await chat.wait_for(lambda: _running("sleep 319"), what="the command to run")
            assert server.process is not None
            server.process.kill()  # SIGKILL: no shutdown code runs
            await server.process.wait()
    finally:
        await server.stop()
    for _ in range(100):
        if not alive(pid) and not any(alive(p) for p in commands):
            break
        await asyncio.sleep(0.1)
    assert not alive(pid), "the agent outlived the killed server"
    assert not any(alive(p) for p in commands), "a command the agent started outlived the server"


async def test_a_message_sent_as_the_chat_opens_survives_restarts(tmp_path):
    """jupyterlab-chat leaves a message posted while a room loads marked `raw_time`, and moves
    (and with pycrdt 0.14 loses) it when the room next loads from disk."""
    home, root = tmp_path / "home", tmp_path / "root"
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "state"))
    port = None
    for turn in range(3):
        server = JupyterServer(root, home, env=env, port=port)
        await server.start()
        port = server.port
        try:
            async with ChatClient(server, "early.chat") as chat:
                chat.send(f"@Scripted early message {turn}")  # right as the room loads
                await chat.wait_for_text("Scripted", f"You said: early message {turn}")
                chat.send("/help")
                await chat.wait_for_text("Personas", "Talk to a persona")
                bodies = [m["body"] for m in chat.messages()]
                for earlier in range(turn + 1):
                    assert f"@Scripted early message {earlier}" in bodies, (turn, bodies)
                await chat.settle(1.5)
        finally:
            await server.stop()


async def test_a_chat_reopens_whole_after_a_kill_with_its_updates_written_together(tmp_path):
    """A chat's updates reach jupyter-collaboration's store a second at a time (`document_store`),
    so the store can lack the last of them: the chat still reopens whole, from its file."""
    home, root = tmp_path / "home", tmp_path / "root"
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "state"))
    server = JupyterServer(root, home, env=env)
    await server.start()
    try:
        async with ChatClient(server, "kept.chat") as chat:
            chat.send("@Scripted stream 100 0.01")
            await chat.wait_for_text("Scripted", "[end]")
            saved = root / "kept.chat"
            await chat.wait_for(lambda: "[end]" in saved.read_text(), timeout=10, what="a save")
            chat.send("typed just before the stop")  # pending in the store, saved to the file soon
            await chat.wait_for(lambda: "just before" in saved.read_text(), timeout=10)
        await server.stop(sig=signal.SIGKILL)
        server = JupyterServer(root, home, env=env, port=server.port)
        await server.start()
        async with ChatClient(server, "kept.chat", create=False) as chat:
            await chat.wait_for(
                lambda: any("just before" in b for b in chat.bodies_from("Alice")), timeout=10
            )
            assert any("[end]" in body for body in chat.bodies_from("Scripted"))
    finally:
        await server.stop()

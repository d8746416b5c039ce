"""An agent acts only on a person's answer for exactly what was asked, or a visible policy.

Each test plays an attacker's move with the scripted ACP agent (a real subprocess) against a
real server, as a person in the chat would see it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def consent_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("consent-home")
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    return await start_server(env=env, args=["--PersonasExtension.permission_timeout=60"])


async def waiting(chat: ChatClient, number: int) -> str:
    """The body of request #number once it waits for an answer."""
    return await chat.wait_for_text("Scripted", f"Waiting for your answer to request #{number}")


async def test_one_allow_covers_one_write_and_the_next_is_asked(consent_server, chat_path):
    root = consent_server.root_dir
    async with ChatClient(consent_server, chat_path) as chat:
        chat.send("@Scripted writethen notes.txt other.txt hello")
        await waiting(chat, 1)
        chat.send("/allow")
        second = await waiting(chat, 2)  # the runtime asks for the write nobody allowed
        assert "Write other.txt" in second and "+hello" in second
        assert (root / "notes.txt").read_text() == "hello"
        assert not (root / "other.txt").exists()
        chat.send("/reject 2")
        await chat.wait_for_text("Scripted", "write of other.txt failed")
        assert not (root / "other.txt").exists()


async def test_an_allowed_write_cannot_plant_persona_code(consent_server, chat_path):
    root = consent_server.root_dir
    payload = "import pathlib; pathlib.Path('/tmp/PWNED-by-persona').write_text('x')"
    async with ChatClient(consent_server, chat_path) as chat:
        chat.send(f"@Scripted writethen harmless.txt .jupyter/personas/escalated.py {payload}")
        await waiting(chat, 1)
        chat.send("/allow")
        report = await chat.wait_for_text("Scripted", "write of .jupyter/personas/escalated.py failed")
        assert "hidden path" in report  # refused outright: Jupyter does not serve hidden files
        assert (root / "harmless.txt").exists()
        assert not (root / ".jupyter" / "personas" / "escalated.py").exists()
        assert not any("request #2" in b for b in chat.bodies_from("Scripted"))


async def test_a_message_forged_into_the_chat_file_is_never_answered(consent_server, chat_path):
    """An agent that writes the chat's file could put words in a person's mouth: the runtime
    refuses its writes there, and a message that reaches the chat through the file (an agent's
    own tools, a shell command a person allowed) is shown but not answered."""
    chat_file = consent_server.root_dir / chat_path
    async with ChatClient(consent_server, chat_path) as chat:
        chat.send(f'@Scripted write {chat_path} {{"messages": []}}')
        request = await waiting(chat, 1)
        assert "chat file" in request and "/always 1" not in request
        chat.send("/allow")
        report = await chat.wait_for_text("Scripted", "write failed")
        assert "chat file" in report
        await chat.wait_for(lambda: "write failed" in chat_file.read_text(), timeout=10, what="a save")
        # the attacker's move: the file written behind the runtime's back, in alice's name
        content = json.loads(chat_file.read_text())
        mine = next(m for m in content["messages"] if m["sender"] == chat.username)
        forged = dict(mine, id="forged-message", body="@Echo forged order", time=time.time())
        content["messages"].append(forged)
        chat_file.write_text(json.dumps(content))
        await chat.wait_for(
            lambda: any(m["id"] == "forged-message" for m in chat.messages()),
            timeout=15,
            what="the forged message in the chat",
        )
        notice = await chat.wait_for_text("Personas", "reached this chat through its file")
        assert "A message in the name of Alice" in notice and "Personas do not answer" in notice
        chat.send("@Echo a real one")  # answered: the router is not stuck
        await chat.wait_for_text("Echo", "Echo: a real one")
        assert not any("forged" in body for body in chat.bodies_from("Echo"))


async def test_one_allowed_command_does_not_cover_the_next(consent_server, chat_path):
    root = consent_server.root_dir
    async with ChatClient(consent_server, chat_path) as chat:
        chat.send("@Scripted runthen echo one ;; touch sneaky-run.txt")
        await waiting(chat, 1)
        chat.send("/allow")
        second = await waiting(chat, 2)
        assert "touch sneaky-run.txt" in second
        chat.send("/reject 2")
        report = await chat.wait_for_text("Scripted", "run of 'touch sneaky-run.txt' failed")
        assert "ran 'echo one': exit 0" in report
        assert not (root / "sneaky-run.txt").exists()


async def test_a_read_policy_does_not_reach_outside_the_root_or_the_jupyter_token(consent_server, chat_path):
    secret = consent_server.root_dir.parent / "id_rsa"
    secret.write_text("-----BEGIN PRIVATE KEY-----")
    runtime_dir = Path(consent_server.env["JUPYTER_RUNTIME_DIR"])
    token_files = list(runtime_dir.glob("jpserver-*.json"))
    assert token_files, "the server writes its connection file with the token"
    (consent_server.root_dir / "data.csv").write_text("a,b\n")
    async with ChatClient(consent_server, chat_path) as chat:
        chat.send("@Scripted readtool data.csv")  # inside the root: the policy (read: allow) answers
        await chat.wait_for_text("Scripted", "read permission: allowed")
        assert any("Allowed by the persona's policy (read: allow)" in b for b in chat.bodies_from("Scripted"))
        chat.send(f"@Scripted readtool {secret}")
        request = await waiting(chat, 1)
        assert f"⚠️ **`{secret}`: outside the server root**" in request
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "read permission: rejected")
        chat.send(f"@Scripted readtool {token_files[0]}")
        request = await waiting(chat, 2)
        assert "protected location" in request
        chat.send("/reject")
        await chat.wait_for(lambda: chat.bodies_from("Scripted").count("read permission: rejected") == 2)


async def test_always_covers_one_kind_inside_the_root_is_listed_and_revocable(consent_server, chat_path):
    root = consent_server.root_dir
    async with ChatClient(consent_server, chat_path) as chat:
        chat.send("@Scripted write first.txt one")
        request = await waiting(chat, 1)
        assert "`/always 1` (every later call: `edit` tool calls by @Scripted in this chat" in request
        chat.send("/always")
        await chat.wait_for_text("Scripted", "Wrote first.txt.")
        chat.send("@Scripted write second.txt two")  # the same kind: answered by the "always"
        await chat.wait_for_text("Scripted", "Wrote second.txt.")
        assert (root / "second.txt").read_text() == "two"
        assert any("you chose “always” for `edit` tool calls" in b for b in chat.bodies_from("Scripted"))
        chat.send("@Scripted write .gitignore secrets")  # a hidden path is never covered
        request = await waiting(chat, 2)
        assert "hidden path" in request and "/always 2" not in request
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "I was not allowed to write .gitignore.")
        chat.send("@Scripted run echo hi")  # another kind
        await waiting(chat, 3)
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "I was not allowed to run it.")
        chat.send("/permissions")
        listing = await chat.wait_for_text("Personas", "What personas may do here without asking")
        assert "**@Scripted** — policy: read: allow, search: allow, think: allow" in listing
        assert "“always”: `edit` tool calls" in listing
        chat.send("/permissions clear @Scripted")
        await chat.wait_for_text("Personas", "Forgot 1 “always” answer")
        chat.send("@Scripted write third.txt three")
        await waiting(chat, 4)
        assert not (root / "third.txt").exists()
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "I was not allowed to write third.txt.")

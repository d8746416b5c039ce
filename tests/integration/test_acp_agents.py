"""Agent processes and sessions: sharing, crashes, hangs, restarts, specs, policies, files."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient
from tests.support.personas import trust, write_trusted
from tests.support.server import JupyterServer, server_env

pytestmark = pytest.mark.asyncio


def scripted_spec(name: str, body: str = "", **fields: str) -> str:
    lines = [f"name: {name}", "command: scripted-acp-agent", "env: [SCRIPTED_AGENT_STATE, SCRIPTED_KEY]"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


async def write_spec(server: JupyterServer, filename: str, text: str) -> Path:
    """A spec that runs its own program: trusted, as a person would after reading it."""
    return await write_trusted(server, server.root_dir / ".jupyter" / "personas" / filename, text)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def pid_of(chat: ChatClient, persona: str = "Scripted") -> int:
    before = len(chat.bodies_from(persona))
    chat.send(f"@{persona} pid")
    body = await chat.wait_for(
        lambda: next((b for b in chat.bodies_from(persona)[before:] if b.startswith("pid=")), None)
    )
    return int(body.split("=")[1])


@pytest_asyncio.fixture(scope="module")
async def agent_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("agents-home")
    env = server_env(
        home,
        SCRIPTED_AGENT_STATE=str(home / "agent-state"),
        SCRIPTED_KEY="declared-value",
        JUPYTER_TOKEN="must-not-leak",
    )
    return await start_server(
        env=env,
        args=["--PersonasExtension.permission_timeout=2", "--PersonasExtension.turn_idle_timeout=3"],
    )


async def test_ten_chats_share_one_agent_process(agent_server):
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(ChatClient(agent_server, f"shared-{i}.chat")) for i in range(10)
        ]
        for client in clients:
            client.send("@Scripted stream 15 0.02")
        replies = await asyncio.gather(*(c.wait_for_text("Scripted", "[end]", timeout=60) for c in clients))
        assert all(r.startswith("c0 c1") and "c14" in r for r in replies)
        pids = await asyncio.gather(*(pid_of(c) for c in clients))
        assert len(set(pids)) == 1


async def test_a_crash_mid_turn_is_reported_and_the_next_message_respawns(agent_server, chat_path):
    async with ChatClient(agent_server, chat_path) as chat:
        chat.send("@Scripted count")
        await chat.wait_for_text("Scripted", "count=1")
        first_pid = await pid_of(chat)
        chat.send("@Scripted crash")
        report = await chat.wait_for_text("Scripted", "stopped: the agent's program stopped")
        assert "exit code 3" in report and "fatal: the scripted agent crashed on purpose" in report
        assert not alive(first_pid)
        second_pid = await pid_of(chat)
        assert second_pid != first_pid
        chat.send("@Scripted count")  # the session was resumed: count, pid, pid, count (the crash was lost)
        await chat.wait_for_text("Scripted", "count=4")


async def test_a_silent_agent_ends_the_turn_and_the_persona_stays_usable(agent_server, chat_path):
    async with ChatClient(agent_server, chat_path) as chat:
        chat.send("@Scripted hang")
        report = await chat.wait_for_text("Scripted", "no answer from the agent for 3 seconds", timeout=20)
        assert "/restart @Scripted" in report
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello from the scripted agent!")
        pid = await pid_of(chat)
        chat.send("/restart @Scripted")
        await chat.wait_for_text("Personas", "Restarted @Scripted")
        await chat.wait_for(lambda: not alive(pid), what="the old agent process to be gone")
        assert await pid_of(chat) != pid


async def test_an_agent_flooding_stderr_keeps_working(agent_server, chat_path):
    async with ChatClient(agent_server, chat_path) as chat:
        chat.send("@Scripted flood")
        await chat.wait_for_text("Scripted", "flooded stderr", timeout=30)
        chat.send("@Scripted stream 5 0.01")
        await chat.wait_for_text("Scripted", "[end]")


@pytest.mark.parametrize(
    "target", ["../outside.txt", "/etc/hostname", "link-out/outside.txt", "sub/../../outside.txt"]
)
async def test_file_requests_cannot_leave_the_server_root(agent_server, chat_path, target):
    outside = agent_server.root_dir.parent / "outside.txt"
    outside.write_text("TOP-SECRET")
    link = agent_server.root_dir / "link-out"
    if not link.exists():
        link.symlink_to(agent_server.root_dir.parent, target_is_directory=True)
    async with ChatClient(agent_server, chat_path.replace("/", "_")) as chat:
        chat.send(f"@Scripted read {target}")
        answer = await chat.wait_for_text("Scripted", "read failed")
        assert "outside the server root" in answer and "TOP-SECRET" not in answer
        chat.send(f"@Scripted silentwrite {target} overwritten")
        await chat.wait_for_text("Scripted", "write failed")
        assert outside.read_text() == "TOP-SECRET"
        assert "request #" not in " ".join(chat.bodies_from("Scripted"))  # refused before asking


async def test_reading_a_file_inside_the_root(agent_server, chat_path):
    (agent_server.root_dir / "inside.txt").write_text("hello inside")
    async with ChatClient(agent_server, chat_path) as chat:
        chat.send("@Scripted read inside.txt")
        await chat.wait_for_text("Scripted", "read: hello inside")


async def test_unanswered_permission_requests_time_out_as_rejected(agent_server, chat_path):
    async with ChatClient(agent_server, chat_path) as chat:
        chat.send("@Scripted write late.txt too late")
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        await chat.wait_for_text("Scripted", "Rejected: no answer within 2 seconds", timeout=10)
        await chat.wait_for_text("Scripted", "I was not allowed to write late.txt.")
        assert not (agent_server.root_dir / "late.txt").exists()


async def test_the_agent_gets_declared_variables_and_never_the_token(agent_server, chat_path):
    async with ChatClient(agent_server, chat_path) as chat:
        chat.send("@Scripted meta")
        meta = await chat.wait_for_text("Scripted", "system_prompt=")
        assert "env_key=declared-value" in meta
        assert "is_sandbox=;" in meta and meta.endswith("token=")


async def test_a_missing_program_is_explained_with_the_install_command(agent_server, chat_path):
    await write_spec(
        agent_server,
        "ghost.md",
        "---\nname: Ghostwriter\ncommand: no-such-agent-program --acp\n"
        "install: pip install ghostwriter\n---\n",
    )
    async with ChatClient(agent_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Ghostwriter"), timeout=10)
        chat.send("/personas")
        listing = await chat.wait_for_text("Personas", "Personas in this chat")
        line = next(ln for ln in listing.splitlines() if "no-such-agent-program" in ln)
        assert "unavailable" in line and "`pip install ghostwriter`" in line
        chat.send("@Ghostwriter write me a poem")
        answer = await chat.wait_for_text("Ghostwriter", "can't answer here")
        assert "no-such-agent-program" in answer and "pip install ghostwriter" in answer


async def test_an_agent_that_fails_to_start_is_reported(agent_server, chat_path):
    await write_spec(
        agent_server,
        "grumpy.md",
        "---\nname: Grumpy\ncommand: scripted-acp-agent\nenv: {SCRIPTED_AGENT_MODE: exit-at-start}\n---\n",
    )
    async with ChatClient(agent_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Grumpy"), timeout=10)
        chat.send("@Grumpy hello")
        report = await chat.wait_for_text("Grumpy", "could not start its agent")
        assert "refusing to start (exit-at-start)" in report
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello from the scripted agent!")


async def test_a_policy_answers_matching_requests_with_a_visible_note(agent_server, chat_path):
    await write_spec(
        agent_server,
        "trusting.md",
        scripted_spec("Trusting", permissions="{read: allow, edit: reject, default: ask}"),
    )
    async with ChatClient(agent_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Trusting"), timeout=10)
        chat.send("@Trusting readtool data.csv")
        await chat.wait_for_text("Trusting", "read permission: allowed")
        assert any("Allowed by the persona's policy (read: allow)" in b for b in chat.bodies_from("Trusting"))
        chat.send("@Trusting write policy.txt x")
        await chat.wait_for_text("Trusting", "I was not allowed to write policy.txt.")
        assert any(
            "Rejected by the persona's policy (edit: reject)" in b for b in chat.bodies_from("Trusting")
        )
        assert not (agent_server.root_dir / "policy.txt").exists()
        chat.send("@Trusting run echo asked")
        await chat.wait_for_text("Trusting", "Waiting for your answer")  # default: ask


async def test_spec_instructions_model_mode_and_mcp_servers_follow_edits(agent_server, chat_path):
    spec = await write_spec(
        agent_server,
        "analyst.md",
        scripted_spec(
            "Analyst",
            "Answer in French.",
            model="smart",
            mode="code",
            mcp_servers="[{name: files, command: mcp-files}]",
        ),
    )
    async with ChatClient(agent_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Analyst"), timeout=10)
        chat.send("@Analyst prompt")
        prompt = await chat.wait_for_text("Analyst", "PROMPT<<")
        assert "<instructions>\nAnswer in French.\n\nNotebooks (.ipynb) may be open" in prompt
        chat.send("@Analyst meta")
        meta = await chat.wait_for_text("Analyst", "model=")
        assert "model=smart" in meta and "mode=code" in meta and "mcp=files,jupyter;" in meta
        spec.write_text(
            scripted_spec(
                "Analyst",
                "Answer in German.",
                model="fast",
                mode="ask",
                mcp_servers="[{name: files, command: mcp-files}, {name: web, url: 'http://127.0.0.1:9/mcp'}]",
            )
        )
        await trust(agent_server, spec)  # a changed file is trusted again
        await asyncio.sleep(1.5)
        chat.send("@Analyst prompt")  # the new instructions come with the next prompt
        prompt = await chat.wait_for(
            lambda: next((b for b in chat.bodies_from("Analyst") if "German" in b), None), timeout=10
        )
        assert "<instructions>\nAnswer in German.\n\nNotebooks" in prompt
        chat.send("@Analyst meta")
        meta = await chat.wait_for(
            lambda: next((b for b in chat.bodies_from("Analyst") if "model=fast" in b), None)
        )
        assert "mode=ask" in meta and "mcp=files,web,jupyter;" in meta
        chat.send("@Analyst count")  # still the same conversation
        count = await chat.wait_for_text("Analyst", "count=")
        assert int(re.search(r"count=(\d+)", count).group(1)) == 5


async def test_an_unknown_model_is_explained(agent_server, chat_path):
    await write_spec(agent_server, "odd.md", scripted_spec("Oddball", model="gpt-99"))
    async with ChatClient(agent_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Oddball"), timeout=10)
        chat.send("@Oddball hello")
        note = await chat.wait_for_text("Oddball", "is not offered by the agent")
        assert "`model: gpt-99`" in note and "fast" in note and "smart" in note
        await chat.wait_for_text("Oddball", "Hello from the scripted agent!")


async def test_sessions_resume_after_a_server_restart_without_replaying(start_server, tmp_path):
    home, root = tmp_path / "home", tmp_path / "root"
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    server = JupyterServer(root, home, env=env)
    await server.start()
    try:
        async with ChatClient(server, "resume.chat") as chat:
            chat.send("@Scripted hello")
            await chat.wait_for_text("Scripted", "Hello from the scripted agent!")
            first_pid = await pid_of(chat)
            chat.send("@Scripted write pending.txt x")
            await chat.wait_for_text("Scripted", "Waiting for your answer")
            await chat.settle(1.5)  # saved to disk
    finally:
        await server.stop()
    assert not alive(first_pid)
    server = JupyterServer(root, home, env=env, port=server.port)
    await server.start()
    try:
        async with ChatClient(server, "resume.chat") as chat:
            await chat.wait_for_text("Scripted", "Expired: the server restarted before an answer")
            count_before = len(chat.messages())
            chat.send("@Scripted count")
            answer = await chat.wait_for_text("Scripted", "count=")
            # hello, pid, count: the session continued (the write was cut off by the shutdown)
            assert answer == "count=3"
            await chat.settle(1)
            assert len(chat.messages()) == count_before + 2  # the replayed history was not posted
            assert not (root / "pending.txt").exists()
    finally:
        await server.stop()


async def test_no_agent_process_is_left_after_the_server_stops(start_server, tmp_path):
    home = tmp_path / "home"
    server = JupyterServer(
        tmp_path / "root", home, env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "s"))
    )
    await server.start()
    async with ChatClient(server, "orphans.chat") as chat:
        pid = await pid_of(chat)
        chat.send("@Scripted run sleep 317")  # a command the agent runs through terminal/*
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        chat.send("/allow")
        await chat.wait_for_text("Scripted", "in progress")
        commands = await chat.wait_for(lambda: _running("sleep 317"), what="the command to run")
    code = await server.stop()
    assert code == 0, server.log()[-3000:]
    assert not alive(pid)
    assert not any(alive(p) for p in commands)


def _running(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


async def test_an_idle_agent_is_stopped_and_comes_back_with_its_session(start_server, tmp_path):
    home = tmp_path / "home"
    server = await start_server(
        env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "state")),
        args=["--PersonasExtension.agent_idle_timeout=1"],
    )
    async with ChatClient(server, "idle.chat") as chat:
        chat.send("@Scripted count")
        await chat.wait_for_text("Scripted", "count=1")
        pid = await pid_of(chat)
        for _ in range(50):
            if not alive(pid):
                break
            await asyncio.sleep(0.1)
        assert not alive(pid), "the idle agent was not stopped"
        assert await pid_of(chat) != pid
        chat.send("@Scripted count")
        await chat.wait_for_text("Scripted", "count=4")


async def test_a_lost_session_is_replaced_by_one_told_the_chat_history(start_server, tmp_path):
    import shutil

    home, root = tmp_path / "home", tmp_path / "root"
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    server = JupyterServer(root, home, env=env)
    await server.start()
    try:
        async with ChatClient(server, "forgetful.chat") as chat:
            chat.send("@Scripted my dataset is penguins.csv")
            await chat.wait_for_text("Scripted", "You said: my dataset is penguins.csv")
            chat.send("/help")  # a command and the runtime's answer are not the conversation
            await chat.wait_for_text("Personas", "Talk to a persona")
            chat.send("@Nobody are you there?")
            await chat.wait_for_text("Personas", "is not a persona")
            await chat.settle(1.5)
    finally:
        await server.stop()
    shutil.rmtree(home / "agent-state")  # the agent lost every session it had
    server = JupyterServer(root, home, env=env, port=server.port)
    await server.start()
    try:
        async with ChatClient(server, "forgetful.chat") as chat:
            chat.send("@Scripted prompt")
            await chat.wait_for_text("Scripted", "prompt>>")  # a long reply: split in messages
            prompt = "\n\n".join(b for b in chat.bodies_from("Scripted") if "You said" not in b[:10])
            assert "<chat_history>" in prompt
            assert "Alice: @Scripted my dataset is penguins.csv" in prompt
            assert "Scripted: You said: my dataset is penguins.csv" in prompt
            assert "/help" not in prompt and "Talk to a persona" not in prompt
            assert "is not a persona" not in prompt
    finally:
        await server.stop()

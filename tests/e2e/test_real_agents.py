"""@Claude and @Codex in a chat, driving the real npm agents offline.

Each test scripts what the fake model answers, then acts as a person in the chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import agents_env
from tests.e2e.fake_model import Turn, last_user_text, tool_names
from tests.support.chat_client import ChatClient
from tests.support.server import JupyterServer

pytestmark = pytest.mark.asyncio


@dataclass(frozen=True)
class Agent:
    persona: str
    protocol: str

    def write_file(self, root, name: str, content: str) -> Turn:
        if self.protocol == "anthropic":
            return Turn(tool="Write", tool_input={"file_path": str(root / name), "content": content})
        if self.protocol == "gemini":
            return Turn(function="write_file", arguments={"file_path": str(root / name), "content": content})
        return Turn(patch=f"*** Begin Patch\n*** Add File: {name}\n+{content}\n*** End Patch\n")

    @property
    def goes_on_after_a_refusal(self) -> bool:
        """Claude and Gemini tell the model and go on; Codex ends its turn."""
        return self.protocol != "openai"


AGENTS = [Agent("Claude", "anthropic"), Agent("Codex", "openai"), Agent("Gemini", "gemini")]


@pytest.fixture(params=AGENTS, ids=lambda a: a.persona)
def agent(request: pytest.FixtureRequest, generation: str) -> Agent:
    if request.param.persona == "Gemini" and generation == "legacy":
        pytest.skip("Gemini CLI has no legacy ACP adapter: it speaks ACP itself")
    return request.param


@pytest.fixture
def chat_path(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name.replace('[', '-').replace(']', '')}.chat"


async def test_a_question_streams_the_model_answer(agents_server, fake_model, agent, chat_path):
    fake_model.queue(agent.protocol, Turn(text="The residuals look fine: no pattern at all.", chunks=6))
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} how do my residuals look?")
        answer = await chat.wait_for_text(agent.persona, "no pattern at all.", timeout=60)
        assert answer.startswith("The residuals look fine")
    request = fake_model.model_requests(agent.protocol)[-1]
    assert "how do my residuals look?" in last_user_text(request)


async def test_allow_writes_the_file(agents_server, fake_model, agent, chat_path):
    name = f"allowed-{agent.persona.lower()}.txt"
    fake_model.queue(
        agent.protocol,
        agent.write_file(agents_server.root_dir, name, "written by the agent"),
        Turn(text=f"I wrote {name}."),
    )
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} please write {name}")
        request = await chat.wait_for_text(agent.persona, "Waiting for your answer", timeout=60)
        assert "```diff" in request and "+written by the agent" in request
        assert not (agents_server.root_dir / name).exists()
        chat.send("/allow")
        await chat.wait_for_text(agent.persona, f"I wrote {name}.", timeout=60)
        assert (agents_server.root_dir / name).read_text().strip() == "written by the agent"
        assert any("answered by Alice" in b for b in chat.bodies_from(agent.persona))


async def test_reject_leaves_no_file_and_the_chat_says_so(agents_server, fake_model, agent, chat_path):
    name = f"rejected-{agent.persona.lower()}.txt"
    turns = [agent.write_file(agents_server.root_dir, name, "should not exist")]
    if agent.goes_on_after_a_refusal:
        turns.append(Turn(text="Understood: you refused, so I did not write the file."))
    fake_model.queue(agent.protocol, *turns)
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} please write {name}")
        await chat.wait_for_text(agent.persona, "Waiting for your answer", timeout=60)
        chat.send("/reject")
        if agent.goes_on_after_a_refusal:
            await chat.wait_for_text(agent.persona, "you refused, so I did not write", timeout=60)
            refusal = json.dumps(fake_model.model_requests(agent.protocol)[-1]["body"]).lower()
            assert "refused" in refusal or "permission" in refusal or "canceled by the user" in refusal
        else:
            await chat.wait_for_text(agent.persona, "The agent ended its turn", timeout=60)
        assert not (agents_server.root_dir / name).exists()
        tool_call = next(b for b in chat.bodies_from(agent.persona) if "answered by Alice" in b)
        assert "🚫" in tool_call


async def test_stop_a_long_stream_then_the_next_question_gets_its_own_answer(
    agents_server, fake_model, agent, chat_path
):
    long_text = " ".join(f"word{i}" for i in range(400))
    fake_model.queue(agent.protocol, Turn(text=long_text, chunks=400, delay=0.05))
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} tell me a long story")
        await chat.wait_for_text(agent.persona, "word10 ", timeout=60)
        chat.send("/stop")
        stopped = await chat.wait_for_text(agent.persona, "⏹ *stopped*", timeout=30)
        assert "word399" not in stopped
        fake_model.queue(agent.protocol, Turn(text="SECOND ANSWER: 42"))
        chat.send(f"@{agent.persona} what is six times seven?")
        await chat.wait_for_text(agent.persona, "SECOND ANSWER: 42", timeout=60)
        fake_model.queue(agent.protocol, Turn(text="THIRD ANSWER: blue"))
        chat.send(f"@{agent.persona} and the colour of the sky?")
        third = await chat.wait_for_text(agent.persona, "THIRD ANSWER", timeout=60)
        assert third == "THIRD ANSWER: blue"  # not one turn late (claude-agent-acp's cancel bug)
        assert not any("SECOND ANSWER" in b and "THIRD" in b for b in chat.bodies_from(agent.persona))


async def test_a_markdown_persona_gives_the_agent_its_instructions_and_skills(
    agents_server, fake_model, agent, chat_path
):
    folder = agents_server.root_dir / ".jupyter" / "personas"
    skill = folder / "skills" / "plotting"
    skill.mkdir(parents=True, exist_ok=True)
    (skill / "SKILL.md").write_text(
        "---\nname: plotting\ndescription: FROBNICATE-PLOTS makes residual plots\n---\nUse matplotlib.\n"
    )
    name = f"Tuned{agent.persona}"
    (folder / f"{name.lower()}.md").write_text(
        f"---\nname: {name}\nagent: {agent.persona.lower()}\nskills: [skills/plotting]\n---\n"
        "XYZZY-INSTRUCTIONS: answer in haiku.\n"
    )
    fake_model.queue(agent.protocol, Turn(text="Five seven five, done."))
    async with ChatClient(agents_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id(name), timeout=10)
        chat.send(f"@{name} describe the residuals")
        await chat.wait_for_text(name, "Five seven five", timeout=60)
        request = str(fake_model.model_requests(agent.protocol)[-1]["body"])
        assert "XYZZY-INSTRUCTIONS: answer in haiku." in request
        assert "FROBNICATE-PLOTS" in request
        # an edited body reaches the agent with the next message (today's Claude needs a new session)
        (folder / f"{name.lower()}.md").write_text(
            f"---\nname: {name}\nagent: {agent.persona.lower()}\nskills: [skills/plotting]\n---\n"
            "PLUGH-INSTRUCTIONS: answer in limericks.\n"
        )
        await asyncio.sleep(1.5)  # the folder watcher reloads the persona
        fake_model.queue(agent.protocol, Turn(text="There once was a plot, done."))
        chat.send(f"@{name} and now the fitted values")
        await chat.wait_for_text(name, "There once was a plot", timeout=60)
        request = str(fake_model.model_requests(agent.protocol)[-1]["body"])
        assert "PLUGH-INSTRUCTIONS: answer in limericks." in request
        assert "describe the residuals" in request  # the conversation goes on


def notebook_tool_call(agent: Agent, tool: str, arguments: dict) -> Turn:
    if agent.protocol == "anthropic":
        return Turn(tool=f"mcp__jupyter__{tool}", tool_input=arguments)
    if agent.protocol == "gemini":
        return Turn(function=f"mcp_jupyter_{tool}", arguments=arguments)
    return Turn(function=tool, namespace="mcp__jupyter", arguments=arguments)


async def test_the_agent_runs_a_cell_in_the_live_notebook(
    agents_server, fake_model, agent, generation, chat_path
):
    from tests.integration.test_notebooks import make_notebook
    from tests.support.notebook_client import NotebookClient

    name = f"live-{agent.persona.lower()}.ipynb"
    make_notebook(agents_server.root_dir, name, ["data = [3, 4, 5]"])
    call = notebook_tool_call(
        agent, "insert_and_execute_cell", {"path": name, "source": "print(sum([3, 4, 5]) * 3.5)"}
    )
    fake_model.queue(agent.protocol, call, Turn(text="The total is in the notebook."))
    async with NotebookClient(agents_server, name) as person, ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} add a cell with the total and run it")
        request = await chat.wait_for_text(agent.persona, "Waiting for your answer", timeout=60)
        assert "insert_and_execute_cell" in request or "jupyter" in request
        chat.send("/allow")
        await chat.wait_for_text(agent.persona, "The total is in the notebook.", timeout=120)

        def new_cell_output() -> str:
            cells = person.cells()
            outputs = cells[-1].get("outputs", []) if len(cells) == 2 else []
            return "".join(o.get("text", "") for o in outputs)

        assert await person.wait_for(new_cell_output, what="the output in the live notebook") == "42.0\n"
        assert person.ids()[0] == "cell1"
    tool_result = str(fake_model.model_requests(agent.protocol)[-1]["body"])
    assert "42.0" in tool_result  # the agent got the output back
    if agent.protocol == "anthropic" and generation == "today":  # MCP tools deferred behind ToolSearch
        searched = [
            r for r in fake_model.model_requests("anthropic") if "ToolSearch" in tool_names(r["body"])
        ]
        assert searched and "mcp__jupyter__insert_and_execute_cell" in tool_names(searched[-1]["body"])


async def test_the_agent_cannot_overwrite_the_open_notebook_with_its_file_tools(
    agents_server, fake_model, agent, chat_path
):
    from tests.integration.test_notebooks import make_notebook
    from tests.support.notebook_client import NotebookClient

    name = f"guarded-{agent.persona.lower()}.ipynb"
    path = make_notebook(agents_server.root_dir, name, ["keep = 1"])
    replacement = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    if agent.protocol == "anthropic":
        turns = [
            Turn(tool="Read", tool_input={"file_path": str(path)}),
            Turn(tool="Write", tool_input={"file_path": str(path), "content": replacement}),
            Turn(text="I could not write the notebook file."),
        ]
    elif agent.protocol == "gemini":
        turns = [
            Turn(function="write_file", arguments={"file_path": str(path), "content": replacement}),
            Turn(text="I could not write the notebook file."),
        ]
    else:
        # codex ends its turn when a patch is refused
        turns = [Turn(patch=f"*** Begin Patch\n*** Add File: {name}\n+{replacement}\n*** End Patch\n")]
    fake_model.queue(agent.protocol, *turns)
    async with NotebookClient(agents_server, name) as person, ChatClient(agents_server, chat_path) as chat:
        person.type_into("cell1", "# a person's note\n")
        # jupyter_server saves a file in place (truncate, then write): an agent reading it from
        # disk during the room's save sees part of it, so the agent is asked once it is saved
        await _saved_with(path, "# a person's note")
        chat.send(f"@{agent.persona} empty that notebook")
        await chat.wait_for(
            lambda: any("is open in JupyterLab" in b for b in chat.bodies_from(agent.persona)),
            timeout=60,
            what="the write to be refused",
        )
        await chat.wait_for(lambda: agent.persona not in chat.writers(), timeout=60)
        await asyncio.sleep(1.5)
        assert person.ids() == ["cell1"]
        assert person.cell("cell1")["source"] == "# a person's note\nkeep = 1"
    saved = json.loads(path.read_text())
    assert [c["id"] for c in saved["cells"]] == ["cell1"]


async def _saved_with(path: Path, text: str, timeout: float = 30) -> None:
    """Wait until the file on disk is whole JSON holding `text`: the room's save has ended."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with contextlib.suppress(ValueError):
            if text in json.dumps(json.loads(path.read_text())):
                return
        assert asyncio.get_running_loop().time() < deadline, f"{path.name} was not saved with {text!r}"
        await asyncio.sleep(0.05)


ASKING_MODES = {"Claude": "default", "Codex": "read-only", "Gemini": "default"}


async def test_the_runtime_puts_the_agent_in_its_asking_mode(agents_server, fake_model, agent, chat_path):
    """Today's Claude starts in "auto" (a classifier decides) and today's Codex in "agent" (a
    reviewer model decides): the runtime sets the mode in which the person is asked."""
    fake_model.queue(agent.protocol, Turn(text="Ready when you are."))
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} hello")
        await chat.wait_for_text(agent.persona, "Ready when you are.", timeout=60)
        chat.send("/personas")
        listing = await chat.wait_for_text("Personas", "Personas in this chat")
        line = listing.split(f"**@{agent.persona}**", 1)[1].split("\n- ", 1)[0]
        assert f"asks before it acts (mode `{ASKING_MODES[agent.persona]}`)" in line, line
        assert "policy: read: allow, search: allow, think: allow" in line
        await chat.settle(1)
        # agent notices (Claude's auto-mode warning) never land in a reply
        assert not any("auto mode" in b for b in chat.bodies_from(agent.persona))


async def test_reading_outside_the_root_is_asked_despite_the_read_policy(
    agents_server, fake_model, chat_path
):
    secret = agents_server.root_dir.parent / "private-key.pem"
    secret.write_text("-----BEGIN PRIVATE KEY----- SHOULD-NOT-LEAVE")
    fake_model.queue(
        "anthropic",
        Turn(tool="Read", tool_input={"file_path": str(secret)}),
        Turn(text="I could not read it."),
    )
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send("@Claude show me my private key")
        request = await chat.wait_for_text("Claude", "Waiting for your answer", timeout=60)
        assert f"`{secret}`: outside the server root" in request
        assert "Allowed by" not in request
        chat.send("/reject")
        await chat.wait_for_text("Claude", "I could not read it.", timeout=60)
    sent = json.dumps([r["body"] for r in fake_model.requests if r.get("body")])
    assert "SHOULD-NOT-LEAVE" not in sent


BINARIES = {"Claude": "claude-agent-acp", "Codex": "codex-acp", "Gemini": "gemini"}


def agent_pid(server, binary: str) -> int | None:
    """The adapter process the server started for `binary` (a child of the server)."""
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if binary in cmdline and server.process is not None and parent == server.process.pid:
            return int(entry.name)
    return None


async def test_a_crashed_agent_is_reported_and_the_next_message_starts_it_again(
    agents_server, fake_model, agent, chat_path
):
    long_text = " ".join(f"word{i}" for i in range(300))
    fake_model.queue(agent.protocol, Turn(text=long_text, chunks=300, delay=0.05))
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send(f"@{agent.persona} tell me a long story")
        await chat.wait_for_text(agent.persona, "word5 ", timeout=60)
        pid = agent_pid(agents_server, BINARIES[agent.persona])
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        report = await chat.wait_for_text(agent.persona, "stopped: the agent's program stopped", timeout=30)
        assert "Your next message starts it again" in report
        fake_model.queue(agent.protocol, Turn(text="BACK AGAIN and well."))
        chat.send(f"@{agent.persona} are you back?")
        await chat.wait_for_text(agent.persona, "BACK AGAIN and well.", timeout=90)
        assert agent_pid(agents_server, BINARIES[agent.persona]) not in (None, pid)


async def test_the_conversation_continues_after_a_server_restart(fake_model, agent, generation, tmp_path):
    home, root = tmp_path / "home", tmp_path / "root"
    env = agents_env(home, fake_model, generation)
    server = JupyterServer(root, home, env=env)
    await server.start()
    try:
        fake_model.queue(agent.protocol, Turn(text="Noted: your dataset is penguins.csv."))
        async with ChatClient(server, "resume.chat") as chat:
            chat.send(f"@{agent.persona} remember that my dataset is penguins.csv")
            await chat.wait_for_text(agent.persona, "Noted: your dataset", timeout=60)
    finally:
        await server.stop()
    server = JupyterServer(root, home, env=env, port=server.port)
    await server.start()
    try:
        fake_model.queue(agent.protocol, Turn(text="It is penguins.csv."))
        async with ChatClient(server, "resume.chat") as chat:
            before = len(chat.messages())
            chat.send(f"@{agent.persona} which dataset did I name?")
            await chat.wait_for_text(agent.persona, "It is penguins.csv.", timeout=90)
            await chat.settle(1)
            assert len(chat.messages()) == before + 2  # nothing replayed into the chat
    finally:
        await server.stop()
    asked = [
        r
        for r in fake_model.model_requests(agent.protocol)
        if "which dataset did I name?" in json.dumps(r["body"])
    ]
    assert asked, "the question never reached the model"
    request = json.dumps(asked[-1]["body"])
    assert "remember that my dataset is penguins.csv" in request, request[
        -3000:
    ]  # the agent has the conversation


async def test_without_a_key_claude_says_how_to_fix_it_and_a_key_from_settings_works(
    start_server, fake_model, generation, tmp_path
):
    env = agents_env(tmp_path / "home", fake_model, generation)
    del env["ANTHROPIC_API_KEY"]  # a person who has not set one up
    server = await start_server(env=env)
    async with ChatClient(server, "no-key.chat") as chat, server.client() as http:
        chat.send("/personas")
        listing = await chat.wait_for_text("Personas", "Personas in this chat")
        line = next(ln for ln in listing.split("\n- ") if "**@Claude**" in ln)
        assert "🔑 needs `ANTHROPIC_API_KEY` or `CLAUDE_CODE_OAUTH_TOKEN` (or sign in)" in line
        chat.send("@Claude hello")
        failed = await chat.wait_for_text("Claude", "Settings › AI Personas", timeout=60)
        assert "needs `ANTHROPIC_API_KEY`" in failed and "no restart needed" in failed
        response = await http.put("api/ai-personas/credentials/ANTHROPIC_API_KEY", json={"value": "test-key"})
        assert response.status_code == 200
        fake_model.queue("anthropic", Turn(text="Signed in and answering."))
        chat.send("@Claude hello again")
        await chat.wait_for_text("Claude", "Signed in and answering.", timeout=60)


async def test_claude_asks_the_chat_a_question_and_gets_the_answer(
    agents_server, fake_model, generation, chat_path
):
    if generation == "legacy":
        pytest.skip("claude-agent-acp 0.23 never offers AskUserQuestion")
    ask = {
        "questions": [
            {
                "question": "Which plot style?",
                "header": "Style",
                "multiSelect": False,
                "options": [
                    {"label": "Scatter", "description": "points"},
                    {"label": "Line", "description": "lines"},
                ],
            }
        ]
    }
    fake_model.queue(
        "anthropic", Turn(tool="AskUserQuestion", tool_input=ask), Turn(text="A line plot it is.")
    )
    async with ChatClient(agents_server, chat_path) as chat:
        chat.send("@Claude plot the residuals")
        asked = await chat.wait_for_text("Claude", "asks (question #", timeout=60)
        assert (
            "Which plot style?" in asked and "**Scatter** — points" in asked and "**Line** — lines" in asked
        )
        chat.send("/answer Line")
        await chat.wait_for_text("Claude", "A line plot it is.", timeout=60)
    answered = json.dumps(fake_model.model_requests("anthropic")[-1]["body"])
    assert "Which plot style?" in answered and "Line" in answered  # the model got the person's answer


async def test_claude_signs_in_with_its_own_login_in_a_jupyterlab_terminal(agents_server, generation):
    if generation == "legacy":
        pytest.skip("claude-agent-acp 0.23 offers no terminal sign-in")
    async with agents_server.client() as http:
        offered = await http.get("api/ai-personas/sign-in", params={"persona": "Claude"}, timeout=90)
        assert offered.status_code == 200, offered.text
        methods = {m["id"]: m for m in offered.json()["methods"]}
        assert "console-login" in methods and "claude-ai-login" in methods
        started = await http.post(
            "api/ai-personas/sign-in", json={"persona": "Claude", "method": "console-login"}
        )
        assert started.status_code == 200, started.text
        terminal = started.json()["terminal"]
        names = [t["name"] for t in (await http.get("api/terminals")).json()]
        assert terminal in names  # a JupyterLab terminal the person opens
        for _ in range(100):
            login = [pid for pid in _processes_with("auth login --console")]
            if login:
                break
            await asyncio.sleep(0.1)
        assert login, "the agent's own login did not start in the terminal"
        environ = Path(f"/proc/{login[0]}/environ").read_bytes().split(b"\0")
        assert not any(v.startswith(b"ANTHROPIC_API_KEY=") for v in environ)  # no key on that line
        await http.delete(f"api/terminals/{terminal}")
        unknown = await http.post("api/ai-personas/sign-in", json={"persona": "Claude", "method": "nope"})
        assert unknown.status_code == 409


def _processes_with(text: str) -> list[int]:
    """Programs whose command line has `text` (not the shell that started them)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if text in b" ".join(argv).decode() and Path(argv[0].decode()).name not in ("sh", "env"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found

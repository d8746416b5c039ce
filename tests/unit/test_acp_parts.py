"""ACP client pieces that need no agent: paths, environments, terminals, rendering, launches."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from acp import RequestError

from jupyter_ai_personas.acp_client.environment import agent_environment, terminal_environment
from jupyter_ai_personas.acp_client.files import FileAccess
from jupyter_ai_personas.acp_client.launch import make_launch
from jupyter_ai_personas.acp_client.markdown import (
    DiffContent,
    TerminalContent,
    ToolCallView,
    fence,
    plan_markdown,
    tool_call_markdown,
)
from jupyter_ai_personas.acp_client.terminals import Terminal, TerminalManager
from jupyter_ai_personas.message_meta import PlanEntry
from jupyter_ai_personas.paths import PathOutsideRoot, PathRules, confine


def test_confine_rejects_every_way_out(tmp_path: Path):
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "escape").symlink_to(tmp_path)
    assert confine(root, "sub/a.txt") == root / "sub" / "a.txt"
    assert confine(root, str(root / "b.txt")) == root / "b.txt"
    for bad in ("../x", "/etc/passwd", "escape/x", "sub/../../x", "", "a\x00b"):
        with pytest.raises(PathOutsideRoot):
            confine(root, bad)


def test_file_access_reads_lines_and_writes_inside_only(tmp_path: Path):
    files = FileAccess(PathRules(tmp_path))
    (tmp_path / "a.txt").write_text("one\ntwo\nthree\n")

    async def run() -> None:
        assert await files.read("a.txt", line=2, limit=1) == "two\n"
        await files.write("new/b.txt", "hello")
        assert (tmp_path / "new" / "b.txt").read_text() == "hello"
        with pytest.raises(RequestError, match="outside the server root"):
            await files.write("../c.txt", "no")
        with pytest.raises(RequestError, match="no such file"):
            await files.read("missing.txt")
        with pytest.raises(RequestError, match="hidden path"):
            await files.write(".jupyter/personas/evil.py", "import os")
        assert not (tmp_path / ".jupyter").exists()

    asyncio.run(run())


def test_agent_environment_is_built_not_inherited():
    server = {
        "PATH": "/bin",
        "HOME": "/h",
        "LC_ALL": "C",
        "SECRET": "x",
        "JUPYTER_TOKEN": "t",
        "IS_SANDBOX": "yes",
        "JPY_API_TOKEN": "t2",
    }
    env = agent_environment(server, {"API_KEY": "k", "IS_SANDBOX": "1", "JUPYTERHUB_API_TOKEN": "t3"})
    assert env == {"PATH": "/bin", "HOME": "/h", "LC_ALL": "C", "API_KEY": "k"}


def test_terminal_environment_drops_dangerous_variables():
    env = terminal_environment(
        {"PATH": "/bin"},
        {"LD_PRELOAD": "/evil.so", "FOO": "bar", "BASH_ENV": "x", "JUPYTER_TOKEN": "t", "bad name": "x"},
    )
    assert env == {"PATH": "/bin", "FOO": "bar"}


def test_terminal_output_is_bounded_from_the_beginning():
    terminal = Terminal(id="t", command=["x"], process=None, limit=10)  # type: ignore[arg-type]
    terminal.append("héllo wörld and more".encode())
    assert terminal.truncated and len(terminal.output) <= 10
    assert terminal.text().endswith("and more")


def test_terminals_run_in_the_root_and_are_killed_with_their_session(tmp_path: Path):
    async def run() -> None:
        manager = TerminalManager(PathRules(tmp_path), {"PATH": "/usr/bin:/bin"})
        done = await manager.create("sh", ["-c", "pwd; echo $FOO"], {"FOO": "bar"}, tmp_path, None)
        await manager.wait(done.id)
        assert done.text().split() == [str(tmp_path), "bar"] and done.exit_code == 0
        long = await manager.create("sleep", ["30"], {}, tmp_path, None)
        manager.close()
        await asyncio.wait_for(long.done.wait(), 5)
        assert long.exit_signal == "SIGKILL"

    asyncio.run(run())


def test_tool_call_markdown_shows_status_diff_and_output():
    view = ToolCallView(
        tool_call_id="1",
        title="Edit notes",
        kind="edit",
        status="completed",
        content=[DiffContent(path="/r/notes.txt", old_text="a\nb\n", new_text="a\nc\n")],
    )
    text = tool_call_markdown(view, lambda p: p.removeprefix("/r/"))
    assert text.startswith("✅ **Edit notes** · ✏️ edit · completed")
    assert "--- a/notes.txt" in text and "-b" in text and "+c" in text
    run = ToolCallView(
        tool_call_id="2",
        title="Run",
        kind="execute",
        status="failed",
        command="make",
        content=[TerminalContent(terminal_id="t", output="boom", exit_code=2)],
    )
    assert "$ make" in tool_call_markdown(run) and "(exit code 2)" in tool_call_markdown(run)


def test_fences_outlast_the_backticks_inside():
    assert fence("a ``` b").startswith("````\n") and fence("plain").startswith("```\n")


def test_plan_markdown_is_a_checklist():
    text = plan_markdown(
        [PlanEntry(content="a", status="completed"), PlanEntry(content="b", status="pending")]
    )
    assert "- [x] ✅ a" in text and "- [ ] ⬜ b" in text


def test_launches_of_the_same_program_and_environment_share_a_key():
    one = make_launch("A", ["agent", "--acp"], {"KEY": "1"}, {"PATH": "/bin"})
    same = make_launch("B", ["agent", "--acp"], {"KEY": "1"}, {"PATH": "/bin"})
    other = make_launch("A", ["agent", "--acp"], {"KEY": "2"}, {"PATH": "/bin"})
    assert one.key == same.key != other.key
    assert "not installed" in (one.missing_program() or "")


def test_back_off_grows_with_repeated_crashes(tmp_path: Path):
    import logging
    import time

    from jupyter_ai_personas.acp_client.supervisor import AgentSupervisor

    supervisor = AgentSupervisor(cwd=tmp_path, log=logging.getLogger("test"))
    assert supervisor.backoff("k") == 0
    now = time.monotonic()
    supervisor._crashes["k"] = __import__("collections").deque([now - 1], maxlen=10)
    assert supervisor.backoff("k") == 0  # one crash: start again at once
    supervisor._crashes["k"].extend([now, now])
    assert 3 < supervisor.backoff("k") <= 4  # three in a row: wait 4 s
    supervisor._crashes["k"] = __import__("collections").deque([now - 500] * 5, maxlen=10)
    assert supervisor.backoff("k") == 0  # old crashes are forgotten


def test_only_an_agent_announcing_steering_is_sent_messages_during_a_turn():
    from types import SimpleNamespace

    from acp.schema import InitializeResponse

    from jupyter_ai_personas.acp_client.steering import steers

    def process(meta: object) -> SimpleNamespace:
        return SimpleNamespace(init=InitializeResponse.model_validate({"protocolVersion": 1, "_meta": meta}))

    assert steers(process({"steering": {"supported": True}}))  # claude-agent-acp 0.101
    assert not steers(process({"steering": {"supported": "yes"}}))
    assert not steers(process({"steering": True}))
    assert not steers(process(None))
    assert not steers(SimpleNamespace(init=None))  # not initialized yet
    assert not steers(None)

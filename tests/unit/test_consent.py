"""Consent rules without an agent: which paths need a person, what one answer covers."""

from __future__ import annotations

from pathlib import Path

from jupyter_ai_personas.acp_client.consent import TurnGrants, decide, offered_to_person, tool_call_paths
from jupyter_ai_personas.acp_client.markdown import DiffContent, ToolCallView
from jupyter_ai_personas.paths import PathRefused, PathRules
from jupyter_ai_personas.permissions import PermissionOption


def rules_for(tmp_path: Path, **kwargs) -> PathRules:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True, exist_ok=True)
    return PathRules(root, home=tmp_path / "home", protected=(tmp_path / "runtime",), **kwargs)


def test_hidden_and_outside_paths_are_refused_for_the_runtime(tmp_path: Path):
    rules = rules_for(tmp_path)
    assert rules.accessible("sub/a.txt") == rules.root / "sub" / "a.txt"
    for bad in ("../x", "/etc/passwd", ".env", ".git/hooks/pre-commit", "sub/.ipynb_checkpoints/a.ipynb"):
        try:
            rules.accessible(bad)
        except PathRefused:
            continue
        raise AssertionError(f"{bad} was accessible")
    relaxed = rules_for(tmp_path, allow_hidden=True)
    assert relaxed.accessible(".env") == relaxed.root / ".env"


def test_chat_files_are_read_but_never_written_for_an_agent(tmp_path: Path):
    rules = rules_for(tmp_path)
    assert rules.accessible("team/planning.chat") == rules.root / "team" / "planning.chat"
    assert rules.writable("sub/notes.md") == rules.root / "sub" / "notes.md"
    for chat in ("team/planning.chat", "sub/../x.chat", "Notes.CHAT", "x.chat. "):
        try:
            rules.writable(chat)
        except PathRefused as exc:
            assert "chat file" in str(exc)
            continue
        raise AssertionError(f"{chat} was writable")


def test_concerns_name_why_a_person_must_answer(tmp_path: Path):
    rules = rules_for(tmp_path)
    assert rules.concern("sub/a.txt", rules.root) is None
    assert "outside the server root" in rules.concern("/etc/passwd")
    assert "hidden" in rules.concern(".env")
    assert "persona folder" in rules.concern(".jupyter/personas/escalated.py")
    assert "chat file" in rules.concern("team/planning.chat")
    assert rules.concern("team/planning.chat", reading=True) is None  # reading a chat is fine
    assert "protected" in rules.concern(str(tmp_path / "home" / ".ssh" / "id_rsa"))
    assert "protected" in rules.concern(str(tmp_path / "runtime" / "jpserver-1.json"))
    # even with hidden files served, they are never allowed without a person
    assert "hidden" in rules_for(tmp_path, allow_hidden=True).concern(".git/config")


def view(kind: str, *paths: str, title: str = "Tool", **raw) -> ToolCallView:
    return ToolCallView(
        tool_call_id="t", title=title, kind=kind, locations=list(paths), raw_input=raw or None
    )


def test_a_policy_allows_only_inside_the_root_and_outside_protected_paths(tmp_path: Path):
    rules = rules_for(tmp_path)
    cwd = rules.root
    assert (
        decide(view("read", "sub/a.csv"), policy="allow", always=set(), rules=rules, cwd=cwd).answer
        == "allow"
    )
    secret = decide(view("read", "/root/.ssh/id_rsa"), policy="allow", always=set(), rules=rules, cwd=cwd)
    assert secret.answer == "ask" and "outside the server root" in secret.concerns[0]
    token = decide(
        view("read", file_path=str(tmp_path / "runtime" / "jpserver-7.json")),
        policy="allow",
        always=set(),
        rules=rules,
        cwd=cwd,
    )
    assert token.answer == "ask"
    assert (
        decide(view("edit", "x.txt"), policy="reject", always=set(), rules=rules, cwd=cwd).answer == "reject"
    )


def test_always_covers_one_kind_and_one_mcp_tool(tmp_path: Path):
    rules = rules_for(tmp_path)
    cwd = rules.root
    always = {"edit", "other:mcp__jupyter__insert_cell"}
    assert decide(view("edit", "a.py"), policy="ask", always=always, rules=rules, cwd=cwd).answer == "allow"
    assert decide(view("execute"), policy="ask", always=always, rules=rules, cwd=cwd).answer == "ask"
    insert = view("other", title="mcp__jupyter__insert_cell")
    delete = view("other", title="mcp__jupyter__delete_cell")
    assert decide(insert, policy="ask", always=always, rules=rules, cwd=cwd).answer == "allow"
    assert decide(delete, policy="ask", always=always, rules=rules, cwd=cwd).answer == "ask"
    persona_code = decide(
        view("edit", ".jupyter/personas/x.py"), policy="ask", always=always, rules=rules, cwd=cwd
    )
    assert persona_code.answer == "ask" and "persona folder" in persona_code.concerns[0]


def test_a_grant_covers_the_paths_and_command_of_one_tool_call_once(tmp_path: Path):
    rules = rules_for(tmp_path)
    grants = TurnGrants()
    write = ToolCallView(
        tool_call_id="w", kind="edit", content=[DiffContent(path=str(rules.root / "a.txt"), new_text="x")]
    )
    grants.add(write, rules, rules.root)
    assert grants.take_path(rules.root / "a.txt")
    assert not grants.take_path(rules.root / "a.txt")  # once
    grants.add(view("execute", command="echo hi"), rules, rules.root)
    assert not grants.take_command("rm", ["-rf", "/"])
    assert grants.take_command("sh", ["-c", "echo hi"])
    assert not grants.take_command("sh", ["-c", "echo hi"])


def test_paths_come_from_diffs_locations_and_inputs():
    found = tool_call_paths(
        ToolCallView(
            tool_call_id="1",
            content=[DiffContent(path="/r/a.py", new_text="")],
            locations=["/r/b.py"],
            raw_input={"file_path": "/r/c.py", "changes": {"/r/d.py": {}}},
        )
    )
    assert found == ["/r/a.py", "/r/b.py", "/r/c.py", "/r/d.py"]


def test_no_always_option_for_a_protected_path():
    options = [
        PermissionOption(option_id="a", name="Always", kind="allow_always"),
        PermissionOption(option_id="o", name="Allow", kind="allow_once"),
    ]
    assert [o.option_id for o in offered_to_person(options, ["`/etc`: outside"])] == ["o"]
    assert len(offered_to_person(options, [])) == 2


def test_session_options_set_the_asking_mode_and_report_an_agent_that_stays_in_another():
    import asyncio

    from acp.schema import (
        CurrentModeUpdate,
        NewSessionResponse,
        SessionMode,
        SessionModeState,
    )

    from jupyter_ai_personas.acp_client.session_options import SessionOptions
    from jupyter_ai_personas.acp_client.setup import SessionSetup

    class Agent:  # records what the runtime asks of it; `stubborn` agents keep their mode
        def __init__(self, stubborn: bool):
            self.stubborn, self.calls = stubborn, []

        async def set_session_mode(self, session_id: str, mode_id: str) -> None:
            self.calls.append(mode_id)

    modes = SessionModeState(
        current_mode_id="auto",
        available_modes=[SessionMode(id=m, name=m.title()) for m in ("default", "acceptEdits", "auto")],
    )
    notes: list[str] = []

    async def run(stubborn: bool) -> SessionOptions:
        options = SessionOptions()
        options.remember(NewSessionResponse(session_id="s", modes=modes))
        agent = Agent(stubborn)
        await options.apply(agent, "s", SessionSetup(mode="default"), notes.append)
        assert agent.calls == ["default"]
        if stubborn:  # the agent reports it stayed where it was
            options.on_update(CurrentModeUpdate(session_update="current_mode_update", current_mode_id="auto"))
        return options

    asking = asyncio.run(run(stubborn=False))
    assert asking.current_mode() == "default" and asking.consent_problem is None
    stubborn = asyncio.run(run(stubborn=True))
    assert stubborn.consent_problem is not None and "may act without asking" in stubborn.consent_problem


def test_an_agent_notice_is_not_reply_text():
    from acp.schema import AgentMessageChunk, TextContentBlock

    from jupyter_ai_personas.acp_client.render import is_agent_notice

    warning = AgentMessageChunk.model_validate(
        {
            "sessionUpdate": "agent_message_chunk",
            "content": {"type": "text", "text": "**Warning:** We're changing auto mode"},
            "_meta": {"claudeCode": {"kind": "informational", "level": "warning"}},
        }
    )
    plain = AgentMessageChunk(
        session_update="agent_message_chunk", content=TextContentBlock(type="text", text="hello")
    )
    assert is_agent_notice(warning) and not is_agent_notice(plain)

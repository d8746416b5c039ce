"""PersonaSpec: what a person may write in a markdown persona, and the errors they get."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_ai_personas.specs import SpecError, parse_spec

VALID = """---
name: Data Scientist
description: Explores data
avatar: 🧪
agent: claude
model: sonnet
mode: plan
mcp_servers:
  - name: files
    command: mcp-files
    args: [--root, .]
  - name: search
    url: https://example.org/mcp
    headers: {Authorization: Bearer x}
skills: [skills/plots]
permissions: {read: allow, edit: ask, execute: reject}
env: [ANTHROPIC_API_KEY]
---
Be careful with data.
"""


def test_a_full_spec_parses():
    spec = parse_spec(VALID, "ds.md")
    assert spec.name == "Data Scientist" and spec.mention_name == "Data-Scientist"
    assert spec.instructions == "Be careful with data."
    assert [server.name for server in spec.mcp_servers] == ["files", "search"]
    assert spec.permissions == {"read": "allow", "edit": "ask", "execute": "reject"}
    assert spec.env == {"ANTHROPIC_API_KEY": "${ANTHROPIC_API_KEY}"}


def test_env_references_are_filled_from_the_server_environment():
    spec = parse_spec(
        "---\nname: A\ncommand: my-agent --acp\nenv: {KEY: '${SECRET}', MODE: fast, GONE: '${NOPE}'}\n---\n",
        "a.md",
    )
    assert spec.command == ["my-agent", "--acp"]
    assert spec.resolved_env({"SECRET": "s3"}) == {"KEY": "s3", "MODE": "fast"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: A\n", "no YAML front matter"),
        ("---\nname: A\nagent: x\n", "not closed"),
        ("---\nname: [\n---\n", "invalid YAML at line"),
        ("---\n- a\n- b\n---\n", "must be a mapping"),
        ("---\nagent: claude\n---\n", "`name`: missing (required)"),
        ("---\nname: 12\nagent: claude\n---\n", "`name`: Input should be a valid string"),
        ("---\nname: A\nagent: claude\ncolor: red\n---\n", "`color`: unknown key"),
        ("---\nname: A\n---\n", "needs one of `agent`, `command` or `class`"),
        ("---\nname: A\nagent: claude\ncommand: x\n---\n", "not agent, command"),
        ("---\nname: '@A'\nagent: claude\n---\n", "`name`: must start with a letter"),
        ("---\nname: A\nagent: c\npermissions: {write: allow}\n---\n", "`permissions.write`"),
        ("---\nname: A\nagent: c\npermissions: {edit: maybe}\n---\n", "'allow', 'ask' or 'reject'"),
        ("---\nname: A\nagent: c\nmcp_servers: [{name: x}]\n---\n", "`mcp_servers.0.command`"),
        ("---\nname: A\nagent: c\nenv: [NOT-A-NAME]\n---\n", "not an environment variable name"),
        ("---\nname: A\nclass: not a ref\n---\n", "package.module:ClassName"),
        ("---\nname: A\nagent: c\ninstructions: hi\n---\n", "is the markdown body"),
        ("---\nname: A\nagent: c\navatar: a very long avatar text\n---\n", "use an emoji"),
        ("---\nname: A\nagent: c\navatar: missing.png\n---\n", "no file missing.png"),
    ],
)
def test_bad_specs_name_the_file_and_the_problem(text, problem):
    with pytest.raises(SpecError) as error:
        parse_spec(text, "folder/bad.md")
    assert str(error.value).startswith("folder/bad.md: ")
    assert problem in error.value.problem


def test_an_avatar_file_must_stay_next_to_the_spec(tmp_path: Path):
    (tmp_path / "face.png").write_bytes(b"\x89PNG")
    spec = parse_spec("---\nname: A\nagent: c\navatar: face.png\n---\n", tmp_path / "a.md")
    assert spec.avatar == "face.png"
    with pytest.raises(SpecError, match="outside the spec's folder"):
        parse_spec("---\nname: A\nagent: c\navatar: ../face.png\n---\n", tmp_path / "sub" / "a.md")

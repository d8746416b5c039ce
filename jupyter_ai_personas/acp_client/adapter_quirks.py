"""What particular agent programs need that ACP does not say, by name and version.

Each workaround applies only to the versions that were measured to need it (see the
developers' notes on today's adapters); every other agent gets plain ACP.
"""

from __future__ import annotations

import re

CLAUDE = "claude-agent-acp"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3]) or (0,)


def is_claude(name: str) -> bool:
    """claude-agent-acp (`@zed-industries/…` and `@agentclientprotocol/…`): instructions go in
    `_meta.systemPrompt`, options in `_meta.claudeCode.options`."""
    return CLAUDE in name


def answers_late_after_cancel(name: str, version: str) -> bool:
    """claude-agent-acp 0.23.x: after `session/cancel`, every later prompt gets the previous
    prompt's answer, unless the session is closed and reopened (not seen from 0.100 on)."""
    return is_claude(name) and _version(version) < (0, 24)


def keeps_first_instructions_on_resume(name: str, version: str) -> bool:
    """claude-agent-acp 0.100+: a resumed or loaded session keeps the system prompt it was
    created with; new instructions need a new session."""
    return is_claude(name) and _version(version) >= (0, 100)


def reads_missing_files_as_empty(name: str, version: str) -> bool:
    """gemini-cli (0.61): reads a file through `fs/read_text_file` before writing it, and cannot
    create a new file when the read of a missing one is an error (gemini-cli issue #9280)."""
    return name == "gemini-cli"

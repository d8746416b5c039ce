"""What an agent's tool call may do without a new answer from a person.

* A policy (`permissions:` of the spec) or an "always" answer allows a kind of tool call only
  when every path it names is inside the server root and not protected (see `paths`).
* A person's "Allow" covers that one tool call: the paths and the command it showed. When the
  agent then writes a file or starts a command through ACP `fs/*` or `terminal/*`, the write or
  command must match what was allowed, once; anything else is asked again.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..paths import PathRules
from .markdown import DiffContent, ToolCallView, raw_command

Answer = Literal["allow", "reject", "ask"]
PATH_KEYS = ("file_path", "notebook_path", "path", "filePath", "absolute_path", "target_file")
SHELLS = {"sh", "bash", "zsh", "dash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "/usr/bin/zsh"}


def tool_call_paths(view: ToolCallView) -> list[str]:
    """Every path a tool call names: its diffs, locations and the usual input keys."""
    paths: list[str] = [c.path for c in view.content if isinstance(c, DiffContent)]
    paths += list(view.locations)
    raw = view.raw_input if isinstance(view.raw_input, dict) else {}
    paths += [raw[key] for key in PATH_KEYS if isinstance(raw.get(key), str) and raw[key]]
    changes = raw.get("changes")
    if isinstance(changes, dict):  # codex's apply_patch: {path: change}
        paths += [p for p in changes if isinstance(p, str)]
    return list(dict.fromkeys(p for p in paths if p))


def always_key(view: ToolCallView) -> str:
    """What an "always" answer covers: a kind; for other tools (MCP), that one tool."""
    return f"other:{view.title}" if view.kind == "other" else view.kind


@dataclass
class Decision:
    answer: Answer
    reason: str = ""  # why a policy or an earlier answer decided (shown in the chat)
    concerns: list[str] = field(default_factory=list)  # "`path`: why a person must answer"


def decide(view: ToolCallView, *, policy: str, always: set[str], rules: PathRules, cwd: Path) -> Decision:
    """Allow, reject, or ask a person, for a tool call the agent asks permission for."""
    concerns = []
    reading = view.kind in ("read", "search")  # a chat file may be read without a person
    for path in tool_call_paths(view):
        why = rules.concern(path, cwd, reading=reading)
        if why is not None:
            concerns.append(f"`{rules.shown(rules.resolve(path, cwd))}`: {why}")
    if policy == "reject":
        return Decision("reject", f"the persona's policy ({view.kind}: reject)", concerns)
    if concerns:
        return Decision("ask", concerns=concerns)
    if policy == "allow":
        return Decision("allow", f"the persona's policy ({view.kind}: allow)")
    if always_key(view) in always:
        return Decision("allow", f"you chose “always” for {describe_key(always_key(view))} in this chat")
    return Decision("ask")


def describe_key(key: str) -> str:
    return f"the tool `{key.split(':', 1)[1]}`" if key.startswith("other:") else f"`{key}` tool calls"


def command_text(command: str, args: list[str]) -> str:
    """A command as people read it."""
    return " ".join([command, *args])


@dataclass
class TurnGrants:
    """What was allowed in this turn, each usable once: files to read or write, commands to run."""

    paths: list[Path] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    def add(self, view: ToolCallView, rules: PathRules, cwd: Path) -> None:
        self.paths += [rules.resolve(p, cwd) for p in tool_call_paths(view)]
        command = view.command or raw_command(view.raw_input)
        if command:
            self.commands.append(command.strip())

    def covers(self, target: Path) -> bool:
        return target in self.paths

    def take_path(self, target: Path) -> bool:
        if target in self.paths:
            self.paths.remove(target)
            return True
        return False

    def take_command(self, command: str, args: list[str]) -> bool:
        """A command matches what was allowed as a whole, or as the script of `sh -c ...`."""
        candidates = {command_text(command, args).strip(), shlex.join([command, *args])}
        if command in SHELLS and len(args) == 2 and args[0] in ("-c", "-lc"):
            candidates.add(args[1].strip())
        for allowed in self.commands:
            if allowed in candidates:
                self.commands.remove(allowed)
                return True
        return False

    def clear(self) -> None:
        self.paths.clear()
        self.commands.clear()


def offered_to_person(options: list[Any], concerns: list[str]) -> list[Any]:
    """The options a person sees: no "always" when the request touches a protected path."""
    if not concerns:
        return options
    kept = [o for o in options if o.kind != "allow_always"]
    return kept or options

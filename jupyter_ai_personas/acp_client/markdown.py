"""Readable markdown for what an agent does: tool calls, diffs, commands, plans, requests.

Each chat message also carries the structured form in its metadata for the frontend; the
markdown here is what plain jupyterlab-chat shows.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ..message_meta import PlanEntry, ToolCallData, ToolContentData

MAX_DIFF_LINES = 120
MAX_OUTPUT_CHARS = 4000
STATUS_ICONS = {"pending": "⏳", "in_progress": "🔄", "completed": "✅", "failed": "❌", "cancelled": "⏹"}
KIND_ICONS = {
    "read": "📖",
    "edit": "✏️",
    "delete": "🗑️",
    "move": "🚚",
    "search": "🔍",
    "execute": "▶️",
    "think": "💭",
    "fetch": "🌐",
    "switch_mode": "🔀",
    "other": "🔧",
}
PLAN_ICONS = {"pending": "⬜", "in_progress": "🔄", "completed": "✅"}


class DiffContent(BaseModel):
    type: str = "diff"
    path: str
    old_text: str | None = None
    new_text: str


class TextContent(BaseModel):
    type: str = "text"
    text: str


class TerminalContent(BaseModel):
    type: str = "terminal"
    terminal_id: str
    command: str = ""
    output: str = ""
    exit_code: int | None = None
    truncated: bool = False


ToolContent = DiffContent | TextContent | TerminalContent


class ToolCallView(BaseModel):
    """A tool call as the chat shows it; the metadata of its message."""

    tool_call_id: str
    title: str = ""
    kind: str = "other"
    status: str = "pending"
    content: list[ToolContent] = []
    locations: list[str] = []
    command: str | None = None
    raw_input: Any = None
    note: str | None = None  # e.g. an answer given by the persona's policy
    warnings: list[str] = []  # paths that need a person's answer, and why


SOURCE_KEYS = ("source", "content", "new_source")  # what a tool writes: shown as added lines
CODE_KEYS = ("code", "command")  # what it runs: shown as code
PLACE_KEYS = ("path", "file_path", "notebook_path", "new_path")


def input_content(view: ToolCallView) -> list[ToolContent]:
    """What a tool call's input will do, for a card whose agent sent nothing else to show (MCP
    tools above all): the text it writes as a diff, code it runs as code, the rest in a line."""
    raw = view.raw_input
    if view.content or view.command or not isinstance(raw, dict):
        return []
    args = {k: v for k, v in raw.items() if k != "tool"}
    place = next((str(args[k]) for k in PLACE_KEYS if isinstance(args.get(k), str)), view.title or "input")
    if isinstance(args.get("cell_id"), str):
        place += f" · cell {args['cell_id']}"
    shown: list[ToolContent] = []
    if isinstance(args.get("old_text"), str) and isinstance(args.get("new_text"), str):
        shown.append(DiffContent(path=place, old_text=args["old_text"], new_text=args["new_text"]))
    written = next((args[k] for k in SOURCE_KEYS if isinstance(args.get(k), str)), None)
    if written is not None:
        shown.append(DiffContent(path=place, old_text="", new_text=written))
    code = next((args[k] for k in CODE_KEYS if isinstance(args.get(k), str)), None)
    if code is not None:
        shown.append(TerminalContent(terminal_id="", command=code))
    used = {"old_text", "new_text", "cell_id", *SOURCE_KEYS, *CODE_KEYS, *PLACE_KEYS}
    rest = {k: v for k, v in args.items() if k not in used}
    if rest or not shown:
        shown.append(
            TextContent(text=f"{place}: " + ", ".join(f"{k}={compact_json(v, 120)}" for k, v in rest.items()))
        )
    return shown


def fence(text: str, info: str = "") -> str:
    """A code block whose fence is longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{info}\n{text}\n{ticks}"


def unified_diff(path: str, old: str | None, new: str) -> str:
    lines = list(
        difflib.unified_diff(
            (old or "").splitlines(),
            new.splitlines(),
            fromfile=f"a/{path}" if old is not None else "/dev/null",
            tofile=f"b/{path}",
            lineterm="",
        )
    )
    if len(lines) > MAX_DIFF_LINES:
        hidden = len(lines) - MAX_DIFF_LINES
        lines = lines[:MAX_DIFF_LINES] + [f"... {hidden} more lines"]
    return "\n".join(lines) or "(no change)"


def clip(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    return text if len(text) <= limit else "…" + text[-limit:]


def tool_call_markdown(view: ToolCallView, show_path: Callable[[str], str] = str) -> str:
    icon = STATUS_ICONS.get(view.status, "🔧")
    kind = f"{KIND_ICONS.get(view.kind, '🔧')} {view.kind}"
    lines = [f"{icon} **{view.title or 'Tool call'}** · {kind} · {view.status.replace('_', ' ')}"]
    lines += [f"⚠️ **{warning}**" for warning in view.warnings]
    if view.locations and not any(isinstance(c, DiffContent) for c in view.content):
        lines.append(" ".join(f"`{show_path(p)}`" for p in view.locations[:5]))
    if view.command:
        lines.append(fence(f"$ {view.command}", "console"))
    for item in view.content or input_content(view):
        if isinstance(item, DiffContent):
            shown = show_path(item.path)
            lines.append(
                f"**`{shown}`**\n" + fence(unified_diff(shown, item.old_text, item.new_text), "diff")
            )
        elif isinstance(item, TerminalContent):
            status = "" if item.exit_code is None else f"\n(exit code {item.exit_code})"
            lines.append(fence(clip(item.output) + status, "console"))
        elif item.text.strip():
            lines.append(clip(item.text))
    if view.note:
        lines.append(f"_{view.note}_")
    return "\n\n".join(lines)


def tool_call_data(view: ToolCallView, show_path: Callable[[str], str] = str) -> ToolCallData:
    """The structured form of a tool call for the frontend: diffs as unified text (not both
    whole files), outputs clipped, paths relative to the server root."""
    content: list[ToolContentData] = []
    for item in view.content or input_content(view):
        if isinstance(item, DiffContent):
            shown = show_path(item.path)
            diff = unified_diff(shown, item.old_text, item.new_text)
            content.append(ToolContentData(type="diff", path=shown, diff=diff))
        elif isinstance(item, TerminalContent):
            content.append(
                ToolContentData(
                    type="terminal",
                    command=item.command,
                    output=clip(item.output),
                    exit_code=item.exit_code,
                    truncated=item.truncated,
                )
            )
        else:
            content.append(ToolContentData(type="text", text=clip(item.text)))
    return ToolCallData(
        **view.model_dump(exclude={"content", "raw_input", "locations"}),
        locations=[show_path(p) for p in view.locations],
        content=content,
    )


def plan_markdown(entries: list[PlanEntry]) -> str:
    lines = ["📋 **Plan**", ""]
    for entry in entries:
        done = entry.status == "completed"
        lines.append(f"- [{'x' if done else ' '}] {PLAN_ICONS.get(entry.status, '⬜')} {entry.content}")
    return "\n".join(lines)


def thinking_markdown(text: str) -> str:
    return f"<details><summary>💭 Thinking</summary>\n\n{text}\n\n</details>"


def permission_markdown(
    persona: str, number: int, view: ToolCallView, status_line: str, show_path: Callable[[str], str] = str
) -> str:
    """The body of a permission request; the status line is always the last paragraph."""
    head = f"🔐 **{persona}** asks permission (request #{number}):"
    return f"{head}\n\n{tool_call_markdown(view, show_path)}\n\n{status_line}"


def raw_command(raw_input: Any) -> str | None:
    """The shell command an execute tool call runs, when its input says."""
    if isinstance(raw_input, dict):
        for key in ("command", "cmd"):
            value = raw_input.get(key)
            if isinstance(value, str):
                return value
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return " ".join(value)
    return None


def compact_json(value: Any, limit: int = 300) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"

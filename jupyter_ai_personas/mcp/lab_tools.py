"""The tools for JupyterLab itself: the commands of the page a person uses (open a notebook, run
all cells, scroll to a cell...), through the frontend extension's channel (`lab_channel`)."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import Field

from ..documents.notebook import NotebookError
from ..lab_channel import PAGES_SETTING, LabPages, NoLab
from .inputs import ToolInput
from .tool_base import ToolContext, ToolResult


class ListCommandsInput(ToolInput):
    query: str | None = Field(None, description="only commands whose id or label holds this, e.g. notebook:")


class RunCommandInput(ToolInput):
    command: str = Field(description="a command id from list_lab_commands, e.g. docmanager:open")
    args: dict[str, Any] = Field(default_factory=dict, description='its arguments, e.g. {"path": "a.ipynb"}')


# Decisions that belong to the person at the keyboard: trusting a notebook (its HTML and
# JavaScript outputs would then run in the page), this project's own settings (keys), and the
# chat: a message the person's page sends is theirs (`jupyterlab-chat:openWithMessage` with
# `autoSend` would post an agent's words in their name, and personas would answer them).
PERSON_ONLY = re.compile(r"trust|^jupyter-ai-personas:|^jupyterlab-chat:|^@jupyter/chat")


def _pages(ctx: ToolContext) -> LabPages:
    pages = ctx.serverapp.web_app.settings.get(PAGES_SETTING)
    if pages is None:
        raise NotebookError("the JupyterLab channel is not set up on this server")
    return pages  # type: ignore[no-any-return]


async def list_lab_commands(ctx: ToolContext, args: ListCommandsInput) -> ToolResult:
    try:
        commands = await _pages(ctx).ask({"type": "list"})
    except NoLab as exc:
        raise NotebookError(str(exc)) from None
    query = (args.query or "").lower()
    lines = [
        f"{c['id']}" + (f" — {c['label']}" if c.get("label") else "")
        for c in commands
        if not query or query in c["id"].lower() or query in str(c.get("label", "")).lower()
    ]
    return ToolResult.text("\n".join(lines) or "no command matches")


async def run_lab_command(ctx: ToolContext, args: RunCommandInput) -> ToolResult:
    if not re.fullmatch(r"[\w.-]+(:[\w.-]+)+", args.command):
        raise NotebookError(f"{args.command!r} is not a command id (list_lab_commands says which there are)")
    if PERSON_ONLY.search(args.command) or "autoSend" in args.args:
        raise NotebookError(f"{args.command} is for the person using JupyterLab to run, not a tool")
    path = args.args.get("path")
    if isinstance(path, str):
        ctx.layer.api_path(path)  # the page opens only what the tools may touch
    try:
        result = await _pages(ctx).ask({"type": "execute", "command": args.command, "args": args.args})
    except NoLab as exc:
        raise NotebookError(str(exc)) from None
    shown = "" if result in (None, "", {}) else f": {json.dumps(result)[:2000]}"
    return ToolResult.text(f"ran {args.command} in JupyterLab{shown}")

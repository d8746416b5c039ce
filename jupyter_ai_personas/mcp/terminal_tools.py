"""The tools for terminals: Jupyter's own (they are in JupyterLab's Terminals list, where a person
can watch and type into them), to run a command and read what it printed."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

from pydantic import Field

from ..documents.notebook import NotebookError
from .inputs import ToolInput
from .tool_base import AGENT_OUTPUT_CHARS, ToolContext, ToolResult

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")


class RunInTerminalInput(ToolInput):
    command: str = Field(min_length=1, description="a shell command line")
    terminal: str | None = Field(None, description="a terminal's name (list_terminals); a new one by default")
    timeout: float = Field(120, gt=0, le=3600, description="seconds to wait for the command to finish")


class TerminalInput(ToolInput):
    terminal: str = Field(description="the terminal's name")


def _manager(ctx: ToolContext) -> Any:
    manager = ctx.serverapp.web_app.settings.get("terminal_manager")
    if manager is None:
        raise NotebookError("this server has no terminals (jupyter_server_terminals is not enabled)")
    return manager


async def list_terminals(ctx: ToolContext, args: ToolInput) -> ToolResult:
    names = [model["name"] for model in _manager(ctx).list()]
    return ToolResult.text("\n".join(names) or "(no terminals)")


async def run_in_terminal(ctx: ToolContext, args: RunInTerminalInput) -> ToolResult:
    manager = _manager(ctx)
    name = args.terminal or manager.create(cwd=str(ctx.root))["name"]
    if name not in manager.terminals:
        raise NotebookError(f"no terminal {name!r} (list_terminals says which there are)")
    terminal = manager.terminals[name]
    buffer = terminal.read_buffer
    mark = secrets.token_hex(4)
    before = len(buffer)
    # the exit status comes after a mark, so the end of the command is known exactly
    terminal.ptyproc.write(f"{args.command}\nprintf '\\n[%s exit %s]\\n' {mark} $?\n")
    done = re.compile(rf"\[{mark} exit (\d+)\]")
    deadline = time.monotonic() + args.timeout
    seen = ""
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        seen = "".join(list(buffer)[before:]) if len(buffer) < buffer.maxlen else "".join(buffer)
        if (found := done.search(seen)) is not None:
            output = _clean(seen[: found.start()], args.command, mark)
            status = int(found.group(1))
            return ToolResult.text(f"terminal {name}, exit status {status}\n{output}", error=status != 0)
    output = _clean(seen, args.command, mark)
    return ToolResult.text(
        f"terminal {name}: still running after {args.timeout:g} s (it goes on; read it with "
        f"read_terminal, stop it with send_to_terminal and \\u0003)\n{output}",
        error=True,
    )


def _clean(text: str, command: str, mark: str) -> str:
    lines = [line for line in ANSI.sub("", text).split("\n") if mark not in line]
    if lines and command.splitlines()[0] in lines[0]:
        lines = lines[1:]  # the shell's echo of the command
    output = "\n".join(lines).strip("\n")
    return output[-AGENT_OUTPUT_CHARS:]


async def read_terminal(ctx: ToolContext, args: TerminalInput) -> ToolResult:
    manager = _manager(ctx)
    if args.terminal not in manager.terminals:
        raise NotebookError(f"no terminal {args.terminal!r} (list_terminals says which there are)")
    text = ANSI.sub("", "".join(manager.terminals[args.terminal].read_buffer))
    return ToolResult.text(text[-AGENT_OUTPUT_CHARS:] or "(nothing printed yet)")


class SendInput(TerminalInput):
    text: str = Field(description="what to type; \\n is Enter, \\u0003 is Ctrl-C")


async def send_to_terminal(ctx: ToolContext, args: SendInput) -> ToolResult:
    manager = _manager(ctx)
    if args.terminal not in manager.terminals:
        raise NotebookError(f"no terminal {args.terminal!r} (list_terminals says which there are)")
    manager.terminals[args.terminal].ptyproc.write(args.text)
    return ToolResult.text(f"sent {len(args.text)} characters to terminal {args.terminal}")

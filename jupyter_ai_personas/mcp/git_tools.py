"""The tools for the server root's git repository: status, diff, log, commit.

git runs as a program with arguments (no shell), in the root, and shows nothing above it (a
repository may hold more than the root): paths are checked like every tool's. A commit runs
the repository's own hooks, as it would for a person.
"""

from __future__ import annotations

import asyncio
import os

from pydantic import Field

from ..documents.notebook import NotebookError
from .inputs import ToolInput
from .tool_base import AGENT_OUTPUT_CHARS, ToolContext, ToolResult

GIT_SECONDS = 60


class DiffInput(ToolInput):
    paths: list[str] = Field(default_factory=list, description="limit to these paths")
    staged: bool = Field(False, description="what is staged for the next commit, not what is not")


class LogInput(ToolInput):
    limit: int = Field(20, ge=1, le=500)
    path: str | None = Field(None, description="only commits that touch this path")


class CommitInput(ToolInput):
    message: str = Field(min_length=1)
    paths: list[str] = Field(default_factory=list, description="stage these first (else what is staged now)")


async def git(ctx: ToolContext, *args: str) -> tuple[int, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
    try:
        process = await asyncio.create_subprocess_exec(
            "git",
            *args,
            cwd=ctx.root,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except FileNotFoundError:
        raise NotebookError("git is not installed on the server") from None
    try:
        output, _ = await asyncio.wait_for(process.communicate(), GIT_SECONDS)
    except TimeoutError:
        process.kill()
        raise NotebookError(f"git {args[0]} took more than {GIT_SECONDS} s and was stopped") from None
    text = output.decode(errors="replace")
    if process.returncode and "not a git repository" in text:
        raise NotebookError("the server root is not in a git repository")
    return process.returncode or 0, text[-AGENT_OUTPUT_CHARS:]


def _result(code: int, text: str, empty: str) -> ToolResult:
    return ToolResult.text(text.strip() or empty, error=code != 0)


async def git_status(ctx: ToolContext, args: ToolInput) -> ToolResult:
    return _result(*await git(ctx, "status", "--short", "--branch", "--", "."), "clean")


async def git_diff(ctx: ToolContext, args: DiffInput) -> ToolResult:
    paths = [ctx.layer.api_path(p) for p in args.paths] or ["."]  # nothing above the root
    staged = ["--cached"] if args.staged else []
    return _result(*await git(ctx, "diff", *staged, "--", *paths), "no changes")


async def git_log(ctx: ToolContext, args: LogInput) -> ToolResult:
    paths = ["--", ctx.layer.api_path(args.path) if args.path else "."]
    pretty = "--pretty=format:%h %ad %an: %s"
    return _result(*await git(ctx, "log", f"-{args.limit}", pretty, "--date=short", *paths), "no commits")


async def git_commit(ctx: ToolContext, args: CommitInput) -> ToolResult:
    paths = [ctx.writable_path(p) for p in args.paths]
    if paths:
        code, text = await git(ctx, "add", "--", *paths)
        if code:
            return _result(code, text, "")
    return _result(*await git(ctx, "commit", "-m", args.message), "committed")

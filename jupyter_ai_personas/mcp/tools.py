"""The tools' shared parts (context, result, tool) and the reading tools; inputs in inputs.py."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..documents import notebook as nb
from ..documents.executor import NotebookExecutor
from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError
from ..documents.presence import show_presence
from .inputs import (
    CellInput,
    ListFilesInput,
    ReadFileInput,
    ReadNotebookInput,
    SearchInput,
    ToolInput,
)
from .read_ledger import ReadLedger
from .tokens import McpCaller

AGENT_OUTPUT_CHARS = 20_000
MAX_LISTED = 500


class ToolResult(BaseModel):
    content: list[dict[str, Any]]
    is_error: bool = False

    @classmethod
    def text(
        cls, text: str, *, error: bool = False, images: list[tuple[str, str]] | None = None
    ) -> ToolResult:
        content: list[dict[str, Any]] = [{"type": "text", "text": text}]
        content += [{"type": "image", "mimeType": mime, "data": data} for mime, data in images or []]
        return cls(content=content, is_error=error)


@dataclass
class ToolContext:
    layer: DocumentLayer
    executor: NotebookExecutor
    caller: McpCaller
    reads: ReadLedger = field(default_factory=ReadLedger)
    reader: str = ""  # whose reads these are: one agent session's token, or a person

    def read(self, api_path: str, notebook: Any, indexes: range | list[int]) -> None:
        """Remember the sources the caller is shown: the bases of its next whole-source edits."""
        for index in indexes:
            ycell = notebook.ycells[index]
            self.reads.remember(self.reader, api_path, str(ycell.get("id")), str(ycell.get("source", "")))

    @property
    def root(self) -> Path:
        return self.layer.root

    def notebook_path(self, path: str) -> str:
        api_path = self.layer.api_path(path)
        if not api_path.endswith(".ipynb"):
            raise NotebookError(f"{path} is not a notebook (.ipynb)")
        return api_path

    def present(self, notebook: Any, api_path: str, cell_id: str | None) -> None:
        user = {
            "username": self.caller.username,
            "name": self.caller.name,
            "display_name": self.caller.name,
            "initials": self.caller.name[:2],
            "color": self.caller.color,
            "avatar_url": self.caller.avatar_url,
        }
        show_presence(notebook, user, cell_id, api_path)

    def note(self) -> str:
        return "" if self.layer.live else " (no collaboration extension: the file changed on disk, not live)"


Handler = Callable[[ToolContext, Any], Awaitable[ToolResult]]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    input: type[BaseModel]
    handler: Handler
    read_only: bool = False

    def listing(self) -> dict[str, Any]:
        schema = self.input.model_json_schema()
        schema.pop("title", None)
        return {
            "name": self.name,
            "description": self.description,
            "inputSchema": schema,
            "annotations": {"readOnlyHint": self.read_only},
        }


# -- files ----------------------------------------------------------------------------------
async def list_files(ctx: ToolContext, args: ListFilesInput) -> ToolResult:
    folder = ctx.root / ctx.layer.api_path(args.path)
    if not folder.is_dir():
        return ToolResult.text(f"{args.path} is not a folder", error=True)
    entries = sorted(
        p for p in folder.iterdir() if fnmatch.fnmatch(p.name, args.pattern) and not p.name.startswith(".")
    )
    lines = [f"{p.relative_to(ctx.root).as_posix()}{'/' if p.is_dir() else ''}" for p in entries[:MAX_LISTED]]
    return ToolResult.text("\n".join(lines) or "(empty)")


async def read_file(ctx: ToolContext, args: ReadFileInput) -> ToolResult:
    api_path = ctx.layer.api_path(args.path)
    text = await ctx.layer.live_text(api_path)
    if text is None:
        target = ctx.layer.require_file(api_path)
        text = target.read_text(errors="replace")
    lines = text.splitlines(keepends=True)[args.start_line - 1 : args.start_line - 1 + args.limit]
    return ToolResult.text("".join(lines))


# -- notebooks: reading ---------------------------------------------------------------------
async def list_notebooks(ctx: ToolContext, args: ListFilesInput) -> ToolResult:
    folder = ctx.root / ctx.layer.api_path(args.path)
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        relative = path.relative_to(ctx.root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        found.append(relative.as_posix() + (" (open)" if ctx.layer.is_open(relative.as_posix()) else ""))
        if len(found) >= MAX_LISTED:
            break
    return ToolResult.text("\n".join(found) or "(no notebooks)")


async def list_kernels(ctx: ToolContext, args: ToolInput) -> ToolResult:
    sessions = await ctx.executor.serverapp.session_manager.list_sessions()
    by_kernel = {s["kernel"]["id"]: s.get("path") for s in sessions if s.get("kernel")}
    lines = [
        f"{k['id']} {k.get('name')} {k.get('execution_state')} notebook={by_kernel.get(k['id'], '-')}"
        for k in ctx.executor.kernels()
    ]
    return ToolResult.text("\n".join(lines) or "(no running kernels)")


async def read_notebook(ctx: ToolContext, args: ReadNotebookInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        nb.ensure_cell_ids(notebook)
        text = nb.describe_notebook(notebook, api_path, outputs=args.include_outputs)
        images = nb.output_images([o for c in notebook.get()["cells"] for o in c.get("outputs", [])])
        ctx.read(api_path, notebook, range(len(notebook.ycells)))
    return ToolResult.text(text, images=images[:5] if args.include_outputs else None)


async def read_cell(ctx: ToolContext, args: CellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        nb.ensure_cell_ids(notebook)
        cell = notebook.get_cell(index)
        ctx.read(api_path, notebook, [index])
    return ToolResult.text(
        nb.describe_cell(cell, index, outputs=True, limit=AGENT_OUTPUT_CHARS),
        images=nb.output_images(cell.get("outputs", [])),
    )


async def search_notebooks(ctx: ToolContext, args: SearchInput) -> ToolResult:
    pattern = re.compile(args.query if args.regex else re.escape(args.query), re.IGNORECASE)
    folder = ctx.root / ctx.layer.api_path(args.path)
    hits = []
    for path in sorted(folder.rglob("*.ipynb")):
        relative = path.relative_to(ctx.root).as_posix()
        if any(part.startswith(".") for part in Path(relative).parts):
            continue
        try:
            cells = json.loads(path.read_text()).get("cells", [])
        except (OSError, ValueError):
            continue
        for index, cell in enumerate(cells):
            source = "".join(cell.get("source", ""))
            for line in source.splitlines():
                if pattern.search(line):
                    hits.append(f"{relative} [{index}] id={cell.get('id')}: {line.strip()[:200]}")
        if len(hits) >= MAX_LISTED:
            break
    return ToolResult.text("\n".join(hits[:MAX_LISTED]) or "no match")

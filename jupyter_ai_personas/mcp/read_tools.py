"""The tools that read: folders, files and notebooks, as people see them (open documents live)."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import Field

from ..documents import notebook as nb
from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError
from .inputs import CellInput, ListFilesInput, PathInput, ReadFileInput, ToolInput
from .tool_base import AGENT_OUTPUT_CHARS, MAX_LISTED, ToolContext, ToolResult


class ReadNotebookInput(PathInput):
    include_outputs: bool = True
    start_index: int = Field(0, ge=0, description="first cell to show")
    limit: int = Field(100, ge=1, le=1000, description="how many cells to show (read on with start_index)")
    brief: bool = Field(False, description="one line per cell (its id, type and first line), no outputs")


class SearchInput(ToolInput):
    query: str = Field(min_length=1)
    path: str = Field(".", description="a folder relative to the server root")
    regex: bool = False
    file_glob: str = Field(
        "*", description="which files to search, e.g. *.py; notebooks are searched cell by cell"
    )


def visible_files(layer: DocumentLayer, folder: str, pattern: str = "*") -> Iterator[Path]:
    """Files under a folder of the root whose relative path or name matches the glob, skipping
    hidden ones as Jupyter does (unless it serves them)."""
    base = layer.root / layer.api_path(folder)
    if not base.is_dir():
        raise NotebookError(f"{folder} is not a folder")
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(layer.root)
        if not layer.rules.allow_hidden and any(p.startswith(".") for p in relative.parts):
            continue
        if path.is_file() and (
            fnmatch.fnmatch(relative.as_posix(), pattern) or fnmatch.fnmatch(path.name, pattern)
        ):
            yield path


async def notebook_cells(ctx: ToolContext, api_path: str) -> list[dict[str, Any]]:
    """A notebook's cells: the live ones when someone has it open, else from disk."""
    if ctx.layer.is_open(api_path):
        async with ctx.notebook(api_path) as notebook:
            return list(notebook.get().get("cells", []))
    try:
        return list(json.loads((ctx.root / api_path).read_text()).get("cells", []))
    except (OSError, ValueError):
        return []


# -- folders and files ------------------------------------------------------------------
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
    text = await ctx.files.read(api_path)
    ctx.reads.remember(ctx.reader, api_path, "", text)
    lines = text.splitlines(keepends=True)[args.start_line - 1 : args.start_line - 1 + args.limit]
    return ToolResult.text("".join(lines))


# -- notebooks --------------------------------------------------------------------------
async def list_notebooks(ctx: ToolContext, args: ListFilesInput) -> ToolResult:
    found = []
    for path in visible_files(ctx.layer, args.path, "*.ipynb"):
        relative = path.relative_to(ctx.root).as_posix()
        found.append(relative + (" (open)" if ctx.layer.is_open(relative) else ""))
        if len(found) >= MAX_LISTED:
            break
    return ToolResult.text("\n".join(found) or "(no notebooks)")


async def read_notebook(ctx: ToolContext, args: ReadNotebookInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        ycells = notebook.ycells
        count = len(ycells)
        shown = range(args.start_index, min(count, args.start_index + args.limit))
        cells = [nb.cell_content(ycells[index]) for index in shown]  # only the page is converted
        lacking = nb.predates_cell_ids(notebook) or not all(cell.get("id") for cell in cells)
        if lacking and nb.ensure_cell_ids(notebook):  # ids the caller can use after a reload
            cells = [nb.cell_content(ycells[index]) for index in shown]  # with the ids just given
        kernel = nb.kernel_name(notebook)
    ctx.read(api_path, cells)
    parts = [f"{api_path}: {count} cells, kernel {kernel}; cells {shown.start}–{shown.stop - 1} shown"]
    outputs = args.include_outputs and not args.brief
    for index, cell in zip(shown, cells, strict=True):
        if args.brief:
            first = "".join(cell.get("source", "")).strip().split("\n", 1)[0][:120]
            parts.append(f"[{index}] id={cell.get('id')} {cell.get('cell_type')}: {first}")
        else:
            parts.append(nb.describe_cell(cell, index, outputs=outputs, limit=2000))
    if shown.stop < count:
        parts.append(f"… {count - shown.stop} more cells: read on with start_index={shown.stop}")
    images = nb.output_images([o for cell in cells for o in cell.get("outputs", [])]) if outputs else []
    return ToolResult.text(("\n" if args.brief else "\n\n").join(parts), images=images[:5])


async def read_cell(ctx: ToolContext, args: CellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        nb.ensure_cell_ids(notebook)
        cell = nb.cell_content(notebook.ycells[index])
    ctx.read(api_path, [cell])
    return ToolResult.text(
        nb.describe_cell(cell, index, outputs=True, limit=AGENT_OUTPUT_CHARS),
        images=nb.output_images(cell.get("outputs", [])),
    )


async def search(ctx: ToolContext, args: SearchInput) -> ToolResult:
    """Lines matching a text or regex in files and notebook cells, open documents as they are now."""
    pattern = re.compile(args.query if args.regex else re.escape(args.query), re.IGNORECASE)
    hits: list[str] = []
    for path in visible_files(ctx.layer, args.path, args.file_glob):
        relative = path.relative_to(ctx.root).as_posix()
        if path.suffix == ".ipynb":
            for index, cell in enumerate(await notebook_cells(ctx, relative)):
                for line in "".join(cell.get("source", "")).splitlines():
                    if pattern.search(line):
                        hits.append(f"{relative} [{index}] id={cell.get('id')}: {line.strip()[:200]}")
        else:
            try:
                text = await ctx.files.read(relative) if ctx.layer.is_open(relative) else path.read_text()
            except (OSError, UnicodeDecodeError, NotebookError):
                continue  # binary or unreadable: not text to search
            for number, line in enumerate(text.splitlines(), 1):
                if pattern.search(line):
                    hits.append(f"{relative}:{number}: {line.strip()[:200]}")
        if len(hits) >= MAX_LISTED:
            hits = hits[:MAX_LISTED] + [f"(stopped at {MAX_LISTED} matches: narrow the path or query)"]
            break
    return ToolResult.text("\n".join(hits) or "no match")


async def search_notebooks(ctx: ToolContext, args: SearchInput) -> ToolResult:
    return await search(ctx, args.model_copy(update={"file_glob": "*.ipynb"}))

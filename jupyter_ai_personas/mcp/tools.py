"""The notebook and file tools (their pydantic inputs, in inputs.py, are what MCP lists)."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..documents import notebook as nb
from ..documents.executor import ExecutionResult, NotebookExecutor
from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError
from ..documents.presence import show_presence
from .inputs import (
    CellInput,
    CellTypeInput,
    CreateNotebookInput,
    EditCellInput,
    ExecuteCellInput,
    ExecuteCellsInput,
    ExecuteCodeInput,
    InsertCellInput,
    InsertExecuteInput,
    ListFilesInput,
    MoveCellInput,
    PathInput,
    ReadFileInput,
    ReadNotebookInput,
    SearchInput,
    ToolInput,
)
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
        text = nb.describe_notebook(notebook, api_path, outputs=args.include_outputs)
        images = nb.output_images([o for c in notebook.get()["cells"] for o in c.get("outputs", [])])
    return ToolResult.text(text, images=images[:5] if args.include_outputs else None)


async def read_cell(ctx: ToolContext, args: CellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell = notebook.get_cell(index)
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


# -- notebooks: changing --------------------------------------------------------------------
async def insert_cell(ctx: ToolContext, args: InsertCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = args.index
        if args.after_cell_id:
            index = nb.find_cell(notebook, args.after_cell_id) + 1
        cell_id = nb.insert_cell(notebook, args.source, args.cell_type, index)
        ctx.present(notebook, api_path, cell_id)
        position = nb.find_cell(notebook, cell_id)
    return ToolResult.text(f"inserted {args.cell_type} cell id={cell_id} at index {position}{ctx.note()}")


async def edit_cell(ctx: ToolContext, args: EditCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        changed = nb.edit_cell(notebook, index, args.source)
        cell_id = nb.cell_ids(notebook)[index]
        ctx.present(notebook, api_path, cell_id)
    return ToolResult.text(
        f"cell id={cell_id} {'updated' if changed else 'already had that source'}{ctx.note()}"
    )


async def delete_cell(ctx: ToolContext, args: CellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell_id = nb.cell_ids(notebook)[index]
        nb.delete_cell(notebook, index)
        ctx.present(notebook, api_path, None)
    return ToolResult.text(f"deleted cell id={cell_id}{ctx.note()}")


async def move_cell(ctx: ToolContext, args: MoveCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell_id = nb.cell_ids(notebook)[index]
        nb.move_cell(notebook, index, args.to_index)
        ctx.present(notebook, api_path, cell_id)
        position = nb.find_cell(notebook, cell_id)
    return ToolResult.text(f"moved cell id={cell_id} to index {position}{ctx.note()}")


async def set_cell_type(ctx: ToolContext, args: CellTypeInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        nb.set_cell_type(notebook, index, args.cell_type)
        cell_id = nb.cell_ids(notebook)[index]
        ctx.present(notebook, api_path, cell_id)
    return ToolResult.text(f"cell id={cell_id} is now a {args.cell_type} cell{ctx.note()}")


async def create_notebook(ctx: ToolContext, args: CreateNotebookInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    await ctx.layer.create_notebook(api_path, args.kernel_name)
    return ToolResult.text(f"created {api_path}")


# -- running --------------------------------------------------------------------------------
def _result(result: ExecutionResult) -> ToolResult:
    failed = result.status in ("timeout", "kernel_died", "too_large")
    prefix = f"cell id={result.cell_id}\n" if result.cell_id else ""
    return ToolResult.text(prefix + result.summary(AGENT_OUTPUT_CHARS), error=failed, images=result.images())


async def execute_cell(ctx: ToolContext, args: ExecuteCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell_id = nb.cell_ids(notebook)[index]
        ctx.present(notebook, api_path, cell_id)
    return _result(await ctx.executor.run_cell(api_path, cell_id, args.timeout))


async def insert_and_execute_cell(ctx: ToolContext, args: InsertExecuteInput) -> ToolResult:
    inserted = await insert_cell(ctx, InsertCellInput(**args.model_dump(exclude={"timeout"})))
    cell_id = inserted.content[0]["text"].split("id=", 1)[1].split()[0]
    return await execute_cell(ctx, ExecuteCellInput(path=args.path, cell_id=cell_id, timeout=args.timeout))


async def execute_cells(ctx: ToolContext, args: ExecuteCellsInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.layer.notebook(api_path) as notebook:
        ids = nb.cell_ids(notebook)
        kinds = [str(cell.get("cell_type")) for cell in notebook.ycells]
    end = len(ids) - 1 if args.end_index is None else min(args.end_index, len(ids) - 1)
    reports = []
    for index in range(max(0, args.start_index), end + 1):
        if kinds[index] != "code":
            continue
        result = await ctx.executor.run_cell(api_path, ids[index], args.timeout)
        reports.append(f"[{index}] id={ids[index]} {result.summary(2000)}")
        if result.status != "ok":
            reports.append(f"stopped at cell [{index}]")
            return ToolResult.text("\n\n".join(reports), error=result.status != "error")
    return ToolResult.text("\n\n".join(reports) or "no code cells in that range")


async def execute_code(ctx: ToolContext, args: ExecuteCodeInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    ctx.layer.require_file(api_path)
    return _result(await ctx.executor.run_code(api_path, args.code, args.timeout))


async def restart_kernel(ctx: ToolContext, args: PathInput) -> ToolResult:
    kernel_id = await ctx.executor.restart(ctx.notebook_path(args.path))
    return ToolResult.text(f"restarted kernel {kernel_id}")


TOOLS = [
    Tool("list_files", "List files in a folder of the Jupyter server", ListFilesInput, list_files, True),
    Tool(
        "read_file",
        "Read a text file (its live content if someone has it open)",
        ReadFileInput,
        read_file,
        True,
    ),
    Tool(
        "list_notebooks",
        "List the notebooks under a folder; open ones are marked",
        ListFilesInput,
        list_notebooks,
        True,
    ),
    Tool("list_kernels", "List running kernels and their notebooks", ToolInput, list_kernels, True),
    Tool(
        "read_notebook",
        "Read a notebook: every cell with its id, source and outputs",
        ReadNotebookInput,
        read_notebook,
        True,
    ),
    Tool("read_cell", "Read one cell, by id (or index)", CellInput, read_cell, True),
    Tool(
        "search_notebooks",
        "Search the cells of every notebook under a folder",
        SearchInput,
        search_notebooks,
        True,
    ),
    Tool("insert_cell", "Insert a cell into a live notebook; returns its id", InsertCellInput, insert_cell),
    Tool(
        "edit_cell",
        "Replace a cell's source (as minimal edits, keeping others' typing)",
        EditCellInput,
        edit_cell,
    ),
    Tool("delete_cell", "Delete a cell", CellInput, delete_cell),
    Tool("move_cell", "Move a cell to another position", MoveCellInput, move_cell),
    Tool("set_cell_type", "Change a cell's type (code, markdown, raw)", CellTypeInput, set_cell_type),
    Tool("create_notebook", "Create a new notebook", CreateNotebookInput, create_notebook),
    Tool(
        "execute_cell",
        "Run a code cell in the notebook's kernel; outputs appear live",
        ExecuteCellInput,
        execute_cell,
    ),
    Tool(
        "insert_and_execute_cell",
        "Insert a code cell and run it",
        InsertExecuteInput,
        insert_and_execute_cell,
    ),
    Tool(
        "execute_cells",
        "Run a range of cells (or all) in order, stopping at an error",
        ExecuteCellsInput,
        execute_cells,
    ),
    Tool(
        "execute_code",
        "Run code in the notebook's kernel without adding a cell",
        ExecuteCodeInput,
        execute_code,
    ),
    Tool("restart_kernel", "Restart the notebook's kernel", PathInput, restart_kernel),
]
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}

"""The tools that change and run notebooks (live documents, cells by id)."""

from __future__ import annotations

from typing import Any

from ..documents import notebook as nb
from ..documents.executor import ExecutionResult, Listener
from ..documents.notebook import NotebookError
from ..documents.text_edits import EditConflict, rebase
from .inputs import (
    CellInput,
    CellTypeInput,
    ClearOutputsInput,
    CreateNotebookInput,
    EditCellInput,
    ExecuteCellInput,
    ExecuteCellsInput,
    ExecuteCodeInput,
    InsertCellInput,
    InsertExecuteInput,
    MoveCellInput,
    ReplaceInCellInput,
)
from .tool_base import AGENT_OUTPUT_CHARS, ToolContext, ToolResult


# -- notebooks: changing --------------------------------------------------------------------
async def insert_cell(ctx: ToolContext, args: InsertCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = args.index
        if args.after_cell_id:
            index = nb.find_cell(notebook, args.after_cell_id) + 1
        cell_id, position = nb.insert_cell_at(notebook, args.source, args.cell_type, index)
        ctx.present(notebook, api_path, cell_id)
        ctx.reads.remember(ctx.reader, api_path, cell_id, args.source)
    return ToolResult.text(f"inserted {args.cell_type} cell id={cell_id} at index {position}{ctx.note()}")


async def edit_cell(ctx: ToolContext, args: EditCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        nb.ensure_cell_ids(notebook)
        cell_id = nb.cell_ids(notebook)[index]
        live = str(notebook.ycells[index].get("source", ""))
        base = ctx.reads.base(ctx.reader, api_path, cell_id)
        try:  # the caller's changes since it read the cell; what others typed meanwhile stays
            merged = rebase(base, live, args.source) if base is not None else args.source
        except EditConflict as exc:
            raise NotebookError(
                f"cell id={cell_id} was not changed: {exc}. Read it again and redo the edit, or use "
                "replace_in_cell for a targeted change."
            ) from None
        changed = nb.edit_cell(notebook, index, merged)
        ctx.reads.remember(ctx.reader, api_path, cell_id, args.source)
        ctx.present(notebook, api_path, cell_id)
    kept = " (what others typed since you read it is kept)" if merged != args.source else ""
    return ToolResult.text(
        f"cell id={cell_id} {'updated' if changed else 'already had that source'}{kept}{ctx.note()}"
    )


async def replace_in_cell(ctx: ToolContext, args: ReplaceInCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        count = nb.replace_in_cell(notebook, index, args.old_text, args.new_text, args.replace_all)
        cell_id = nb.cell_ids(notebook)[index]
        ctx.present(notebook, api_path, cell_id)
    return ToolResult.text(f"cell id={cell_id}: replaced {count} occurrence(s){ctx.note()}")


async def delete_cell(ctx: ToolContext, args: CellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell_id = nb.cell_ids(notebook)[index]
        nb.delete_cell(notebook, index)
        ctx.present(notebook, api_path, None)
    return ToolResult.text(f"deleted cell id={cell_id}{ctx.note()}")


async def move_cell(ctx: ToolContext, args: MoveCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell_id = nb.cell_ids(notebook)[index]
        nb.move_cell(notebook, index, args.to_index)
        ctx.present(notebook, api_path, cell_id)
        position = nb.find_cell(notebook, cell_id)
    return ToolResult.text(f"moved cell id={cell_id} to index {position}{ctx.note()}")


async def set_cell_type(ctx: ToolContext, args: CellTypeInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
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
def _progress(ctx: ToolContext) -> Listener | None:
    """Each output as a line of MCP progress, while the cell runs."""
    if ctx.progress is None:
        return None

    def listener(output: dict[str, Any]) -> None:
        kind = output.get("output_type")
        if kind == "stream":
            text = output["text"] if isinstance(output["text"], str) else "".join(output["text"])
            ctx.report(text)
        elif kind == "error":
            ctx.report(f"{output.get('ename')}: {output.get('evalue')}")
        else:
            ctx.report(nb.output_text(output, 2000) or f"{kind}: {', '.join(output.get('data', {}))}")

    return listener


def _result(result: ExecutionResult) -> ToolResult:
    failed = result.status in ("timeout", "kernel_died", "too_large")
    prefix = f"cell id={result.cell_id}\n" if result.cell_id else ""
    return ToolResult.text(prefix + result.summary(AGENT_OUTPUT_CHARS), error=failed, images=result.images())


async def execute_cell(ctx: ToolContext, args: ExecuteCellInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.cell_id, args.index)
        cell_id = nb.cell_ids(notebook)[index]
        ctx.present(notebook, api_path, cell_id)
    return _result(await ctx.executor.run_cell(api_path, cell_id, args.timeout, _progress(ctx)))


async def insert_and_execute_cell(ctx: ToolContext, args: InsertExecuteInput) -> ToolResult:
    inserted = await insert_cell(ctx, InsertCellInput(**args.model_dump(exclude={"timeout"})))
    cell_id = inserted.first_text().split("id=", 1)[1].split()[0]
    return await execute_cell(ctx, ExecuteCellInput(path=args.path, cell_id=cell_id, timeout=args.timeout))


async def execute_cells(ctx: ToolContext, args: ExecuteCellsInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        ids = nb.cell_ids(notebook)
        kinds = [str(cell.get("cell_type")) for cell in notebook.ycells]
    end = len(ids) - 1 if args.end_index is None else min(args.end_index, len(ids) - 1)
    reports = []
    for index in range(max(0, args.start_index), end + 1):
        if kinds[index] != "code":
            continue
        ctx.report(f"running cell [{index}] id={ids[index]}")
        result = await ctx.executor.run_cell(api_path, ids[index], args.timeout, _progress(ctx))
        reports.append(f"[{index}] id={ids[index]} {result.summary(2000)}")
        if result.status != "ok":
            reports.append(f"stopped at cell [{index}]")
            return ToolResult.text("\n\n".join(reports), error=result.status != "error")
    return ToolResult.text("\n\n".join(reports) or "no code cells in that range")


async def execute_code(ctx: ToolContext, args: ExecuteCodeInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    ctx.layer.require_file(api_path)
    return _result(await ctx.executor.run_code(api_path, args.code, args.timeout, _progress(ctx)))


async def clear_outputs(ctx: ToolContext, args: ClearOutputsInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    async with ctx.notebook(api_path) as notebook:
        indexes = (
            [nb.find_cell(notebook, args.cell_id, args.index)]
            if args.cell_id or args.index is not None
            else range(len(notebook.ycells))
        )
        with notebook.ydoc.transaction():
            for index in indexes:
                ycell = notebook.ycells[index]
                if ycell.get("cell_type") == "code":
                    nb.youtputs(ycell).clear()
                    ycell["execution_count"] = None
    return ToolResult.text(f"cleared the outputs of {len(indexes)} cell(s){ctx.note()}")

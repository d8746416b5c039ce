"""MCP prompts: ready-made requests about a notebook, filled in with what it holds now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mcp import types

from ..documents import notebook as nb
from ..documents.notebook import NotebookError
from .tool_base import ToolContext

Fill = Callable[[ToolContext, dict[str, str]], Awaitable[str]]


@dataclass(frozen=True)
class Prompt:
    definition: types.Prompt
    fill: Fill


async def _outline(ctx: ToolContext, path: str) -> str:
    api_path = ctx.notebook_path(path)
    async with ctx.notebook(api_path) as notebook:
        return nb.describe_notebook(notebook, api_path, outputs=True, limit=1500)


async def explain_notebook(ctx: ToolContext, args: dict[str, str]) -> str:
    text = await _outline(ctx, args["path"])
    return f"Explain what this notebook does, step by step, and what its results show.\n\n{text}"


async def fix_cell(ctx: ToolContext, args: dict[str, str]) -> str:
    api_path = ctx.notebook_path(args["path"])
    async with ctx.notebook(api_path) as notebook:
        index = nb.find_cell(notebook, args.get("cell_id") or None, None if args.get("cell_id") else -1)
        cell = notebook.get_cell(index)
    described = nb.describe_cell(cell, index, outputs=True, limit=6000)
    return (
        f"The cell below in {api_path} fails or does not do what it should. Find out why, then fix "
        "it with the notebook tools (edit_cell or replace_in_cell) and run it again with "
        f"execute_cell.\n\n{described}"
    )


def _argument(name: str, description: str, required: bool = True) -> types.PromptArgument:
    return types.PromptArgument(name=name, description=description, required=required)


PROMPTS = [
    Prompt(
        types.Prompt(
            name="explain_notebook",
            description="Explain a notebook: its cells and outputs as they are now",
            arguments=[_argument("path", "the notebook's path from the server root")],
        ),
        explain_notebook,
    ),
    Prompt(
        types.Prompt(
            name="fix_cell",
            description="Find and fix what is wrong in a cell (the last one when no id is given)",
            arguments=[
                _argument("path", "the notebook's path from the server root"),
                _argument("cell_id", "the cell's id", required=False),
            ],
        ),
        fix_cell,
    ),
]


async def get_prompt(ctx: ToolContext, name: str, arguments: dict[str, str]) -> types.GetPromptResult:
    prompt = next((p for p in PROMPTS if p.definition.name == name), None)
    if prompt is None:
        raise NotebookError(f"no prompt {name!r}: prompts/list says which there are")
    missing = [a.name for a in prompt.definition.arguments or [] if a.required and not arguments.get(a.name)]
    if missing:
        raise NotebookError(f"the prompt {name} needs {', '.join(missing)}")
    text = await prompt.fill(ctx, arguments)
    message = types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))
    return types.GetPromptResult(description=prompt.definition.description, messages=[message])

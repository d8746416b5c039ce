"""Tools from installed packages and the server's configuration: plain typed Python functions.

Sources, in order: the entry point group `jupyter_ai_personas.tools` (a function, or a list of
functions or "module:function" strings), the group `jupyter_server_mcp.tools` (a list of
"module:function" strings, or a function returning one: jupyter-server-mcp's convention, so its
toolkits plug in unchanged), then `c.PersonasExtension.mcp_tools`. The MCP SDK makes each
function a tool (its schema from the signature, arguments validated); a sync function runs in a
thread so it cannot stall the server. What fails to load is reported, never fatal.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from mcp import types
from mcp.server.fastmcp.tools.base import Tool as FunctionTool

from .tool_base import ToolContext, ToolResult

OWN_GROUP = "jupyter_ai_personas.tools"
JUPYTER_SERVER_MCP_GROUP = "jupyter_server_mcp.tools"


@dataclass(frozen=True)
class ExtensionTool:
    tool: FunctionTool
    source: str  # where it came from, as people read it in /personas and the log

    @property
    def name(self) -> str:
        return self.tool.name

    def definition(self) -> types.Tool:
        return types.Tool(
            name=self.tool.name,
            title=self.tool.title,
            description=self.tool.description,
            inputSchema=self.tool.parameters,
            outputSchema=self.tool.output_schema,
            annotations=self.tool.annotations,
        )

    async def call(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolResult:
        converted = await self.tool.run(arguments, convert_result=True)
        if isinstance(converted, types.CallToolResult):
            return ToolResult(
                content=converted.content,
                is_error=bool(converted.isError),
                structured=converted.structuredContent,
            )
        if isinstance(converted, tuple):
            content, structured = converted
            return ToolResult(content=list(content), structured=structured)
        return ToolResult(content=list(converted))


def load_function(spec: str) -> Callable[..., Any]:
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"{spec!r} is not 'module:function'")
    function = getattr(importlib.import_module(module), name)
    if not callable(function):
        raise ValueError(f"{spec} is not a function")
    return function  # type: ignore[no-any-return]


def as_tool(function: Callable[..., Any], source: str) -> ExtensionTool:
    tool = FunctionTool.from_function(function)  # the schema from the function's own signature
    if not tool.is_async:

        @functools.wraps(function)
        async def in_thread(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(function, *args, **kwargs)

        tool = tool.model_copy(update={"fn": in_thread, "is_async": True})
    return ExtensionTool(tool, source)


def _functions(value: Any, group: str) -> Iterable[Callable[..., Any] | str]:
    if group == JUPYTER_SERVER_MCP_GROUP and callable(value) and not isinstance(value, list):
        value = value()  # jupyter-server-mcp: a function that returns the specs
    if isinstance(value, list | tuple):
        return value
    if callable(value):
        return [value]
    raise ValueError(f"an entry point of {group} must give a function or a list, not {type(value).__name__}")


def discover(configured: list[str]) -> tuple[list[ExtensionTool], list[str]]:
    """The extension tools, and a line per one that could not be loaded."""
    tools: list[ExtensionTool] = []
    problems: list[str] = []

    def add(item: Callable[..., Any] | str, source: str) -> None:
        try:
            function = load_function(item) if isinstance(item, str) else item
            tools.append(as_tool(function, source))
        except Exception as exc:
            problems.append(
                f"{item if isinstance(item, str) else getattr(item, '__name__', item)} ({source}): {exc}"
            )

    for group in (OWN_GROUP, JUPYTER_SERVER_MCP_GROUP):
        for entry in entry_points(group=group):
            source = f"{entry.dist.name if entry.dist else entry.value} ({group})"
            try:
                items = _functions(entry.load(), group)
            except Exception as exc:
                problems.append(f"{entry.name} ({group}): {exc}")
                continue
            for item in items:
                add(item, source)
    for spec in configured:
        add(spec, "c.PersonasExtension.mcp_tools")
    return tools, problems

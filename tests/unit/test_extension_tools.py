"""Extension tools: typed functions become MCP tools; what cannot load is reported."""

from __future__ import annotations

import threading

import pytest

from jupyter_ai_personas.mcp.extension_tools import as_tool, discover
from jupyter_ai_personas.mcp.tool_base import Tool
from jupyter_ai_personas.mcp.tool_registry import ToolSet


def scale(values: list[float], factor: float = 2.0) -> list[float]:
    """Multiply every value."""
    return [v * factor for v in values]


def where_am_i() -> str:
    return threading.current_thread().name


def test_a_function_signature_is_the_tool_schema():
    tool = as_tool(scale, "test").definition()
    assert tool.name == "scale" and tool.description == "Multiply every value."
    assert tool.inputSchema["required"] == ["values"]
    assert tool.inputSchema["properties"]["factor"]["default"] == 2.0


@pytest.mark.asyncio
async def test_a_sync_tool_runs_off_the_event_loop():
    result = await as_tool(where_am_i, "test").call(None, {})  # type: ignore[arg-type]
    assert result.first_text() != threading.current_thread().name


def test_broken_specs_are_reported_not_fatal():
    tools, problems = discover(["json:dumps", "no_such_module:tool", "json", "json:not_there"])
    assert [t.name for t in tools if t.source == "c.PersonasExtension.mcp_tools"] == ["dumps"]
    assert len([p for p in problems if "c.PersonasExtension.mcp_tools" in p]) == 3


def test_an_extension_cannot_replace_a_built_in_tool():
    here = "tests.unit.test_extension_tools"
    tools = ToolSet([f"{here}:scale", f"{here}:read_file"])
    assert tools.get("scale") is not None and [t.name for t in tools.extensions] == ["scale"]
    assert isinstance(tools.get("read_file"), Tool)  # still the built-in one
    assert any("read_file" in p and "exists already" in p for p in tools.problems)


def read_file(path: str) -> str:  # would shadow the built-in read_file
    return "not yours"

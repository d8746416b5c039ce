"""The MCP protocol over JSON-RPC: initialize, ping, tools/list and tools/call.

Stateless (no session ids, no server-initiated messages), so every POST is answered in
its response, as the Streamable HTTP transport allows.
"""

from __future__ import annotations

import traceback
from typing import Any

from pydantic import ValidationError

from .._version import __version__
from ..documents.notebook import NotebookError
from .tool_registry import TOOLS, TOOLS_BY_NAME
from .tools import ToolContext, ToolResult

SUPPORTED_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
INSTRUCTIONS = (
    "Tools of the Jupyter server. Notebooks may be open in JupyterLab: change them only with these "
    "tools (cells are addressed by id), never by writing .ipynb files, so that people's edits are kept."
)


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


def _result(request_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "result": result}


async def handle(message: Any, context: ToolContext) -> dict[str, Any] | None:
    """The answer to one JSON-RPC message (None for notifications and responses)."""
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return _error(None, -32600, "not a JSON-RPC 2.0 message")
    request_id, method = message.get("id"), message.get("method")
    if method is None or request_id is None:
        return None  # a notification (e.g. notifications/initialized) or a response
    params = message.get("params") or {}
    if method == "initialize":
        asked = params.get("protocolVersion")
        version = asked if asked in SUPPORTED_VERSIONS else SUPPORTED_VERSIONS[0]
        return _result(
            request_id,
            {
                "protocolVersion": version,
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {
                    "name": "jupyter-ai-personas",
                    "title": "Jupyter notebooks",
                    "version": __version__,
                },
                "instructions": INSTRUCTIONS,
            },
        )
    if method == "ping":
        return _result(request_id, {})
    if method == "tools/list":
        return _result(request_id, {"tools": [tool.listing() for tool in TOOLS]})
    if method == "tools/call":
        tool = TOOLS_BY_NAME.get(params.get("name", ""))
        if tool is None:
            return _error(request_id, -32602, f"unknown tool {params.get('name')!r}")
        try:
            arguments = tool.input.model_validate(params.get("arguments") or {})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            result = ToolResult.text(f"invalid arguments for {tool.name}: {problems}", error=True)
        else:
            result = await _call(tool, context, arguments)
        return _result(request_id, {"content": result.content, "isError": result.is_error})
    return _error(request_id, -32601, f"method {method!r} not found")


async def _call(tool: Any, context: ToolContext, arguments: Any) -> ToolResult:
    try:
        return await tool.handler(context, arguments)
    except NotebookError as exc:
        return ToolResult.text(str(exc), error=True)
    except Exception as exc:  # a tool must answer, whatever happened
        context.layer.log.warning("MCP tool %s failed", tool.name, exc_info=True)
        last = traceback.format_exception_only(exc)[-1].strip()
        return ToolResult.text(f"{tool.name} failed: {last}", error=True)

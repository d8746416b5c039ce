"""What a session is opened with, besides the prompt: `_meta` for claude-agent-acp, and the MCP
servers (the spec's, plus this Jupyter server's notebook tools with the session's token)."""

from __future__ import annotations

import sys
from typing import Any

from acp.schema import EnvVariable, HttpHeader, HttpMcpServer, McpServerStdio, SseMcpServer

from ..mcp.bridge import TOKEN_VARIABLE
from ..routes import SESSION_HEADER
from ..specs import HttpMcpServer as HttpServerSpec
from ..specs import StdioMcpServer as StdioServerSpec
from .setup import SessionSetup, skills_plugin

AcpMcpServer = HttpMcpServer | SseMcpServer | McpServerStdio

JUPYTER_MCP_NAME = "jupyter"


def claude_meta(setup: SessionSetup, with_notebook_tools: bool) -> dict[str, Any]:
    """claude-agent-acp's `_meta`: the instructions appended to its system prompt, skills as a
    plugin, and NotebookEdit off where the notebook tools are given."""
    meta: dict[str, Any] = {}
    if setup.instructions:
        meta["systemPrompt"] = {"append": setup.instructions}
    options: dict[str, Any] = {}
    plugin = skills_plugin(setup.skills)
    if plugin is not None:
        options["plugins"] = [{"type": "local", "path": str(plugin)}]
    if with_notebook_tools:
        # NotebookEdit would rewrite the .ipynb behind the live notebook: use the MCP tools
        options["disallowedTools"] = ["NotebookEdit"]
    if options:
        meta["claudeCode"] = {"options": options}
    return meta


def acp_server(server: StdioServerSpec | HttpServerSpec) -> AcpMcpServer:
    """A spec's MCP server as ACP names it."""
    match server:
        case HttpServerSpec(type="sse"):
            headers = [HttpHeader(name=k, value=v) for k, v in server.headers.items()]
            return SseMcpServer(type="sse", name=server.name, url=server.url, headers=headers)
        case HttpServerSpec():
            headers = [HttpHeader(name=k, value=v) for k, v in server.headers.items()]
            return HttpMcpServer(type="http", name=server.name, url=server.url, headers=headers)
        case StdioServerSpec():
            env = [EnvVariable(name=k, value=v) for k, v in server.env.items()]
            return McpServerStdio(name=server.name, command=server.command, args=server.args, env=env)


def mcp_servers(
    setup: SessionSetup, tools_url: str | None, token: str | None, http: bool
) -> list[AcpMcpServer]:
    """The spec's MCP servers, then the notebook tools (over HTTP, or a stdio bridge to them for
    agents that only start MCP servers as programs)."""
    servers = [acp_server(server) for server in setup.mcp_servers]
    if tools_url is None or token is None:
        return servers
    if http:
        header = HttpHeader(name=SESSION_HEADER, value=token)
        servers.append(HttpMcpServer(type="http", name=JUPYTER_MCP_NAME, url=tools_url, headers=[header]))
    else:
        env = [EnvVariable(name=TOKEN_VARIABLE, value=token)]
        args = ["-m", "jupyter_ai_personas.mcp.bridge", tools_url]
        servers.append(McpServerStdio(name=JUPYTER_MCP_NAME, command=sys.executable, args=args, env=env))
    return servers

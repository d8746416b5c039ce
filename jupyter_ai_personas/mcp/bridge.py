"""A stdio MCP server that relays every message to a Jupyter server's MCP endpoint, for clients
that start MCP servers as programs (Claude Desktop, agents without HTTP MCP).

Both sides are the MCP SDK's transports, and messages pass through unchanged, so everything the
endpoint offers (tools, progress, cancellation, resources, prompts) works through the relay.

    jupyter-ai-personas-mcp                  # the running Jupyter server whose root holds the cwd
    jupyter-ai-personas-mcp URL              # that endpoint; a token from the environment

Tokens: $JUPYTER_AI_PERSONAS_MCP_TOKEN (an agent session's), else $JUPYTER_TOKEN, else the token
in the found server's runtime file (readable only by the user who runs it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx

from ..routes import SESSION_HEADER

TOKEN_VARIABLE = "JUPYTER_AI_PERSONAS_MCP_TOKEN"
ENDPOINT = "api/ai-personas/mcp"


class NoServer(RuntimeError):
    pass


def find_server(cwd: Path) -> tuple[str, str | None]:
    """(endpoint URL, token) of the running Jupyter server whose root holds `cwd` (the deepest),
    else the newest one running."""
    from jupyter_server.serverapp import list_running_servers

    servers = list(list_running_servers())
    if not servers:
        raise NoServer("no Jupyter server is running for this user (start one: jupyter lab)")

    def depth(info: dict[str, Any]) -> int:
        root = Path(info.get("root_dir") or "/").expanduser().resolve()
        return len(root.parts) if cwd.resolve().is_relative_to(root) else -1

    best = max(servers, key=lambda info: (depth(info), info.get("pid", 0)))
    url = str(best["url"]).rstrip("/") + "/" + ENDPOINT
    return url, best.get("token") or None


async def relay(url: str, token: str | None, session: bool) -> None:
    """Relay stdio to `url`; `session`: `token` is an agent session's, else a Jupyter token."""
    from mcp.client.streamable_http import streamable_http_client
    from mcp.server.stdio import stdio_server

    headers = {SESSION_HEADER: token} if session else {"Authorization": f"token {token}"} if token else {}
    async with (
        httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=None)) as http,
        streamable_http_client(url, http_client=http) as (from_jupyter, to_jupyter, _),
        stdio_server() as (from_client, to_client),
        anyio.create_task_group() as tasks,
    ):

        async def pump(source: Any, sink: Any, side: str) -> None:
            async for message in source:
                if isinstance(message, Exception):  # a transport's error: say it, carry on
                    print(f"jupyter-ai-personas-mcp: {side}: {message}", file=sys.stderr, flush=True)
                    continue
                await sink.send(message)
            tasks.cancel_scope.cancel()  # one side closed: the relay ends

        tasks.start_soon(pump, from_client, to_jupyter, "client")
        tasks.start_soon(pump, from_jupyter, to_client, "Jupyter")


def main() -> None:
    arguments = sys.argv[1:]
    if len(arguments) > 1 or (arguments and arguments[0] in ("-h", "--help")):
        sys.exit(__doc__)
    session = bool(os.environ.get(TOKEN_VARIABLE))
    token = os.environ.get(TOKEN_VARIABLE) or os.environ.get("JUPYTER_TOKEN")
    if arguments:
        url = arguments[0]
    else:
        try:
            url, found_token = find_server(Path.cwd())
        except NoServer as exc:
            sys.exit(f"jupyter-ai-personas-mcp: {exc}")
        token = token or found_token
    anyio.run(relay, url, token, session)


if __name__ == "__main__":
    main()

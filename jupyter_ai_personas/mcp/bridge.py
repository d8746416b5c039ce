"""A stdio MCP server that forwards to the Jupyter server's MCP endpoint, for agents that
only start MCP servers as programs. The bearer token comes from the environment.

    jupyter-ai-personas-mcp http://127.0.0.1:8888/api/ai-personas/mcp
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import urllib.error
import urllib.request

TOKEN_VARIABLE = "JUPYTER_AI_PERSONAS_MCP_TOKEN"


def forward(url: str, token: str | None, line: bytes) -> bytes | None:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=line, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=3600) as response:
            body = response.read()
            return body if response.status == 200 and body else None
    except urllib.error.HTTPError as exc:
        message = json.loads(line)
        if message.get("id") is None:
            return None
        error = {"code": -32000, "message": f"the Jupyter server answered {exc.code}: {exc.reason}"}
        return json.dumps({"jsonrpc": "2.0", "id": message["id"], "error": error}).encode()


async def serve(url: str, token: str | None) -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=50 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    lock = asyncio.Lock()

    async def one(line: bytes) -> None:
        answer = await loop.run_in_executor(None, forward, url, token, line)
        if answer:
            async with lock:
                sys.stdout.buffer.write(answer.strip() + b"\n")
                sys.stdout.buffer.flush()

    while line := await reader.readline():
        if line.strip():
            asyncio.ensure_future(one(line.strip()))


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: jupyter-ai-personas-mcp <MCP endpoint URL>  (token in $" + TOKEN_VARIABLE + ")")
    asyncio.run(serve(sys.argv[1], os.environ.get(TOKEN_VARIABLE)))


if __name__ == "__main__":
    main()

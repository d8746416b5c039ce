"""A minimal ACP agent with the standard library only, for benchmarks.

It starts in a few tens of milliseconds (the acp SDK takes ~0.6 s to import), so a
benchmark measures the runtime that drives it rather than the agent's start-up. It speaks
just enough ACP: initialize, authenticate, session/new|load|resume|close, session/prompt
("hello [TAG]", or "bench N D [SIZE]": SIZE characters in N chunks every D seconds) and
session/cancel.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

from .bench import bench_chunks


class MinimalAgent:
    def __init__(self) -> None:
        self.cancelled: dict[str, asyncio.Event] = {}

    def send(self, message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    def reply(self, request_id: Any, result: Any) -> None:
        self.send({"jsonrpc": "2.0", "id": request_id, "result": result})

    def chunk(self, session_id: str, text: str) -> None:
        self.send(
            {
                "jsonrpc": "2.0",
                "method": "session/update",
                "params": {
                    "sessionId": session_id,
                    "update": {
                        "sessionUpdate": "agent_message_chunk",
                        "content": {"type": "text", "text": text},
                    },
                },
            }
        )

    async def handle(self, message: dict[str, Any]) -> None:
        method, params, request_id = message.get("method"), message.get("params") or {}, message.get("id")
        if method == "initialize":
            self.reply(
                request_id,
                {
                    "protocolVersion": 1,
                    "agentCapabilities": {
                        "loadSession": True,
                        "sessionCapabilities": {"resume": {}, "close": {}},
                    },
                    "agentInfo": {"name": "minimal-acp-agent", "version": "1.0"},
                    "authMethods": [],
                },
            )
        elif method == "authenticate":
            self.reply(request_id, {})
        elif method in ("session/new", "session/load", "session/resume"):
            session_id = params.get("sessionId") or uuid.uuid4().hex
            self.cancelled[session_id] = asyncio.Event()
            self.reply(request_id, {"sessionId": session_id} if method == "session/new" else {})
        elif method == "session/close":
            self.cancelled.pop(params.get("sessionId"), None)
            self.reply(request_id, {})
        elif method == "session/cancel":
            event = self.cancelled.get(params.get("sessionId"))
            if event is not None:
                event.set()
        elif method == "session/prompt":
            asyncio.ensure_future(self.prompt(request_id, params))
        elif request_id is not None:
            self.send(
                {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32601, "message": "Method not found"}}
            )

    async def prompt(self, request_id: Any, params: dict[str, Any]) -> None:
        session_id = params["sessionId"]
        cancelled = self.cancelled.setdefault(session_id, asyncio.Event())
        cancelled.clear()
        text = " ".join(b.get("text", "") for b in params.get("prompt", []) if b.get("type") == "text")
        words = text.strip().splitlines()[-1].split() if text.strip() else []
        stop = "end_turn"
        if words and words[0] == "bench":
            async for chunk in bench_chunks(words[1:]):
                if cancelled.is_set():
                    stop = "cancelled"
                    break
                self.chunk(session_id, chunk)
        else:  # "hello [TAG]": a greeting, tagged so that a watcher can tell the replies apart
            self.chunk(session_id, " ".join(["Hello from the minimal agent!", *words[1:]]))
        self.reply(request_id, {"stopReason": stop})


async def serve() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=50 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    agent = MinimalAgent()
    while line := await reader.readline():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        await agent.handle(message)


def main() -> None:
    asyncio.run(serve())


if __name__ == "__main__":
    main()

"""A fake model server for the real agents: Anthropic Messages, OpenAI Responses and Gemini, streamed.

Loopback only, every request logged, 404 for anything unknown, each stream bounded.
Tests queue the model's turns (text, or a tool call) per protocol before they talk to
the agent; a request with nothing queued gets a fixed reply and is logged as unscripted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections import deque
from typing import Any

from tests.e2e.model_streams import Turn, anthropic_stream, gemini_stream, responses_stream

UNSCRIPTED = "(no scripted reply)"
GEMINI_PATH = re.compile(r"^/v1beta/models/(?P<model>[^:/]+):streamGenerateContent$")


class FakeModel:
    def __init__(self, max_stream_seconds: float = 120.0):
        self.turns: dict[str, deque[Turn]] = {"anthropic": deque(), "openai": deque(), "gemini": deque()}
        self.requests: list[dict[str, Any]] = []
        self.max_stream_seconds = max_stream_seconds
        self._server: asyncio.base_events.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def queue(self, protocol: str, *turns: Turn) -> None:
        self.turns[protocol].extend(turns)

    def model_requests(self, protocol: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("protocol") == protocol]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _next_turn(self, protocol: str, body: dict[str, Any]) -> Turn:
        """The scripted turn for a request; agents' side requests get a fixed reply of their own."""
        if is_side_request(protocol, body):
            return Turn(text='{"title": "A chat with the agent", "outcome": "deny"}')
        queue = self.turns[protocol]
        turn = queue.popleft() if queue else Turn(text=UNSCRIPTED)
        if protocol == "anthropic" and turn.tool and needs_tool_search(body, turn.tool):
            # today's Claude Code lists MCP tools only after the model asked ToolSearch for them
            queue.appendleft(turn)
            return Turn(tool="ToolSearch", tool_input={"query": f"select:{turn.tool}", "max_results": 5})
        return turn

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        line = await reader.readline()
        if not line:
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        raw = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while (size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16)) > 0:
                raw += await reader.readexactly(size)
                await reader.readline()
            await reader.readline()
        elif "content-length" in headers:
            raw = await reader.readexactly(int(headers["content-length"]))
        body = json.loads(raw) if raw.strip().startswith(b"{") else {}
        path = target.split("?", 1)[0]
        record: dict[str, Any] = {
            "method": method,
            "path": path,
            "body": body,
            "session": headers.get("session-id"),
        }
        self.requests.append(record)
        if method == "HEAD" and path == "/":
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return True
        if method == "POST" and path in ("/v1/messages", "/v1/responses"):
            protocol = "anthropic" if path == "/v1/messages" else "openai"
            side = is_side_request(protocol, body)
            record["protocol"] = protocol if not side else f"{protocol}-side"
            turn = self._next_turn(protocol, body)
            record["scripted"] = turn.text != UNSCRIPTED
            build = anthropic_stream if protocol == "anthropic" else responses_stream
            await self._stream(writer, build(turn, body.get("model") or "fake-model"))
            return False
        gemini = GEMINI_PATH.match(path) if method == "POST" else None
        if gemini is not None:
            record["protocol"] = "gemini"
            turn = self._next_turn("gemini", body)
            record["scripted"] = turn.text != UNSCRIPTED
            await self._stream(writer, gemini_stream(turn, gemini.group("model")))
            return False
        writer.write(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
        )
        await writer.drain()
        return True

    async def _stream(self, writer: asyncio.StreamWriter, events: list[tuple[bytes, float]]) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            b"Connection: close\r\n\r\n"
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_stream_seconds
        for data, delay in events:
            if loop.time() > deadline or writer.is_closing():
                return
            writer.write(data)
            await writer.drain()
            if delay:
                await asyncio.sleep(delay)


def tool_names(body: dict[str, Any]) -> set[str]:
    return {t.get("name", "") for t in body.get("tools") or [] if isinstance(t, dict)}


def needs_tool_search(body: dict[str, Any], tool: str) -> bool:
    """An MCP tool the request does not list yet, while it offers ToolSearch (claude-agent-acp 0.100+)."""
    names = tool_names(body)
    return tool.startswith("mcp__") and "ToolSearch" in names and tool not in names


def is_side_request(protocol: str, body: dict[str, Any]) -> bool:
    """A request the agent makes besides the turn's own: a title, a suggestion, a review."""
    if protocol == "anthropic":
        if ((body.get("output_config") or {}).get("format")) or not body.get("tools"):
            return True  # a title (structured output, no tools)
        return last_user_text({"body": body}).lstrip().startswith("[SUGGESTION MODE")
    text_format = (body.get("text") or {}).get("format") or {}
    metadata = body.get("client_metadata") or {}
    return text_format.get("type") == "json_schema" or metadata.get("x-openai-subagent") == "guardian"


def last_user_text(request: dict[str, Any]) -> str:
    """The text of the last user turn of an Anthropic or Responses request."""
    body = request.get("body") or {}
    for message in reversed(body.get("messages") or body.get("input") or body.get("contents") or []):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content", message.get("parts"))
        if isinstance(content, str):
            return content
        return "\n".join(
            block.get("text", "") for block in content or [] if isinstance(block, dict) and "text" in block
        )
    return ""

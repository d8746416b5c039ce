"""A fake model server for the real agents: Anthropic Messages and OpenAI Responses, streamed.

Loopback only, every request logged, 404 for anything unknown, each stream bounded.
Tests queue the model's turns (text, or a tool call) per protocol before they talk to
the agent; a request with nothing queued gets a fixed reply and is logged as unscripted.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

UNSCRIPTED = "(no scripted reply)"
_ids = itertools.count(1)


@dataclass
class Turn:
    """One model response: text (streamed in `chunks` pieces), then an optional tool call."""

    text: str | None = None
    chunks: int = 4
    delay: float = 0.0
    tool: str | None = None  # Anthropic tool_use name (Write, mcp__server__tool, ...)
    tool_input: dict[str, Any] = field(default_factory=dict)
    patch: str | None = None  # OpenAI: an apply_patch custom tool call
    function: str | None = None  # OpenAI: a function call (MCP tools: namespace mcp__<server>)
    namespace: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)


def _pieces(text: str, count: int) -> list[str]:
    size = max(1, -(-len(text) // max(1, count)))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def anthropic_stream(turn: Turn, model: str) -> list[tuple[bytes, float]]:
    usage = {
        "input_tokens": 10,
        "output_tokens": 1,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    message = {
        "id": f"msg_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    events = [(_sse("message_start", {"type": "message_start", "message": message}), 0.0)]
    index = 0
    if turn.text is not None:
        events.append(
            (
                _sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                ),
                0.0,
            )
        )
        for piece in _pieces(turn.text, turn.chunks):
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
            events.append((_sse("content_block_delta", delta), turn.delay))
        events.append((_sse("content_block_stop", {"type": "content_block_stop", "index": 0}), 0.0))
        index = 1
    stop = "end_turn"
    if turn.tool:
        block = {"type": "tool_use", "id": f"toolu_{next(_ids):05d}", "name": turn.tool, "input": {}}
        partial = {"type": "input_json_delta", "partial_json": json.dumps(turn.tool_input)}
        events += [
            (
                _sse(
                    "content_block_start",
                    {"type": "content_block_start", "index": index, "content_block": block},
                ),
                0,
            ),
            (
                _sse(
                    "content_block_delta", {"type": "content_block_delta", "index": index, "delta": partial}
                ),
                0,
            ),
            (_sse("content_block_stop", {"type": "content_block_stop", "index": index}), 0),
        ]
        stop = "tool_use"
    events += [
        (
            _sse(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop, "stop_sequence": None},
                    "usage": {"output_tokens": 5},
                },
            ),
            0.0,
        ),
        (_sse("message_stop", {"type": "message_stop"}), 0.0),
    ]
    return events


def responses_stream(turn: Turn, model: str) -> list[tuple[bytes, float]]:
    response_id = f"resp_{next(_ids)}"
    events = [
        (
            _sse(
                "response.created",
                {"type": "response.created", "response": {"id": response_id, "model": model}},
            ),
            0.0,
        )
    ]
    index = 0
    if turn.text is not None:
        item_id = f"msg_{next(_ids)}"
        item = {"type": "message", "id": item_id, "role": "assistant", "content": []}
        events.append(
            (
                _sse(
                    "response.output_item.added",
                    {"type": "response.output_item.added", "output_index": 0, "item": item},
                ),
                0.0,
            )
        )
        for piece in _pieces(turn.text, turn.chunks):
            delta = {
                "type": "response.output_text.delta",
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "delta": piece,
            }
            events.append((_sse("response.output_text.delta", delta), turn.delay))
        done = {**item, "content": [{"type": "output_text", "text": turn.text, "annotations": []}]}
        events.append(
            (
                _sse(
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": 0, "item": done},
                ),
                0.0,
            )
        )
        index = 1
    if turn.patch is not None:
        call = {
            "type": "custom_tool_call",
            "id": f"ctc_{next(_ids)}",
            "call_id": f"call_{next(_ids)}",
            "name": "apply_patch",
            "input": turn.patch,
            "status": "completed",
        }
        events += [
            (
                _sse(
                    "response.output_item.added",
                    {
                        "type": "response.output_item.added",
                        "output_index": index,
                        "item": {**call, "input": ""},
                    },
                ),
                0.0,
            ),
            (
                _sse(
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": index, "item": call},
                ),
                0.0,
            ),
        ]
    if turn.function is not None:
        call = {
            "type": "function_call",
            "id": f"fc_{next(_ids)}",
            "call_id": f"call_{next(_ids)}",
            "name": turn.function,
            "arguments": json.dumps(turn.arguments),
            "status": "completed",
        }
        if turn.namespace:
            call["namespace"] = turn.namespace
        events.append(
            (
                _sse(
                    "response.output_item.done",
                    {"type": "response.output_item.done", "output_index": index, "item": call},
                ),
                0.0,
            )
        )
    usage = {
        "input_tokens": 10,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 15,
    }
    events.append(
        (
            _sse(
                "response.completed",
                {
                    "type": "response.completed",
                    "response": {"id": response_id, "model": model, "usage": usage},
                },
            ),
            0,
        )
    )
    return events


class FakeModel:
    def __init__(self, max_stream_seconds: float = 120.0):
        self.turns: dict[str, deque[Turn]] = {"anthropic": deque(), "openai": deque()}
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
    for message in reversed(body.get("messages") or body.get("input") or []):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        return "\n".join(
            block.get("text", "") for block in content or [] if isinstance(block, dict) and "text" in block
        )
    return ""

"""What the fake model streams back, in each API's own format: Anthropic Messages, OpenAI
Responses and Gemini's streamGenerateContent (server-sent events)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

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


def gemini_stream(turn: Turn, model: str) -> list[tuple[bytes, float]]:
    """`data:` lines of GenerateContentResponse chunks; the last one carries finishReason (without
    it gemini-cli retries the request and shows the text again)."""

    def chunk(parts: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15},
            "modelVersion": model,
            "responseId": f"resp_{next(_ids)}",
        }

    chunks = [(chunk([{"text": piece}]), turn.delay) for piece in _pieces(turn.text or "", turn.chunks)]
    if turn.function is not None:
        chunks.append((chunk([{"functionCall": {"name": turn.function, "args": turn.arguments}}]), 0.0))
    chunks[-1][0]["candidates"][0]["finishReason"] = "STOP"
    return [(f"data: {json.dumps(data)}\n\n".encode(), delay) for data, delay in chunks]

"""OutputSink: a running cell's outputs, collected for the caller and written into the live cell
a batch at a time (and cut past a size: a runaway cell must not flood every open browser)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from pycrdt import Map, Text

from .layer import DocumentLayer
from .notebook import NotebookError, find_cell, youtputs

FLUSH_SECONDS = 0.05


class OutputSink:
    """Collects a cell's outputs and writes them into the live cell, a batch at a time."""

    def __init__(
        self,
        layer: DocumentLayer,
        api_path: str,
        cell_id: str | None,
        max_bytes: int,
        listener: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.layer, self.api_path, self.cell_id, self.max_bytes = layer, api_path, cell_id, max_bytes
        self.listener = listener  # told of each output as it comes (MCP progress)
        self.outputs: list[dict[str, Any]] = []
        self.pending: list[dict[str, Any]] = []
        self.size = 0
        self.too_large = False
        self._flush_task: asyncio.Task[None] | None = None

    def add(self, output: dict[str, Any]) -> None:
        if self.too_large:
            return
        is_stream = output.get("output_type") == "stream"
        size = len(output["text"]) if is_stream else len(json.dumps(output))
        if self.size + size > self.max_bytes:
            self.too_large = True
            output = {
                "output_type": "stream",
                "name": "stderr",
                "text": f"\n[output cut: more than {self.max_bytes / 1e6:g} MB]\n",
            }
            is_stream = True
        self.size += size
        if is_stream and self.outputs and _same_stream(self.outputs[-1], output):
            self.outputs[-1]["text"].append(output["text"])  # a list of parts: no quadratic copies
        else:
            self.outputs.append({**output, "text": [output["text"]]} if is_stream else output)
        self.pending.append(output)
        if self.listener is not None:
            self.listener(output)
        if self.cell_id is not None and self.layer.live and self._flush_task is None:
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_later())

    def collected(self) -> list[dict[str, Any]]:
        """The outputs so far, stream parts joined."""
        return [
            {**o, "text": "".join(o["text"])} if o.get("output_type") == "stream" else o for o in self.outputs
        ]

    def clear(self) -> None:
        self.outputs.clear()
        self.pending.append({"output_type": "__clear__"})

    async def _flush_later(self) -> None:
        await asyncio.sleep(FLUSH_SECONDS)
        self._flush_task = None
        await self.flush()

    async def flush(self, *, execution_count: int | None = None, done: bool = False) -> None:
        if self.cell_id is None or (not self.pending and not done):
            return
        batch, self.pending = self.pending, []
        async with self.layer.notebook(self.api_path) as notebook:
            try:
                ycell = notebook.ycells[find_cell(notebook, self.cell_id)]
            except NotebookError:
                return  # the cell was deleted meanwhile: nothing to show
            with notebook.ydoc.transaction():
                outputs = youtputs(ycell)
                for output in batch:
                    _append(outputs, output)
                if done:
                    ycell["execution_state"] = "idle"
                    if execution_count is not None:
                        ycell["execution_count"] = execution_count


def _same_stream(last: dict[str, Any], output: dict[str, Any]) -> bool:
    return last.get("output_type") == "stream" and last.get("name") == output.get("name")


def _append(youts: Any, output: dict[str, Any]) -> None:
    if output["output_type"] == "__clear__":
        youts.clear()
        return
    if output["output_type"] == "stream" and len(youts) and _same_stream(youts[len(youts) - 1], output):
        text = youts[len(youts) - 1].get("text")
        if isinstance(text, Text):
            added = output["text"]
            text += "".join(added) if isinstance(added, list) else added
            return
    item = dict(output)
    if item["output_type"] == "stream":
        text = item["text"]
        item["text"] = Text("".join(text) if isinstance(text, list) else text)
    youts.append(Map(item))

"""Text files as people see them: the live document when someone has it open, else Jupyter's
ContentsManager (so its hooks and checkpoints apply), else the disk. Paths are checked by callers."""

from __future__ import annotations

import inspect
from typing import Any

from .layer import DocumentLayer
from .notebook import NotebookError


async def maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class TextFiles:
    def __init__(self, layer: DocumentLayer | None, contents: Any, root: Any):
        self.layer, self.contents, self.root = layer, contents, root

    async def read(self, api_path: str) -> str:
        if self.layer is not None:
            live = await self.layer.live_text(api_path)
            if live is not None:
                return live
        target = self.root / api_path
        if not target.is_file():
            raise NotebookError(f"{api_path}: no such file")
        if self.contents is not None:
            model = await maybe_await(self.contents.get(api_path, content=True, type="file", format="text"))
            return str(model["content"])
        return target.read_text(encoding="utf-8")

    async def write(self, api_path: str, content: str, base: str | None = None) -> bool:
        """Write the whole text; True when it went into an open document (only the writer's changes
        since `base` are applied there, so people's typing stays)."""
        if self.layer is not None and await self.layer.write_live_text(api_path, content, base):
            return True
        target = self.root / api_path
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.contents is not None:
            model = {"type": "file", "format": "text", "content": content}
            await maybe_await(self.contents.save(model, api_path))
        else:
            target.write_text(content, encoding="utf-8")
        return False

"""DocumentLayer: one small interface to the live document of a path.

Backends: jupyter-collaboration 5 (the default), jupyter-server-documents (optional), and
the disk (when no collaboration extension runs: edits are then not live, and tools say so).
A document is opened for one operation and never kept: rooms come and go.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nbformat
from jupyter_ydoc import YNotebook

from ..paths import PathRefused, PathRules
from .notebook import NotebookError


class DocumentLayer(ABC):
    name: str = "documents"
    live: bool = True

    def __init__(self, serverapp: Any, rules: PathRules, log: logging.Logger):
        self.serverapp = serverapp
        self.rules = rules
        self.root = rules.root
        self.log = log
        self.contents = getattr(serverapp, "contents_manager", None)

    # -- paths -------------------------------------------------------------------------
    def api_path(self, path: str) -> str:
        """A path relative to the server root (as Jupyter's APIs want), or NotebookError: outside the
        root, or hidden where Jupyter does not serve hidden files."""
        try:
            resolved = self.rules.accessible(path)
        except PathRefused as exc:
            raise NotebookError(f"{path}: {exc}") from None
        return resolved.relative_to(self.root).as_posix()

    def require_file(self, api_path: str) -> Path:
        target = self.root / api_path
        if not target.is_file():
            raise NotebookError(f"{api_path}: no such file")
        return target

    # -- documents ---------------------------------------------------------------------
    @abstractmethod
    def notebook(self, api_path: str) -> contextlib.AbstractAsyncContextManager[YNotebook]:
        """The notebook at `api_path` for one operation (changes are live where possible)."""

    def is_open(self, api_path: str) -> bool:
        """Whether a person has the document open in a room right now."""
        return False

    async def live_text(self, api_path: str) -> str | None:
        """The current content of a document open in a room (None when it is not open)."""
        return None

    async def write_live_text(self, api_path: str, content: str, base: str | None = None) -> bool:
        """Write a whole text into an open document; False if it is not open.

        With `base` (what the writer last read), only the writer's changes are applied, so what
        people typed meanwhile stays; without it the document is made to read `content`.
        """
        return False

    async def create_notebook(self, api_path: str, kernel_name: str | None = None) -> None:
        target = self.root / api_path
        if target.exists():
            raise NotebookError(f"{api_path} already exists")
        notebook = nbformat.v4.new_notebook()
        if kernel_name:
            notebook.metadata["kernelspec"] = {"name": kernel_name, "display_name": kernel_name}
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.contents is None:
            target.write_text(nbformat.writes(notebook))
            return
        model = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(notebook))}
        await _call(self.contents.save, model, api_path)

    def show_working(self, user: dict[str, Any], api_path: str) -> None:  # noqa: B027 - live layers only
        """List `user` among JupyterLab's collaborators, working on `api_path`."""

    async def close(self) -> None:  # noqa: B027 - most layers hold nothing
        """Release what the layer holds (rooms opened without a browser)."""


async def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a ContentsManager method, sync or async."""
    result = function(*args, **kwargs)
    return await result if inspect.isawaitable(result) else result


class DiskLayer(DocumentLayer):
    """No collaboration extension: a notebook is read from disk, changed, and saved."""

    name = "disk (not live)"
    live = False

    @contextlib.asynccontextmanager
    async def notebook(self, api_path: str) -> AsyncIterator[YNotebook]:
        self.require_file(api_path)
        try:
            model = await _call(self.contents.get, api_path, content=True, type="notebook")
        except Exception as exc:
            raise NotebookError(f"{api_path} cannot be opened as a notebook: {exc}") from None
        document = YNotebook()
        document.set(model["content"])
        before = document.ydoc.get_state()
        yield document
        if document.ydoc.get_state() != before:
            content = json.loads(json.dumps(document.get()))
            await _call(
                self.contents.save, {"type": "notebook", "format": "json", "content": content}, api_path
            )

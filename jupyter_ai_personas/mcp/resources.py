"""Notebooks and text files of the server root as MCP resources (`jupyter:///<path>`), read live,
with subscriptions: a subscriber is told when the document changes (open ones included)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from typing import Any
from urllib.parse import quote, unquote, urlparse

from mcp import types
from mcp.server.lowlevel.helper_types import ReadResourceContents

from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError
from ..documents.text_files import TextFiles
from .read_tools import visible_files

SCHEME = "jupyter"
MAX_RESOURCES = 500
WATCH_SECONDS = 0.5
TEXT_SUFFIXES = {".py", ".md", ".txt", ".csv", ".json", ".yaml", ".yml", ".toml", ".r", ".jl", ".sql", ".sh"}
NOTEBOOK_MIME = "application/x-ipynb+json"


def uri_of(api_path: str) -> str:
    return f"{SCHEME}:///{quote(api_path)}"


def path_of(uri: str) -> str:
    parsed = urlparse(uri)
    if parsed.scheme != SCHEME:
        raise NotebookError(f"{uri}: not a resource of this server (they start with {SCHEME}:///)")
    return unquote(parsed.path).lstrip("/")


class Resources:
    def __init__(self, layer: DocumentLayer, log: logging.Logger):
        self.layer, self.log = layer, log
        self.files = TextFiles(layer, layer.contents, layer.root)
        self.subscribers: dict[str, set[Any]] = {}  # api path -> sessions
        self.seen: dict[str, str] = {}  # api path -> what it looked like at the last look
        self._task: asyncio.Task[None] | None = None

    def listing(self) -> list[types.Resource]:
        found: list[types.Resource] = []
        for path in visible_files(self.layer, "."):
            if path.suffix == ".ipynb" or path.suffix.lower() in TEXT_SUFFIXES:
                mime = NOTEBOOK_MIME if path.suffix == ".ipynb" else "text/plain"
                name = path.relative_to(self.layer.root).as_posix()
                found.append(types.Resource(uri=uri_of(name), name=name, mimeType=mime))  # type: ignore[arg-type]
                if len(found) >= MAX_RESOURCES:
                    break
        return found

    def templates(self) -> list[types.ResourceTemplate]:
        return [
            types.ResourceTemplate(
                uriTemplate=f"{SCHEME}:///{{path}}",
                name="file",
                description="A notebook or text file by its path from the server root; open ones as "
                "people see them now",
            )
        ]

    async def read(self, uri: str) -> list[ReadResourceContents]:
        api_path = self.layer.api_path(path_of(uri))
        if api_path.endswith(".ipynb"):
            async with self.layer.notebook(api_path) as notebook:
                text = json.dumps(notebook.get(), indent=1, ensure_ascii=False)
            return [ReadResourceContents(content=text, mime_type=NOTEBOOK_MIME)]
        text = await self.files.read(api_path)
        return [ReadResourceContents(content=text, mime_type="text/plain")]

    # -- subscriptions -----------------------------------------------------------------------
    async def subscribe(self, uri: str, session: Any) -> None:
        api_path = self.layer.api_path(path_of(uri))
        if not self.subscribers.get(api_path):
            self.seen[api_path] = await self._fingerprint(api_path)  # changes from now on
        self.subscribers.setdefault(api_path, set()).add(session)
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._watch())

    def unsubscribe(self, uri: str, session: Any) -> None:
        sessions = self.subscribers.get(self.layer.api_path(path_of(uri)), set())
        sessions.discard(session)

    async def _fingerprint(self, api_path: str) -> str:
        live = await self.layer.live_text(api_path)
        if live is not None:
            return hashlib.sha256(live.encode()).hexdigest()
        try:
            stat = (self.layer.root / api_path).stat()
        except OSError:
            return "gone"
        return f"{stat.st_mtime_ns}:{stat.st_size}"

    async def _watch(self) -> None:
        while any(self.subscribers.values()):
            for api_path, sessions in list(self.subscribers.items()):
                if not sessions:
                    continue
                fingerprint = await self._fingerprint(api_path)
                if self.seen.setdefault(api_path, fingerprint) == fingerprint:
                    continue
                self.seen[api_path] = fingerprint
                for session in list(sessions):
                    try:
                        await session.send_resource_updated(uri_of(api_path))
                    except Exception:  # the session ended: forget it
                        sessions.discard(session)
            await asyncio.sleep(WATCH_SECONDS)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        with contextlib.suppress(Exception):
            self.subscribers.clear()

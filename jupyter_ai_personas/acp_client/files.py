"""Agents' file access (ACP fs/*), confined to the server root and Jupyter's hidden-file rules.

Paths must stay inside the root after resolving `..` and symlinks, and hidden ones are refused
unless the server serves them (`allow_hidden`). Reads and writes go through Jupyter's
ContentsManager (so they see what the server sees and respect its hooks); the live-document
layer takes over for documents open in a room.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acp import RequestError

from ..documents.notebook import NotebookError
from ..documents.text_files import TextFiles
from ..paths import PathRefused, PathRules

MAX_READ_CHARS = 2_000_000


def refused(path: str, reason: str) -> RequestError:
    """An error whose message says why (agents show it to their model)."""
    return RequestError(-32602, f"{path}: {reason}", {"path": path, "reason": reason})


class FileAccess:
    """Files for agents: the live document when someone has it open, else the ContentsManager."""

    def __init__(self, rules: PathRules, contents_manager: Any = None, documents: Any = None):
        self.rules = rules
        self.root = rules.root
        self.contents = contents_manager
        self.documents = documents
        self.bases: dict[str, str] = {}  # what the agent last read of each file
        self.text = TextFiles(documents, contents_manager, self.root)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def resolve(self, path: str, cwd: Path | None = None, *, writing: bool = False) -> Path:
        try:
            return self.rules.writable(path, cwd) if writing else self.rules.accessible(path, cwd)
        except PathRefused as exc:
            raise refused(path, str(exc)) from None

    async def read(
        self, path: str, line: int | None = None, limit: int | None = None, cwd: Path | None = None
    ) -> str:
        target = self.resolve(path, cwd)
        text = await self._read_text(target)
        self.bases[self.relative(target)] = text
        if line is not None or limit is not None:
            lines = text.splitlines(keepends=True)
            start = max(0, (line or 1) - 1)
            end = start + limit if limit is not None else None
            text = "".join(lines[start:end])
        if len(text) > MAX_READ_CHARS:
            raise refused(path, f"the file has more than {MAX_READ_CHARS} characters; read it by lines")
        return text

    async def _read_text(self, target: Path) -> str:
        try:
            return await self.text.read(self.relative(target))
        except NotebookError:
            raise RequestError(-32002, f"{target}: no such file", {"uri": target.as_uri()}) from None

    async def write(self, path: str, content: str, cwd: Path | None = None) -> Path:
        target = self.resolve(path, cwd, writing=True)
        api_path = self.relative(target)
        try:  # into an open document only the agent's changes go: people's typing stays
            await self.text.write(api_path, content, self.bases.get(api_path))
        except Exception as exc:  # e.g. not a valid notebook: the open one stays as it is
            raise refused(path, str(exc)) from None
        self.bases[api_path] = content
        return target

"""What every tool shares: the caller's context, the result (the MCP SDK's content types), the tool."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mcp import types
from pydantic import BaseModel

from ..documents.executor import NotebookExecutor
from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError, one_transaction
from ..documents.presence import show_presence
from ..documents.text_files import TextFiles
from ..paths import PathRules
from .read_ledger import ReadLedger
from .tokens import McpCaller

AGENT_OUTPUT_CHARS = 20_000
MAX_LISTED = 500

Content = types.ContentBlock
Progress = Callable[[str], None]  # a line of what a long tool is doing, sent as MCP progress


class ToolResult(BaseModel):
    content: list[Content]
    is_error: bool = False
    structured: dict[str, Any] | None = None  # for tools with an output schema (extensions')

    @classmethod
    def text(
        cls, text: str, *, error: bool = False, images: list[tuple[str, str]] | None = None
    ) -> ToolResult:
        content: list[Content] = [types.TextContent(type="text", text=text)]
        content += [types.ImageContent(type="image", mimeType=m, data=d) for m, d in images or []]
        return cls(content=content, is_error=error)

    def first_text(self) -> str:
        return next((c.text for c in self.content if isinstance(c, types.TextContent)), "")

    def to_sdk(self) -> types.CallToolResult:
        return types.CallToolResult(
            content=list(self.content), structuredContent=self.structured, isError=self.is_error
        )


@dataclass
class ToolContext:
    layer: DocumentLayer
    executor: NotebookExecutor
    caller: McpCaller
    serverapp: Any = None  # kernel, session and terminal managers
    reads: ReadLedger = field(default_factory=ReadLedger)
    reader: str = ""  # whose reads these are: one agent session's token, or a person
    progress: Progress | None = None

    @property
    def root(self) -> Path:
        return self.layer.root

    @property
    def rules(self) -> PathRules:
        return self.layer.rules

    @property
    def files(self) -> TextFiles:
        """Text files as people see them (open documents live)."""
        return TextFiles(self.layer, self.layer.contents, self.root)

    def report(self, line: str) -> None:
        if self.progress is not None:
            self.progress(line)

    def read(self, api_path: str, cells: list[dict[str, Any]]) -> None:
        """Remember the sources the caller is shown: the bases of its next whole-source edits."""
        for cell in cells:
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            self.reads.remember(self.reader, api_path, str(cell.get("id")), text)

    @contextlib.asynccontextmanager
    async def notebook(self, api_path: str) -> AsyncIterator[Any]:
        """A live notebook for a block that does not await: its reads and changes in one pycrdt
        transaction (one per access otherwise, the bulk of a tool's time), sent as one update."""
        async with self.layer.notebook(api_path) as notebook:
            with one_transaction(notebook):  # pycrdt's sync transaction (its async one is another)
                yield notebook

    def notebook_path(self, path: str) -> str:
        api_path = self.layer.api_path(path)
        if not api_path.endswith(".ipynb"):
            raise NotebookError(f"{path} is not a notebook (.ipynb)")
        return api_path

    def writable_path(self, path: str) -> str:
        """A path a tool may create, change or delete: inside the root, not hidden, and not a place
        where a change needs a person (persona folders run code in the server; Jupyter's own files)."""
        api_path = self.layer.api_path(path)
        concern = self.rules.concern(api_path)
        if concern is not None:
            raise NotebookError(f"{path}: {concern}; change it in JupyterLab yourself if you mean to")
        return api_path

    def present(self, notebook: Any, api_path: str, cell_id: str | None) -> None:
        user = {
            "username": self.caller.username,
            "name": self.caller.name,
            "display_name": self.caller.name,
            "initials": self.caller.name[:2],
            "color": self.caller.color,
            "avatar_url": self.caller.avatar_url,
        }
        show_presence(notebook, user, cell_id, api_path)
        self.layer.show_working(user, api_path)  # and in JupyterLab's collaborators panel

    def note(self) -> str:
        return "" if self.layer.live else " (no collaboration extension: the file changed on disk, not live)"


Handler = Callable[[ToolContext, Any], Awaitable[ToolResult]]
Effect = Literal["read", "write", "destructive"]


@dataclass(frozen=True)
class Tool:
    """A built-in tool: a pydantic input model (its JSON schema is what clients see) and a handler."""

    name: str
    description: str
    input: type[BaseModel]
    handler: Handler
    effect: Effect = "write"
    title: str | None = None

    def definition(self) -> types.Tool:
        schema = self.input.model_json_schema()
        schema.pop("title", None)
        read = self.effect == "read"
        # Only a read-only tool says it is harmless. A tool that changes or runs anything keeps
        # the spec's defaults (destructive, open world), or states it is destructive: clients
        # such as Codex run a tool unasked when it claims neither, and a person must be asked.
        annotations = types.ToolAnnotations(
            title=self.title,
            readOnlyHint=read,
            destructiveHint=True if self.effect == "destructive" else None,
            idempotentHint=True if read else None,
            openWorldHint=False if read else None,
        )
        return types.Tool(
            name=self.name,
            title=self.title,
            description=self.description,
            inputSchema=schema,
            annotations=annotations,
        )

    async def call(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolResult:
        return await self.handler(ctx, self.input.model_validate(arguments))

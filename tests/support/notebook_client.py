"""A person with a notebook open: the same room and CRDT sync that JupyterLab uses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from jupyter_ydoc import YNotebook
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from pycrdt import Text

from .room_client import RoomClient
from .server import JupyterServer


class NotebookClient(RoomClient):
    """`async with NotebookClient(server, "a.ipynb") as notebook:`"""

    kind = "notebook"

    def __init__(self, server: JupyterServer, path: str):
        super().__init__(server, path)
        self.notebook = YNotebook(self.doc)

    async def __aenter__(self) -> NotebookClient:
        await self._connect()
        return self

    # -- looking -----------------------------------------------------------------------
    def cells(self) -> list[dict[str, Any]]:
        return self.notebook.get()["cells"]

    def ids(self) -> list[str]:
        return [c["id"] for c in self.cells()]

    def cell(self, cell_id: str) -> dict[str, Any]:
        return next(c for c in self.cells() if c["id"] == cell_id)

    def collaborators(self) -> list[dict[str, Any]]:
        return [s for s in self.awareness.states.values() if s and s.get("user")]

    def describe(self) -> str:
        return f"cells: {self.cells()}"

    # -- acting ------------------------------------------------------------------------
    def type_into(self, cell_id: str, text: str, at: int = 0) -> None:
        """A person typing `text` into a cell at position `at`."""
        for ycell in self.notebook.ycells:
            if ycell.get("id") == cell_id:
                source = ycell["source"]
                assert isinstance(source, Text)
                source.insert(at, text)
                return
        raise KeyError(cell_id)


@contextlib.asynccontextmanager
async def mcp_session(
    server: JupyterServer, headers: dict[str, str] | None = None, **session_options: Any
) -> AsyncIterator[ClientSession]:
    """The official MCP client, on the server's tools (`session_options`: ClientSession's)."""
    url = server.url + "api/ai-personas/mcp"
    http = httpx.AsyncClient(
        headers=server.headers if headers is None else headers, timeout=httpx.Timeout(600)
    )
    async with http, streamable_http_client(url, http_client=http) as (read, write, _):
        async with ClientSession(read, write, **session_options) as session:
            await session.initialize()
            yield session

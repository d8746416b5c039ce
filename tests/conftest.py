"""Fixtures shared by every test layer: real Jupyter servers in subprocesses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.server import JupyterServer, server_env

ServerFactory = Callable[..., Awaitable[JupyterServer]]


@pytest_asyncio.fixture(scope="module")
async def start_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ServerFactory]:
    """Start servers for a test module; all are stopped when the module ends."""
    servers: list[JupyterServer] = []

    async def start(
        *,
        args: list[str] | None = None,
        base_url: str = "/",
        root: Path | None = None,
        env: dict[str, str] | None = None,
        extra_paths: list[Path] | None = None,
    ) -> JupyterServer:
        base = tmp_path_factory.mktemp("server")
        home = base / "home"
        server = JupyterServer(
            root or base / "root",
            home,
            base_url=base_url,
            args=args,
            env=env or server_env(home, extra_paths),
        )
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        with contextlib.suppress(Exception):
            await server.stop()


@pytest_asyncio.fixture(scope="module")
async def server(start_server: ServerFactory) -> JupyterServer:
    """One server with default settings, shared by the tests of a module."""
    return await start_server()

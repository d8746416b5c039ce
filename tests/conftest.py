"""Fixtures shared by every test layer: real Jupyter servers in subprocesses."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.server import JupyterServer, server_env

ServerFactory = Callable[..., Awaitable[JupyterServer]]
RUNNING: list[JupyterServer] = []  # the servers of the module under way, whose logs a failure shows
LOG_TAIL = 6000  # characters of each server's log shown with a failed test


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A failed test shows the end of its servers' logs: a CI run keeps nothing else."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in RUNNING:
            report.sections.append((f"server log {server.port} (end)", server.log()[-LOG_TAIL:]))


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
        servers.append(server)
        RUNNING.append(server)
        await server.start()
        return server

    yield start
    for server in servers:
        RUNNING.remove(server)
        with contextlib.suppress(Exception):
            await server.stop()


@pytest_asyncio.fixture(scope="module")
async def server(start_server: ServerFactory) -> JupyterServer:
    """One server with default settings, shared by the tests of a module."""
    return await start_server()


@pytest.fixture
def chat_path(request: pytest.FixtureRequest) -> str:
    """A chat of the test's own, named after it."""
    return f"{request.node.name}.chat"

"""Live notebooks: how soon a person sees an agent's edit, and what headless execution costs.

- edit → seen: from an MCP `edit_cell` call (the official MCP client, over HTTP) until a
  second websocket client, joined to the notebook's room as a person, sees the new source;
- execution overhead: `execute_cell` through the MCP endpoint (outputs written into the live
  cell) against running the same code directly in a kernel with jupyter_client.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager

from tests.integration.test_notebooks import make_notebook
from tests.support.notebook_client import NotebookClient, mcp_session
from tests.support.server import JupyterServer

from .common import median, percentile

SAMPLES = 30
CODE = "total = sum(range(1000))\nprint(total)"


async def edit_to_seen(server: JupyterServer) -> list[float]:
    make_notebook(server.root_dir, "bench.ipynb", ["x = 0"])
    samples = []
    async with NotebookClient(server, "bench.ipynb") as person, mcp_session(server) as mcp:
        # the first call waits for the runtime; then let the start-up imports (in threads) finish
        await mcp.call_tool("edit_cell", {"path": "bench.ipynb", "cell_id": "cell1", "source": "x = 0"})
        await asyncio.sleep(1.0)
        for index in range(SAMPLES):
            wanted = f"x = {index + 1}"
            started = time.monotonic()
            task = asyncio.ensure_future(
                mcp.call_tool("edit_cell", {"path": "bench.ipynb", "cell_id": "cell1", "source": wanted})
            )
            await person.wait_for(lambda w=wanted: person.cell("cell1")["source"] == w)
            samples.append(time.monotonic() - started)
            await task
    return samples


async def mcp_execution(server: JupyterServer) -> list[float]:
    make_notebook(server.root_dir, "run.ipynb", [CODE])
    samples = []
    async with mcp_session(server) as mcp:
        await mcp.call_tool("execute_cell", {"path": "run.ipynb", "cell_id": "cell1"})  # start the kernel
        for _ in range(SAMPLES):
            started = time.monotonic()
            result = await mcp.call_tool("execute_cell", {"path": "run.ipynb", "cell_id": "cell1"})
            samples.append(time.monotonic() - started)
            assert "499500" in result.content[0].text
    return samples


async def direct_execution() -> list[float]:
    manager = AsyncKernelManager(kernel_name="python3")
    await manager.start_kernel()
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    samples = []
    try:
        for _ in range(SAMPLES):
            outputs: list[Any] = []
            started = time.monotonic()
            await client.execute_interactive(CODE, output_hook=outputs.append, timeout=60)
            samples.append(time.monotonic() - started)
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)
    return samples


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-notebooks-") as tmp:
        server = JupyterServer(Path(tmp) / "root", Path(tmp) / "home")
        await server.start()
        try:
            edits = await edit_to_seen(server)
            through_mcp = await mcp_execution(server)
        finally:
            await server.stop()
    direct = await direct_execution()
    return {"edit_seen": edits, "mcp_execute": through_mcp, "direct_execute": direct}


def table(data: dict[str, Any]) -> str:
    def row(label: str, values: list[float]) -> str:
        return (
            f"| {label} | {percentile(values, 50) * 1000:.1f} ms | {percentile(values, 95) * 1000:.1f} ms | "
            f"{min(values) * 1000:.1f} ms | {len(values)} |"
        )

    overhead = median(data["mcp_execute"]) - median(data["direct_execute"])
    return "\n".join(
        [
            "| measure | p50 | p95 | min | samples |",
            "|---|---|---|---|---|",
            row("MCP `edit_cell` → a person's client sees the new source", data["edit_seen"]),
            row("`execute_cell` through MCP (live outputs, HTTP round trip included)", data["mcp_execute"]),
            row("the same code run directly in a kernel (jupyter_client)", data["direct_execute"]),
            f"| headless execution overhead (median difference) | {overhead * 1000:.1f} ms | | | |",
        ]
    )


NOTES = """
The overhead of `execute_cell` covers the MCP request, opening the live document, clearing and
writing the outputs and the execution count into the cell. The kernel client is kept per kernel
(a new one only after a restart or a run that timed out).
"""

"""MCP tools from a package: plain typed functions, found through entry points or configuration."""

from __future__ import annotations

import time


def column_stats(values: list[float], digits: int = 2) -> str:
    """Mean and range of some numbers (a sync tool: it runs in a thread)."""
    time.sleep(0.01)
    mean = sum(values) / len(values)
    return f"mean {mean:.{digits}f}, range {min(values):g}–{max(values):g}"


async def shout(text: str) -> str:
    """The text in capitals (an async tool, listed the jupyter-server-mcp way)."""
    return text.upper() + "!"


def count_words(text: str) -> int:
    """How many words a text has (added by c.PersonasExtension.mcp_tools)."""
    return len(text.split())


SERVER_MCP_TOOLS = ["personas_testkit.tools:shout"]  # jupyter-server-mcp: a list of specs

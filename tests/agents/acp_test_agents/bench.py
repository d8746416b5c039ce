"""The benchmark reply both test agents stream (stdlib only, as the minimal agent is)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator


async def bench_chunks(args: list[str]) -> AsyncIterator[str]:
    """`N D SIZE`: SIZE characters (20,000) in N chunks (2,000), one every D seconds (0.01),
    on a fixed schedule so that slow consumers do not stretch the reply."""
    count = int(args[0]) if args else 2000
    delay = float(args[1]) if len(args) > 1 else 0.01
    size = int(args[2]) if len(args) > 2 else 20_000
    body = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
    step = len(body) // count
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index in range(count):
        end = len(body) if index == count - 1 else (index + 1) * step
        yield body[index * step : end]
        await asyncio.sleep(max(0.0, start + (index + 1) * delay - loop.time()))

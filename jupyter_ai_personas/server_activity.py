"""A persona's work counts as the server's activity, as a person's requests do.

Jupyter reports its last activity (`/api/status`; JupyterHub's idle culler reads it) from API
requests, kernels and terminals. A turn whose person closed the browser makes none of those,
so the culler could stop the server mid-turn: a running turn reports activity itself.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

HEARTBEAT_SECONDS = 30.0  # well under any idle-culling timeout


def report_activity(serverapp: Any) -> None:
    settings = getattr(getattr(serverapp, "web_app", None), "settings", None)
    if settings is not None:
        settings["api_last_activity"] = datetime.now(UTC)  # as Jupyter's own handlers do


@contextlib.asynccontextmanager
async def active_while(serverapp: Any) -> AsyncIterator[None]:
    """Activity at the start, every HEARTBEAT_SECONDS meanwhile, and at the end."""

    async def beat() -> None:
        while True:
            report_activity(serverapp)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    heartbeat = asyncio.ensure_future(beat())
    try:
        yield
    finally:
        heartbeat.cancel()
        report_activity(serverapp)

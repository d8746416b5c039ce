"""The runtime is built just after the server starts (see `extension`): routes wait for it."""

from __future__ import annotations

import asyncio
from typing import Any

from tornado import web

AVATAR_ROUTE = "api/ai-personas/avatars"
READY = "jupyter_ai_personas_ready"
RUNTIME = "jupyter_ai_personas_runtime"
WAIT_SECONDS = 60.0


async def runtime_ready(settings: dict[str, Any]) -> None:
    """Return once the runtime is built; an HTTP error when it failed or takes too long."""
    ready: asyncio.Event | None = settings.get(READY)
    if ready is not None and not ready.is_set():
        try:
            await asyncio.wait_for(ready.wait(), WAIT_SECONDS)
        except TimeoutError as exc:
            raise web.HTTPError(503, "the personas runtime is still starting") from exc
    if settings.get(RUNTIME) is None:
        raise web.HTTPError(503, "the personas runtime failed to start: see the server log")

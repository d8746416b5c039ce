"""TCP_NODELAY on the collaboration websocket.

A streamed reply is many small websocket frames. With Nagle's algorithm on (tornado's
default) a small frame written while the previous one is unacknowledged waits for the
peer's delayed ACK, about 40 ms: the first chunk of a reply reaches the browser that much
later. jupyter-collaboration's room handler does not turn it off, so we do, once.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

_MARK = "_jupyter_ai_personas_nodelay"


def enable_nodelay_on_rooms(log: logging.Logger) -> bool:
    try:
        from jupyter_server_ydoc.handlers import YDocWebSocketHandler
    except ImportError:
        return False
    original = YDocWebSocketHandler.open
    if getattr(original, _MARK, False):
        return True

    @functools.wraps(original)
    async def open_without_nagle(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            self.set_nodelay(True)
        except Exception:  # the stream may already be gone; the handler copes
            log.debug("could not set TCP_NODELAY", exc_info=True)
        return await original(self, *args, **kwargs)

    setattr(open_without_nagle, _MARK, True)
    YDocWebSocketHandler.open = open_without_nagle  # type: ignore[method-assign]
    return True

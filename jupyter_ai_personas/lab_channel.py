"""A channel to the JupyterLab pages open on this server, so tools can list and run their commands.

Each page of the project's frontend extension opens an authenticated websocket here; a tool's
request goes to the page used last (the one a person is looking at), and its answer comes back
on the same socket. Pages are the users' own: the socket needs Jupyter's authentication.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any, cast

from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado.websocket import WebSocketClosedError, WebSocketHandler

ANSWER_SECONDS = 30.0
PAGES_SETTING = "jupyter_ai_personas_lab_pages"


class NoLab(RuntimeError):
    """No JupyterLab page is open, or it did not answer."""


class LabPages:
    """The open pages, most recently active last, and the requests waiting for their answers."""

    def __init__(self) -> None:
        self.pages: dict[LabChannelHandler, float] = {}  # page -> when it was last active
        self.waiting: dict[int, asyncio.Future[Any]] = {}
        self._ids = itertools.count(1)

    def add(self, page: LabChannelHandler) -> None:
        self.pages[page] = time.monotonic()

    def remove(self, page: LabChannelHandler) -> None:
        self.pages.pop(page, None)

    def active(self, page: LabChannelHandler) -> None:
        if page in self.pages:
            self.pages[page] = time.monotonic()

    def answered(self, message: dict[str, Any]) -> None:
        future = self.waiting.get(int(message.get("id", 0)))
        if future is not None and not future.done():
            if message.get("error"):
                future.set_exception(NoLab(f"JupyterLab answered: {message['error']}"))
            else:
                future.set_result(message.get("result"))

    async def ask(self, request: dict[str, Any], timeout: float = ANSWER_SECONDS) -> Any:
        if not self.pages:
            raise NoLab(
                "no JupyterLab page is open on this server: open JupyterLab in a browser (the "
                "commands are those of the page a person uses), then try again"
            )
        page = max(self.pages, key=self.pages.__getitem__)
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiting[request_id] = future
        try:
            await page.write_message(json.dumps({**request, "id": request_id}))
            return await asyncio.wait_for(future, timeout)
        except WebSocketClosedError:
            self.remove(page)
            raise NoLab("the JupyterLab page closed before it answered; try again") from None
        except TimeoutError:
            raise NoLab(f"the JupyterLab page did not answer within {timeout:g} s") from None
        finally:
            self.waiting.pop(request_id, None)


class LabChannelHandler(WebSocketMixin, WebSocketHandler, ExtensionHandlerMixin, JupyterHandler):  # type: ignore[misc]
    """`api/ai-personas/lab`: a JupyterLab page's end of the channel."""

    def set_default_headers(self) -> None:
        """JupyterHandler's headers are for pages, not websockets."""

    def _pages(self) -> LabPages:
        return cast("LabPages", self.settings[PAGES_SETTING])

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> None:
        super().open(*args, **kwargs)
        self._pages().add(self)

    def on_message(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if data.get("type") == "active":  # a person is using this page
            self._pages().active(self)
        elif "id" in data:
            self._pages().answered(data)

    def on_close(self) -> None:
        self._pages().remove(self)

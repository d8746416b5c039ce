"""The MCP endpoint (Streamable HTTP, JSON responses) on the Jupyter server.

Authentication: Jupyter's own (token or cookie), or a bearer token minted for one ACP
session (`Authorization: Bearer <token>`), which stops working when that session ends.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

if TYPE_CHECKING:
    from ..rest_handlers import RuntimeHost
    from ..runtime import Runtime
    from .tokens import McpCaller


class McpHandler(ExtensionHandlerMixin, APIHandler):
    _caller: McpCaller | None = None
    _runtime: Runtime

    def _bearer(self) -> str | None:
        header = self.request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    async def prepare(self) -> None:  # type: ignore[override]
        # the tokens and tools come with the runtime; a session token is looked up before
        # Jupyter's own checks (it is no cookie: nothing to forge)
        self._runtime = await cast("RuntimeHost", self.extensionapp).wait_for_runtime()
        token = self._bearer()
        self._caller = self._runtime.mcp_tokens.lookup(token) if token else None
        await super().prepare()

    def check_xsrf_cookie(self) -> None:
        if self._caller is None:  # a session token is no cookie: nothing to forge
            super().check_xsrf_cookie()

    def caller(self) -> McpCaller:
        if self._caller is not None:
            return self._caller
        user = self.current_user
        if not user:
            raise web.HTTPError(403, "the MCP endpoint needs Jupyter authentication or a session token")
        name = getattr(user, "display_name", None) or getattr(user, "name", None) or "MCP client"
        from .tokens import McpCaller

        return McpCaller(
            username=getattr(user, "username", name), name=name, color=getattr(user, "color", None)
        )

    async def post(self) -> None:
        caller = self.caller()
        from .protocol import handle
        from .tools import ToolContext

        runtime = self._runtime
        try:
            body = json.loads(self.request.body or b"null")
        except ValueError as exc:
            raise web.HTTPError(400, "the body is not JSON") from exc
        context = ToolContext(
            layer=runtime.documents,
            executor=runtime.executor,
            caller=caller,
            reads=runtime.mcp_reads,
            reader=self._bearer() or f"user:{caller.username}",
        )
        if isinstance(body, list):
            answers: Any = [a for a in [await handle(m, context) for m in body] if a is not None]
        else:
            answers = await handle(body, context)
        if not answers:
            self.set_status(202)
            self.finish()
            return
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(answers))

    async def get(self) -> None:
        self.caller()
        self.set_status(405)  # no server-initiated stream
        self.finish()

    async def delete(self) -> None:
        self.caller()
        self.finish()

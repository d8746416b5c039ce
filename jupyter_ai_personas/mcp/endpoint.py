"""The MCP endpoint on the Jupyter server: Jupyter authenticates, the MCP SDK answers (`gateway`).

Authentication: Jupyter's own (token or cookie), or a token minted for one ACP session (in the
`X-AI-Personas-Session-Token` header, or `Authorization: Bearer` for clients set up by hand),
which stops working when that session ends. The session token is checked here, so Jupyter's
auth (and JupyterHub's behind it) never sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from tornado import web

from ..routes import SESSION_HEADER

if TYPE_CHECKING:
    from ..rest_handlers import RuntimeHost
    from ..runtime import Runtime
    from .tokens import McpCaller
    from .tornado_asgi import TornadoAsgiBridge


class McpHandler(ExtensionHandlerMixin, APIHandler):
    _caller: McpCaller | None = None
    _bridge: TornadoAsgiBridge | None = None
    _runtime: Runtime

    def _session_token(self) -> str | None:
        own = self.request.headers.get(SESSION_HEADER, "").strip()
        if own:
            return own
        header = self.request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        return value.strip() if scheme.lower() == "bearer" and value.strip() else None

    async def prepare(self) -> None:  # type: ignore[override]
        # the tokens and tools come with the runtime; a session token is looked up before
        # Jupyter's own checks (it is no cookie: nothing to forge)
        self._runtime = await cast("RuntimeHost", self.extensionapp).wait_for_runtime()
        token = self._session_token()
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

    def on_connection_close(self) -> None:
        if self._bridge is not None:
            self._bridge.closed.set()  # a stream's client went away

    async def _serve(self) -> None:
        caller = self.caller()
        gateway = self._runtime.mcp_gateway
        if gateway is None:
            raise web.HTTPError(404, "the notebook tools are off (c.PersonasExtension.notebook_tools)")
        from .tornado_asgi import TornadoAsgiBridge

        self._bridge = TornadoAsgiBridge(self)
        await gateway.handle(self, self._bridge, caller, self._session_token() or f"user:{caller.username}")

    # `caller()` checks who asks: Jupyter's user or a session token (which Jupyter cannot know)
    @allow_unauthenticated
    async def post(self) -> None:
        await self._serve()

    @allow_unauthenticated
    async def get(self) -> None:  # the stream of a session's server-initiated messages
        await self._serve()

    @allow_unauthenticated
    async def delete(self) -> None:  # the end of a session
        await self._serve()

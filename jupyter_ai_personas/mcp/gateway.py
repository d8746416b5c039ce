"""The MCP gateway: the official SDK's low-level server and Streamable HTTP session manager,
answering the requests Jupyter's Tornado handler has authenticated (`endpoint.py`).

Sessions, SSE and JSON responses, progress while a tool runs, cancellation (a cancelled run
interrupts its kernel), resources with subscriptions, and prompts all come from the SDK; this
module gives it the tools, and the caller of each request.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import traceback
from typing import Any

from mcp import types
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import ValidationError
from tornado.web import RequestHandler

from .._version import __version__
from ..documents.executor import NotebookExecutor
from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError
from .answer_format import SessionManager, answer_as_json
from .prompts import PROMPTS, get_prompt
from .read_ledger import ReadLedger
from .resources import Resources
from .tokens import McpCaller
from .tool_base import ToolContext, ToolResult
from .tool_registry import ToolSet
from .tornado_asgi import TornadoAsgiBridge

CALLER = "jupyter_ai_personas.caller"  # the ASGI scope key of the authenticated caller
INSTRUCTIONS = (
    "Tools of the Jupyter server. Notebooks may be open in JupyterLab: change them only with these "
    "tools (cells are addressed by id), never by writing .ipynb files, so that people's edits are kept."
)
# Jupyter checks the Host and Origin of every request already (and its token or cookie)
NO_REBINDING_CHECK = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class _JupyterServer(Server[Any, Any]):
    def get_capabilities(
        self, notification_options: NotificationOptions, experimental_capabilities: dict[str, dict[str, Any]]
    ) -> types.ServerCapabilities:
        capabilities = super().get_capabilities(notification_options, experimental_capabilities)
        if capabilities.resources is not None:  # the SDK never says so itself
            capabilities.resources.subscribe = True
        return capabilities


class ProgressSender:
    """Sends a tool's lines of progress in order, without making the tool wait for the client."""

    def __init__(self, session: Any, token: str | int, request_id: Any):
        self.session, self.token, self.request_id = session, token, request_id
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.task = asyncio.ensure_future(self._send())

    def __call__(self, line: str) -> None:
        self.queue.put_nowait(line)

    async def _send(self) -> None:
        count = 0
        while (line := await self.queue.get()) is not None:
            count += 1
            with contextlib.suppress(Exception):  # a client that went away misses progress, no more
                await self.session.send_progress_notification(
                    self.token, float(count), None, line[:2000], related_request_id=str(self.request_id)
                )

    def stop(self) -> None:
        self.queue.put_nowait(None)  # no await: this also runs while the request is cancelled

    async def sent(self) -> None:
        """Wait for what was queued to go out, so progress arrives before the result."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(self.task), 5)


class McpGateway:
    def __init__(
        self,
        *,
        layer: DocumentLayer,
        executor: NotebookExecutor,
        reads: ReadLedger,
        serverapp: Any,
        tools: ToolSet,
        log: logging.Logger,
    ):
        self.layer, self.executor, self.reads, self.serverapp = layer, executor, reads, serverapp
        self.tools, self.log = tools, log
        self.resources = Resources(layer, log)
        self.server = self._build()
        self.sessions = SessionManager(self.server, security_settings=NO_REBINDING_CHECK)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._running = asyncio.Event()

    # -- life cycle ------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
        await self._running.wait()

    async def _run(self) -> None:
        async with self.sessions.run():
            self._running.set()
            await self._stop.wait()

    async def stop(self) -> None:
        self._stop.set()
        self.resources.close()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5)

    # -- requests ----------------------------------------------------------------------------
    async def handle(
        self, handler: RequestHandler, bridge: TornadoAsgiBridge, caller: McpCaller, reader: str
    ) -> None:
        """Answer one authenticated HTTP request. A session belongs to the credential that opened
        it (the SDK compares the `user` of each request with its creator's)."""
        await self.start()
        user = AuthenticatedUser(
            AccessToken(token="", client_id=hashlib.sha256(reader.encode()).hexdigest(), scopes=[])
        )
        request = handler.request
        json_answer = answer_as_json(request.method or "", request.headers.get("Accept", ""), request.body)

        async def app(scope: Any, receive: Any, send: Any) -> None:
            await self.sessions.handle_as(json_answer, scope, receive, send)

        await bridge.run(app, {CALLER: (caller, reader), "user": user})

    def _context(self) -> ToolContext:
        request_context = self.server.request_context
        caller, reader = request_context.request.scope[CALLER]
        return ToolContext(
            layer=self.layer,
            executor=self.executor,
            caller=caller,
            serverapp=self.serverapp,
            reads=self.reads,
            reader=reader,
        )

    def _build(self) -> Server[Any, Any]:
        server = _JupyterServer("jupyter-ai-personas", version=__version__, instructions=INSTRUCTIONS)

        @server.list_tools()
        async def list_tools() -> list[types.Tool]:
            return self.tools.definitions()

        @server.call_tool(validate_input=False)  # pydantic validates, with messages for a model
        async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
            return (await self.call(name, arguments)).to_sdk()

        @server.list_resources()
        async def list_resources() -> list[types.Resource]:
            return self.resources.listing()

        @server.list_resource_templates()
        async def list_resource_templates() -> list[types.ResourceTemplate]:
            return self.resources.templates()

        @server.read_resource()
        async def read_resource(uri: Any) -> Any:
            return await self.resources.read(str(uri))

        @server.subscribe_resource()
        async def subscribe(uri: Any) -> None:
            await self.resources.subscribe(str(uri), server.request_context.session)

        @server.unsubscribe_resource()
        async def unsubscribe(uri: Any) -> None:
            self.resources.unsubscribe(str(uri), server.request_context.session)

        @server.list_prompts()
        async def list_prompts() -> list[types.Prompt]:
            return [prompt.definition for prompt in PROMPTS]

        @server.get_prompt()
        async def prompt(name: str, arguments: dict[str, str] | None) -> types.GetPromptResult:
            return await get_prompt(self._context(), name, arguments or {})

        return server

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        tool = self.tools.get(name)
        if tool is None:
            return ToolResult.text(f"unknown tool {name!r}: tools/list says which there are", error=True)
        context = self._context()
        request_context = self.server.request_context
        token = request_context.meta.progressToken if request_context.meta else None
        progress = None
        if token is not None:
            progress = context.progress = ProgressSender(
                request_context.session, token, request_context.request_id
            )
        try:
            result = await self._call_tool(tool, context, arguments)
        finally:
            if progress is not None:
                progress.stop()
        if progress is not None:
            await progress.sent()
        return result

    async def _call_tool(self, tool: Any, context: ToolContext, arguments: dict[str, Any]) -> ToolResult:
        try:
            return await tool.call(context, arguments)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            return ToolResult.text(f"invalid arguments for {tool.name}: {problems}", error=True)
        except NotebookError as exc:
            return ToolResult.text(str(exc), error=True)
        except Exception as exc:  # a tool must answer, whatever happened
            self.log.warning("MCP tool %s failed", tool.name, exc_info=True)
            last = traceback.format_exception_only(exc)[-1].strip()
            return ToolResult.text(f"{tool.name} failed: {last}", error=True)

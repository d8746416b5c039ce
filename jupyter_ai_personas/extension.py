"""PersonasExtension: configuration (traitlets), wiring and REST routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from traitlets import Bool, Float, Int, List, Unicode

from .acp_client.supervisor import AgentSupervisor
from .catalog import PersonaCatalog
from .documents.collaboration import make_document_layer
from .documents.executor import NotebookExecutor
from .handlers import AvatarHandler, PermissionsHandler, PersonasHandler, StopHandler
from .mcp.handler import McpHandler
from .mcp.tokens import McpTokens
from .nodelay import enable_nodelay_on_rooms
from .router.router import ChatRouter
from .runtime import AVATAR_ROUTE, Runtime, RuntimeSettings


class PersonasExtension(ExtensionApp):
    """AI personas and ACP agents in jupyterlab-chat. Configure with `c.PersonasExtension.*`."""

    name = "jupyter_ai_personas"
    load_other_extensions = True

    flush_interval = Float(
        0.2,
        config=True,
        help="Seconds between two writes of a streaming reply (the first chunk is written at once).",
    )
    max_message_chars = Int(
        500,
        config=True,
        help="A streamed reply longer than this continues in a new message at a paragraph break, "
        "so each write stays small. 0 keeps every reply in one message.",
    )
    sticky_routing = Bool(
        True,
        config=True,
        help="In a chat with one person, a message without a mention goes to the persona that "
        "person addressed last.",
    )
    hop_limit = Int(
        2,
        config=True,
        help="How many times personas may pass a conversation to each other by mentioning one "
        "another before a person has to step in.",
    )
    persona_paths = List(
        Unicode(),
        config=True,
        help="Extra folders of persona files (*.md, *.py), absolute or relative to the server root.",
    )
    disabled_personas = List(Unicode(), config=True, help="Names of personas to leave out.")
    default_persona = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Persona that answers messages without a mention in a chat with one person.",
    )
    max_input_chars = Int(
        200_000, config=True, help="Longer messages get a short answer instead of reaching a persona."
    )

    permission_timeout = Float(
        300.0,
        config=True,
        help="Seconds a permission request waits for an answer before it is rejected (0: forever).",
    )

    turn_idle_timeout = Float(
        600.0,
        config=True,
        help="A turn ends with an error when its agent sends nothing for this many seconds "
        "(time spent waiting for a person's permission does not count). 0: never.",
    )
    agent_idle_timeout = Float(
        900.0, config=True, help="An agent process unused for this many seconds is stopped (0: never)."
    )
    agent_start_timeout = Float(
        60.0, config=True, help="Seconds an agent may take to start and answer `initialize`."
    )

    tcp_nodelay = Bool(
        True,
        config=True,
        help="Turn off Nagle's algorithm on the collaboration websocket, so streamed chunks are not "
        "held back ~40 ms waiting for the browser's delayed ACK.",
    )

    notebook_tools = Bool(
        True,
        config=True,
        help="Serve the notebook tools (MCP, at api/ai-personas/mcp) and give them to every agent session.",
    )
    headless_room_release = Float(
        60.0,
        config=True,
        help="Seconds after which a document opened by an agent with no browser is released.",
    )
    max_output_bytes = Int(
        10_000_000, config=True, help="Outputs of one cell run by an agent are cut past this size."
    )

    def runtime_settings(self) -> RuntimeSettings:
        return RuntimeSettings(
            flush_interval=self.flush_interval,
            max_message_chars=self.max_message_chars,
            sticky_routing=self.sticky_routing,
            hop_limit=self.hop_limit,
            persona_paths=tuple(self.persona_paths),
            disabled_personas=tuple(self.disabled_personas),
            default_persona=self.default_persona,
            max_input_chars=self.max_input_chars,
            permission_timeout=self.permission_timeout,
            turn_idle_timeout=self.turn_idle_timeout,
            agent_idle_timeout=self.agent_idle_timeout,
            agent_start_timeout=self.agent_start_timeout,
            notebook_tools=self.notebook_tools,
        )

    def initialize_settings(self) -> None:
        root = Path(self.serverapp.contents_manager.root_dir).expanduser().resolve()
        self.runtime = Runtime(
            settings=self.runtime_settings(),
            root_dir=root,
            base_url=self.serverapp.base_url,
            log=self.log,
            serverapp=self.serverapp,
        )
        self.runtime.catalog = PersonaCatalog(self.runtime)
        self.runtime.agents = AgentSupervisor(
            cwd=root,
            log=self.log,
            idle_timeout=self.agent_idle_timeout,
            start_timeout=self.agent_start_timeout,
        )
        self.router = ChatRouter(self.runtime)
        self.settings["jupyter_ai_personas_runtime"] = self.runtime
        self.runtime.mcp_tokens = McpTokens()
        self.settings["jupyter_ai_personas_mcp_tokens"] = self.runtime.mcp_tokens
        self.settings["jupyter_ai_personas_router"] = self.router

    def initialize_handlers(self) -> None:
        if self.tcp_nodelay:
            enable_nodelay_on_rooms(self.log)
        self.handlers.extend(
            [
                (rf"/{AVATAR_ROUTE}/(.+)", AvatarHandler),
                (r"/api/ai-personas/personas", PersonasHandler),
                (r"/api/ai-personas/permissions", PermissionsHandler),
                (r"/api/ai-personas/stop", StopHandler),
            ]
        )
        if self.notebook_tools:
            self.handlers.append((r"/api/ai-personas/mcp", McpHandler))

    async def _start_jupyter_server_extension(self, serverapp) -> None:  # type: ignore[no-untyped-def]
        if self.notebook_tools:
            self.start_documents(serverapp)
        chat_manager = serverapp.web_app.settings.get("chat_manager")
        if chat_manager is None:
            self.log.error("jupyterlab_chat is not enabled: personas cannot join chats")
            return
        await self.router.start(chat_manager)

    def start_documents(self, serverapp: Any) -> None:
        """The live-document layer, the headless executor and the MCP endpoint's address."""
        runtime = self.runtime
        runtime.documents = make_document_layer(
            serverapp, runtime.root_dir, self.log, idle_release=self.headless_room_release
        )
        runtime.executor = NotebookExecutor(
            serverapp, runtime.documents, self.log, max_output_bytes=self.max_output_bytes
        )
        runtime.mcp_url = url_path_join(serverapp.connection_url, "api/ai-personas/mcp")
        self.log.info("notebook tools: %s, at %s", runtime.documents.name, runtime.mcp_url)

    async def stop_extension(self) -> None:
        # agents first: their process groups are killed, so closing sessions waits for nothing
        if self.runtime.agents is not None:
            await self.runtime.agents.shutdown()
        await self.router.stop()
        if self.runtime.executor is not None:
            self.runtime.executor.close()
        if self.runtime.documents is not None:
            await self.runtime.documents.close()

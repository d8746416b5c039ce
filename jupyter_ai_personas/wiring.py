"""Start-up wiring: every service, then the runtime (complete), then the router.

Imported in a thread once the server runs (see `extension`): everything heavy the runtime
needs is imported from here, never at server start.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jupyter_server.utils import url_path_join

from .acp_client.supervisor import AgentSupervisor
from .catalog import PersonaCatalog
from .credentials import CredentialStore
from .documents.collaboration import make_document_layer
from .documents.executor import NotebookExecutor
from .mcp.gateway import McpGateway
from .mcp.loopback import LoopbackListener, demands_client_certificates
from .mcp.read_ledger import ReadLedger
from .mcp.tokens import McpTokens
from .mcp.tool_registry import ToolSet
from .paths import PathRules
from .process_reaper import ProcessReaper
from .router.chat_router import ChatRouter
from .routes import MCP
from .runtime import Runtime
from .trust import TrustStore

if TYPE_CHECKING:
    from .extension import PersonasExtension


def mcp_tools(app: PersonasExtension) -> ToolSet | None:
    """The MCP tools, extensions' included: their packages are imported here, so this runs in a
    thread (see `extension`), not on the server's event loop."""
    if not app.notebook_tools:
        return None
    tools = ToolSet(app.mcp_tools)
    for problem in tools.problems:
        app.log.error("an MCP tool could not be added: %s", problem)
    return tools


def build(app: PersonasExtension, serverapp: Any, tools: ToolSet | None) -> tuple[Runtime, ChatRouter]:
    """The runtime, built once its services exist, and the router over it."""
    root = Path(serverapp.contents_manager.root_dir).expanduser().resolve()
    own = Path(serverapp.data_dir) / "jupyter_ai_personas"  # outside the root: the server's own
    rules = path_rules(serverapp, root)
    reaper = ProcessReaper()
    documents = make_document_layer(serverapp, rules, app.log, idle_release=app.headless_room_release)
    executor = NotebookExecutor(serverapp, documents, app.log, max_output_bytes=app.max_output_bytes)
    reads = ReadLedger()
    gateway = None
    if tools is not None:
        gateway = McpGateway(
            layer=documents, executor=executor, reads=reads, serverapp=serverapp, tools=tools, log=app.log
        )
    mcp_url = url_path_join(serverapp.connection_url, MCP) if gateway is not None else None
    listener = None
    if mcp_url is not None and demands_client_certificates(serverapp):  # JupyterHub's internal_ssl
        from .mcp.endpoint import McpHandler

        listener = LoopbackListener(serverapp, McpHandler, app.name, MCP)
        mcp_url = listener.url
    runtime = Runtime(
        settings=app,
        root_dir=root,
        base_url=serverapp.base_url,
        log=app.log,
        serverapp=serverapp,
        path_rules=rules,
        catalog=PersonaCatalog(
            root, app, TrustStore(own / "trusted_personas.json", app.trusted_persona_files, app.log)
        ),
        agents=AgentSupervisor(
            cwd=root,
            log=app.log,
            idle_timeout=app.agent_idle_timeout,
            start_timeout=app.agent_start_timeout,
            reaper=reaper,
        ),
        documents=documents,
        executor=executor,
        mcp_tokens=McpTokens(),
        mcp_reads=reads,
        reaper=reaper,
        credentials=CredentialStore(own / "credentials.json", app.log),
        mcp_url=mcp_url,
        mcp_gateway=gateway,
        mcp_listener=listener,
    )
    if runtime.mcp_url and gateway is not None:
        app.log.info("MCP tools (%d): %s, at %s", len(gateway.tools), documents.name, runtime.mcp_url)
    return runtime, ChatRouter(runtime, app.chat_loads)


def path_rules(serverapp: Any, root: Path) -> PathRules:
    """The root, Jupyter's hidden-file setting, and Jupyter's own folders (tokens, config, trust)."""
    own = [getattr(serverapp, name, None) for name in ("runtime_dir", "config_dir", "data_dir")]
    return PathRules(
        root,
        allow_hidden=bool(getattr(serverapp.contents_manager, "allow_hidden", False)),
        protected=tuple(Path(folder) for folder in own if folder),
    )


def preload_agent_sdk() -> None:
    """Import what the first agent would otherwise wait for: the ACP SDK (~0.6 s) and the
    modules of a turn."""
    for module in ("acp", "process", "agent_session", "attachments", "render", "steering"):
        importlib.import_module(module if module == "acp" else f"{__package__}.acp_client.{module}")

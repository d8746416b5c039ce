"""Builds the running runtime from the extension's settings.

Imported in a thread after the server starts (see `extension`): everything heavy the
runtime needs is imported from here.
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
from .mcp.read_ledger import ReadLedger
from .mcp.tokens import McpTokens
from .paths import PathRules
from .process_reaper import ProcessReaper
from .router.router import ChatRouter
from .runtime import Runtime, RuntimeSettings
from .startup import RUNTIME
from .trust import TrustStore

if TYPE_CHECKING:
    from .extension import PersonasExtension


def runtime_settings(app: PersonasExtension) -> RuntimeSettings:
    return RuntimeSettings(
        flush_interval=app.flush_interval,
        max_message_chars=app.max_message_chars,
        sticky_routing=app.sticky_routing,
        hop_limit=app.hop_limit,
        persona_paths=tuple(app.persona_paths),
        disabled_personas=tuple(app.disabled_personas),
        default_persona=app.default_persona,
        max_input_chars=app.max_input_chars,
        permission_timeout=app.permission_timeout,
        turn_idle_timeout=app.turn_idle_timeout,
        agent_idle_timeout=app.agent_idle_timeout,
        agent_start_timeout=app.agent_start_timeout,
        notebook_tools=app.notebook_tools,
        persona_import_timeout=app.persona_import_timeout,
    )


def build(app: PersonasExtension, serverapp: Any) -> tuple[Runtime, ChatRouter]:
    root = Path(serverapp.contents_manager.root_dir).expanduser().resolve()
    runtime = Runtime(
        settings=runtime_settings(app),
        root_dir=root,
        base_url=serverapp.base_url,
        log=app.log,
        serverapp=serverapp,
        path_rules=path_rules(serverapp, root),
    )
    trust_file = Path(serverapp.data_dir) / "jupyter_ai_personas" / "trusted_personas.json"
    runtime.catalog = PersonaCatalog(runtime, TrustStore(trust_file, app.trusted_persona_files, app.log))
    runtime.reaper = ProcessReaper()
    runtime.agents = AgentSupervisor(
        cwd=root,
        log=app.log,
        idle_timeout=app.agent_idle_timeout,
        start_timeout=app.agent_start_timeout,
        reaper=runtime.reaper,
    )
    runtime.credentials = CredentialStore(
        Path(serverapp.data_dir) / "jupyter_ai_personas" / "credentials.json", app.log
    )
    runtime.mcp_tokens = McpTokens()
    runtime.mcp_reads = ReadLedger()
    router = ChatRouter(runtime)
    if app.notebook_tools:
        start_documents(app, runtime, serverapp)
    serverapp.web_app.settings.update(
        {
            RUNTIME: runtime,
            "jupyter_ai_personas_router": router,
            "jupyter_ai_personas_mcp_tokens": runtime.mcp_tokens,
        }
    )
    return runtime, router


def path_rules(serverapp: Any, root: Path) -> PathRules:
    """The root, Jupyter's hidden-file setting, and Jupyter's own folders (tokens, config, trust)."""
    own = [getattr(serverapp, name, None) for name in ("runtime_dir", "config_dir", "data_dir")]
    return PathRules(
        root,
        allow_hidden=bool(getattr(serverapp.contents_manager, "allow_hidden", False)),
        protected=tuple(Path(folder) for folder in own if folder),
    )


def start_documents(app: PersonasExtension, runtime: Runtime, serverapp: Any) -> None:
    """The live-document layer, the headless executor and the MCP endpoint's address."""
    runtime.documents = make_document_layer(
        serverapp, runtime.path_rules, app.log, idle_release=app.headless_room_release
    )
    runtime.executor = NotebookExecutor(
        serverapp, runtime.documents, app.log, max_output_bytes=app.max_output_bytes
    )
    runtime.mcp_url = url_path_join(serverapp.connection_url, "api/ai-personas/mcp")
    app.log.info("notebook tools: %s, at %s", runtime.documents.name, runtime.mcp_url)


def preload_agent_sdk() -> None:
    """Import the ACP SDK (~0.6 s) ahead of the first agent, which would otherwise wait for it."""
    for module in ("acp", "jupyter_ai_personas.acp_client.process", "jupyter_ai_personas.acp_client.session"):
        importlib.import_module(module)

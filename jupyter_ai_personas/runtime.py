"""Runtime: the server-wide services and settings that every chat and persona shares."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyterlab_chat.models import User

from .acp_client.supervisor import AgentSupervisor
from .credentials import CredentialStore
from .definitions import SYSTEM_USER_ID, PersonaDefinition
from .documents.executor import NotebookExecutor
from .documents.layer import DocumentLayer
from .mcp.gateway import McpGateway
from .mcp.read_ledger import ReadLedger
from .mcp.tokens import McpTokens
from .paths import PathRules
from .process_reaper import ProcessReaper
from .routes import AVATARS
from .services import PersonaSettings, PersonaSources

_COLORS = ["#e65100", "#6a1b9a", "#1565c0", "#2e7d32", "#ad1457", "#00838f", "#4e342e", "#37474f"]


@dataclass
class Runtime:
    """Shared by all chats on a server: settings, paths, the persona sources, services.

    Built once every service exists (`wiring.build`): nothing in it is missing later.
    """

    settings: PersonaSettings  # the extension's traitlets, read where they are used
    root_dir: Path
    base_url: str
    log: logging.Logger
    serverapp: Any
    path_rules: PathRules
    catalog: PersonaSources
    agents: AgentSupervisor
    documents: DocumentLayer
    executor: NotebookExecutor
    mcp_tokens: McpTokens
    mcp_reads: ReadLedger  # what each MCP caller last read of each cell
    reaper: ProcessReaper  # kills agents and their commands if the server dies
    credentials: CredentialStore  # agents' keys set in Settings › AI Personas
    mcp_url: str | None = None  # the notebook tools' endpoint for agents (None: not served)
    mcp_listener: Any = None  # the loopback listener agents use under internal_ssl (loopback.py)
    mcp_gateway: McpGateway | None = None  # what answers there
    signed_in: set[str] = field(default_factory=set)  # agent programs with a login of their own
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))

    def agent_environ(self) -> dict[str, str]:
        """Where agents' declared variables come from: the server's environment, then the
        credentials set in JupyterLab (those win: a person set them for this)."""
        return {**self.environ, **self.credentials.values()}

    def persona_user(self, definition: PersonaDefinition) -> User:
        """The chat user of a persona: a bot with a stable id, name and avatar."""
        avatar_url = None
        if definition.avatar or definition.avatar_path:
            avatar_url = (
                f"{self.base_url.rstrip('/')}/{AVATARS}/{quote(definition.id, safe='')}"
                f"?v={definition.avatar_version}"
            )
        return User(
            username=definition.id,
            name=definition.name,
            display_name=definition.name,
            initials=_initials(definition.name),
            avatar_url=avatar_url,
            color=_color(definition.name),
            bot=True,
        )

    def system_user(self) -> User:
        return User(
            username=SYSTEM_USER_ID,
            name="Personas",
            display_name="Personas",
            initials="AI",
            avatar_url=None,
            color="#616161",
            bot=True,
        )

    def chat_dir(self, chat_path: str) -> Path:
        """The folder of a chat, as an absolute path inside the server root."""
        folder = (self.root_dir / chat_path).parent.resolve()
        return folder if folder.is_relative_to(self.root_dir) else self.root_dir


def _initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _color(name: str) -> str:
    return _COLORS[int(hashlib.sha1(name.encode()).hexdigest(), 16) % len(_COLORS)]

"""Runtime: the server-wide services and settings that every chat and persona shares."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from jupyterlab_chat.models import User
from pydantic import BaseModel, ConfigDict

from .definitions import ID_PREFIX, PersonaDefinition
from .paths import PathRules
from .startup import AVATAR_ROUTE

if TYPE_CHECKING:
    from .acp_client.supervisor import AgentSupervisor
    from .catalog import PersonaCatalog
    from .credentials import CredentialStore
    from .documents.executor import NotebookExecutor
    from .documents.layer import DocumentLayer
    from .mcp.read_ledger import ReadLedger
    from .mcp.tokens import McpTokens
    from .process_reaper import ProcessReaper

SYSTEM_USER_ID = f"{ID_PREFIX}::system"
_COLORS = ["#e65100", "#6a1b9a", "#1565c0", "#2e7d32", "#ad1457", "#00838f", "#4e342e", "#37474f"]


class RuntimeSettings(BaseModel):
    """The extension's configuration as the rest of the code reads it (set by traitlets)."""

    model_config = ConfigDict(frozen=True)

    flush_interval: float = 0.2
    max_message_chars: int = 500
    sticky_routing: bool = True
    hop_limit: int = 2
    persona_paths: tuple[str, ...] = ()
    disabled_personas: tuple[str, ...] = ()
    default_persona: str | None = None
    max_input_chars: int = 200_000
    permission_timeout: float = 300.0
    turn_idle_timeout: float = 600.0
    agent_idle_timeout: float = 900.0
    agent_start_timeout: float = 60.0
    notebook_tools: bool = True
    persona_import_timeout: float = 10.0


@dataclass
class Runtime:
    """Shared by all chats on a server: settings, paths, the persona catalog, services."""

    settings: RuntimeSettings
    root_dir: Path
    base_url: str = "/"
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("jupyter_ai_personas"))
    serverapp: Any = None
    catalog: PersonaCatalog | None = None
    agents: AgentSupervisor | None = None
    documents: DocumentLayer | None = None
    executor: NotebookExecutor | None = None
    mcp_tokens: McpTokens | None = None
    mcp_url: str | None = None  # the notebook tools' endpoint, as agents on this machine reach it
    reaper: ProcessReaper | None = None  # kills agents and their commands if the server dies
    mcp_reads: ReadLedger | None = None  # what each MCP caller last read of each cell
    credentials: CredentialStore | None = None  # agents' keys set in Settings › AI Personas
    signed_in: set[str] = field(default_factory=set)  # agent programs that opened a session
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    path_rules: PathRules = None  # type: ignore[assignment]  # set in __post_init__ when not given

    def __post_init__(self) -> None:
        if self.path_rules is None:
            self.path_rules = PathRules(self.root_dir)

    def agent_environ(self) -> dict[str, str]:
        """Where agents' declared variables come from: the server's environment, then the
        credentials set in JupyterLab (those win: a person set them for this)."""
        stored = self.credentials.values() if self.credentials is not None else {}
        return {**self.environ, **stored}

    def persona_user(self, definition: PersonaDefinition) -> User:
        """The chat user of a persona: a bot with a stable id, name and avatar."""
        avatar_url = None
        if definition.avatar or definition.avatar_path:
            avatar_url = (
                f"{self.base_url.rstrip('/')}/{AVATAR_ROUTE}/{quote(definition.id, safe='')}"
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

"""What the runtime's parts know each other by: the settings (the extension's traitlets) and the
persona sources, as Protocols, so that no module reaches back to the ones that use it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .definitions import MergedPersonas, PersonaDefinition
from .specs import PersonaSpec
from .trust import TrustStore


class PersonaSettings(Protocol):
    """The extension's configuration, read where it is used (`PersonasExtension` is one)."""

    flush_interval: float
    max_message_chars: int
    live_replies: bool
    sticky_routing: bool
    hop_limit: int
    persona_paths: list[str]
    disabled_personas: list[str]
    default_persona: str | None
    max_input_chars: int
    permission_timeout: float
    turn_idle_timeout: float
    session_idle_timeout: float
    server_owner: str | None
    notebook_tools: bool
    mcp_tools: list[str]
    persona_import_timeout: float


class PersonaSources(Protocol):
    """Every persona source on the server, merged per chat folder (`PersonaCatalog` is one)."""

    trust: TrustStore

    async def personas_for(self, chat_dir: Path) -> MergedPersonas: ...

    def builtin_agents(self) -> dict[str, PersonaSpec]: ...

    def find(self, persona_id: str) -> PersonaDefinition | None: ...

    def watched_folders(self, chat_dir: Path) -> list[Path]: ...

    def is_persona_folder(self, folder: Path) -> bool: ...

    def invalidate_if_changed(self, folder: Path) -> bool: ...

    def forget(self, folder: Path) -> None: ...

    def refresh(self) -> None: ...

"""jupyter-ai-personas: AI personas and ACP coding agents as colleagues in JupyterLab chats."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

from .acp_client import AcpPersona, BaseAcpPersona
from .persona import BasePersona, PersonaContext, PersonaDefaults

__all__ = ["AcpPersona", "BaseAcpPersona", "BasePersona", "PersonaContext", "PersonaDefaults", "__version__"]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .extension import PersonasExtension

    return [{"module": "jupyter_ai_personas", "app": PersonasExtension}]

"""jupyter-ai-personas: AI personas and ACP coding agents as colleagues in JupyterLab chats."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from .acp_client import AcpPersona, BaseAcpPersona
    from .persona import BasePersona, PersonaContext, PersonaDefaults

# The public classes load on first use (PEP 562): the server imports this package to find
# its extension, and should not pay for the whole runtime at start-up.
_EXPORTS = {
    "AcpPersona": ".acp_client",
    "BaseAcpPersona": ".acp_client",
    "BasePersona": ".persona",
    "PersonaContext": ".persona",
    "PersonaDefaults": ".persona",
}
__all__ = ["AcpPersona", "BaseAcpPersona", "BasePersona", "PersonaContext", "PersonaDefaults", "__version__"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .extension import PersonasExtension

    return [{"module": "jupyter_ai_personas", "app": PersonasExtension}]

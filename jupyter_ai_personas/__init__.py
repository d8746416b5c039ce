"""jupyter-ai-personas: AI personas and ACP coding agents as colleagues in JupyterLab chats."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from jupyterlab_chat.models import Message

    from .acp_client.acp_persona import AcpPersona, BaseAcpPersona
    from .acp_client.setup import SessionSetup
    from .definitions import PersonaDefinition
    from .persona import BasePersona, PersonaContext, PersonaDefaults
    from .reply_stream import MessageStream
    from .specs import PersonaSpec

# The public classes load on first use (PEP 562): the server imports this package to find
# its extension, and should not pay for the whole runtime at start-up.
# What a persona author needs: the base classes, what `process_message` is given and writes
# with, and what an agent persona may override (`setup()` returns a SessionSetup).
_EXPORTS = {
    "AcpPersona": ".acp_client.acp_persona",
    "BaseAcpPersona": ".acp_client.acp_persona",
    "BasePersona": ".persona",
    "Message": "jupyterlab_chat.models",
    "MessageStream": ".reply_stream",
    "PersonaContext": ".persona",
    "PersonaDefaults": ".persona",
    "PersonaDefinition": ".definitions",
    "PersonaSpec": ".specs",
    "SessionSetup": ".acp_client.setup",
}
__all__ = [
    "AcpPersona",
    "BaseAcpPersona",
    "BasePersona",
    "Message",
    "MessageStream",
    "PersonaContext",
    "PersonaDefaults",
    "PersonaDefinition",
    "PersonaSpec",
    "SessionSetup",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name], __name__), name)


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from .extension import PersonasExtension

    return [{"module": "jupyter_ai_personas", "app": PersonasExtension}]

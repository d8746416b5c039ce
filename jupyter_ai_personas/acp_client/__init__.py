"""The ACP client side: agent processes, sessions, permissions, fs and terminals."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .acp_persona import AcpPersona, BaseAcpPersona

__all__ = ["AcpPersona", "BaseAcpPersona"]


def __getattr__(name: str) -> Any:
    # loaded on first use: importing one part of this package must not load the personas
    if name in __all__:
        return getattr(importlib.import_module(".acp_persona", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

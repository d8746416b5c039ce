"""The ACP client side: agent processes, sessions, permissions, fs and terminals."""

from .persona import AcpPersona, BaseAcpPersona

__all__ = ["AcpPersona", "BaseAcpPersona"]

"""AcpPersona: a persona that drives an ACP agent (the agent runtime lands next)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..persona import BasePersona, PersonaDefaults

if TYPE_CHECKING:
    from ..definitions import PersonaDefinition
    from ..runtime import Runtime


class AcpPersona(BasePersona):
    defaults = PersonaDefaults(name="ACP agent")

    @classmethod
    def unavailable_reason(cls, definition: PersonaDefinition, runtime: Runtime) -> str | None:
        return "this version of jupyter-ai-personas cannot run ACP agents yet"

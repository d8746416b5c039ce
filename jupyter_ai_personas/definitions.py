"""What the persona sources produce: definitions of personas, and the problems met on the way."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from .specs import PersonaSpec
from .trust import UntrustedFile

ID_PREFIX = "jupyter-ai-personas"
SYSTEM_USER_ID = f"{ID_PREFIX}::system"  # the runtime's own messages (command answers, notices)
SourceKind = Literal["package", "builtin", "folder"]


class PersonaSource(BaseModel):
    """Where a persona comes from, for ids and for the person reading `/personas`."""

    model_config = ConfigDict(frozen=True)

    kind: SourceKind
    key: str  # distribution name, "builtin" or "local": the middle part of persona ids
    label: str  # e.g. "package jupyter-ai-echo", "built-in", ".jupyter/personas/data.md"
    path: Path | None = None


class PersonaProblem(BaseModel):
    """A source that could not give a persona; shown in the chat with the file or package."""

    model_config = ConfigDict(frozen=True)

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class PersonaClass(Protocol):
    """What the runtime asks of a persona class (`BasePersona` subclasses are such classes):
    to make an instance for a chat, and to say whether it can run here."""

    def __call__(self, context: Any) -> Any: ...

    def unavailable_reason(self, definition: PersonaDefinition, runtime: Any) -> str | None: ...


@dataclass(frozen=True)
class PersonaDefinition:
    """Everything needed to create a persona in a chat (one instance per chat)."""

    name: str
    persona_class: PersonaClass
    source: PersonaSource
    description: str = ""
    avatar: str | None = None  # an emoji (or short text); None when `avatar_path` is set
    avatar_path: Path | None = None
    spec: PersonaSpec | None = None
    enabled: bool = True

    @property
    def mention_name(self) -> str:
        return self.name.replace(" ", "-")

    @property
    def key(self) -> str:
        """Personas with the same key clash; the later source wins."""
        return self.mention_name.lower()

    @property
    def id(self) -> str:
        return f"{ID_PREFIX}::{self.source.key}::{self.name}"

    @property
    def instructions(self) -> str:
        if self.spec is not None and self.spec.instructions:
            return self.spec.instructions
        defaults = getattr(self.persona_class, "defaults", None)
        return getattr(defaults, "system_prompt", "") or ""

    @property
    def avatar_version(self) -> str:
        """Changes when the avatar changes, so browsers fetch the new image."""
        material = self.avatar or ""
        if self.avatar_path is not None:
            try:
                material += str(self.avatar_path.stat().st_mtime_ns)
            except OSError:
                pass
        return hashlib.sha1(material.encode()).hexdigest()[:10]

    def same_runtime(self, other: PersonaDefinition) -> bool:
        """True when `other` can be applied to a live instance of this one (same class)."""
        return self.persona_class is other.persona_class and self.id == other.id


@dataclass
class LoadResult:
    """Definitions in load order (later wins on a clash) and the problems met."""

    definitions: list[PersonaDefinition] = field(default_factory=list)
    problems: list[PersonaProblem] = field(default_factory=list)
    untrusted: list[UntrustedFile] = field(default_factory=list)

    def extend(self, other: LoadResult) -> None:
        self.definitions.extend(other.definitions)
        self.problems.extend(other.problems)
        self.untrusted.extend(other.untrusted)


@dataclass
class MergedPersonas:
    """The personas of one chat after merging every source."""

    active: dict[str, PersonaDefinition] = field(default_factory=dict)  # by key
    disabled: list[PersonaDefinition] = field(default_factory=list)
    overridden: list[tuple[PersonaDefinition, PersonaDefinition]] = field(default_factory=list)
    problems: list[PersonaProblem] = field(default_factory=list)
    untrusted: list[UntrustedFile] = field(default_factory=list)  # waiting for a person's trust


def merge(result: LoadResult, disabled_names: set[str]) -> MergedPersonas:
    """Merge definitions: later wins on a name clash; disabled ones are set aside."""
    merged = MergedPersonas(problems=list(result.problems), untrusted=list(result.untrusted))
    for definition in result.definitions:
        if not definition.enabled or definition.key in disabled_names:
            merged.disabled.append(definition)
            continue
        previous = merged.active.get(definition.key)
        if previous is not None:
            merged.overridden.append((previous, definition))
        merged.active[definition.key] = definition
    return merged

"""Which persona files a person trusted: code found in a folder runs only once someone did.

A `.py` persona, and a markdown persona that changes what runs or what is allowed (its own
`command`, a `class`, `env`, MCP servers started as programs, `allow` policies, a mode that
skips asking), is loaded only when its exact content (path and SHA-256) is trusted: by a
person in the chat (`/trust`) or the roster, or by the server's configuration. A changed or
new file is untrusted again. The store is a file in Jupyter's data folder (outside the server
root, mode 0600), so nothing an agent writes in the workspace can trust a file.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .private_file import read_mapping, write_mapping
from .specs import PersonaSpec

# Kinds a policy may allow without trust (the built-in agents' own default: looking, not acting).
LOOKING_KINDS = frozenset({"read", "search", "think"})
# Modes of the known agents in which they act without asking (compared lower-case).
SKIP_ASKING_MODES = frozenset(
    {
        "auto",  # Claude Code 2.x: a classifier decides; codex-acp 0.16: edits in the workspace
        "bypasspermissions",
        "acceptedits",
        "dontask",
        "full-access",
        "workspace-write",  # codex-acp 2.x
        "agent",  # codex-acp 2.x: a reviewer model decides
        "agent-full-access",
        "yolo",
        "autoedit",
        "auto_edit",
    }
)


class UntrustedFile(BaseModel):
    """A persona file waiting for a person's trust; shown in the chat and the roster."""

    model_config = ConfigDict(frozen=True)

    path: Path
    label: str  # as people read it, e.g. .jupyter/personas/helper.py
    sha256: str
    reasons: tuple[str, ...]

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def command(self) -> str:
        return f"/trust {self.label} {self.short_hash}"


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def module_origin(reference: str) -> Path | None:
    """Where the top-level module of `pkg.mod:Class` would be imported from (nothing is run)."""
    top = reference.partition(":")[0].split(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    origin = spec.origin if spec.origin not in (None, "built-in", "frozen") else None
    if origin is None and spec.submodule_search_locations:
        origin = next(iter(spec.submodule_search_locations), None)
    return Path(origin).resolve() if origin else Path(sys.prefix)


def spec_trust_reasons(spec: PersonaSpec, workspace: Path) -> list[str]:
    """Why running a markdown persona needs a person's trust (empty: it does not).

    `class:` naming an installed package is trusted like a package's entry point; one whose
    module lies in the workspace (where agents write) is not.
    """
    reasons = []
    if spec.command:
        reasons.append(f"it starts its own program (`command: {' '.join(spec.command)}`)")
    if spec.persona_class:
        origin = module_origin(spec.persona_class)
        if origin is not None and origin.is_relative_to(workspace.resolve()):
            reasons.append(f"it loads Python code from the workspace (`class: {spec.persona_class}`)")
    if spec.env:
        reasons.append("it sets the agent's environment (`env`)")
    programs = [server.name for server in spec.mcp_servers if hasattr(server, "command")]
    if programs:
        reasons.append(f"it starts MCP servers as programs ({', '.join(programs)})")
    allowed = sorted(
        kind for kind, answer in spec.permissions.items() if answer == "allow" and kind not in LOOKING_KINDS
    )
    if allowed:
        reasons.append(f"its policy allows tool calls without asking ({', '.join(allowed)})")
    if spec.mode and spec.mode.lower() in SKIP_ASKING_MODES:
        reasons.append(f"`mode: {spec.mode}` lets the agent act without asking")
    return reasons


PYTHON_REASON = "it is Python code that runs inside the Jupyter server"


class TrustStore:
    def __init__(
        self,
        path: Path | None,
        preset: Mapping[str, str] | None = None,
        log: logging.Logger | None = None,
    ):
        self.path = path
        self.log = log or logging.getLogger(__name__)
        # configuration: absolute path -> sha256 (whole files, never folders)
        self.preset = {str(Path(p).expanduser().resolve()): h.lower() for p, h in (preset or {}).items()}
        self._trusted: dict[str, str] = self._read()

    def _read(self) -> dict[str, str]:
        return read_mapping(self.path, "files", self.log, "nothing is trusted")

    def is_trusted(self, path: Path, digest: str) -> bool:
        key = str(path.resolve())
        return digest in (self._trusted.get(key), self.preset.get(key))

    def trust(self, path: Path, digest: str) -> None:
        self._trusted[str(path.resolve())] = digest
        self._write()

    def revoke(self, path: Path) -> bool:
        found = self._trusted.pop(str(path.resolve()), None) is not None
        if found:
            self._write()
        return found

    def _write(self) -> None:
        write_mapping(self.path, "files", self._trusted)

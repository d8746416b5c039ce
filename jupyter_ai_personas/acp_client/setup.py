"""What a session is opened with: instructions, MCP servers, skills, model and mode.

Built from the persona's current spec on every turn, so editing a spec file changes them
for the next turn.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ..specs import HttpMcpServer, PersonaSpec, SpecError, StdioMcpServer, split_front_matter


class SessionSetup(BaseModel):
    """The parts of a session a spec decides."""

    model_config = ConfigDict(frozen=True)

    instructions: str = ""
    mcp_servers: tuple[StdioMcpServer | HttpMcpServer, ...] = ()
    skills: tuple[str, ...] = ()  # absolute paths
    model: str | None = None
    mode: str | None = None


def setup_from_spec(spec: PersonaSpec | None, instructions: str, spec_dir: Path | None) -> SessionSetup:
    if spec is None:
        return SessionSetup(instructions=instructions)
    base = spec_dir or Path.cwd()
    skills = tuple(str((base / path).resolve()) for path in spec.skills)
    return SessionSetup(
        instructions=instructions,
        mcp_servers=tuple(spec.mcp_servers),
        skills=skills,
        model=spec.model,
        mode=spec.mode,
    )


def skills_plugin(skills: tuple[str, ...]) -> Path | None:
    """A Claude Code plugin folder whose `skills/` links to the spec's skill folders."""
    existing = [Path(s) for s in skills if Path(s).is_dir()]
    if not existing:
        return None
    digest = hashlib.sha1("\n".join(map(str, existing)).encode()).hexdigest()[:12]
    root = Path(tempfile.gettempdir()) / f"jupyter-ai-personas-{os.getuid()}" / "skills" / digest
    (root / ".claude-plugin").mkdir(parents=True, exist_ok=True)
    (root / ".claude-plugin" / "plugin.json").write_text(
        json.dumps({"name": f"persona-skills-{digest}", "description": "Skills of a Jupyter persona"})
    )
    (root / "skills").mkdir(exist_ok=True)
    for skill in existing:
        link = root / "skills" / skill.name
        if not link.exists():
            link.symlink_to(skill, target_is_directory=True)
    return root


def skill_summary(folder: str) -> str:
    """ "name: description" from a skill's SKILL.md front matter, or just its folder name."""
    path = Path(folder) / "SKILL.md"
    try:
        meta, _ = split_front_matter(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError, SpecError):
        return Path(folder).name
    name = str(meta.get("name") or Path(folder).name)
    description = str(meta.get("description") or "").strip()
    return f"{name}: {description}" if description else name


def skills_text(skills: tuple[str, ...]) -> str:
    """For agents without a skills mechanism: what the skills are and where, in the instructions."""
    if not skills:
        return ""
    listed = "\n".join(f"- {skill_summary(path)} ({path}/SKILL.md)" for path in skills)
    return f"\n\nSkills you can use; read a skill's SKILL.md before you use it:\n{listed}"


def instructions_preamble(setup: SessionSetup) -> str:
    """A spec's instructions for agents that take them with the prompt (not as a system prompt)."""
    return f"<instructions>\n{setup.instructions}{skills_text(setup.skills)}\n</instructions>"


def pick_option(offered: list[tuple[str, str]], wanted: str) -> str | None:
    """The id of the offered (id, name) pair matching `wanted` by id or name, any case."""
    wanted_lower = wanted.lower()
    for option_id, name in offered:
        if wanted_lower in (option_id.lower(), name.lower()):
            return option_id
    return None

"""AgentLaunch: how to start an agent's program, from a spec or a BaseAcpPersona subclass."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict

from ..definitions import PersonaDefinition
from ..specs import PersonaSpec
from .environment import agent_environment


class AgentLaunch(BaseModel):
    """A program to start, its environment, and what to tell a person who lacks it."""

    model_config = ConfigDict(frozen=True)

    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    install: str | None = None
    auth_methods: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Personas whose launches have the same key share one process."""
        material = repr((self.argv, self.env, self.auth_methods))
        return hashlib.sha1(material.encode()).hexdigest()[:16]

    @property
    def program_key(self) -> str:
        """The agent program alone: its sessions stay valid when its environment (a key) changes."""
        return hashlib.sha1(repr(self.argv).encode()).hexdigest()[:16]

    @property
    def environment(self) -> dict[str, str]:
        return dict(self.env)

    def missing_program(self) -> str | None:
        """Why the program cannot start (not found on the agent's PATH), or None."""
        program = self.argv[0]
        if shutil.which(program, path=self.environment.get("PATH")) is None:
            hint = f" Install it with `{self.install}`." if self.install else ""
            return f"its program `{program}` is not installed (not found on PATH).{hint}"
        return None


def make_launch(
    name: str,
    argv: list[str] | tuple[str, ...],
    declared_env: Mapping[str, str],
    server_env: Mapping[str, str],
    *,
    install: str | None = None,
    auth_methods: tuple[str, ...] | list[str] = (),
) -> AgentLaunch:
    env = agent_environment(server_env, declared_env)
    return AgentLaunch(
        name=name,
        argv=tuple(argv),
        env=tuple(sorted(env.items())),
        install=install,
        auth_methods=tuple(auth_methods),
    )


def spec_launch(
    definition: PersonaDefinition, builtin_agents: Mapping[str, PersonaSpec], server_env: Mapping[str, str]
) -> AgentLaunch:
    """The launch of a markdown persona: its own `command`, or a built-in `agent`."""
    spec = definition.spec
    assert spec is not None
    if spec.agent:
        base = builtin_agents.get(spec.agent.lower())
        if base is None or not base.command:
            known = ", ".join(sorted(builtin_agents)) or "none"
            raise ValueError(f"`agent: {spec.agent}` is not a built-in agent (known: {known})")
        argv, install, auth = base.command, spec.install or base.install, spec.auth_method or base.auth_method
        merged = PersonaSpec.model_validate(
            {"name": spec.name, "command": argv, "env": {**base.env, **spec.env}}
        )
        declared = merged.resolved_env(dict(server_env))
        agent_name = base.name
    else:
        assert spec.command
        argv, install, auth = spec.command, spec.install, spec.auth_method
        declared = spec.resolved_env(dict(server_env))
        agent_name = spec.name
    return make_launch(agent_name, argv, declared, server_env, install=install, auth_methods=auth)

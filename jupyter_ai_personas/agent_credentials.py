"""Which agents take which credential variables (for Settings › AI Personas, never the values),
and what to tell a person whose agent refuses for want of one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runtime import Runtime


async def _agents(runtime: Runtime) -> list[tuple[tuple[str, ...], list[Any]]]:
    """(credential names, the definitions that take them), for every persona of the server root."""
    merged = await runtime.catalog.personas_for(runtime.root_dir)
    groups: dict[tuple[str, ...], list[Any]] = {}
    for definition in merged.active.values():
        names_of = getattr(definition.persona_class, "credential_names", None)
        names = tuple(names_of(definition, runtime)) if callable(names_of) else ()
        if names:
            groups.setdefault(names, []).append(definition)
    return list(groups.items())


async def declared_names(runtime: Runtime) -> set[str]:
    return {name for names, _ in await _agents(runtime) for name in names}


async def describe_agents(runtime: Runtime) -> list[dict[str, Any]]:
    stored = runtime.credentials.names()
    described = []
    for names, definitions in await _agents(runtime):
        first = definitions[0]
        cls = first.persona_class
        variables = []
        for name in names:
            where = "settings" if name in stored else "environment" if runtime.environ.get(name) else None
            variables.append({"name": name, "set": where is not None, "where": where})
        described.append(
            {
                "personas": [d.name for d in definitions],
                "variables": variables,
                "unavailable": cls.unavailable_reason(first, runtime),
                "needs": cls.needs(first, runtime),
            }
        )
    return described


async def set_credential(runtime: Runtime, name: str, value: str | None) -> None:
    """Set (or with None, remove) a credential; idle agent processes that had it are stopped,
    so the next message starts the agent with the new value."""
    if value is None:
        runtime.credentials.unset(name)
    else:
        runtime.credentials.set(name, value, await declared_names(runtime))
    await runtime.agents.stop_idle_with_variable(name)


AUTH_REQUIRED = -32000  # ACP's error code for "authentication required"


def agent_error_text(name: str, exc: Exception, credential_names: list[str]) -> str:
    """An agent's error, and when it is about signing in, what the person can do about it."""
    text = f"⚠️ **{name}**'s agent answered with an error: {exc}"
    details = f"{exc} {getattr(exc, 'data', '') or ''}".lower()
    signing_in = getattr(exc, "code", None) == AUTH_REQUIRED or any(
        word in details for word in ("auth", "api key", "api_key", "not set", "login", "credential")
    )
    if credential_names and signing_in:
        listed = " or ".join(f"`{n}`" for n in credential_names[:2])
        text += (
            f"\n\n🔑 **{name}** needs {listed}, or a sign-in: set it in **Settings › AI Personas** "
            "(it takes effect with your next message, no restart needed), or use the agent's own "
            "sign-in there."
        )
    return text

"""Signing an agent in with its own login (ACP terminal auth methods), in a JupyterLab terminal.

The runtime advertises `auth.terminal`; agents that support it (claude-agent-acp 0.100+: your
Claude subscription, or the Anthropic Console) list methods that name the arguments to run
the agent's own program with. The person picks one in Settings › AI Personas and finishes
the login in a JupyterLab terminal (a link to open, a code to paste); the agent keeps the
login in its home folder, and the next message uses it.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from .acp_client.launch import AgentLaunch
    from .runtime import Runtime

# What the login command gets from the agent's environment: enough to find its program and
# keep its login, never the agent's keys (the command line is shown in the terminal).
SIGN_IN_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "TERM")


class SignInMethod(BaseModel):
    id: str
    name: str
    description: str = ""
    args: list[str] = []
    env: dict[str, str] = {}


class SignInError(Exception):
    """A sign-in that cannot be started; the message says why."""


def terminal_methods(auth_methods: list[Any]) -> list[SignInMethod]:
    """The agent's sign-ins a person runs in a terminal (ACP `type: terminal`)."""
    methods = []
    for method in auth_methods:
        data = method.model_dump(exclude_none=True) if hasattr(method, "model_dump") else dict(method)
        if data.get("type") != "terminal":
            continue
        env = data.get("env") or {}
        if isinstance(env, list):
            env = {item["name"]: item["value"] for item in env if "name" in item and "value" in item}
        methods.append(
            SignInMethod(
                id=data["id"],
                name=data.get("name") or data["id"],
                description=data.get("description") or "",
                args=list(data.get("args") or []),
                env=dict(env),
            )
        )
    return methods


def sign_in_command(launch: AgentLaunch, method: SignInMethod) -> list[str]:
    """The agent's program with the method's arguments, in an explicit environment; the terminal
    stays open afterwards so the person sees how it ended."""
    environment = {k: v for k, v in launch.environment.items() if k in SIGN_IN_VARIABLES}
    environment.update(method.env)
    command = shlex.join(
        ["env", "-i", *(f"{k}={v}" for k, v in environment.items()), *launch.argv, *method.args]
    )
    epilogue = (
        'status=$?; echo; echo "[sign-in ended with status $status: you can close this terminal]"; read _'
    )
    return ["sh", "-c", f"{command}; {epilogue}"]


async def offered_methods(runtime: Runtime, launch: AgentLaunch) -> list[SignInMethod]:
    """The terminal sign-ins the agent offers (its program is started if it is not running)."""
    missing = launch.missing_program()
    if missing:
        raise SignInError(f"the agent cannot start: {missing}")
    process = await runtime.agents.acquire(launch)
    return terminal_methods(list(process.init.auth_methods or []) if process.init else [])


def open_terminal(serverapp: Any, command: list[str]) -> str:
    """A JupyterLab terminal running `command`; its name, for JupyterLab to open it."""
    manager = serverapp.web_app.settings.get("terminal_manager")
    if manager is None:
        raise SignInError("this server has no terminals (jupyter_server_terminals is not enabled)")
    model = manager.create(shell_command=command)
    return str(model["name"])

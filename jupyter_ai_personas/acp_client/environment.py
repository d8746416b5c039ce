"""The environment an agent (and the commands it runs) gets: built, never inherited."""

from __future__ import annotations

import re
from collections.abc import Mapping

# What every agent gets from the server's environment, when set there.
BASE_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TERM")
# Never passed, even when a spec names them: the Jupyter token, and IS_SANDBOX (with any
# value but 1 it makes claude-agent-acp refuse to run as root).
_SECRETS = re.compile(r"^(JUPYTER\w*TOKEN|JPY_\w*|JUPYTERHUB_\w*TOKEN\w*|IS_SANDBOX)$")
# Never set by an agent on the commands it runs through terminal/create.
TERMINAL_DENYLIST = frozenset(
    {
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "LD_AUDIT",
        "DYLD_INSERT_LIBRARIES",
        "DYLD_LIBRARY_PATH",
        "BASH_ENV",
        "ENV",
        "PROMPT_COMMAND",
        "PYTHONSTARTUP",
        "PYTHONINSPECT",
        "NODE_OPTIONS",
        "PERL5OPT",
        "RUBYOPT",
        "GIT_SSH_COMMAND",
        "GIT_EXEC_PATH",
        "SHELLOPTS",
        "IFS",
    }
)


def is_secret(name: str) -> bool:
    return bool(_SECRETS.match(name))


def agent_environment(server_env: Mapping[str, str], declared: Mapping[str, str]) -> dict[str, str]:
    """PATH, HOME, locale and the like from the server, plus what the persona declares."""
    env = {name: server_env[name] for name in BASE_VARIABLES if name in server_env}
    env.update({k: v for k, v in server_env.items() if k.startswith("LC_")})
    env.update(declared)
    return {name: value for name, value in env.items() if not is_secret(name)}


def terminal_environment(agent_env: Mapping[str, str], requested: Mapping[str, str]) -> dict[str, str]:
    """The agent's environment plus the variables it asks for, minus the dangerous ones."""
    env = dict(agent_env)
    for name, value in requested.items():
        if name not in TERMINAL_DENYLIST and not is_secret(name) and name.isidentifier():
            env[name] = value
    return env

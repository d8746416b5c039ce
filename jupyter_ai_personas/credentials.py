"""Agents' credentials set from JupyterLab, kept by the server for its user.

A person gives an agent its key in Settings › AI Personas instead of editing the server's
environment. Values live in a file in Jupyter's data folder (outside the server root, mode
0600), are never sent back to a browser, never reach a chat or a notebook, and are passed
only to the agents that declare the variable. They take effect with the agent's next start,
no server restart: a launch whose environment changed is a new agent process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

from .acp_client.environment import BASE_VARIABLES, is_secret
from .private_file import read_mapping, write_mapping

_NAME = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


class CredentialError(ValueError):
    """A variable that cannot be stored; the message says why."""


class CredentialStore:
    def __init__(self, path: Path | None, log: logging.Logger | None = None):
        self.path = path
        self.log = log or logging.getLogger(__name__)
        self._values: dict[str, str] = self._read()

    def _read(self) -> dict[str, str]:
        return read_mapping(self.path, "variables", self.log, "no credentials are used")

    def values(self) -> dict[str, str]:
        return dict(self._values)

    def names(self) -> set[str]:
        return set(self._values)

    def set(self, name: str, value: str, allowed: Iterable[str]) -> None:
        check_name(name, allowed)
        if not value or "\x00" in value or len(value) > 16_384:
            raise CredentialError("give a value (at most 16 KB, no NUL character)")
        self._values[name] = value
        self._write()

    def unset(self, name: str) -> bool:
        found = self._values.pop(name, None) is not None
        if found:
            self._write()
        return found

    def _write(self) -> None:
        write_mapping(self.path, "variables", self._values)


def check_name(name: str, allowed: Iterable[str]) -> None:
    """Only variables an agent declares as its credentials, never PATH, HOME or Jupyter's tokens."""
    if not _NAME.match(name) or name in BASE_VARIABLES or is_secret(name):
        raise CredentialError(f"{name!r} is not a variable an agent can be given here")
    if name not in set(allowed):
        raise CredentialError(f"no agent declares {name} as a credential")

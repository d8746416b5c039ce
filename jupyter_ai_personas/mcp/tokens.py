"""Per-session bearer tokens for the MCP endpoint: minted for one ACP session, revoked with it.

Agents get one of these, never the Jupyter token.
"""

from __future__ import annotations

import secrets

from pydantic import BaseModel, ConfigDict


class McpCaller(BaseModel):
    """Who is calling the tools: shown to people as a collaborator in the notebooks it edits."""

    model_config = ConfigDict(frozen=True)

    username: str
    name: str
    color: str | None = None
    avatar_url: str | None = None
    chat_path: str | None = None


class McpTokens:
    def __init__(self) -> None:
        self._callers: dict[str, McpCaller] = {}

    def mint(self, caller: McpCaller) -> str:
        token = secrets.token_urlsafe(32)
        self._callers[token] = caller
        return token

    def revoke(self, token: str | None) -> None:
        if token:
            self._callers.pop(token, None)

    def lookup(self, token: str) -> McpCaller | None:
        for known, caller in self._callers.items():
            if secrets.compare_digest(known, token):
                return caller
        return None

    def __len__(self) -> int:
        return len(self._callers)

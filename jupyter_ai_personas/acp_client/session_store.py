"""SessionStore: what a chat keeps of one persona's agent session, in its metadata.

The session id (with the agent program it belongs to, so that a restart resumes it with the
same program) and the usage the agent reported. Kept in the chat file: it survives restarts.
"""

from __future__ import annotations

from typing import Any

from ..chat import ChatWriter


class SessionStore:
    def __init__(self, chat: ChatWriter, persona_id: str):
        self.chat = chat
        self.persona_id = persona_id

    def _sessions(self) -> dict[str, Any]:
        return dict(self.chat.state().get("sessions") or {})

    def _entry(self) -> dict[str, Any]:
        return dict(self._sessions().get(self.persona_id) or {})

    def _put(self, entry: dict[str, Any] | None) -> None:
        sessions = self._sessions()
        if entry is None:
            sessions.pop(self.persona_id, None)
        else:
            sessions[self.persona_id] = entry
        self.chat.update_state(sessions=sessions)

    def stored(self, program_keys: tuple[str, ...]) -> str | None:
        """The stored session id, when it belongs to one of these programs."""
        entry = self._entry()
        return entry.get("id") if entry.get("agent") in program_keys else None

    def store(self, session_id: str, program_key: str) -> None:
        self._put({**self._entry(), "id": session_id, "agent": program_key})

    def forget(self) -> None:
        self._put(None)

    def record_usage(self, usage: dict[str, Any] | None) -> None:
        if usage:
            entry = self._entry()
            entry["usage"] = {**(entry.get("usage") or {}), **usage}
            self._put(entry)

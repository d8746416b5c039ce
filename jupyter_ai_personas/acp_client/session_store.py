"""SessionStore: what a chat keeps of one persona's agent session, in its metadata.

The session id (with the agent program it belongs to, so that a restart resumes it with the
same program) and the usage the agent reported. Kept in the chat file: it survives restarts.
"""

from __future__ import annotations

from typing import Any

from ..chat import ChatWriter
from ..message_meta import StoredSession


class SessionStore:
    def __init__(self, chat: ChatWriter, persona_id: str):
        self.chat = chat
        self.persona_id = persona_id
        # A mode decides whether the agent asks before it acts: a pick lives in the server's
        # memory only, as "always" answers do. The chat file is writable by collaborators and,
        # once allowed, agents: a mode read from it could make an agent stop asking.
        self._mode: str | None = None

    def _entry(self) -> StoredSession:
        return self.chat.state().sessions.get(self.persona_id) or StoredSession()

    def _put(self, entry: StoredSession) -> None:
        state = self.chat.state()
        state.sessions[self.persona_id] = entry
        self.chat.save_state(state)

    def stored(self, program_keys: tuple[str, ...]) -> str | None:
        """The stored session id, when it belongs to one of these programs."""
        entry = self._entry()
        return entry.id if entry.agent in program_keys else None

    def store(self, session_id: str, program_key: str) -> None:
        entry = self._entry().model_copy(update={"id": session_id, "agent": program_key})
        self._put(entry)

    def forget(self) -> None:
        """No session for this persona here: the next one starts afresh (with the same picks)."""
        state = self.chat.state()
        entry = state.sessions.pop(self.persona_id, None)
        if entry is not None:
            if entry.chosen:
                state.sessions[self.persona_id] = StoredSession(chosen=entry.chosen)
            self.chat.save_state(state)

    def chosen(self) -> dict[str, str]:
        """A person's picks for this chat: the model kept with the chat, the mode in memory."""
        picks = {k: v for k, v in self._entry().chosen.items() if k == "model"}
        return picks | ({"mode": self._mode} if self._mode else {})

    def choose(self, category: str, value: str) -> None:
        if category == "mode":
            self._mode = value
            return
        entry = self._entry()
        self._put(entry.model_copy(update={"chosen": {**entry.chosen, category: value}}))

    def record_usage(self, usage: dict[str, Any] | None) -> None:
        if usage:
            entry = self._entry()
            entry = entry.model_copy(update={"usage": {**entry.usage, **usage}})
            self._put(entry)

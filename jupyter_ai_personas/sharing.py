"""Who may steer a persona's work on a shared server (JupyterHub's sharing): answer its
permission requests and questions, and stop its reply. The person who asked for the turn, and
the server's owner, whose agents and keys do the work. A server without an owner (one person's
own, outside JupyterHub) lets everyone who reaches it do so, as before."""

from __future__ import annotations

from collections.abc import Callable


class Steering:
    def __init__(
        self,
        owner: str | None,
        requester_of: Callable[[str], str | None],
        name_of: Callable[[str], str] = str,
    ):
        self.owner = owner or None
        self.requester_of = requester_of  # persona id -> who asked for its current turn
        self.name_of = name_of  # persona id -> its mention name

    def may(self, persona_id: str, username: str | None) -> bool:
        if self.owner is None or username == self.owner:
            return True
        requester = self.requester_of(persona_id)
        return requester is not None and username == requester

    def check(self, persona_id: str, username: str | None) -> str | None:
        """Why `username` may not steer this persona's work; None when they may."""
        return None if self.may(persona_id, username) else self.refusal(persona_id)

    def refusal(self, persona_id: str) -> str:
        persona_name = self.name_of(persona_id)
        requester = self.requester_of(persona_id)
        asker = f"**{requester}**, who asked," if requester else "the person who asked"
        return (
            f"🔒 Only {asker} or **{self.owner}**, whose server and keys these are, may answer or "
            f"stop @{persona_name}'s work here."
        )

    def note(self) -> str | None:
        """What `/personas` says of a shared server."""
        if self.owner is None:
            return None
        return (
            f"This server is **{self.owner}**'s: its agents run with {self.owner}'s programs and keys. "
            "A persona's requests and replies can be answered or stopped by the person who asked and "
            f"by {self.owner}."
        )

"""`/sessions @Name N` chooses by the list's number, never by an id that starts with N."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from jupyter_ai_personas.router import session_commands


class Persona:
    def __init__(self, ids: list[str]):
        self.sessions = [SimpleNamespace(session_id=i, title=f"t{i[:2]}", updated_at=None) for i in ids]
        self.continued: list[str] = []

    async def agent_sessions(self):
        return self.sessions, self.sessions[0].session_id

    async def continue_session(self, session_id: str) -> None:
        self.continued.append(session_id)


def run(args: str, persona: Persona) -> str:
    definition = SimpleNamespace(mention_name="Agent", id="agent")
    entry = SimpleNamespace(definition=definition, persona=persona, runner=None)
    manager = SimpleNamespace(mention_index=lambda: {"agent": "a"}, entries={"a": entry})
    ctx = SimpleNamespace(args=args, manager=manager, steering=None, sender="alice")
    return asyncio.run(session_commands.sessions_command(ctx))  # type: ignore[arg-type]


def test_a_number_is_a_place_in_the_list_and_an_id_needs_four_characters():
    persona = Persona(["96eaa11e", "bae37b6b"])
    assert "no such conversation" in run("@Agent 9", persona)  # not the id starting with 9
    assert persona.continued == []
    run("@Agent 2", persona)
    run("@Agent 96ea", persona)
    assert persona.continued == ["bae37b6b", "96eaa11e"]
    assert "no such conversation" in run("@Agent 96e", persona)

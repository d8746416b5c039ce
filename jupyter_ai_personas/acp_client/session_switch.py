"""`/new` and `/sessions`: a chat starts a new conversation with an agent, or goes back to an
earlier one that the agent lists (ACP `session/list`). Either takes effect at the next mention,
which opens the new session or resumes the chosen one (`session/resume` or `session/load`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .agent_session import AgentSession

MAX_PAGES = 5


class SessionSwitchError(Exception):
    """What cannot be done with this agent's sessions; the message says why."""


async def start_new(session: AgentSession) -> None:
    """The next mention opens a new session, told nothing of this chat's earlier conversation."""
    await session.close()
    session.parts.store.forget()
    session.preamble.clear()


async def listed(session: AgentSession) -> tuple[list[Any], str | None]:
    """The agent's sessions for this chat's folder (newest first, as the agent gives them), and
    the id of the one this chat uses."""
    launch = session.parts.launch()
    process = await session.supervisor.acquire(launch)
    if process.capability("session_capabilities", "list") is None:
        raise SessionSwitchError(f"{launch.name} does not list its sessions (no ACP `session/list`)")
    found: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = await process.connection.list_sessions(cwd=str(session.cwd), cursor=cursor)
        found += response.sessions
        cursor = response.next_cursor
        if not cursor:
            break
    return found, session.parts.store.stored((launch.program_key, launch.key))


async def switch_to(session: AgentSession, session_id: str) -> None:
    """This chat continues `session_id` from its next mention."""
    await session.close()
    session.preamble.clear()
    session.parts.store.store(session_id, session.parts.launch().program_key)

"""Sending a person's message into the turn an agent is working on (steering).

A message for a busy persona waits for its turn. An agent that announces the steering extension
(`InitializeResponse._meta.steering.supported`, claude-agent-acp 0.101) also takes a message
into the running turn: `_session/steering` with the prompt's content blocks. With
`idleBehavior: promptRequired` an agent whose turn has just ended answers `promptRequired`
instead of starting a turn of its own, and the message stays with the runtime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..persona import SendNowOutcome
    from .agent_session import AgentSession
    from .process import AgentProcess

STEER_METHOD = "session/steering"  # the SDK's ext_method adds the leading "_"
STEER_TIMEOUT = 10.0  # seconds: the agent answers at once (the steered text streams later)


def steers(process: AgentProcess | None) -> bool:
    """Whether the agent announced that it takes messages during a turn."""
    init = process.init if process is not None else None
    meta = (init.field_meta if init is not None else None) or {}
    steering = meta.get("steering")
    return isinstance(steering, dict) and steering.get("supported") is True


def can_steer(session: AgentSession | None) -> bool:
    """A turn is under way in a session whose agent takes messages during a turn."""
    return (
        session is not None
        and session.renderer is not None  # set for the length of a prompt
        and session.session_id is not None
        and session.process is not None
        and session.process.alive
        and steers(session.process)
    )


async def steer(
    session: AgentSession, blocks: list[Any], still_current: Callable[[], bool]
) -> SendNowOutcome:
    """Send `blocks` into the running turn, if `still_current()` (the turn it was meant for)
    right before they go. "refused": nothing reached the agent, or it answered that no turn is
    under way (the caller queues the message again); "unknown": it may have reached the agent
    (a timeout, a lost connection, or an agent that started a turn of its own for it)."""
    from acp import RequestError

    renderer = session.renderer
    if not can_steer(session) or not still_current():
        return "refused"
    if renderer is not None:
        # before the request: the agent's answer to it can stream in before its reply is read
        renderer.break_reply()
    params = {
        "sessionId": session.session_id,
        "prompt": [block.model_dump(mode="json", by_alias=True, exclude_none=True) for block in blocks],
        "_meta": {"steering": {"idleBehavior": "promptRequired"}},
    }
    try:
        answer = await asyncio.wait_for(session.connection.ext_method(STEER_METHOD, params), STEER_TIMEOUT)
    except RequestError:  # the agent refused the request itself: nothing was taken
        return "refused"
    except (TimeoutError, ConnectionError):
        return "unknown"
    outcome = answer.get("outcome") if isinstance(answer, dict) else None
    if outcome == "injected":
        return "injected"
    return "refused" if outcome == "promptRequired" else "unknown"

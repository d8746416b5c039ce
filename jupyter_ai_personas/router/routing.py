"""Which personas a person's message is for: the routing rules, as a pure function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from jupyterlab_chat.models import Message

from .mentions import mentioned

TO_PERSONA_KEY = "to_persona"  # set by the Jupyter AI persona picker


@dataclass
class RoutingContext:
    """What the rules need to know about the chat."""

    mention_index: dict[str, str]  # lower-case mention name -> persona key
    lookup: Callable[[str], str | None]  # persona id or name -> persona key
    people_mention_names: set[str]  # lower-case mention names of the chat's people
    people_count: int
    sticky_target: str | None = None  # the persona this sender addressed last
    default_target: str | None = None
    sticky_enabled: bool = True


@dataclass
class Route:
    targets: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # @names that are no persona and no person
    explicit: bool = False  # the message named its targets (vs. sticky or default)


def route_message(message: Message, ctx: RoutingContext) -> Route:
    """Targets of a person's message.

    Explicit targets come from @mentions in the body, `message.mentions` and
    `metadata.to_persona`. Without any, a chat with one person falls back to the
    persona that person addressed last (if enabled), then to the default persona;
    a chat with several people routes only explicit mentions.
    """
    targets, unknown_names = mentioned(message.body or "", ctx.mention_index)
    for username in message.mentions or []:
        key = ctx.lookup(username)
        if key is not None and key not in targets:
            targets.append(key)
    to_persona = (message.metadata or {}).get(TO_PERSONA_KEY)
    if isinstance(to_persona, str) and to_persona:
        key = ctx.lookup(to_persona)
        if key is not None and key not in targets:
            targets.append(key)
    unknown = [name for name in unknown_names if name not in ctx.people_mention_names]
    if targets:
        return Route(targets=targets, unknown=unknown, explicit=True)
    if ctx.people_count <= 1 and not unknown:
        if ctx.sticky_enabled and ctx.sticky_target is not None:
            return Route(targets=[ctx.sticky_target])
        if ctx.default_target is not None:
            return Route(targets=[ctx.default_target])
    return Route(unknown=unknown)

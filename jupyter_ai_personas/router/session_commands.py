"""`/new @Name` and `/sessions @Name [N]`: start a new conversation with an agent in this chat, or
list the agent's conversations in this folder and continue one of them here."""

from __future__ import annotations

import asyncio
from typing import Any

from ..manager import PersonaEntry
from .commands import CommandContext, CommandRegistry, SlashCommand
from .mentions import mentioned


async def _one(ctx: CommandContext, usage: str) -> tuple[PersonaEntry | None, str, str]:
    """The persona a command names, the rest of its words, or what to say instead."""
    keys, _ = mentioned(ctx.args, ctx.manager.mention_index())
    if len(keys) != 1:
        return None, "", f"Say which persona: `{usage}`."
    entry = ctx.manager.entries[keys[0]]
    name = entry.definition.mention_name
    rest = " ".join(w for w in ctx.args.split() if not w.startswith("@"))
    if entry.persona is None:
        ctx.manager.refresh_availability(entry)
    if entry.persona is None:
        return None, "", f"@{name} is unavailable here: {entry.unavailable or 'see `/personas`'}."
    if not callable(getattr(entry.persona, "agent_sessions", None)):
        return None, "", f"@{name} is no agent: it keeps no conversations."
    refused = ctx.steering.check(entry.definition.id, ctx.sender) if ctx.steering else None
    if refused:  # the owner's conversations, on a shared server
        return None, "", refused
    for _ in range(40):  # a turn that just answered may still be ending: wait for it, briefly
        if entry.runner is None or not entry.runner.busy:
            break
        await asyncio.sleep(0.05)
    else:
        return None, "", f"@{name} is working: `/stop @{name}` first."
    return entry, rest, ""


async def new_command(ctx: CommandContext) -> str:
    entry, _, problem = await _one(ctx, "/new @Name")
    if entry is None:
        return problem
    name = entry.definition.mention_name
    await entry.persona.start_new_session()  # type: ignore[union-attr]
    return (
        f"🆕 @{name} starts a new conversation with your next message here; "
        f"`/sessions @{name}` lists the earlier ones."
    )


def _line(number: int, info: Any, current: str | None) -> str:
    title = (info.title or "untitled").strip().replace("\n", " ")[:80]
    when = f" · {info.updated_at[:16].replace('T', ' ')}" if info.updated_at else ""
    here = " ← this chat" if info.session_id == current else ""
    return f"{number}. {title}{when} · `{info.session_id[:8]}`{here}"


async def sessions_command(ctx: CommandContext) -> str:
    entry, choice, problem = await _one(ctx, "/sessions @Name [number]")
    if entry is None:
        return problem
    name, persona = entry.definition.mention_name, entry.persona
    try:
        sessions, current = await persona.agent_sessions()  # type: ignore[union-attr]
    except Exception as exc:  # SessionSwitchError, or an agent that failed to answer
        return f"Cannot list @{name}'s conversations: {exc}"
    if choice:
        number = choice.lstrip("#")
        if number.isdigit() and len(number) <= 3:  # a number of the list, never an id's first digits
            chosen = [sessions[int(number) - 1]] if 1 <= int(number) <= len(sessions) else []
        else:  # or the start of a session id, long enough to mean one
            chosen = [info for info in sessions if len(choice) >= 4 and info.session_id.startswith(choice)]
        if len(chosen) != 1:
            return f"`/sessions @{name} {choice}`: no such conversation; `/sessions @{name}` lists them."
        await persona.continue_session(chosen[0].session_id)  # type: ignore[union-attr]
        title = chosen[0].title or chosen[0].session_id[:8]
        return f"↩️ @{name} continues “{title}” with your next message here."
    if not sessions:
        return f"@{name} has no conversations in this folder yet."
    lines = [f"**@{name}'s conversations in this folder** (newest first)", ""]
    lines += [_line(number, info, current) for number, info in enumerate(sessions[:30], 1)]
    lines += ["", f"`/sessions @{name} 2` continues conversation 2 here; `/new @{name}` starts another."]
    return "\n".join(lines)


def register_session_commands(registry: CommandRegistry) -> None:
    registry.register(
        SlashCommand("new", "start a new conversation with an agent in this chat", new_command, usage="@Name")
    )
    registry.register(
        SlashCommand(
            "sessions",
            "an agent's conversations in this folder; continue one here",
            sessions_command,
            usage="@Name [number]",
        )
    )

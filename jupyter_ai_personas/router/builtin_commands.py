"""The commands every chat has: /help, /personas, /refresh, /stop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ..manager import PersonaEntry
from ..permissions import PermissionAnswerError
from .commands import CommandContext, CommandRegistry, SlashCommand
from .mentions import mentioned


def _persona_line(entry: PersonaEntry) -> str:
    definition = entry.definition
    avatar = f"{definition.avatar} " if definition.avatar else ""
    description = f" — {definition.description}" if definition.description else ""
    if entry.unavailable:
        state = f"⛔ unavailable: {entry.unavailable}"
    elif entry.needs:
        state = f"🔑 {entry.needs}"
    elif entry.runner is not None and entry.runner.busy:
        queued = f", {entry.runner.queued} queued" if entry.runner.queued else ""
        state = f"✍️ working{queued}"
    else:
        state = "✅ ready"
    line = f"- {avatar}**@{definition.mention_name}**{description}  \n  _{definition.source.label}_ · {state}"
    consent = getattr(entry.persona, "consent_state", None)
    rules = getattr(entry.persona, "policy_rules", None)
    if callable(consent) and not entry.unavailable:
        policy = ", ".join(f"{k}: {v}" for k, v in sorted(rules().items())) if callable(rules) else ""
        line += f"  \n  {consent()}" + (f" · policy: {policy}" if policy else "")
    return line


async def help_command(ctx: CommandContext) -> str:
    lines = ["**Talk to a persona** by mentioning it: `@Name your question`."]
    names = [f"`@{e.definition.mention_name}`" for e in ctx.manager.entries.values()]
    lines.append("Personas here: " + (", ".join(names) if names else "none") + ".")
    if ctx.sticky_routing:
        lines.append(
            "When you are the only person in the chat, a message without a mention goes to "
            "the persona you addressed last."
        )
    lines.append("\n**Commands**")
    for command in ctx.commands.all():
        usage = f" {command.usage}" if command.usage else ""
        lines.append(f"- `/{command.name}{usage}` — {command.summary}")
    for entry in ctx.manager.entries.values():
        extra = getattr(entry.persona, "help_lines", None)
        if callable(extra):
            lines.extend(extra())
    return "\n".join(lines)


async def personas_command(ctx: CommandContext) -> str:
    manager = ctx.manager
    lines = ["**Personas in this chat**", ""]
    for entry in manager.entries.values():
        manager.refresh_availability(entry)
        lines.append(_persona_line(entry))
    if not manager.entries:
        lines.append("_No personas are installed._")
    merged = manager.merged
    if merged.disabled:
        lines += ["", "**Disabled**"]
        lines += [f"- @{d.mention_name} _{d.source.label}_" for d in merged.disabled]
    if merged.overridden:
        lines += ["", "**Replaced** (a later source has a persona of the same name)"]
        lines += [
            f"- @{old.mention_name} from _{old.source.label}_ → _{new.source.label}_"
            for old, new in merged.overridden
        ]
    if merged.problems:
        lines += ["", "**Could not be loaded**"]
        lines += [f"- _{p.source}_: {p.message}" for p in merged.problems]
    shared = ctx.steering.note() if ctx.steering else None
    return "\n".join(lines + _tool_lines(ctx) + (["", shared] if shared else []))


def _tool_lines(ctx: CommandContext) -> list[str]:
    """The Jupyter tools every agent session gets (MCP), and the extension tools that failed."""
    gateway = ctx.manager.runtime.mcp_gateway
    if gateway is None:
        return ["", "**Jupyter tools**: off (`c.PersonasExtension.notebook_tools`)"]
    tools = gateway.tools
    extra = ", ".join(f"`{t.name}`" for t in tools.extensions)
    lines = [
        "",
        f"**Jupyter tools**: each agent session gets {len(tools)} tools (MCP)"
        + (f", from extensions: {extra}" if extra else ""),
    ]
    if tools.problems:
        lines += ["", "**Tools that could not be added**"]
        lines += [f"- {problem}" for problem in tools.problems]
    return lines


def refresh_command(refresh_all: Callable[[], Awaitable[None]]) -> SlashCommand:
    async def handler(ctx: CommandContext) -> str:
        await refresh_all()
        count = len(ctx.manager.entries)
        problems = len(ctx.manager.merged.problems)
        suffix = f"; {problems} could not be loaded (see `/personas`)" if problems else ""
        return f"🔄 Reloaded every persona source: {count} personas here{suffix}."

    return SlashCommand("refresh", "reload personas from packages, built-ins and folders", handler)


async def stop_command(ctx: CommandContext) -> str | None:
    manager = ctx.manager
    if ctx.args:
        keys, unknown = mentioned(ctx.args, manager.mention_index())
        if not keys:
            return f"`/stop {ctx.args}`: no such persona here. Use `/stop @Name`."
        stopped = []
        for key in keys:
            persona_id = manager.entries[key].definition.id
            refused = ctx.steering.check(persona_id, ctx.sender) if ctx.steering else None
            if refused:
                return refused
            stopped += await manager.stop(ctx.sender, key)
    else:
        stopped = await manager.stop(ctx.sender)
    if not stopped:
        return "Nothing to stop: no reply to you is in progress."
    return None  # the stopped replies carry the mark


async def restart_command(ctx: CommandContext) -> str:
    manager = ctx.manager
    keys, _ = mentioned(ctx.args, manager.mention_index())
    if not keys:
        return "Say which persona to restart: `/restart @Name`."
    names = []
    for key in keys:
        entry = manager.entries[key]
        await manager.stop(None, key)
        if entry.persona is not None:
            await entry.persona.restart()
        names.append(f"@{entry.definition.mention_name}")
    return f"🔄 Restarted {', '.join(names)}: the next message starts afresh."


def permission_command(word: str, summary: str) -> SlashCommand:
    async def handler(ctx: CommandContext) -> str | None:
        number: int | None = None
        if ctx.args:
            try:
                number = int(ctx.args.strip().lstrip("#"))
            except ValueError:
                return f"`/{word} {ctx.args}`: give the number of the request, e.g. `/{word} 2`."
        by = ctx.sender_name
        try:
            ctx.permissions.answer_word(word, number, by, ctx.sender)
        except PermissionAnswerError as exc:
            return str(exc)
        return None  # the request's message now shows the answer

    return SlashCommand(word, summary, handler, usage="[request number]")


async def permissions_command(ctx: CommandContext) -> str:
    """What each persona may do without asking here, and the "always" answers given in this chat."""
    from ..acp_client.consent import describe_key

    manager, broker = ctx.manager, ctx.permissions
    words = ctx.args.split()
    if words and words[0].lower() in ("clear", "revoke"):
        keys, _ = mentioned(" ".join(words[1:]), manager.mention_index())
        if words[1:] and not keys:
            return (
                "Say whose answers to forget: `/permissions clear @Name` "
                "(or every persona's: `/permissions clear`)."
            )
        ids = [manager.entries[key].definition.id for key in keys] or [None]
        count = sum(broker.revoke_always(persona_id) for persona_id in ids)
        return f"🔒 Forgot {count} “always” answer{'s' if count != 1 else ''}: those tool calls ask again."
    lines = ["**What personas may do here without asking**", ""]
    for entry in manager.entries.values():
        policy = getattr(entry.persona, "policy_rules", None)
        rules = policy() if callable(policy) else {}
        always = sorted(broker.always_for(entry.definition.id))
        if not rules and not always:
            continue
        allowed = ", ".join(f"{kind}: {answer}" for kind, answer in sorted(rules.items())) or "none"
        lines.append(f"- **@{entry.definition.mention_name}** — policy: {allowed}")
        for key in always:
            lines.append(f"  - “always”: {describe_key(key)}")
    lines += [
        "",
        "Policies and “always” answers apply only inside the server root and never to hidden or "
        "protected paths, which always ask. `/permissions clear [@Name]` forgets the “always” answers.",
    ]
    return "\n".join(lines)


TrustFile = Callable[..., Awaitable[str]]


def trust_command(trust_file: TrustFile) -> SlashCommand:
    async def handler(ctx: CommandContext) -> str:
        words = ctx.args.split()
        if not words:
            waiting = ctx.manager.merged.untrusted
            if not waiting:
                return "No persona file of this chat waits for trust."
            lines = ["**Persona files waiting for your trust** (read each one first):", ""]
            lines += [f"- `{u.label}` — {'; '.join(u.reasons)}: `{u.command()}`" for u in waiting]
            return "\n".join(lines)
        by = ctx.sender_name
        try:
            return await trust_file(words[0], words[1] if len(words) > 1 else "", by=by)
        except Exception as exc:  # TrustError: a message for the person
            return f"🔒 Not trusted: {exc}"

    return SlashCommand(
        "trust",
        "load a persona file that runs code, once you have read it",
        handler,
        usage="[path sha256]",
    )


async def answer_command(ctx: CommandContext) -> str | None:
    """`/answer [N] <text>`: answer a persona's question (an option's number or title, free text,
    or `decline`)."""
    from ..questions import QuestionAnswerError

    words = ctx.args.split(maxsplit=1)
    number: int | None = None
    text = ctx.args
    if words and words[0].lstrip("#").isdigit() and len(words) == 2:
        number, text = int(words[0].lstrip("#")), words[1]
    by = ctx.sender_name
    try:
        ctx.questions.answer(number, by=by, text=text, username=ctx.sender)
    except QuestionAnswerError as exc:
        return str(exc)
    return None  # the question's message now shows the answer


def register_builtin_commands(
    registry: CommandRegistry, refresh_all: Callable[[], Awaitable[None]], trust_file: TrustFile
) -> None:
    registry.register(SlashCommand("help", "what you can do here", help_command))
    registry.register(
        SlashCommand("personas", "every persona, where it comes from, and its state", personas_command)
    )
    registry.register(refresh_command(refresh_all))
    registry.register(trust_command(trust_file))
    registry.register(
        SlashCommand(
            "stop", "stop the replies to you (or one persona's reply)", stop_command, usage="[@Name]"
        )
    )
    registry.register(
        SlashCommand("restart", "restart a persona (an agent's program too)", restart_command, usage="@Name")
    )
    registry.register(permission_command("allow", "allow what a persona asked to do, once"))
    registry.register(
        permission_command(
            "always", "allow it, and the same kind of call again in this chat (inside the root)"
        )
    )
    registry.register(permission_command("reject", "refuse what a persona asked to do"))
    registry.register(
        SlashCommand(
            "answer", "answer a persona's question", answer_command, usage="[question number] <answer>"
        )
    )
    registry.register(
        SlashCommand(
            "permissions",
            "what personas may do without asking; `clear` forgets “always” answers",
            permissions_command,
            usage="[clear [@Name]]",
        )
    )

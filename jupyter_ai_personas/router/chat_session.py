"""ChatSession: one attached chat. Sees each new message once and routes it."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from jupyterlab_chat.models import Message
from jupyterlab_chat.ychat import YChat
from pycrdt import ArrayEvent

from ..chat import ChatWriter
from ..chat_saving import ChatSaver
from ..definitions import SYSTEM_USER_ID
from ..manager import PersonaEntry, PersonaManager
from ..message_meta import Notice, PassedOn, metadata
from ..permissions import PermissionBroker
from ..persona import BasePersona
from ..questions import QuestionBroker
from ..runtime import Runtime
from ..sharing import Steering
from ..turn_writer import Turn
from ..upstream import room_applies_file
from .commands import CommandContext, CommandRegistry, parse_command
from .mentions import mentioned
from .routing import RoutingContext, route_message

_MESSAGE_FIELDS = {f.name for f in dataclasses.fields(Message)}


def message_from(data: dict[str, Any]) -> Message:
    return Message(**{k: v for k, v in data.items() if k in _MESSAGE_FIELDS})


class ChatSession:
    def __init__(
        self,
        ychat: YChat,
        chat_id: str,
        path: str,
        runtime: Runtime,
        commands: CommandRegistry,
        seen: set[str],
    ):
        self.ychat = ychat
        self.chat_id = chat_id
        self.path = path
        self.runtime = runtime
        self.commands = commands
        self.chat_dir: Path = runtime.chat_dir(path)
        settings = runtime.settings
        self.saver = ChatSaver(runtime.serverapp, ychat)
        self.writer = ChatWriter(
            ychat,
            flush_interval=settings.flush_interval,
            max_message_chars=settings.max_message_chars,
            live_replies=settings.live_replies,
            saver=self.saver,
        )
        self.steering = Steering(settings.server_owner, self._requester_of, self._name_of)
        self.permissions = PermissionBroker(
            self.writer, timeout=settings.permission_timeout, steering=self.steering
        )
        self.questions = QuestionBroker(
            self.writer, timeout=settings.permission_timeout, steering=self.steering
        )
        self.manager = PersonaManager(
            runtime,
            self.writer,
            path,
            permissions=self.permissions,
            questions=self.questions,
            on_turn_end=self._on_turn_end,
        )
        self._seen = seen
        self._history: set[str] = set()  # messages that came from the file, never answered
        self._unanswered: list[Message] = []  # such messages, to be said in the chat
        self._sticky: dict[str, str] = {}
        self._subscription: Any = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.closed = False

    # -- life cycle --------------------------------------------------------------------
    async def start(self, history: set[str]) -> None:
        """Attach: `history` is the ids of the messages in the chat's file when its room loaded
        (see `chat_loads`); the others were posted since, and are answered. The set is live:
        messages that reach the chat through its file later are added to it."""
        self._history = history
        self.writer.ensure_user(self.runtime.system_user())
        self.permissions.expire_stale()
        await self.reload()
        # from here to the subscription nothing awaits: no message can slip between the two
        fresh = []
        for data in self.ychat.ymessages.to_py() or []:
            message_id = data.get("id")
            if not message_id or message_id in self._seen:
                continue
            self._seen.add(message_id)
            if message_id not in history:
                fresh.append(message_from(data))
        self._subscription = self.ychat.ymessages.observe(self._on_messages_event)
        self.writer.settle_attached()
        for message in fresh:
            self.spawn(self.handle(message))

    def _name_of(self, persona_id: str) -> str:
        entry = self.manager.by_id_or_name(persona_id)
        return entry.definition.mention_name if entry is not None else persona_id

    def _requester_of(self, persona_id: str) -> str | None:
        entry = self.manager.by_id_or_name(persona_id)
        turn = entry.runner.current if entry is not None and entry.runner is not None else None
        return turn.requester if turn is not None else None

    def prepare_shutdown(self) -> tuple[Any, Any] | None:
        """The server stops: mark the replies in progress, and take what is to be saved.

        Nothing here awaits, so the snapshot is taken before the collaboration extension,
        stopping at the same time, drops its rooms.
        """
        self.manager.interrupt_turns("⏹ *interrupted: the server stopped*")
        snapshot = self.saver.snapshot()
        self.saver.close()
        return snapshot

    async def close(self) -> None:
        self.closed = True
        self.saver.close()
        if self._subscription is not None:
            try:
                self.ychat.ymessages.unobserve(self._subscription)
            except Exception:
                pass
            self._subscription = None
        for task in list(self._tasks):
            task.cancel()
        self.permissions.close()
        self.questions.cancel()
        await self.manager.close()

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.runtime.log.error("chat %s: handling failed", self.path, exc_info=task.exception())

    # -- personas ----------------------------------------------------------------------
    def folders(self) -> set[Path]:
        return set(self.runtime.catalog.watched_folders(self.chat_dir))

    async def reload(self) -> None:
        """Bring this chat's personas in step with their sources and report problems."""
        merged = await self.runtime.catalog.personas_for(self.chat_dir)
        if self.closed:
            return
        self.manager.apply(merged)
        problems = [f"**{p.source}**: {p.message}" for p in merged.problems]
        problems += [
            f"**{new.source.label}**: `{new.name}` replaces the persona of the same name "
            f"from {old.source.label}"
            for old, new in merged.overridden
        ]
        untrusted = [
            f"**{u.label}** — {'; '.join(u.reasons)}. Read it, then answer `{u.command()}` "
            f"(SHA-256 `{u.short_hash}…` of the content you read)."
            for u in merged.untrusted
        ]
        self._report(
            {
                "⚠️ Some personas could not be loaded as they are:": problems,
                "🔒 Not loaded until a person trusts it (a changed file asks again):": untrusted,
            }
        )

    def _report(self, sections: dict[str, list[str]]) -> None:
        """Post what was not reported in this chat before (remembered in chat metadata)."""
        state = self.writer.state()
        reported = set(state.reported)
        seen: set[str] = set()
        for heading, lines in sections.items():
            digests = {hashlib.sha1(line.encode()).hexdigest()[:16]: line for line in lines}
            seen |= set(digests)
            new = [line for digest, line in digests.items() if digest not in reported]
            if new:
                body = heading + "\n\n" + "\n".join(f"- {line}" for line in new)
                self.say(body, metadata=metadata(Notice(notice="persona-problems")))
        if seen != reported:
            state.reported = sorted(seen)
            self.writer.save_state(state)

    def say(self, body: str, **kwargs: Any) -> str:
        """Post a message from the runtime itself (command answers, notices)."""
        return self.writer.post(SYSTEM_USER_ID, body, **kwargs)

    # -- incoming messages -------------------------------------------------------------
    def _on_messages_event(self, event: ArrayEvent) -> None:
        # Read-only transaction: collect the new messages and handle them later.
        from_file = room_applies_file(self.runtime.serverapp, self.ychat)
        for change in event.delta:  # type: ignore[attr-defined]
            for item in change.get("insert", ()):
                try:
                    data = item.to_py()
                except Exception:
                    continue
                message_id = data.get("id") if isinstance(data, dict) else None
                if not message_id or message_id in self._seen:
                    continue  # a move (delete + insert) or a message we wrote and saw
                self._seen.add(message_id)
                if from_file:  # the room is applying its file: nobody sent this in the chat
                    self._history.add(message_id)
                if data.get("raw_time"):
                    asyncio.get_running_loop().call_soon(self.writer.settle_client_times, [message_id])
                self.spawn(self._handle_posted(message_from(data)))

    async def _handle_posted(self, message: Message) -> None:
        # Yield once: when the message came with an overwrite of the chat's file, the room's
        # event for it (heard by `chat_loads`) is queued by now and is heard first.
        await asyncio.sleep(0)
        if message.id in self._history:
            self.writer.from_file.add(message.id)
            self.runtime.log.warning(
                "chat %s: message %s came through the file, not from a person's client; "
                "it is shown, not answered",
                self.path,
                message.id,
            )
            if not self._unanswered:  # one notice for the messages of one change
                asyncio.get_running_loop().call_soon(self._say_unanswered)
            self._unanswered.append(message)
            return
        await self.handle(message)

    def _say_unanswered(self) -> None:
        messages, self._unanswered = self._unanswered, []
        if self.closed or not any(self._is_person(m.sender) for m in messages):
            return
        names = sorted({self._display_name(m.sender) for m in messages})
        count = f"{len(messages)} messages" if len(messages) > 1 else "A message"
        self.say(
            f"⚠️ {count} in the name of {', '.join(names)} reached this chat through its file "
            f"(`{self.path}` was written), not from anyone's chat window. Personas do not answer "
            "them: to ask a persona, send the message here."
        )

    def _display_name(self, username: str) -> str:
        user = self.ychat.get_users().get(username)
        return (user.display_name or user.name) if user else username

    def _is_person(self, username: str) -> bool:
        if username == SYSTEM_USER_ID or self.manager.is_persona(username):
            return False
        user = self.ychat.yusers.get(username)
        return not (isinstance(user, dict) and user.get("bot"))

    async def handle(self, message: Message) -> None:
        if self.closed or message.deleted or not self._is_person(message.sender):
            return  # personas' own messages are routed when their turn ends
        command = parse_command(message.body)
        if command is not None:
            await self.run_command(message, *command)
            return
        users = self.ychat.get_users()
        people = {u.mention_name.lower() for u in users.values() if not u.bot}
        sticky = self._sticky.get(message.sender)
        default = self.manager.by_id_or_name(self.runtime.settings.default_persona or "")
        ctx = RoutingContext(
            mention_index=self.manager.mention_index(),
            lookup=lambda value: e.definition.key if (e := self.manager.by_id_or_name(value)) else None,
            people_mention_names=people,
            people_count=max(1, sum(1 for u in users.values() if not u.bot)),
            sticky_target=sticky if sticky in self.manager.entries else None,
            default_target=default.definition.key if default else None,
            sticky_enabled=self.runtime.settings.sticky_routing,
        )
        route = route_message(message, ctx)
        if route.unknown:
            self._answer_unknown(route.unknown)
        if route.explicit and self.runtime.settings.sticky_routing:
            self._sticky[message.sender] = route.targets[0]
        for key in route.targets:
            entry = self.manager.by_key(key)
            if entry is not None:
                self.deliver(entry, message, requester=message.sender, hop=0)

    def deliver(self, entry: PersonaEntry, message: Message, *, requester: str, hop: int) -> None:
        """Give a message to a persona, or say why it cannot take it."""
        limit = self.runtime.settings.max_input_chars
        if len(message.body or "") > limit:
            self.writer.post(
                entry.definition.id,
                f"Your message has {len(message.body):,} characters; I take at most {limit:,}. "
                "Put long content in a file and point me to it.",
            )
            return
        if not self.manager.submit(entry, message, requester, hop):
            self.writer.post(entry.definition.id, f"I can't answer here: {entry.unavailable}")

    def _answer_unknown(self, names: list[str]) -> None:
        available = ", ".join(f"@{e.definition.mention_name}" for e in self.manager.entries.values())
        listed = ", ".join(f"@{n}" for n in names)
        verb = "is" if len(names) == 1 else "are"
        self.say(f"{listed} {verb} not a persona in this chat. Personas here: {available or 'none'}.")

    async def run_command(self, message: Message, name: str, args: str) -> None:
        command = self.commands.get(name)
        if command is None:
            guess = self.commands.closest(name)
            hint = f" Did you mean `/{guess}`?" if guess else ""
            self.say(f"`/{name}` is not a command.{hint} Type `/help` to see the commands.")
            return
        try:
            context = CommandContext(
                message=message,
                args=args,
                sender_name=self._display_name(message.sender),
                manager=self.manager,
                permissions=self.permissions,
                questions=self.questions,
                commands=self.commands,
                sticky_routing=self.runtime.settings.sticky_routing,
                steering=self.steering,
            )
            answer = await command.handler(context)
        except Exception as exc:
            self.runtime.log.exception("/%s failed", name)
            answer = f"⚠️ `/{name}` failed: {type(exc).__name__}: {exc}"
        if answer:
            self.say(answer)

    # -- persona-to-persona ------------------------------------------------------------
    async def _on_turn_end(self, persona: BasePersona, turn: Turn) -> None:
        """Route mentions of other personas in what `persona` just wrote, up to the hop limit."""
        bodies = [m.body for mid in turn.message_ids if (m := self.writer.get(mid)) is not None]
        text = "\n\n".join(bodies)
        if not text:
            return
        own_key = persona.definition.key
        targets, _ = mentioned(text, self.manager.mention_index())
        targets = [key for key in targets if key != own_key]
        if not targets:
            return
        hop = turn.hop + 1
        limit = self.runtime.settings.hop_limit
        if hop > limit:
            names = ", ".join(f"@{self.manager.entries[k].definition.mention_name}" for k in targets)
            self.say(
                f"{names} not notified: personas have already passed this conversation on "
                f"{limit} times (the hop limit). Mention them yourself to continue."
            )
            return
        relay = Message(
            body=text,
            id=turn.message_ids[-1],
            time=turn.message.time,
            sender=persona.id,
            metadata=metadata(PassedOn(hop=hop)),
        )
        for key in targets:
            entry = self.manager.by_key(key)
            if entry is not None:
                self.deliver(entry, relay, requester=turn.requester, hop=hop)

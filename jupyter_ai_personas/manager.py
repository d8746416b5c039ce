"""PersonaManager: the personas of one chat, kept in step with their sources."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from jupyterlab_chat.models import Message

from .chat import ChatWriter
from .definitions import MergedPersonas, PersonaDefinition
from .message_meta import WaitingMessage
from .permissions import PermissionBroker
from .persona import BasePersona, PersonaContext, SendNowOutcome
from .questions import QuestionBroker
from .runtime import Runtime
from .turns import Turn, TurnEndCallback, TurnRunner


@dataclass
class PersonaEntry:
    """A persona of this chat: running (persona + runner) or unavailable (with the reason)."""

    definition: PersonaDefinition
    persona: BasePersona | None = None
    runner: TurnRunner | None = None
    unavailable: str | None = None
    needs: str | None = None  # what a person has to do first (e.g. give the agent a key)

    @property
    def name(self) -> str:
        return self.definition.name


class PersonaManager:
    def __init__(
        self,
        runtime: Runtime,
        writer: ChatWriter,
        chat_path: str,
        *,
        permissions: PermissionBroker | None = None,
        questions: QuestionBroker | None = None,
        on_turn_end: TurnEndCallback | None = None,
    ):
        self.runtime = runtime
        self.writer = writer
        self.chat_path = chat_path
        self.permissions = permissions
        self.questions = questions
        self._on_turn_end = on_turn_end
        self.log = runtime.log.getChild("personas")
        self.entries: dict[str, PersonaEntry] = {}
        self.merged = MergedPersonas()
        self._closing: set[asyncio.Task[None]] = set()

    # -- look-up -----------------------------------------------------------------------
    def mention_index(self) -> dict[str, str]:
        """Lower-case mention name -> persona key."""
        return {key: key for key in self.entries}

    def by_key(self, key: str) -> PersonaEntry | None:
        return self.entries.get(key)

    def by_id_or_name(self, value: str) -> PersonaEntry | None:
        """A persona by id (the Jupyter AI picker's `to_persona`), name or mention name."""
        for entry in self.entries.values():
            if value == entry.definition.id:
                return entry
        return self.entries.get(value.replace(" ", "-").lower().lstrip("@"))

    def is_persona(self, username: str) -> bool:
        return any(e.definition.id == username for e in self.entries.values())

    # -- keeping in step with the sources ----------------------------------------------
    def apply(self, merged: MergedPersonas) -> None:
        """Add, update and remove personas so this chat matches `merged`."""
        self.merged = merged
        for key, definition in merged.active.items():
            entry = self.entries.get(key)
            if entry is not None and entry.definition == definition:
                pass
            elif entry is not None and entry.definition.same_runtime(definition):
                previous = entry.definition
                entry.definition = definition
                if entry.persona is not None:
                    entry.persona.context.definition = definition
                    entry.persona.definition_changed(previous)
            else:
                if entry is not None:
                    self._retire(entry)
                entry = PersonaEntry(definition=definition)
                self.entries[key] = entry
            self.writer.ensure_user(self.runtime.persona_user(definition))
            self.refresh_availability(entry)
        for key in [k for k in self.entries if k not in merged.active]:
            self._retire(self.entries.pop(key))

    def refresh_availability(self, entry: PersonaEntry) -> None:
        """Check again whether the persona can run here; start it when it now can."""
        definition = entry.definition
        try:
            reason = definition.persona_class.unavailable_reason(definition, self.runtime)
        except Exception as exc:
            reason = f"availability check failed: {exc}"
        entry.unavailable = reason
        needs = getattr(definition.persona_class, "needs", None)
        try:
            entry.needs = needs(definition, self.runtime) if callable(needs) and reason is None else None
        except Exception:
            entry.needs = None
        if reason is not None or entry.persona is not None:
            return
        context = PersonaContext(
            definition=definition,
            chat=self.writer,
            runtime=self.runtime,
            log=self.log.getChild(definition.mention_name),
            chat_path=self.chat_path,
            permissions=self.permissions,
            questions=self.questions,
            queue_changed=self._publish_queue_quietly,
        )
        try:
            entry.persona = definition.persona_class(context)
        except Exception as exc:
            entry.unavailable = f"could not be created: {type(exc).__name__}: {exc}"
            self.log.exception("persona %s could not be created", definition.name)
            return
        entry.runner = TurnRunner(entry.persona, self._on_turn_end, self.publish_queue)

    def _retire(self, entry: PersonaEntry) -> None:
        if entry.runner is not None:
            task = asyncio.ensure_future(entry.runner.close())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        entry.persona, entry.runner = None, None

    # -- turns -------------------------------------------------------------------------
    def submit(self, entry: PersonaEntry, message: Message, requester: str, hop: int) -> bool:
        """Queue a turn; False when the persona cannot run (see `entry.unavailable`)."""
        if entry.runner is None:
            self.refresh_availability(entry)
        if entry.runner is None:
            return False
        entry.runner.submit(message, requester, hop)
        return True

    def publish_queue(self) -> None:
        """Show in the chat which messages wait for a busy persona (the chat's awareness)."""
        waiting = [
            WaitingMessage(
                message_id=turn.message.id,
                persona=entry.definition.id,
                name=entry.name,
                ahead=position + 1,
                can_send_now=self._can_send_now(entry, turn),
            )
            for entry in self.entries.values()
            if entry.runner is not None
            for position, turn in enumerate(entry.runner.waiting)
        ]
        self.writer.publish_queue(waiting)

    def _publish_queue_quietly(self) -> None:
        try:
            self.publish_queue()
        except Exception:  # showing the queue is cosmetic: never let it break a turn
            self.log.debug("queue not published", exc_info=True)

    def _can_send_now(self, entry: PersonaEntry, turn: Turn) -> bool:
        """Only into a turn of the same person's: a turn asked by someone else stays theirs."""
        current = entry.runner.current if entry.runner is not None else None
        if current is None or current.requester != turn.requester or entry.persona is None:
            return False
        try:
            return entry.persona.can_send_now()
        except Exception:
            return False

    async def send_now(self, entry: PersonaEntry, turn: Turn) -> SendNowOutcome:
        """Give a waiting message to the turn under way, if that turn is still the one vetted
        when it goes. "refused": it waits again, in its place; "unknown": it may have reached the
        agent, so it is not queued again (never answered twice), and the chat says so."""
        runner, persona = entry.runner, entry.persona
        if runner is None or persona is None or not self._can_send_now(entry, turn):
            return "refused"
        current = runner.current
        position = runner.take_for_sending(turn)
        outcome: SendNowOutcome = "refused"
        try:
            outcome = await persona.send_now(
                turn.message, lambda: runner.current is current and self._can_send_now(entry, turn)
            )
        except Exception:  # raised before anything was sent (its blocks): it waits again
            self.log.warning("%s could not be given a message during its turn", entry.name, exc_info=True)
        finally:
            runner.sent(turn, put_back_at=position if outcome == "refused" else None)
        if outcome == "unknown":
            persona.writer.note(
                f"⚠️ **{entry.name}**'s agent did not confirm it took your message during its turn: "
                "if it is not answered, send it again."
            )
        return outcome

    def _runners(self, key: str | None) -> list[tuple[PersonaEntry, TurnRunner]]:
        return [
            (entry, entry.runner)
            for entry_key, entry in self.entries.items()
            if entry.runner is not None and key in (None, entry_key)
        ]

    def waiting(self, message_id: str, key: str | None = None) -> tuple[PersonaEntry, Turn] | None:
        """The persona a message waits for (one of them: `key`), and its queued turn."""
        for entry, runner in self._runners(key):
            for turn in [*runner.waiting, *runner.sending]:
                if turn.message.id == message_id:
                    return entry, turn
        return None

    async def stop(self, requester: str | None, key: str | None = None) -> list[str]:
        """Stop replies; returns the names of the personas that stopped something."""
        stopped = []
        for entry_key, entry in list(self.entries.items()):
            if key is not None and entry_key != key:
                continue
            runner = entry.runner
            if runner is not None and await runner.stop(requester, any_current=key is not None):
                stopped.append(entry.name)
        return stopped

    def interrupt_turns(self, mark: str) -> None:
        """End the replies in progress with `mark`, right now (the server stops)."""
        for entry in self.entries.values():
            if entry.runner is not None:
                entry.runner.interrupt(mark)

    async def close(self) -> None:
        for entry in self.entries.values():
            self._retire(entry)
        self.entries.clear()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

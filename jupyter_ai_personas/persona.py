"""BasePersona: the class every persona derives from, and its defaults."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from jupyterlab_chat.models import Message, User
from pydantic import BaseModel, ConfigDict

from .chat import ChatWriter, MessageStream
from .definitions import PersonaDefinition
from .permissions import MessageView, PermissionBroker, PermissionOption
from .questions import QuestionBroker
from .specs import PersonaSpec
from .turn_writer import TurnWriter

if TYPE_CHECKING:
    from .runtime import Runtime


class PersonaDefaults(BaseModel):
    """Identity of a Python persona: name, description, avatar and system prompt."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    avatar: str | None = None  # an emoji, or an image file (absolute or next to the module)
    system_prompt: str = ""


SendNowOutcome = Literal["injected", "refused", "unknown"]


@dataclass
class PersonaContext:
    """What the runtime gives a persona instance: its definition, its chat, the server."""

    definition: PersonaDefinition
    chat: ChatWriter
    runtime: Runtime
    log: logging.Logger
    chat_path: str = ""
    permissions: PermissionBroker | None = None
    questions: QuestionBroker | None = None
    queue_changed: Callable[[], None] | None = None  # show the chat's queue again (what it offers changed)


class BasePersona:
    """A chat participant driven by code. Subclasses set `defaults` and `process_message`.

    One turn runs at a time per persona per chat; the runtime queues the rest, shows a
    "writing" status, turns exceptions into a short error message in the chat, and
    ends a turn cancelled by `/stop` with a visible mark.
    """

    defaults: ClassVar[PersonaDefaults]

    def __init__(self, context: PersonaContext) -> None:
        self.context = context
        self.log = context.log
        self.writer = TurnWriter(context.chat, context.definition.id)

    # -- identity ----------------------------------------------------------------------
    @property
    def definition(self) -> PersonaDefinition:
        return self.context.definition

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def mention_name(self) -> str:
        return self.definition.mention_name

    @property
    def description(self) -> str:
        return self.definition.description

    @property
    def spec(self) -> PersonaSpec | None:
        return self.definition.spec

    @property
    def instructions(self) -> str:
        """The system prompt: a spec's markdown body, else `defaults.system_prompt`."""
        return self.definition.instructions

    @property
    def chat(self) -> ChatWriter:
        return self.context.chat

    @property
    def runtime(self) -> Runtime:
        return self.context.runtime

    @property
    def user(self) -> User:
        return self.runtime.persona_user(self.definition)

    # -- life cycle: override what you need --------------------------------------------
    async def prepare(self) -> None:
        """Called once before the first turn; called again next turn if it raised."""

    async def process_message(self, message: Message) -> None:
        """Answer `message`. Use send_message / stream_message to write to the chat."""
        raise NotImplementedError

    async def on_stop(self) -> None:
        """Called by /stop before the running turn is cancelled (e.g. to tell an agent)."""

    def can_send_now(self) -> bool:
        """Whether a message waiting for this persona can go into the turn under way."""
        return False

    async def send_now(self, message: Message, still_current: Callable[[], bool]) -> SendNowOutcome:
        """Give `message` to the turn under way, if `still_current()` right before it goes:
        "injected", "refused" (nothing was sent: it waits on), or "unknown" (sent, unconfirmed)."""
        return "refused"

    async def shutdown(self) -> None:
        """Called when the persona leaves the chat (reload, chat closed, server stop)."""

    async def restart(self) -> None:
        """`/restart @Name`: start afresh (an agent persona restarts its program)."""

    def definition_changed(self, previous: PersonaDefinition) -> None:
        """Called after the persona's spec or identity changed on disk (hot reload)."""

    @classmethod
    def unavailable_reason(cls, definition: PersonaDefinition, runtime: Runtime) -> str | None:
        """Why this persona cannot run here (e.g. its program is not installed), or None."""
        return None

    # -- helpers -----------------------------------------------------------------------
    async def send_message(self, body: str, *, metadata: dict[str, Any] | None = None) -> str:
        """Post a complete message as this persona; returns its id."""
        return self.writer.post(body, metadata=metadata)

    def open_stream(
        self, *, metadata: dict[str, Any] | None = None, wrap: tuple[str, str] = ("", "")
    ) -> MessageStream:
        """A reply that grows with `write()`; the runtime closes it if you forget to."""
        return self.writer.open_stream(metadata=metadata, wrap=wrap)

    async def stream_message(
        self, chunks: AsyncIterable[str], *, metadata: dict[str, Any] | None = None
    ) -> str | None:
        """Stream an async iterable of text chunks into one reply; returns its first id."""
        stream = self.open_stream(metadata=metadata)
        async for chunk in chunks:
            stream.write(chunk)
        stream.close()
        return stream.message_ids[0] if stream.message_ids else None

    async def request_permission(self, description: str, *, title: str = "", always: bool = False) -> bool:
        """Ask the chat's people to allow something (markdown `description`); True if allowed.

        The request is numbered and answered with /allow, /always or /reject (or a button);
        it times out as rejected, and /stop cancels it.
        """
        broker = self.context.permissions
        if broker is None:
            return False
        options = [PermissionOption(option_id="allow", name="Allow", kind="allow_once")]
        if always:
            options.append(PermissionOption(option_id="always", name="Always allow", kind="allow_always"))
        options.append(PermissionOption(option_id="reject", name="Reject", kind="reject_once"))
        view = MessageView(self.chat, self.id, f"🔐 **{self.name}** asks permission: {description}")
        answer = await broker.ask(
            persona_id=self.id, title=title or description[:80], options=options, view=view
        )
        if view.message_id:
            self.writer.posted(view.message_id)
        return answer.allowed

    def history(self, limit: int = 50) -> list[Message]:
        """The chat's last `limit` messages, oldest first, deleted ones left out."""
        messages = [m for m in self.chat.messages() if not m.deleted]
        return messages[-limit:] if limit else messages

    def prompt_text(self, message: Message) -> str:
        """The message body without this persona's @mention."""
        pattern = re.compile(rf"(?<![\w@])@{re.escape(self.mention_name)}\b[,:;]?\s*", re.IGNORECASE)
        return pattern.sub("", message.body).strip()

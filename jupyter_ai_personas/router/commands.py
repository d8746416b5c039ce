"""Slash commands: a registry that built-in and later features (/allow, /restart...) plug into."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jupyterlab_chat.models import Message

if TYPE_CHECKING:
    from ..manager import PersonaManager
    from ..permissions import PermissionBroker
    from ..questions import QuestionBroker
    from ..sharing import Steering

_COMMAND = re.compile(r"^\s*/([A-Za-z][\w-]*)(?:\s+(.*))?\s*$", re.DOTALL)


@dataclass
class CommandContext:
    """What a command works with: the chat's personas and pending requests, not the whole chat."""

    message: Message
    args: str
    sender_name: str  # as people see them in the chat
    manager: PersonaManager
    permissions: PermissionBroker
    questions: QuestionBroker
    commands: CommandRegistry
    sticky_routing: bool = True
    steering: Steering | None = None  # who may answer and stop, on a shared server

    @property
    def sender(self) -> str:
        return self.message.sender


CommandHandler = Callable[[CommandContext], Awaitable[str | None]]


@dataclass(frozen=True)
class SlashCommand:
    name: str
    summary: str
    handler: CommandHandler
    usage: str = ""


def parse_command(body: str) -> tuple[str, str] | None:
    """("name", "args") when the body is a slash command, else None."""
    match = _COMMAND.match(body or "")
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, SlashCommand] = {}

    def register(self, command: SlashCommand) -> None:
        self._commands[command.name] = command

    def get(self, name: str) -> SlashCommand | None:
        return self._commands.get(name)

    def all(self) -> list[SlashCommand]:
        return sorted(self._commands.values(), key=lambda c: c.name)

    def closest(self, name: str) -> str | None:
        import difflib

        matches = difflib.get_close_matches(name, list(self._commands), n=1, cutoff=0.6)
        return matches[0] if matches else None

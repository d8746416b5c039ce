"""The conversation of a chat, as a new agent session is told it when it lost its own."""

from __future__ import annotations

from jupyterlab_chat.models import Message

from ..chat import ChatWriter
from ..definitions import SYSTEM_USER_ID
from ..message_meta import NOT_CONVERSATION, read

HISTORY_MESSAGES = 30
HISTORY_CHARS = 2000


def said_in_conversation(message: Message) -> bool:
    """What people and personas said: not the runtime's notices and command answers, not
    commands, tool calls, permission requests, questions, thoughts, plans or errors."""
    if not message.body or message.sender == SYSTEM_USER_ID:
        return False
    meta = read(message)
    if meta is not None and meta.kind in NOT_CONVERSATION:
        return False
    return not message.body.lstrip().startswith("/")


def history_text(chat: ChatWriter) -> str:
    """The last messages before the one being answered, who said them, in a `<chat_history>`."""
    users = chat.users()
    messages = [m for m in chat.messages() if not m.deleted][-(HISTORY_MESSAGES + 1) : -1]
    messages = [m for m in messages if m.id not in chat.from_file]
    lines = []
    for message in messages:
        if not said_in_conversation(message):
            continue
        user = users.get(message.sender)
        name = (user.display_name or user.name) if user else message.sender
        lines.append(f"{name}: {message.body[:HISTORY_CHARS]}")
    if not lines:
        return ""
    return (
        "<chat_history>\nThe conversation so far in this chat:\n\n" + "\n\n".join(lines) + "\n</chat_history>"
    )

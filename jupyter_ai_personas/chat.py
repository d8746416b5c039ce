"""ChatWriter: creates, updates and streams persona messages in a chat's YChat document.

Message bodies in jupyterlab-chat are plain strings, so every write of a growing
reply resends the whole body to every browser. Two things keep the bytes sent about
linear in the reply's length:

* coalescing: the first chunk is written at once, then at most one write per
  flush interval, and a final write at the end;
* splitting: a reply that grows past `max_message_chars` continues in a new message
  at a paragraph break (code fences are closed and reopened), so no single write
  carries more than about that many characters. Past half that size a write stops at
  a paragraph or word end, so the split can fall exactly where the chat already shows
  and finishing a message costs no extra write.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import asdict
from typing import Any

from jupyterlab_chat.models import Message, User
from jupyterlab_chat.ychat import YChat
from pycrdt import Map
from pydantic import ValidationError

from .chat_saving import ChatSaver
from .message_meta import KEY, RICH_MIME, ChatState, RichMeta, metadata
from .streaming import shown_end, split_point

log = logging.getLogger(__name__)


class ChatWriter:
    """All writes that the runtime makes to one chat go through here.

    Never call it from inside a pycrdt observer (the transaction is read-only there);
    the router schedules its work on the loop.
    """

    def __init__(
        self,
        ychat: YChat,
        *,
        flush_interval: float = 0.2,
        max_message_chars: int = 0,
        saver: ChatSaver | None = None,
    ):
        self.ychat = ychat
        self.flush_interval = flush_interval
        self.max_message_chars = max_message_chars
        self.saver = saver
        self._index_hint: dict[str, int] = {}

    # -- durability --------------------------------------------------------------------
    def save_now(self) -> None:
        """Write the chat to disk now (a turn ended, a session id was stored)."""
        if self.saver is not None:
            self.saver.save_now()

    def _touched(self) -> None:
        if self.saver is not None:
            self.saver.touched()

    # -- users -------------------------------------------------------------------------
    def ensure_user(self, user: User) -> None:
        """Register (or update) a chat user, writing only when something changed."""
        wanted = asdict(user)
        if self.ychat.yusers.get(user.username) != wanted:
            self.ychat.set_user(user)

    def users(self) -> dict[str, User]:
        return self.ychat.get_users()

    # -- runtime state kept in the chat's metadata (survives server restarts) ------------
    def state(self) -> ChatState:
        try:
            return ChatState.model_validate(self.ychat.get_metadata().get(KEY) or {})
        except ValidationError:
            log.warning("the runtime's state in %s could not be read: starting afresh", self.ychat)
            return ChatState()

    def save_state(self, state: ChatState) -> None:
        self.ychat.set_metadata(KEY, state.model_dump(mode="json", exclude_none=True))
        self.save_now()  # e.g. a new session id: a restart must find it

    # -- messages ----------------------------------------------------------------------
    def messages(self) -> list[Message]:
        return self.ychat.get_messages()

    def post(
        self,
        sender: str,
        body: str,
        *,
        metadata: dict[str, Any] | None = None,
        mime_model: dict[str, Any] | None = None,
    ) -> str:
        """Append a complete message and return its id."""
        message_id = str(uuid.uuid4())
        fields: dict[str, Any] = {
            "type": "msg",
            "id": message_id,
            "body": body,
            "time": time.time(),
            "sender": sender,
            "raw_time": False,  # a server time: jupyterlab-chat must not move the message
        }
        if metadata is not None:
            fields["metadata"] = metadata
        if mime_model is not None:
            fields["mime_model"] = mime_model
        ymessages = self.ychat.ymessages
        self._index_hint[message_id] = len(ymessages)
        ymessages.append(Map(fields))
        self._touched()
        return message_id

    def update(self, message_id: str, **fields: Any) -> bool:
        """Set some fields of a message (body, metadata, ...); False if it is gone."""
        ymessage = self._find(message_id)
        if ymessage is None:
            return False
        with self.ychat.ydoc.transaction():
            for key, value in fields.items():
                if ymessage.get(key) != value:
                    ymessage[key] = value
        self._touched()
        return True

    def settle_client_times(self, message_ids: list[str] | None = None) -> None:
        """Mark people's messages as timed by the server, as jupyterlab-chat does for the messages
        it sees. It skips those posted while a freshly loaded room is "dirty"; left marked, they
        are moved when the room is next loaded from disk, and jupyterlab-chat 0.25 loses a
        message it moves (see `upstream`)."""
        ymessages = self.ychat.ymessages
        with self.ychat.ydoc.transaction():
            for index in range(len(ymessages)):
                ymessage = ymessages[index]
                if not isinstance(ymessage, Map) or not ymessage.get("raw_time"):
                    continue
                if message_ids is None or ymessage.get("id") in message_ids:
                    ymessage["raw_time"] = False

    def rich(self, body: str, meta: RichMeta) -> dict[str, Any]:
        """The fields of a rich message: the markdown body (what plain jupyterlab-chat shows),
        the structured metadata, and the same data in the MIME model the frontend renders."""
        fields = metadata(meta)
        data = {**fields[KEY]}
        chat_id = self.ychat.get_metadata().get("id")
        if chat_id:  # which chat the frontend answers a request of (by REST)
            data["chat_id"] = chat_id
        return {
            "body": body,
            "metadata": fields,
            "mime_model": {"data": {RICH_MIME: data, "text/markdown": body}},
        }

    def post_rich(self, sender: str, body: str, meta: RichMeta) -> str:
        fields = self.rich(body, meta)
        return self.post(sender, body, metadata=fields["metadata"], mime_model=fields["mime_model"])

    def update_rich(self, message_id: str, body: str, meta: RichMeta) -> bool:
        return self.update(message_id, **self.rich(body, meta))

    def get(self, message_id: str) -> Message | None:
        ymessage = self._find(message_id)
        return Message(**ymessage.to_py()) if ymessage is not None else None

    def _find(self, message_id: str) -> Map | None:
        ymessages = self.ychat.ymessages
        hint = self._index_hint.get(message_id)
        if hint is not None and hint < len(ymessages) and ymessages[hint].get("id") == message_id:
            return ymessages[hint]
        # The hint is stale (a message was inserted or moved before ours): scan from the end,
        # where a message being written usually is.
        for index in range(len(ymessages) - 1, -1, -1):
            ymessage = ymessages[index]
            if ymessage.get("id") == message_id:
                self._index_hint[message_id] = index
                return ymessage
        return None

    # -- streaming ---------------------------------------------------------------------
    def open_stream(
        self, sender: str, *, metadata: dict[str, Any] | None = None, wrap: tuple[str, str] = ("", "")
    ) -> MessageStream:
        """A message that grows; `wrap` is put around each message's text (e.g. <details>)."""
        return MessageStream(self, sender, metadata=metadata, wrap=wrap)

    # -- status ------------------------------------------------------------------------
    def set_writing(self, user: User, message_id: str | None = None, *, active: bool = True) -> None:
        """Show (or clear) the "is writing" indicator of a persona."""
        try:
            status = {"messageID": message_id} if active and message_id else ({} if active else None)
            self.ychat.broadcast_writing_status(user, status)
        except Exception:  # awareness is cosmetic: never let it break a turn
            log.debug("writing status not published", exc_info=True)


class MessageStream:
    """One reply that grows chunk by chunk; see the module docstring for the write policy."""

    def __init__(
        self,
        writer: ChatWriter,
        sender: str,
        *,
        metadata: dict[str, Any] | None = None,
        wrap: tuple[str, str] = ("", ""),
    ):
        self._writer = writer
        self._sender = sender
        self._metadata = metadata
        self._wrap = wrap
        self._done: list[str] = []  # bodies of the messages already completed
        self._text = ""  # body of the message being written
        self._written: str | None = None  # what the document holds for it
        self._current_id: str | None = None
        self._message_ids: list[str] = []
        self._last_write = 0.0
        self._timer: asyncio.TimerHandle | None = None
        self.closing = False
        self.closed = False

    @property
    def message_ids(self) -> list[str]:
        return list(self._message_ids)

    @property
    def text(self) -> str:
        return "".join(self._done) + self._text

    @property
    def started(self) -> bool:
        return bool(self._message_ids)

    def write(self, chunk: str) -> None:
        if self.closed or not chunk:
            return
        self._text += chunk
        if not self._message_ids:
            self._flush()  # the first chunk is shown at once
        elif self._timer is None:
            delay = max(0.0, self._last_write + self._writer.flush_interval - time.monotonic())
            self._timer = asyncio.get_running_loop().call_later(delay, self._flush)

    def close(self, suffix: str = "") -> None:
        """Write what is left (plus `suffix`, e.g. a "stopped" mark) and end the stream."""
        if self.closed:
            return
        self._text += suffix
        self.closing = True  # the last write shows everything
        self._flush()
        self.closed = True

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        limit = self._writer.max_message_chars
        # one transaction: finishing a message and starting the next is one update
        with self._writer.ychat.ydoc.transaction():
            while limit and len(self._text) > limit:
                cut = split_point(self._text, limit, shown=len(self._written or ""))
                if cut is None:
                    break
                head, self._text = cut
                self._write_current(head)
                self._done.append(head)
                self._current_id, self._written = None, None
            text = self._text
            if limit and not self.closing:
                text = text[: shown_end(text, len(self._written or ""), limit // 2)]
            self._write_current(text)
        self._last_write = time.monotonic()

    def _write_current(self, body: str) -> None:
        # trailing line breaks do not change how markdown renders: not worth a resend
        if not body or (self._written is not None and body.rstrip("\n") == self._written.rstrip("\n")):
            return
        wrapped = self._wrap[0] + body + self._wrap[1]
        if self._current_id is None:
            self._current_id = self._writer.post(self._sender, wrapped, metadata=self._metadata)
            self._message_ids.append(self._current_id)
        else:
            self._writer.update(self._current_id, body=wrapped)
        self._written = body

"""ChatWriter: creates, updates and streams persona messages in a chat's YChat document.

How a streaming reply is written (as shared text, or as strings split past a size) is
`reply_stream`'s job.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict
from typing import Any

from jupyterlab_chat.models import Message, User
from jupyterlab_chat.ychat import YChat
from pycrdt import Map, Text
from pydantic import ValidationError

from .chat_saving import ChatSaver
from .message_meta import (
    KEY,
    LIVE_MIME,
    QUEUE_AWARENESS_KEY,
    RICH_MIME,
    ChatState,
    RichMeta,
    WaitingMessage,
    metadata,
)
from .reply_stream import MessageStream

__all__ = ["ChatWriter", "MessageStream"]

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
        live_replies: bool = True,
        saver: ChatSaver | None = None,
    ):
        self.ychat = ychat
        self.flush_interval = flush_interval
        self.max_message_chars = max_message_chars
        self.live_replies = live_replies
        self.saver = saver
        self._index_hint: dict[str, int] = {}
        # messages that reached the chat through its file, not from anyone's client: shown, but
        # never answered nor passed on to an agent as what someone said (`chat_loads`)
        self.from_file: set[str] = set()
        self._queue_shown: list[dict[str, Any]] = []

    # -- durability --------------------------------------------------------------------
    def save_now(self) -> None:
        """Write the chat to disk now (a turn ended, a session id was stored)."""
        if self.saver is not None:
            self.saver.save_now()

    def touched(self) -> None:
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
        body: str | Text,
        *,
        metadata: dict[str, Any] | None = None,
        mime_model: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> str:
        """Append a message and return its id (a `Text` body grows in place: `reply_stream`)."""
        message_id = message_id or str(uuid.uuid4())
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
        self.touched()
        return message_id

    def update(self, message_id: str, **fields: Any) -> bool:
        """Set some fields of a message (body, metadata, ...); False if it is gone."""
        ymessage = self.ymessage(message_id)
        if ymessage is None:
            return False
        with self.ychat.ydoc.transaction():
            for key, value in fields.items():
                if ymessage.get(key) != value:
                    ymessage[key] = value
        self.touched()
        return True

    def settle_client_times(self, message_ids: list[str] | None = None) -> None:
        """Mark people's messages as timed by the server, as jupyterlab-chat does for the messages
        it sees. It skips those posted while a freshly loaded room is "dirty"; left marked, they
        are moved when the room is next loaded from disk, and jupyterlab-chat 0.25 loses a
        message it moves (see `upstream`)."""
        self._settle(message_ids, live_replies=False)

    def settle_attached(self) -> None:
        """Tidy a chat as it is attached, in one pass: people's messages timed by the server (see
        `settle_client_times`), and no reply left live (a chat saved while a reply streamed, then
        the server crashed): its live MIME model dropped, so every client shows a usual message."""
        self._settle(None, live_replies=True)

    def _settle(self, message_ids: list[str] | None, *, live_replies: bool) -> None:
        ymessages = self.ychat.ymessages
        wanted = None if message_ids is None else set(message_ids)
        with self.ychat.ydoc.transaction():
            # from the end, where a message just posted is: a long chat is not read whole
            for index in range(len(ymessages) - 1, -1, -1):
                if wanted is not None and not wanted:
                    break
                ymessage = ymessages[index]
                if not isinstance(ymessage, Map):
                    continue
                if wanted is not None:
                    message_id = ymessage.get("id")
                    if message_id not in wanted:
                        continue
                    wanted.discard(message_id)
                if ymessage.get("raw_time"):
                    ymessage["raw_time"] = False
                if not live_replies:
                    continue
                mime_model = ymessage.get("mime_model")
                data = mime_model.get("data") if isinstance(mime_model, Map | dict) else None
                if isinstance(data, Map | dict) and LIVE_MIME in data:
                    del ymessage["mime_model"]

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
        ymessage = self.ymessage(message_id)
        return Message(**ymessage.to_py()) if ymessage is not None else None

    def ymessage(self, message_id: str) -> Map | None:
        """The message's shared map, to change in place; None if it is gone."""
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
        """A reply that grows; `wrap` is put around each message's text (e.g. <details>)."""
        return MessageStream(self, sender, metadata=metadata, wrap=wrap)

    # -- status ------------------------------------------------------------------------
    def publish_queue(self, waiting: list[WaitingMessage]) -> None:
        """Which messages wait for a busy persona, over the chat's awareness (not saved);
        written only when it changed."""
        data = [entry.model_dump() for entry in waiting]
        if data == self._queue_shown:
            return
        self._queue_shown = data
        awareness = getattr(self.ychat, "awareness", None)
        if awareness is not None:
            awareness.set_local_state_field(QUEUE_AWARENESS_KEY, data)

    def set_writing(self, user: User, message_id: str | None = None, *, active: bool = True) -> None:
        """Show (or clear) the "is writing" indicator of a persona."""
        try:
            status = {"messageID": message_id} if active and message_id else ({} if active else None)
            self.ychat.broadcast_writing_status(user, status)
        except Exception:  # awareness is cosmetic: never let it break a turn
            log.debug("writing status not published", exc_info=True)

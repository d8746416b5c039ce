"""MessageStream: one reply that grows chunk by chunk in a chat message.

Two ways to write it, chosen by the chat's writer (`live_replies`):

* live (the default): the message's body is shared text (`Y.Text`) while the reply streams,
  so each write sends only the new characters; this package's frontend renders it as it grows
  (the message's MIME model names it). When the reply ends the body becomes a plain string,
  as every jupyterlab-chat client expects, in one write. One reply, one message.
* plain strings: jupyterlab-chat bodies are strings, so every write resends the whole body;
  a reply that grows past `max_message_chars` continues in a new message at a paragraph
  break (code fences are closed and reopened), so no single write carries more than about
  that many characters. Past half that size a write stops at a paragraph or word end, so the
  split can fall exactly where the chat already shows and finishing a message costs no write.

Both coalesce: the first chunk is written at once, then at most one write per flush interval,
and a final write at the end. A saved chat holds the text written so far either way
(`Y.Text` serialises to a string).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Protocol

from jupyterlab_chat.ychat import YChat
from pycrdt import Map, Text

from .message_meta import LIVE_MIME
from .streaming import shown_end, split_point


class StreamTarget(Protocol):
    """What a stream needs of the chat it writes to (`ChatWriter` is one)."""

    ychat: YChat
    flush_interval: float
    max_message_chars: int
    live_replies: bool

    def post(
        self,
        sender: str,
        body: Any,
        *,
        metadata: dict[str, Any] | None = None,
        mime_model: dict[str, Any] | None = None,
        message_id: str | None = None,
    ) -> str: ...

    def update(self, message_id: str, **fields: Any) -> bool: ...

    def ymessage(self, message_id: str) -> Map | None: ...

    def touched(self) -> None: ...


def live_mime_model(chat_id: str, message_id: str) -> dict[str, Any]:
    """What tells the frontend to render a message's body live from the document."""
    return {"data": {LIVE_MIME: {"chat_id": chat_id, "message_id": message_id}}}


class MessageStream:
    """One reply that grows chunk by chunk; see the module docstring for the write policy."""

    def __init__(
        self,
        writer: StreamTarget,
        sender: str,
        *,
        metadata: dict[str, Any] | None = None,
        wrap: tuple[str, str] = ("", ""),
    ):
        self._writer = writer
        self._sender = sender
        self._metadata = metadata
        self._wrap = wrap
        self._live = writer.live_replies
        self._done: list[str] = []  # bodies of the messages already completed
        self._text = ""  # body of the message being written
        self._written: str | None = None  # what the document holds for it
        self._body: Text | None = None  # the live body, while the reply streams
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
        if self._live:
            self._flush_live()
        else:
            self._flush_split()
        self._last_write = time.monotonic()

    # -- live: a shared-text body --------------------------------------------------------
    def _flush_live(self) -> None:
        text, written = self._text, self._written or ""
        if self._current_id is None:
            if text:
                self._post_live(text)
        elif self._live_message() is None:
            self._body = None  # deleted by a person, or its body replaced: leave it alone
        elif self.closing:
            self._settle()  # the last write carries the whole body anyway
        elif len(text) > len(written) and self._body is not None:
            # new text goes before the closing wrap; pycrdt counts in UTF-8 bytes
            position = len(self._body) - len(self._wrap[1].encode("utf-8"))
            self._body.insert(position, text[len(written) :])
            self._writer.touched()
        self._written = text

    def _live_message(self) -> Map | None:
        """The reply's message while it is still ours to write: there, not deleted (jupyterlab-chat
        keeps a deleted message, emptied and marked), and with our shared text as its body."""
        if self._body is None or self._current_id is None:
            return None
        ymessage = self._writer.ymessage(self._current_id)
        if ymessage is None or ymessage.get("deleted") or not isinstance(ymessage.get("body"), Text):
            return None
        return ymessage

    def _post_live(self, text: str) -> None:
        wrapped = self._wrap[0] + text + self._wrap[1]
        if self.closing:  # the whole reply in one write: a plain message
            self._current_id = self._writer.post(self._sender, wrapped, metadata=self._metadata)
        else:
            message_id = str(uuid.uuid4())
            chat_id = str(self._writer.ychat.get_metadata().get("id") or "")
            self._body = Text(wrapped)
            self._current_id = self._writer.post(
                self._sender,
                self._body,
                metadata=self._metadata,
                mime_model=live_mime_model(chat_id, message_id),
                message_id=message_id,
            )
        self._message_ids.append(self._current_id)

    def _settle(self) -> None:
        """The reply ended: its body becomes a plain string and the live renderer is no longer
        named, so that any jupyterlab-chat client (and a reload) shows it as a usual message."""
        ymessage = self._live_message()
        if ymessage is not None:
            with self._writer.ychat.ydoc.transaction():
                ymessage["body"] = self._wrap[0] + self._text + self._wrap[1]
                if "mime_model" in ymessage:
                    del ymessage["mime_model"]
            self._writer.touched()
        self._body = None

    # -- plain strings: split past max_message_chars --------------------------------------
    def _flush_split(self) -> None:
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

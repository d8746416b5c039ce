"""Every use of an upstream private attribute, gathered here, with the version it was written for.

jupyter_server 2.x: `ServerApp._signal_stop(sig, frame)` is what SIGTERM calls (and what
JupyterHub makes SIGINT call when the server has a terminal).

jupyterlab-chat 0.25 (YChat): a message a client posts with `raw_time` is given the server's
time and moved to its place (`_set_timestamp`: `pop` then `insert` of the popped value, which
pycrdt 0.14 returns as a plain dict: the message does not survive as a map). It is skipped
while a freshly loaded room is "dirty", so such messages stay marked on disk and are moved,
and lost, when the room next loads from the file. `ChatWriter.settle_client_times` clears the
mark; the shutdown snapshot clears it too (`snapshot_content`).

anyio 4.x: a worker thread (`to_thread.run_sync`, used by the contents manager and the chat
store) stops when the task that started it ends; when the server stops its loop while such a
task is still pending, the thread waits forever and the process never exits (`threading`
joins it). `release_idle_worker_threads` is registered with `threading._register_atexit`,
which runs before that join.

jupyter-collaboration 5.0 (jupyter_server_ydoc 3.0.x): a document room saves itself only after
`document_save_delay` seconds without a change, so a reply streaming for minutes would not
reach the disk until it ends, and a stopping server cancels the pending save. We save chats
ourselves through the room's own file loader (`DocumentRoom._file`, `_save_to_disc`). A room
no browser opened is released under the extension's lock for it (`_room_locks`), after its
save in progress (`_saving_document`).

jupyter_server_ydoc 3.0.x (`DocumentRoom._update_lock`): a room holds this lock while it
applies content that did not come from a client: its store and file as it loads, and its file
after an out-of-band change (`_on_outofband_change`, and `_maybe_save_document` when the file
changed meanwhile). Messages inserted while it is held came from the file (`room_applies_file`).

jupyter-server-documents 0.x: its room manager keeps rooms in `_rooms_by_id`.

jupyter_server_ydoc 3.0.x (`YDocWebSocketHandler.open`): a streamed reply is many small
websocket frames; with Nagle's algorithm on (tornado's default) a small frame written while
the previous one is unacknowledged waits for the peer's delayed ACK, about 40 ms. The room
handler does not turn it off, so `enable_nodelay_on_rooms` wraps its `open` (a monkeypatch).

jupyterlab-chat 0.25 (YChat) with pycrdt 0.14: `_get_messages` converts the whole chat to
Python an item at a time (`Array.to_py`), and YChat calls it for each message a person posts
(`_set_timestamp`, to find where the message goes, almost always where it is: last), for each
message the server adds (`add_message`) and for each save (`get`). On the server's loop, in a
chat of 300 messages, that is 12 ms each, before the agent is even asked.
`speed_up_chat_documents` replaces both (monkeypatches, for 0.25 only): the messages come from
pycrdt's own JSON of the array (a half to a quarter of the time; a whole number reads back as an
int, not a float; a chat holding a null, which is also how pycrdt writes NaN and infinities, is
read the original way), with each message's keys sorted (pycrdt's JSON lists them in a new
order each time, and `to_py` in one per process: a saved chat now keeps one order, and its
diffs show only what changed); a posted message is stamped where it is when that is its place
(the original moves it otherwise).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from typing import Any

log = logging.getLogger(__name__)


def release_idle_worker_threads() -> None:
    """Tell anyio's leftover worker threads to end (they wait for work from a stopped loop)."""
    import threading

    for thread in threading.enumerate():
        if type(thread).__name__ == "WorkerThread" and type(thread).__module__.startswith("anyio."):
            stop = getattr(thread, "stop", None)
            if callable(stop):
                try:
                    stop()
                except Exception:
                    log.debug("could not release %s", thread.name, exc_info=True)


def release_worker_threads_at_exit() -> None:
    import threading

    register = getattr(threading, "_register_atexit", None)
    if callable(register):
        register(release_idle_worker_threads)


def stop_signal_handler(serverapp: Any) -> Any | None:
    """The server's own stop-on-signal handler (jupyter_server 2.x), if it has one."""
    handler = getattr(serverapp, "_signal_stop", None)
    return handler if callable(handler) else None


def document_room(serverapp: Any, document: Any) -> Any | None:
    """The jupyter-collaboration room a live document (a YChat) belongs to, if any."""
    extension = serverapp.web_app.settings.get("jupyter_server_ydoc")
    room_id = getattr(document, "room_id", None)
    server = getattr(extension, "ywebsocket_server", None)
    rooms = getattr(server, "rooms", None)
    if not room_id or not isinstance(rooms, dict):
        return None
    return rooms.get(room_id)


def save_room_soon(room: Any) -> asyncio.Task[Any] | None:
    """Ask a room to save now (what JupyterLab's "Save" does), replacing its pending delayed save."""
    save = getattr(room, "_save_to_disc", None)
    return save() if callable(save) else None


def snapshot_content(content: Any) -> Any:
    """A chat's saved JSON with no message left marked `raw_time` (see the module's note)."""
    if not isinstance(content, str):
        return content
    try:
        data = json.loads(content)
    except ValueError:
        return content
    marked = [m for m in (data.get("messages", []) if isinstance(data, dict) else []) if m.get("raw_time")]
    for message in marked:
        message["raw_time"] = False
    return json.dumps(data, indent=2) if marked else content  # YChat.get()'s own format


async def save_room_content(room: Any, content: Any) -> bool:
    """Write `content` (a snapshot of the document) through the room's file loader.

    Used at shutdown: it does not go through the room's own save task, which the stopping
    collaboration extension cancels.
    """
    loader = getattr(room, "_file", None)
    if loader is None:
        return False
    model = {"format": room.file_format, "type": room.file_type, "content": content}
    try:
        return await loader.maybe_save_content(model) is not None
    except Exception as exc:  # OutOfBandChanges: the file changed on disk meanwhile
        log.warning("could not save %s at shutdown: %s", getattr(loader, "path", "?"), exc)
        return False


def room_lock(extension: Any, room_id: str) -> Any:
    """The lock jupyter-collaboration holds while it opens or cleans up a room."""
    return extension._room_locks[room_id]


def open_room_document(extension: Any, room: Any, room_id: str, api_path: str) -> Any | None:
    """The live document of a jupyter-collaboration room that is open and still `api_path`'s (not
    being opened or cleaned up, not renamed since), without `get_document`'s file-id lookups."""
    lock = extension._room_locks.get(room_id)
    if room is None or (lock is not None and lock.locked()):
        return None
    document = getattr(room, "_document", None)
    return document if document is not None and getattr(document, "path", None) == api_path else None


def global_awareness_room(extension: Any) -> Any | None:
    """jupyter-collaboration's room of JupyterLab's global awareness (who works on what), if open."""
    rooms = getattr(getattr(extension, "ywebsocket_server", None), "rooms", None) or {}
    return rooms.get("JupyterLab:globalAwareness")


def save_in_progress(room: Any) -> asyncio.Future[Any] | None:
    """The save a collaboration room is running, if any."""
    return getattr(room, "_saving_document", None)


def server_documents_room(manager: Any, room_id: str) -> Any | None:
    """A jupyter-server-documents room by id, if it is open."""
    rooms = getattr(manager, "_rooms_by_id", None) or {}
    return rooms.get(room_id)


_NODELAY_MARK = "_jupyter_ai_personas_nodelay"
_FAST_CHAT_MARK = "_jupyter_ai_personas_fast"
_NULL = re.compile(r"[:,\[]null[,\]}]")  # a null value in compact JSON (or in a string: no harm)


def speed_up_chat_documents() -> bool:
    """Faster whole-chat reads and message stamping in jupyterlab-chat's YChat (see the module's
    note); once. False when YChat is not the one this was written for."""
    try:
        from jupyterlab_chat import __version__ as chat_version
        from jupyterlab_chat.ychat import YChat
    except ImportError:
        return False
    if not chat_version.startswith("0.25."):  # where messages go may have changed
        return False
    original_stamp = getattr(YChat, "_set_timestamp", None)
    if not callable(original_stamp) or not callable(getattr(YChat, "_get_messages", None)):
        return False
    if getattr(original_stamp, _FAST_CHAT_MARK, False):
        return True

    def _get_messages(self: Any) -> list[dict[str, Any]]:
        text = str(self._ymessages)
        if _NULL.search(text):  # pycrdt writes NaN and infinities as null: the values themselves
            return _sorted_keys(self._ymessages.to_py() or [])
        return json.loads(text, object_pairs_hook=_sorted_object) or []

    @functools.wraps(original_stamp)
    def _set_timestamp(self: Any, msg_idx: int, timestamp: float) -> None:
        messages = self._ymessages
        with self._ydoc.transaction():
            try:
                message = messages[msg_idx]
            except IndexError:
                return
            if _stamped_place(messages, msg_idx, timestamp) == msg_idx:
                message.update({"time": timestamp, "raw_time": False})
                return
        original_stamp(self, msg_idx, timestamp)  # a move: the original's own

    setattr(_set_timestamp, _FAST_CHAT_MARK, True)
    YChat._get_messages = _get_messages  # type: ignore[method-assign]
    YChat._set_timestamp = _set_timestamp  # type: ignore[method-assign]
    return True


def _sorted_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(sorted(pairs))


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def _stamped_place(messages: Any, index: int, timestamp: float) -> int:
    """Where YChat's `_set_timestamp` puts the message at `index` stamped `timestamp`: after the
    last other message older than it, looking from the end (so, usually, one look)."""
    for other in range(len(messages) - 1, -1, -1):
        if other != index and messages[other].get("time", 0) < timestamp:
            return other + 1
    return 0


def enable_nodelay_on_rooms(log: logging.Logger) -> bool:
    """TCP_NODELAY on every collaboration websocket (see the module's note); once."""
    try:
        from jupyter_server_ydoc.handlers import YDocWebSocketHandler
    except ImportError:
        return False
    original = YDocWebSocketHandler.open
    if getattr(original, _NODELAY_MARK, False):
        return True

    @functools.wraps(original)
    async def open_without_nagle(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            self.set_nodelay(True)
        except Exception:  # the stream may already be gone; the handler copes
            log.debug("could not set TCP_NODELAY", exc_info=True)
        return await original(self, *args, **kwargs)

    setattr(open_without_nagle, _NODELAY_MARK, True)
    YDocWebSocketHandler.open = open_without_nagle  # type: ignore[method-assign]
    return True


def room_applies_file(serverapp: Any, document: Any) -> bool:
    """The document's room is applying its file or store right now (see the module's note)."""
    lock = getattr(document_room(serverapp, document), "_update_lock", None)
    return isinstance(lock, asyncio.Lock) and lock.locked()

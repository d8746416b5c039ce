"""jupyterlab-chat's YChat, sped up (`upstream.speed_up_chat_documents`): the same messages, the
same order, on a real pycrdt document (no server)."""

from __future__ import annotations

import asyncio
import functools
import json
import math
from typing import Any

import pytest
from jupyterlab_chat.models import NewMessage
from jupyterlab_chat.ychat import YChat
from pycrdt import Map

from jupyter_ai_personas.chat import ChatWriter
from jupyter_ai_personas.upstream import speed_up_chat_documents


def _message(index: int, time: float, **extra: Any) -> Map:
    fields = {"type": "msg", "id": f"m{index}", "body": f"message {index}", "sender": "alice", "time": time}
    return Map({**fields, "raw_time": False, **extra})


async def _chat(times: list[float]) -> YChat:
    ychat = YChat()
    await asyncio.sleep(0)  # YChat sets itself up in callbacks
    with ychat.ydoc.transaction():
        for index, time in enumerate(times):
            ychat.ymessages.append(_message(index, time))
    ychat.dirty = False
    return ychat


def _order(ychat: YChat) -> list[tuple[str, float, bool]]:
    return [(m["id"], m["time"], m["raw_time"]) for m in ychat.ymessages.to_py() or []]


@pytest.mark.asyncio
async def test_a_chat_reads_back_the_same_messages():
    assert speed_up_chat_documents() and speed_up_chat_documents()  # once, then already done
    ychat = await _chat([1.5, 2.25])
    writer = ChatWriter(ychat, flush_interval=0.0)
    stream = writer.open_stream("bot")  # a live reply: its body is shared text
    stream.write('naïve café ✓ 😀 "quoted" \\ back\nslash')
    ychat.ymessages.append(_message(9, 3.0, metadata={"tools": [{"id": "t1", "done": True}], "cost": 0.25}))
    expected = ychat.ymessages.to_py()
    assert ychat._get_messages() == expected
    assert [m.body for m in ychat.get_messages()] == [m["body"] for m in expected]
    assert json.loads(ychat.get())["messages"] == expected  # what a save writes
    stream.close()
    assert ychat._get_messages() == ychat.ymessages.to_py()
    assert (await _chat([]))._get_messages() == []


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("times", "posted", "stamp"),
    [
        ([1.0, 2.0, 3.0, 0.0], 3, 10.0),  # posted last, stamped newest: stays
        ([1.0, 5.0, 3.0, 0.0], 3, 4.0),  # a message from a later clock: goes before it
        ([1.0, 0.0, 2.0, 3.0], 1, 10.0),  # arrived before others: upstream's move fails here
        ([5.0, 6.0, 0.0], 2, 1.0),  # older than all: goes first
        ([1.0, 2.0], 7, 3.0),  # gone already: nothing happens
    ],
)
async def test_a_posted_message_is_stamped_and_placed_as_jupyterlab_chat_places_it(
    times: list[float], posted: int, stamp: float
):
    speed_up_chat_documents()
    original = YChat._set_timestamp.__wrapped__  # type: ignore[attr-defined]
    ours, theirs = await _chat(times), await _chat(times)
    for ychat in (ours, theirs):
        if posted < len(times):
            ychat.ymessages[posted]["raw_time"] = True
    outcomes = []
    for stamp_it, ychat in ((ours._set_timestamp, ours), (functools.partial(original, theirs), theirs)):
        try:
            stamp_it(posted, stamp)
        except RuntimeError as exc:  # jupyterlab-chat 0.25 moves a message past the end
            outcomes.append(str(exc))
        else:
            outcomes.append(_order(ychat))
    assert outcomes[0] == outcomes[1]
    if posted < len(times) and isinstance(outcomes[0], list):
        assert (f"m{posted}", stamp, False) in outcomes[0]


@pytest.mark.asyncio
async def test_settling_a_posted_message_marks_only_that_message():
    ychat = await _chat([1.0, 2.0, 3.0, 4.0])
    for index in (0, 2):
        ychat.ymessages[index]["raw_time"] = True
    ChatWriter(ychat).settle_client_times(["m2"])
    assert [raw for _, _, raw in _order(ychat)] == [True, False, False, False]
    ChatWriter(ychat).settle_client_times(["m0", "gone"])
    assert not any(raw for _, _, raw in _order(ychat))


@pytest.mark.asyncio
async def test_a_saved_chat_keeps_one_order_of_keys_from_save_to_save():
    speed_up_chat_documents()
    ychat = await _chat([1.5, 2.5])
    ychat.ymessages[0]["metadata"] = {"zeta": 1, "alpha": {"y": 2, "b": [3]}}
    saves = {ychat.get() for _ in range(20)}  # pycrdt's own JSON lists keys in a new order each time
    assert len(saves) == 1
    (saved,) = saves
    first = json.loads(saved)["messages"][0]
    assert list(first) == sorted(first) and list(first["metadata"]) == ["alpha", "zeta"]
    assert json.loads(saved)["messages"] == ychat.ymessages.to_py()


@pytest.mark.asyncio
async def test_values_json_cannot_hold_read_back_as_they_are():
    speed_up_chat_documents()
    ychat = await _chat([1.5, 2.5])
    ychat.ymessages[0]["metadata"] = {"cost": math.nan, "limits": [1, math.inf]}
    ychat.ymessages[1]["time"] = -math.inf
    (first, second) = ychat._get_messages()
    assert math.isnan(first["metadata"]["cost"]) and first["metadata"]["limits"] == [1, math.inf]
    assert second["time"] == -math.inf and list(first) == sorted(first)
    ychat.add_message(NewMessage(body="hello", sender="bot"))  # placed by time, as before
    assert [m["body"] for m in ychat._get_messages()][-1] == "hello"

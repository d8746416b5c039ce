"""Message metadata: each kind reads back as written, and old chats still read (the frontend's
types are generated from the models: test_message_schema.py)."""

from __future__ import annotations

from typing import Any

import pytest
from jupyterlab_chat.models import Message
from pydantic import BaseModel

from jupyter_ai_personas import message_meta as mm


def _message(meta: dict[str, Any]) -> Message:
    return Message(body="x", id="m", time=0, sender="s", metadata=meta)


STATE = mm.PermissionState(
    request=3,
    persona="p",
    title="Run ls",
    options=[mm.PermissionOption(option_id="a", name="Allow", kind="allow_once")],
)
SAMPLES = [
    mm.Reply(persona="p"),
    mm.Reply(persona="p", usage=mm.ReplyUsage(model="sonnet", input_tokens=10, cost=0.01, currency="USD")),
    mm.Thinking(persona="p"),
    mm.Notice(notice="persona-problems"),
    mm.ErrorNotice(),
    mm.ToolCallMessage(
        persona="p", tool_call=mm.ToolCallData(tool_call_id="t", title="ls"), permission=STATE
    ),
    mm.PlanMessage(persona="p", entries=[mm.PlanEntry(content="read", status="completed")]),
    mm.PermissionMessage(persona="p", description="Run ls", permission=STATE),
    mm.QuestionMessage(persona="p", question=mm.QuestionState(question=1, persona="p", message="Which?")),
    mm.PassedOn(hop=2),
]


@pytest.mark.parametrize("meta", SAMPLES, ids=lambda m: m.kind)
def test_each_kind_reads_back_as_written(meta: BaseModel):
    assert mm.read(_message(mm.metadata(meta))) == meta


def test_chats_written_before_kinds_existed_and_unknown_shapes_still_read():
    assert isinstance(mm.read(_message({mm.KEY: {"error": True}})), mm.ErrorNotice)
    assert mm.read(_message({mm.KEY: {"kind": "from-a-newer-version"}})) is None
    assert mm.read(_message({})) is None
    newer = mm.read(_message({mm.KEY: {"kind": "reply", "persona": "p", "added_later": 1}}))
    assert isinstance(newer, mm.Reply) and newer.model_dump()["added_later"] == 1

"""Message metadata: each kind reads back as written, old chats still read, and the frontend's
types (src/types.ts) mirror the models field by field and literal by literal."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from jupyterlab_chat.models import Message
from pydantic import BaseModel

from jupyter_ai_personas import message_meta as mm

TYPES_TS = Path(__file__).parents[2] / "src" / "types.ts"
MIRRORS: dict[str, type[BaseModel]] = {
    "IPermissionOption": mm.PermissionOption,
    "IPermissionRecord": mm.PermissionRecord,
    "IPermissionState": mm.PermissionState,
    "IToolContent": mm.ToolContentData,
    "IToolCall": mm.ToolCallData,
    "IPlanEntry": mm.PlanEntry,
    "IQuestionChoice": mm.QuestionChoice,
    "IQuestionField": mm.QuestionField,
    "IQuestionRecord": mm.QuestionRecord,
    "IQuestionState": mm.QuestionState,
    "IReplyUsage": mm.ReplyUsage,
}
RICH = (mm.ToolCallMessage, mm.PlanMessage, mm.PermissionMessage, mm.QuestionMessage)


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


# -- the frontend's mirror -------------------------------------------------------------------
def _ts() -> tuple[dict[str, dict[str, tuple[bool, str]]], dict[str, str]]:
    """Interfaces (field -> (optional, type)) and type aliases of src/types.ts."""
    text = re.sub(r"/\*.*?\*/", "", TYPES_TS.read_text(), flags=re.S)
    aliases = dict(re.findall(r"export type (\w+) = ([^;]+);", text))
    interfaces = {}
    for name, body in re.findall(r"export interface (\w+) \{(.*?)\n\}", text, flags=re.S):
        fields = re.findall(r"^\s+(\w+)(\??): ([^;]+);", body, flags=re.M)
        interfaces[name] = {field: (optional == "?", kind.strip()) for field, optional, kind in fields}
    return interfaces, aliases


def _ts_literals(kind: str, aliases: dict[str, str]) -> set[str] | None:
    parts = [p.strip() for p in aliases.get(kind, kind).split("|")]
    parts = [p for part in parts for p in [p.strip() for p in aliases.get(part, part).split("|")]]
    parts = [p for p in parts if p != "null"]
    if all(p.startswith("'") for p in parts):
        return {p.strip("'") for p in parts}
    return None


def _py_literals(annotation: Any) -> set[str] | None:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        literal = [a for a in args if a is not type(None)]
        return _py_literals(literal[0]) if len(literal) == 1 else None
    return set(args) if typing.get_origin(annotation) is Literal else None


def _nullable(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


@pytest.mark.parametrize("interface", sorted(MIRRORS))
def test_the_frontend_types_mirror_the_models(interface: str):
    interfaces, aliases = _ts()
    model = MIRRORS[interface]
    fields = interfaces[interface]
    assert set(fields) == set(model.model_fields), f"{interface} and {model.__name__} differ"
    for name, info in model.model_fields.items():
        optional, kind = fields[name]
        where = f"{interface}.{name}"
        # the server leaves None out (`exclude_none`): what may be None is optional there
        assert optional == _nullable(info.annotation), f"{where}: optional in one, not in the other"
        assert "null" not in kind.split(" | "), f"{where}: null is never sent"
        assert _ts_literals(kind, aliases) == _py_literals(info.annotation), f"{where}: literals differ"


def test_the_frontend_knows_every_rich_message():
    interfaces, aliases = _ts()
    rich = interfaces["IRichMessage"]
    fields = {name for model in RICH for name in model.model_fields} | {"chat_id"}  # chat_id: added
    assert set(rich) == fields
    assert _ts_literals(rich["kind"][1], aliases) == {_kind(model) for model in RICH}


def _kind(model: type[BaseModel]) -> str:
    return model.model_fields["kind"].default

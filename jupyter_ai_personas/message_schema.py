"""The JSON schema of what the runtime writes in chat messages, for the frontend's types.

`src/messageMeta.generated.ts` is generated from it (`make types`, json-schema-to-typescript),
so the server's pydantic models are the one definition of the contract and the frontend cannot
drift from them (`tests/unit/test_message_schema.py` fails when the generated files are stale).

The schema describes what goes over the wire: the server leaves out what is None
(`exclude_none`), so a field that may be None is optional and never null; a field with any
other default is always sent, so it is required.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import message_meta as mm

# every shape the frontend reads, with the name it has there
FRONTEND_NAMES: dict[type[BaseModel], str] = {
    mm.PermissionOption: "IPermissionOption",
    mm.PermissionRecord: "IPermissionRecord",
    mm.PermissionState: "IPermissionState",
    mm.ToolContentData: "IToolContent",
    mm.ToolCallData: "IToolCall",
    mm.PlanEntry: "IPlanEntry",
    mm.QuestionChoice: "IQuestionChoice",
    mm.QuestionField: "IQuestionField",
    mm.QuestionRecord: "IQuestionRecord",
    mm.QuestionState: "IQuestionState",
    mm.ReplyUsage: "IReplyUsage",
    mm.WaitingMessage: "IWaitingMessage",
    mm.Reply: "IReply",
    mm.Thinking: "IThinking",
    mm.Notice: "INotice",
    mm.ErrorNotice: "IErrorNotice",
    mm.ToolCallMessage: "IToolCallMessage",
    mm.PlanMessage: "IPlanMessage",
    mm.PermissionMessage: "IPermissionMessage",
    mm.QuestionMessage: "IQuestionMessage",
    mm.PassedOn: "IPassedOn",
}
MESSAGE_KINDS = typing.get_args(typing.get_args(mm.MessageMeta)[0])


def _nullable(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation) and typing.get_origin(annotation) in (
        typing.Union,
        types.UnionType,
    )


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = [s for s in schema.get("anyOf", []) if s != {"type": "null"}]
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    if len(options) == 1:
        return {**rest, **options[0]}
    return {**rest, "anyOf": options} if options else rest


def frontend_schema() -> dict[str, Any]:
    """One schema: every shape under `definitions` (named as in the frontend), and the message kinds."""
    models = list(FRONTEND_NAMES)
    _, schema = models_json_schema([(m, "serialization") for m in models], ref_template="#/$defs/{model}")
    defs: dict[str, Any] = schema["$defs"]
    renamed = {model.__name__: name for model, name in FRONTEND_NAMES.items()}
    result: dict[str, Any] = {}
    for model in models:
        definition = defs[model.__name__]
        properties = {}
        for field, prop in definition.get("properties", {}).items():
            annotation = model.model_fields[field].annotation
            prop = _without_null(prop) if _nullable(annotation) else prop
            prop.pop("title", None)
            properties[field] = prop
        result[renamed[model.__name__]] = {
            **{k: v for k, v in definition.items() if k not in ("properties", "required", "title")},
            "title": renamed[model.__name__],
            "properties": properties,
            "required": [f for f, info in model.model_fields.items() if not _nullable(info.annotation)],
            "additionalProperties": False,  # the models keep unknown fields; the frontend reads none
        }
    text = _rename_refs(result, renamed)
    text["MessageMeta"] = {
        "title": "MessageMeta",
        "description": "What the runtime writes under `jupyter_ai_personas` in a message's metadata.",
        "anyOf": [{"$ref": f"#/definitions/{FRONTEND_NAMES[m]}"} for m in MESSAGE_KINDS],
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "ChatContract",
        "description": "What the server and the frontend exchange through a chat's document.",
        "type": "object",
        "properties": {
            "metadata": {"$ref": "#/definitions/MessageMeta"},
            "queue": {
                "description": f"The server's awareness field `{mm.QUEUE_AWARENESS_KEY}`.",
                "type": "array",
                "items": {"$ref": "#/definitions/IWaitingMessage"},
            },
        },
        "additionalProperties": False,
        "definitions": text,
    }


def _rename_refs(value: Any, renamed: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (
                "#/definitions/" + renamed[v.rsplit("/", 1)[1]]
                if k == "$ref" and isinstance(v, str)
                else _rename_refs(v, renamed)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rename_refs(v, renamed) for v in value]
    return value

"""What the runtime writes in chat messages' metadata (and the chat's), under one key, as models.

Replies, thoughts, notices, errors, tool calls, plans, permission requests and questions each
have a shape here. A rich message (a tool call, a plan, a request, a question) carries the
same data in its MIME model for the frontend, whose `src/types.ts` mirrors these models
(`tests/unit/test_message_meta.py` checks that the two agree).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from jupyterlab_chat.models import Message
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

KEY = "jupyter_ai_personas"  # in message metadata, and in the chat's own metadata
RICH_MIME = "application/vnd.jupyter-ai-personas.v1+json"
# a reply whose body is shared text while it streams: the frontend renders it from the document
LIVE_MIME = "application/vnd.jupyter-ai-personas.live+json"

OptionKind = Literal["allow_once", "allow_always", "reject_once", "reject_always"]
PermissionStatus = Literal["pending", "answered", "timeout", "cancelled", "expired"]
FieldKind = Literal["choice", "text", "boolean", "number"]


class _Shape(BaseModel):
    # a chat written by a newer or older version still reads: unknown fields are kept
    model_config = ConfigDict(extra="allow")


# -- permission requests -----------------------------------------------------------------
class PermissionOption(_Shape):
    option_id: str
    name: str
    kind: OptionKind


class PermissionRecord(_Shape):
    """How a request ended: the option chosen and by whom, or why it did not get one."""

    outcome: Literal["selected", "cancelled"] | None = None
    option_id: str | None = None
    kind: OptionKind | None = None
    by: str | None = None
    line: str = ""
    at: float | None = None


class PermissionState(_Shape):
    request: int
    persona: str
    title: str
    options: list[PermissionOption]
    status: PermissionStatus = "pending"
    always_scope: str | None = None  # what an "always" answer would cover
    answer: PermissionRecord | None = None


# -- questions -----------------------------------------------------------------------------
class QuestionChoice(_Shape):
    value: str
    title: str
    description: str = ""


class QuestionField(_Shape):
    """One answer the agent wants: a choice (options), free text, a yes/no or a number."""

    name: str
    title: str
    kind: FieldKind = "text"
    description: str = ""
    choices: list[QuestionChoice] = []
    required: bool = False


class QuestionRecord(_Shape):
    action: Literal["accept", "decline", "cancel"]
    values: dict[str, Any] = {}
    by: str | None = None
    line: str = ""
    at: float | None = None


class QuestionState(_Shape):
    question: int
    persona: str
    message: str
    fields: list[QuestionField] = []
    url: str | None = None
    status: Literal["pending", "answered", "cancelled"] = "pending"
    answer: QuestionRecord | None = None


# -- tool calls and plans ------------------------------------------------------------------
class ToolContentData(_Shape):
    """A diff (as unified text), a command with its output, or text."""

    type: Literal["diff", "terminal", "text"]
    path: str | None = None
    diff: str | None = None
    command: str | None = None
    output: str | None = None
    exit_code: int | None = None
    truncated: bool | None = None
    text: str | None = None


class ToolCallData(_Shape):
    tool_call_id: str
    title: str = ""
    kind: str = "other"
    status: str = "pending"
    content: list[ToolContentData] = []
    locations: list[str] = []
    command: str | None = None
    note: str | None = None  # e.g. an answer given by the persona's policy
    warnings: list[str] = []  # paths that need a person's answer, and why


class PlanEntry(_Shape):
    content: str
    status: Literal["pending", "in_progress", "completed"] = "pending"
    priority: str | None = None


# -- the queue (published over the chat's awareness, never saved) ---------------------------
QUEUE_AWARENESS_KEY = "jupyter_ai_personas_queue"


class WaitingMessage(_Shape):
    """A person's message that waits for a persona busy with an earlier one."""

    message_id: str
    persona: str  # the persona's chat username
    name: str
    ahead: int  # replies to finish before this one starts (the running one included)
    can_send_now: bool = False  # the agent takes it into the turn under way (asked by the same person)


# -- the messages --------------------------------------------------------------------------
class ReplyUsage(_Shape):
    """What a reply cost, as the agent reported it: the turn's tokens (ACP prompt response),
    the context in use and the session's cost so far (ACP usage updates)."""

    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    context_used: int | None = None
    context_size: int | None = None
    cost: float | None = None
    currency: str | None = None


class Reply(_Shape):
    kind: Literal["reply"] = "reply"
    persona: str
    usage: ReplyUsage | None = None  # on the last message of a reply, once the turn has ended


class Thinking(_Shape):
    kind: Literal["thinking"] = "thinking"
    persona: str


class Notice(_Shape):
    """Said about the conversation, not in it (never given to an agent as history)."""

    kind: Literal["notice"] = "notice"
    persona: str | None = None
    notice: str | None = None  # which one, when the runtime replaces it later


class ErrorNotice(_Shape):
    """A turn that failed; written `{"error": true}` before kinds existed."""

    kind: Literal["error"] = "error"
    error: Literal[True] = True


class ToolCallMessage(_Shape):
    kind: Literal["tool_call"] = "tool_call"
    persona: str
    tool_call: ToolCallData
    permission: PermissionState | None = None  # the request to run it, when one was asked


class PlanMessage(_Shape):
    kind: Literal["plan"] = "plan"
    persona: str
    entries: list[PlanEntry]


class PermissionMessage(_Shape):
    kind: Literal["permission"] = "permission"
    persona: str
    description: str = ""
    permission: PermissionState


class QuestionMessage(_Shape):
    kind: Literal["question"] = "question"
    persona: str
    question: QuestionState


class PassedOn(_Shape):
    """A persona's reply passed on to the personas it mentions (never posted: routed)."""

    kind: Literal["passed_on"] = "passed_on"
    hop: int


# -- the chat's own metadata ----------------------------------------------------------------
class StoredSession(_Shape):
    """A persona's agent session in this chat: resumed after a restart with the same program."""

    id: str | None = None
    agent: str | None = None  # the program's key
    usage: dict[str, Any] = {}  # what the agent last reported (tokens, cost)
    chosen: dict[str, str] = {}  # the model a person picked for this chat ({"model": "opus"})


class ChatState(_Shape):
    sessions: dict[str, StoredSession] = {}  # by persona id
    reported: list[str] = []  # digests of the persona problems already posted in this chat


MessageMeta = Annotated[
    Reply
    | Thinking
    | Notice
    | ErrorNotice
    | ToolCallMessage
    | PlanMessage
    | PermissionMessage
    | QuestionMessage
    | PassedOn,
    Field(discriminator="kind"),
]
RichMeta = ToolCallMessage | PlanMessage | PermissionMessage | QuestionMessage
NOT_CONVERSATION = frozenset({"tool_call", "thinking", "plan", "notice", "error", "permission", "question"})

_adapter: TypeAdapter[MessageMeta] = TypeAdapter(MessageMeta)


def metadata(meta: MessageMeta) -> dict[str, Any]:
    """A message's metadata holding `meta`."""
    return {KEY: meta.model_dump(mode="json", exclude_none=True)}


def read(message: Message) -> MessageMeta | None:
    """What the runtime wrote in a message's metadata, or None (a person's message, or a shape
    this version does not know)."""
    data = (message.metadata or {}).get(KEY)
    if not isinstance(data, dict):
        return None
    if "kind" not in data:
        data = {**data, "kind": "error" if data.get("error") else "passed_on"}
    try:
        return _adapter.validate_python(data)
    except ValidationError:
        return None

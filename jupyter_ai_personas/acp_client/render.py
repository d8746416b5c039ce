"""TurnRenderer: an agent's session updates, as chat messages, in the order they happen.

Text streams into the reply (through the ChatWriter); thoughts into a folded "thinking"
message; each tool call is one message that follows its status, diff, command and
output (and carries its permission request, when the agent asks one); the plan is one
checklist message. Each message's metadata carries the structured form for the frontend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from acp.schema import (
    AgentMessageChunk,
    AgentPlanUpdate,
    AgentThoughtChunk,
    ContentToolCallContent,
    EmbeddedResourceContentBlock,
    FileEditToolCallContent,
    ImageContentBlock,
    ResourceContentBlock,
    TerminalToolCallContent,
    TextContentBlock,
    TextResourceContents,
    ToolCallProgress,
    ToolCallStart,
    ToolCallUpdate,
    UsageUpdate,
)

from ..chat import MessageStream
from ..message_meta import (
    PermissionState,
    PlanEntry,
    PlanMessage,
    Reply,
    ReplyUsage,
    Thinking,
    ToolCallMessage,
    metadata,
)
from .client import SessionUpdate
from .markdown import (
    DiffContent,
    TerminalContent,
    TextContent,
    ToolCallView,
    fence,
    plan_markdown,
    raw_command,
    tool_call_data,
    tool_call_markdown,
)

if TYPE_CHECKING:
    from ..turn_writer import TurnWriter
    from .terminals import TerminalManager

ToolCallContent = FileEditToolCallContent | TerminalToolCallContent | ContentToolCallContent
ToolCallChange = ToolCallStart | ToolCallProgress | ToolCallUpdate
STOP_NOTES = {
    "max_tokens": "✂️ _The reply was cut: the agent reached its token limit._",
    "max_turn_requests": "✂️ _The agent reached its limit of model requests for one turn._",
    "refusal": "🙅 _The agent refused to continue._",
    # a cancel the person did not ask for (/stop detaches the renderer first)
    "cancelled": "⏹ _The agent ended its turn._",
}


@dataclass
class ToolCallEntry:
    view: ToolCallView
    message_id: str | None = None
    permission: PermissionState | None = None
    status_line: str | None = None


def is_agent_notice(update: Any) -> bool:
    """A message chunk the agent marks as informational, not part of its answer
    (claude-agent-acp: `_meta.claudeCode.kind == "informational"`)."""
    meta = getattr(update, "field_meta", None) or {}
    if not isinstance(meta, dict):
        return False
    return any(
        isinstance(value, dict) and value.get("kind") in ("informational", "notice")
        for value in meta.values()
    )


def block_text(block: Any) -> str:
    """Markdown for one ACP content block."""
    match block:
        case TextContentBlock():
            return block.text
        case ImageContentBlock():
            return f"![image](data:{block.mime_type};base64,{block.data})"
        case ResourceContentBlock():
            return f"[{block.name or block.uri}]({block.uri})"
        case EmbeddedResourceContentBlock(resource=TextResourceContents() as resource):
            return fence(resource.text) if resource.text else f"[{resource.uri}]({resource.uri})"
        case EmbeddedResourceContentBlock(resource=resource):
            return f"[{resource.uri}]({resource.uri})"
    return ""


class TurnRenderer:
    def __init__(
        self,
        writer: TurnWriter,
        *,
        show_path: Callable[[str], str] = str,
        terminals: TerminalManager | None = None,
    ):
        self.writer = writer
        self.show_path = show_path
        self.terminals = terminals
        self.text: MessageStream | None = None
        self.thought: MessageStream | None = None
        self.tool_calls: dict[str, ToolCallEntry] = {}
        self.plan_message_id: str | None = None
        self.usage: dict[str, Any] | None = None

    @property
    def persona(self) -> str:
        return self.writer.sender

    # -- updates -----------------------------------------------------------------------
    def on_update(self, update: SessionUpdate) -> None:
        match update:
            case AgentMessageChunk() if is_agent_notice(update):
                self._notice(block_text(update.content))
            case AgentMessageChunk():
                self._text(block_text(update.content))
            case AgentThoughtChunk():
                self._thought(block_text(update.content))
            case ToolCallStart() | ToolCallProgress():
                self._tool_call(update)
            case AgentPlanUpdate():
                self._plan([PlanEntry.model_validate(e.model_dump()) for e in update.entries])
            case UsageUpdate():
                self.usage = update.model_dump(exclude_none=True, exclude={"session_update", "field_meta"})

    def _text(self, text: str) -> None:
        if not text:
            return
        self._close_thought()
        if self.text is None:
            self.text = self.writer.open_stream(metadata=metadata(Reply(persona=self.persona)))
        self.text.write(text)

    def _thought(self, text: str) -> None:
        if not text:
            return
        self._close_text()
        if self.thought is None:
            self.thought = self.writer.open_stream(
                metadata=metadata(Thinking(persona=self.persona)),
                wrap=("<details><summary>💭 Thinking</summary>\n\n", "\n\n</details>"),
            )
        self.thought.write(text)

    def _notice(self, text: str) -> None:
        """A notice of the agent's own (e.g. about its modes): a message apart, not reply text."""
        if not text.strip():
            return
        self.writer.note(f"ℹ️ {text.strip()}")

    def break_reply(self) -> None:
        """The person sent a message into this turn: the reply goes on in a new message, below it."""
        self._close_text()
        self._close_thought()

    def _close_text(self) -> None:
        if self.text is not None:
            self.text.close()
            self.text = None

    def _close_thought(self) -> None:
        if self.thought is not None:
            self.thought.close()
            self.thought = None

    def _tool_call(self, update: ToolCallChange) -> None:
        self._close_text()
        self._close_thought()
        entry = self.entry_for(update)
        self.show_tool_call(entry)

    def entry_for(self, update: ToolCallChange) -> ToolCallEntry:
        """The tool call an update (or a permission request's tool call) is about, merged."""
        tool_call_id = update.tool_call_id
        entry = self.tool_calls.get(tool_call_id)
        if entry is None:
            entry = self.tool_calls[tool_call_id] = ToolCallEntry(ToolCallView(tool_call_id=tool_call_id))
        view = entry.view
        if update.title:
            view.title = update.title
        if update.kind:
            view.kind = update.kind
        if update.status:
            view.status = update.status
        if update.locations:
            view.locations = [loc.path for loc in update.locations]
        if update.raw_input is not None:
            view.raw_input = update.raw_input
            if view.kind == "execute":
                view.command = raw_command(update.raw_input) or view.command
        if update.content is not None:
            view.content = [c for c in (self._content(item) for item in update.content) if c is not None]
        return entry

    def _content(self, item: ToolCallContent) -> DiffContent | TextContent | TerminalContent | None:
        match item:
            case FileEditToolCallContent():
                return DiffContent(path=item.path, old_text=item.old_text, new_text=item.new_text)
            case TerminalToolCallContent():
                return TerminalContent(terminal_id=item.terminal_id)
            case ContentToolCallContent():
                return TextContent(text=block_text(item.content))
        return None

    def _refresh_terminals(self, view: ToolCallView) -> None:
        if self.terminals is None:
            return
        for item in view.content:
            if isinstance(item, TerminalContent):
                terminal = self.terminals.terminals.get(item.terminal_id)
                if terminal is not None:
                    item.command = " ".join(terminal.command)
                    item.output = terminal.text()
                    item.exit_code = terminal.exit_code
                    item.truncated = terminal.truncated

    def show_tool_call(self, entry: ToolCallEntry) -> None:
        view = entry.view
        self._refresh_terminals(view)
        body = tool_call_markdown(view, self.show_path)
        if entry.status_line:
            body += "\n\n" + entry.status_line
        meta = ToolCallMessage(
            persona=self.persona, tool_call=tool_call_data(view, self.show_path), permission=entry.permission
        )
        if entry.message_id is None:
            entry.message_id = self.writer.post_rich(body, meta)
        else:
            self.writer.update_rich(entry.message_id, body, meta)

    def permission_view(self, entry: ToolCallEntry) -> _ToolCallPermissionView:
        return _ToolCallPermissionView(self, entry)

    def _plan(self, entries: list[PlanEntry]) -> None:
        self._close_text()
        self._close_thought()
        body = plan_markdown(entries)
        meta = PlanMessage(persona=self.persona, entries=entries)
        if self.plan_message_id is None:
            self.plan_message_id = self.writer.post_rich(body, meta)
        else:
            self.writer.update_rich(self.plan_message_id, body, meta)

    # -- the end of a turn -------------------------------------------------------------
    def finish(self, stop_reason: str | None, usage: ReplyUsage | None = None) -> None:
        """Close what is open; say why the turn ended when it is not the normal end; put what
        the reply cost on its last message."""
        unfinished = "cancelled" if stop_reason == "cancelled" else "failed"
        self._settle_tool_calls(unfinished)
        note = STOP_NOTES.get(stop_reason or "")
        if note and self.text is not None:
            self.text.write("\n\n" + note)
        elif note:
            self.writer.note(note)
        last = self.text.message_ids[-1:] if self.text is not None else []
        self._close_text()
        self._close_thought()
        if usage is not None and last:
            self.writer.chat.update(last[0], metadata=metadata(Reply(persona=self.persona, usage=usage)))

    def abort(self, status: str = "cancelled") -> None:
        """The turn was stopped or the agent went away: close streams and tool calls."""
        self._settle_tool_calls(status)
        self._close_thought()

    def _settle_tool_calls(self, status: str) -> None:
        for entry in self.tool_calls.values():
            if entry.view.status in ("pending", "in_progress"):
                entry.view.status = status
                self.show_tool_call(entry)


def reply_usage(turn: Any, reported: dict[str, Any] | None, model: str | None) -> ReplyUsage | None:
    """A reply's cost from the prompt response's usage (`turn`), the last usage update and the
    session's model; None when the agent reported nothing."""
    reported = reported or {}
    cost = reported.get("cost") or {}
    usage = ReplyUsage(
        model=model,
        input_tokens=getattr(turn, "input_tokens", None),
        output_tokens=getattr(turn, "output_tokens", None),
        context_used=reported.get("used"),
        context_size=reported.get("size"),
        cost=cost.get("amount"),
        currency=cost.get("currency"),
    )
    return usage if usage.model_dump(exclude_none=True) else None


class _ToolCallPermissionView:
    """Shows a permission request inside the message of its tool call."""

    def __init__(self, renderer: TurnRenderer, entry: ToolCallEntry):
        self.renderer, self.entry = renderer, entry

    def show(self, state: PermissionState, status_line: str) -> None:
        self.entry.permission = state.model_copy(deep=True)
        number = state.request
        self.entry.status_line = f"🔐 **Permission request #{number}** — {status_line}"
        self.renderer.show_tool_call(self.entry)

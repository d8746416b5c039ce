"""The agent's requests for one session: permissions, files and terminals.

Nothing is written, run or read outside the workspace without a person's answer or a policy
the person can see (`consent`): a person's "Allow" covers that one tool call, an "always"
answer one kind of tool call inside the server root, and a write or command the agent starts
through ACP `fs/*` or `terminal/*` that no answer covered is asked here.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from acp import RequestError
from acp.schema import (
    AcceptElicitationResponse,
    AllowedOutcome,
    CancelElicitationResponse,
    CreateElicitationResponse,
    CreateTerminalResponse,
    DeclineElicitationResponse,
    DeniedOutcome,
    ElicitationFormRequestMode,
    ElicitationFormSessionMode,
    ElicitationMode,
    ElicitationUrlRequestMode,
    ElicitationUrlSessionMode,
    FileEditToolCallContent,
    KillTerminalResponse,
    ReadTextFileResponse,
    ReleaseTerminalResponse,
    RequestPermissionResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    ToolCallLocation,
    ToolCallUpdate,
    WaitForTerminalExitResponse,
    WriteTextFileResponse,
)
from acp.schema import PermissionOption as AgentOption

from ..paths import PathRefused, PathRules
from ..permissions import PermissionAnswer, PermissionOption
from ..process_reaper import ProcessReaper
from ..questions import fields_from_schema
from .consent import Decision, TurnGrants, always_key, command_text, decide, describe_key, offered_to_person
from .files import FileAccess, refused
from .markdown import ToolCallView
from .terminals import TerminalManager

if TYPE_CHECKING:
    from ..permissions import PermissionBroker
    from ..questions import QuestionBroker
    from .render import ToolCallEntry, TurnRenderer

OPTION_NAMES = {
    "allow_once": "Allow",
    "allow_always": "Always allow",
    "reject_once": "Reject",
    "reject_always": "Always reject",
}
RUNTIME_OPTIONS = [
    PermissionOption(option_id="allow", name="Allow", kind="allow_once"),
    PermissionOption(option_id="always", name="Always allow", kind="allow_always"),
    PermissionOption(option_id="reject", name="Reject", kind="reject_once"),
]


def _selected(option_id: str) -> RequestPermissionResponse:
    return RequestPermissionResponse(outcome=AllowedOutcome(outcome="selected", option_id=option_id))


def _cancelled() -> RequestPermissionResponse:
    return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))


def _first(options: list[PermissionOption], kinds: tuple[str, ...]) -> PermissionOption | None:
    return next((o for kind in kinds for o in options if o.kind == kind), None)


@dataclass
class Activity:
    """When the agent last did something (a watchdog ends turns of an agent that went silent)."""

    at: float = 0.0

    def touch(self) -> None:
        self.at = time.monotonic()


@dataclass
class Asker:
    """Who answers for a persona: its policy, the chat's brokers, and how it is named."""

    persona_id: str
    name: str
    mention_name: str
    policy: Callable[[str], str]  # tool kind -> allow, ask or reject
    permissions: PermissionBroker | None = None
    questions: QuestionBroker | None = None

    def waiting(self) -> bool:
        """A person has to answer something of this persona's first."""
        asked = self.questions is not None and any(
            q.persona_id == self.persona_id for q in self.questions.pending.values()
        )
        return bool(self.permissions and self.permissions.waiting(self.persona_id)) or asked


class AgentRequests:
    """The agent's requests for one session; the session hands it the turn being rendered."""

    def __init__(self, files: FileAccess, rules: PathRules, asker: Asker, cwd: Path, activity: Activity):
        self.files = files
        self.rules = rules
        self.root = rules.root
        self.asker = asker
        self.cwd = cwd
        self.activity = activity
        self.renderer: TurnRenderer | None = None  # the turn in progress, if any
        self.terminals: TerminalManager | None = None
        self.grants = TurnGrants()
        self.missing_reads_empty = False  # see adapter_quirks.reads_missing_files_as_empty

    def turn_started(self) -> None:
        """What was allowed in an earlier turn is not any more."""
        self.grants.clear()

    def reset_terminals(self, agent_env: dict[str, str], reaper: ProcessReaper | None = None) -> None:
        self.close_terminals()
        self.terminals = TerminalManager(self.rules, agent_env, reaper)

    def close_terminals(self) -> None:
        if self.terminals is not None:
            self.terminals.close()

    def show_path(self, path: str) -> str:
        candidate = Path(path)
        if candidate.is_absolute() and candidate.is_relative_to(self.root):
            return candidate.relative_to(self.root).as_posix()
        return path

    # -- permission --------------------------------------------------------------------
    def _decide(self, view: ToolCallView) -> Decision:
        broker = self.asker.permissions
        always = broker.always_for(self.asker.persona_id) if broker is not None else set()
        return decide(
            view, policy=self.asker.policy(view.kind), always=always, rules=self.rules, cwd=self.cwd
        )

    async def request_permission(
        self, tool_call: ToolCallUpdate, options: list[AgentOption]
    ) -> RequestPermissionResponse:
        self.activity.touch()
        renderer = self.renderer
        if renderer is None:  # no turn in progress (stopped): nobody to ask
            return _cancelled()
        entry = renderer.entry_for(tool_call)
        # named by what they mean here ("always" is the runtime's, not the agent's own rule)
        choices = [
            PermissionOption(option_id=o.option_id, name=OPTION_NAMES[o.kind], kind=o.kind) for o in options
        ]
        answer = await self._answer(entry, choices)
        if answer is None:
            return _cancelled()
        return _selected(answer.option_id)

    async def _answer(self, entry: ToolCallEntry, choices: list[PermissionOption]) -> PermissionOption | None:
        """The option to give the agent (None: cancelled), from a policy or a person."""
        renderer = self.renderer
        assert renderer is not None
        view = entry.view
        notebook = self._open_notebook_written(view)
        decision = self._decide(view)
        if notebook is not None:
            decision = Decision("reject", concerns=decision.concerns)
            view.note = (
                f"🛡️ Refused: `{notebook}` is open in JupyterLab and writing it as a file would replace "
                "the live notebook (and anyone's unsaved edits). Agents change open notebooks with the "
                "notebook tools."
            )
        view.warnings = decision.concerns
        if decision.answer in ("allow", "reject"):
            wanted = (
                ("allow_once", "allow_always")
                if decision.answer == "allow"
                else ("reject_once", "reject_always")
            )
            option = _first(choices, wanted)
            if option is not None:
                verb = "Allowed" if decision.answer == "allow" else "Rejected"
                view.note = view.note or f"🤖 {verb} by {decision.reason}"
                renderer.show_tool_call(entry)
                if decision.answer == "allow":
                    self.grants.add(view, self.rules, self.cwd)
                return option
        answer = await self._ask_person(entry, choices, decision)
        if answer is None or answer.option_id is None:
            return None
        option = next(o for o in choices if o.option_id == answer.option_id)
        if answer.allowed:
            self.grants.add(view, self.rules, self.cwd)
            if option.kind == "allow_always":
                broker = self.asker.permissions
                if broker is not None:
                    broker.remember_always(self.asker.persona_id, always_key(view))
                # the runtime remembers it and keeps the agent asking, so every later call is
                # judged again (paths, policies) instead of being waved through by the agent
                option = _first(choices, ("allow_once",)) or option
        return option

    async def _ask_person(
        self, entry: ToolCallEntry, choices: list[PermissionOption], decision: Decision
    ) -> PermissionAnswer | None:
        broker = self.asker.permissions
        renderer = self.renderer
        if broker is None or renderer is None:
            return None
        view = entry.view
        answer = await broker.ask(
            persona_id=self.asker.persona_id,
            title=view.title or view.kind,
            options=offered_to_person(choices, decision.concerns),
            view=renderer.permission_view(entry),
            always_scope=f"every later call: {describe_key(always_key(view))} by "
            f"@{self.asker.mention_name} in this chat, inside the server root; "
            "`/permissions` lists and revokes",
        )
        self.activity.touch()
        return None if answer.outcome == "cancelled" else answer

    async def _runtime_asks(self, update: ToolCallUpdate) -> bool:
        """The runtime's own request, for a write or command no answer of this turn covered."""
        if self.renderer is None:
            return False
        entry = self.renderer.entry_for(update)
        option = await self._answer(entry, list(RUNTIME_OPTIONS))
        allowed = option is not None and option.kind.startswith("allow")
        entry.view.status = "completed" if allowed else "failed"
        self.renderer.show_tool_call(entry)
        return allowed

    def _open_notebook_written(self, view: ToolCallView) -> str | None:
        """The open notebook an edit tool call would write as a file, if any."""
        from .consent import tool_call_paths

        documents = self.files.documents
        if view.kind != "edit" or documents is None or not documents.live:
            return None
        for path in tool_call_paths(view):
            if not str(path).endswith(".ipynb"):
                continue
            try:
                api_path = self.files.relative(self.rules.accessible(str(path), self.cwd))
            except PathRefused:
                continue
            if documents.is_open(api_path):
                return api_path
        return None

    def _target(self, path: str) -> Path:
        try:
            return self.rules.accessible(path, self.cwd)
        except PathRefused as exc:
            raise refused(path, str(exc)) from None

    # -- questions (ACP elicitation) ----------------------------------------------------
    async def elicit(self, message: str, mode: ElicitationMode) -> CreateElicitationResponse:
        """Ask the chat's people what the agent wants to know; their answer goes back as it is."""
        questions = self.asker.questions
        if questions is None:
            return CancelElicitationResponse(action="cancel")
        match mode:
            case ElicitationFormSessionMode() | ElicitationFormRequestMode():
                fields, url = fields_from_schema(mode.requested_schema), None
            case ElicitationUrlSessionMode() | ElicitationUrlRequestMode():
                fields, url = [], str(mode.url)
        self.activity.touch()
        answer = await questions.ask(
            persona_id=self.asker.persona_id,
            persona_name=self.asker.name,
            message=message,
            fields=fields,
            url=url,
        )
        self.activity.touch()
        if answer.action == "accept":
            return AcceptElicitationResponse(action="accept", content=answer.values or None)
        if answer.action == "decline":
            return DeclineElicitationResponse(action="decline")
        return CancelElicitationResponse(action="cancel")

    # -- files -------------------------------------------------------------------------
    async def read_text_file(self, path: str, line: int | None, limit: int | None) -> ReadTextFileResponse:
        self.activity.touch()
        target = self._target(path)
        if not self.grants.covers(target):  # a read does not use up an allowed write of the file
            update = ToolCallUpdate(
                tool_call_id=f"client-{uuid.uuid4().hex[:8]}",
                title=f"Read {self.rules.shown(target)}",
                kind="read",
                status="pending",
                locations=[ToolCallLocation(path=str(target))],
            )
            view = ToolCallView(tool_call_id=update.tool_call_id, kind="read", locations=[str(target)])
            if self._decide(view).answer != "allow" and not await self._runtime_asks(update):
                raise refused(path, "the person did not allow reading it")
        if not target.exists() and self.missing_reads_empty:
            return ReadTextFileResponse(content="")
        return ReadTextFileResponse(content=await self.files.read(str(target), line, limit))

    async def write_text_file(self, path: str, content: str) -> WriteTextFileResponse:
        self.activity.touch()
        target = self._target(path)
        if not self.grants.take_path(target):
            old = target.read_text(errors="replace") if target.is_file() else None
            update = ToolCallUpdate(
                tool_call_id=f"client-{uuid.uuid4().hex[:8]}",
                title=f"Write {self.rules.shown(target)}",
                kind="edit",
                status="pending",
                content=[
                    FileEditToolCallContent(type="diff", path=str(target), old_text=old, new_text=content)
                ],
                locations=[ToolCallLocation(path=str(target))],
            )
            if not await self._runtime_asks(update):
                raise refused(path, "the person did not allow this write")
        await self.files.write(str(target), content)
        return WriteTextFileResponse()

    # -- terminals ---------------------------------------------------------------------
    def _terminals(self) -> TerminalManager:
        if self.terminals is None:
            raise RequestError.internal_error({"reason": "no terminal support for this session"})
        return self.terminals

    async def create_terminal(
        self,
        command: str,
        args: list[str],
        env: dict[str, str],
        cwd: str | None,
        output_byte_limit: int | None,
    ) -> CreateTerminalResponse:
        self.activity.touch()
        workdir = self._target(cwd) if cwd else self.cwd
        if not self.grants.take_command(command, args):
            shown = command_text(command, args)
            update = ToolCallUpdate(
                tool_call_id=f"client-{uuid.uuid4().hex[:8]}",
                title=f"Run `{shown[:80]}`",
                kind="execute",
                status="pending",
                raw_input={"command": shown, "cwd": str(workdir)},
            )
            if not await self._runtime_asks(update):
                raise refused(command, "the person did not allow running it")
        terminal = await self._terminals().create(command, args, env, workdir, output_byte_limit)
        return CreateTerminalResponse(terminal_id=terminal.id)

    async def terminal_output(self, terminal_id: str) -> TerminalOutputResponse:
        terminal = self._terminals().get(terminal_id)
        status = None
        if terminal.done.is_set():
            status = TerminalExitStatus(exit_code=terminal.exit_code, signal=terminal.exit_signal)
        return TerminalOutputResponse(
            output=terminal.text(), truncated=terminal.truncated, exit_status=status
        )

    async def wait_for_terminal_exit(self, terminal_id: str) -> WaitForTerminalExitResponse:
        terminal = await self._terminals().wait(terminal_id)
        self.activity.touch()
        return WaitForTerminalExitResponse(exit_code=terminal.exit_code, signal=terminal.exit_signal)

    async def kill_terminal(self, terminal_id: str) -> KillTerminalResponse:
        self._terminals().kill(terminal_id)
        return KillTerminalResponse()

    async def release_terminal(self, terminal_id: str) -> ReleaseTerminalResponse:
        self._terminals().release(terminal_id)
        return ReleaseTerminalResponse()

"""The agent's requests for one session: permissions, files and terminals.

Nothing is written or run without a person's permission unless the persona's policy
allows that kind of tool: an agent that writes a file or starts a command without having
asked (and been allowed) in this turn is asked for permission here.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acp import RequestError
from acp.schema import (
    AllowedOutcome,
    CreateTerminalResponse,
    DeniedOutcome,
    KillTerminalResponse,
    ReadTextFileResponse,
    ReleaseTerminalResponse,
    RequestPermissionResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    WaitForTerminalExitResponse,
    WriteTextFileResponse,
)
from pydantic import BaseModel

from ..permissions import PermissionOption
from .files import FileAccess, refused
from .terminals import TerminalManager

if TYPE_CHECKING:
    from .persona import BaseAcpPersona
    from .render import TurnRenderer


class _Update(BaseModel):
    """A tool call the client itself describes (for requests the agent did not ask for)."""

    tool_call_id: str
    title: str
    kind: str
    status: str = "pending"
    content: list[Any] | None = None
    raw_input: Any = None
    locations: list[Any] | None = None


class _Diff(BaseModel):
    type: str = "diff"
    path: str
    old_text: str | None = None
    new_text: str


class SessionRequests:
    persona: BaseAcpPersona
    renderer: TurnRenderer | None
    last_activity: float
    cwd: Path

    def __init__(self, files: FileAccess, root: Path):
        self.files = files
        self.root = root
        self.terminals: TerminalManager | None = None
        self._approved: set[str] = set()

    def turn_started(self) -> None:
        self._approved.clear()

    def reset_terminals(self, agent_env: dict[str, str]) -> None:
        self.close_terminals()
        self.terminals = TerminalManager(self.root, agent_env)

    def close_terminals(self) -> None:
        if self.terminals is not None:
            self.terminals.close()

    def show_path(self, path: str) -> str:
        candidate = Path(path)
        if candidate.is_absolute() and candidate.is_relative_to(self.root):
            return candidate.relative_to(self.root).as_posix()
        return path

    # -- permission --------------------------------------------------------------------
    async def request_permission(self, tool_call: Any, options: list[Any]) -> RequestPermissionResponse:
        self.last_activity = time.monotonic()
        renderer = self.renderer
        if renderer is None:  # no turn in progress (stopped): nobody to ask
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        entry = renderer.entry_for(tool_call)
        choices = [PermissionOption(option_id=o.option_id, name=o.name, kind=o.kind) for o in options]
        kind = entry.view.kind
        policy, note = self.persona.policy_for(kind), ""
        notebook = self._open_notebook_written(entry.view)
        if notebook is not None:
            policy = "reject"
            note = (
                f"🛡️ Refused: `{notebook}` is open in JupyterLab and writing it as a file would replace "
                "the live notebook (and anyone's unsaved edits). Agents change open notebooks with the "
                "notebook tools."
            )
        if policy in ("allow", "reject"):
            wanted = ("allow_once", "allow_always") if policy == "allow" else ("reject_once", "reject_always")
            option = next((c for k in wanted for c in choices if c.kind == k), None)
            if option is not None:
                verb = "Allowed" if policy == "allow" else "Rejected"
                entry.view.note = note or f"🤖 {verb} by the persona's policy ({kind}: {policy})"
                renderer.show_tool_call(entry)
                if policy == "allow":
                    self._approved.add(kind)
                return RequestPermissionResponse(
                    outcome=AllowedOutcome(outcome="selected", option_id=option.option_id)
                )
        broker = self.persona.context.permissions
        if broker is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        answer = await broker.ask(
            persona_id=self.persona.id,
            title=entry.view.title or kind,
            options=choices,
            view=renderer.permission_view(entry),
        )
        self.last_activity = time.monotonic()
        if answer.outcome == "cancelled" or answer.option_id is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        if answer.allowed:
            self._approved.add(kind)
        return RequestPermissionResponse(
            outcome=AllowedOutcome(outcome="selected", option_id=answer.option_id)
        )

    def _open_notebook_written(self, view: Any) -> str | None:
        """The open notebook an edit tool call would write as a file, if any."""
        documents = self.files.documents
        if view.kind != "edit" or documents is None or not documents.live:
            return None
        paths = [getattr(c, "path", None) for c in view.content] + list(view.locations)
        raw = view.raw_input if isinstance(view.raw_input, dict) else {}
        paths += [raw.get(k) for k in ("file_path", "notebook_path", "path") if isinstance(raw.get(k), str)]
        if isinstance(raw.get("changes"), dict):
            paths += list(raw["changes"])
        for path in paths:
            if not path or not str(path).endswith(".ipynb"):
                continue
            try:
                api_path = self.files.relative(self.files.resolve(str(path), self.cwd))
            except Exception:
                continue
            if documents.is_open(api_path):
                return api_path
        return None

    async def _allowed(
        self, kind: str, title: str, content: list[Any] | None = None, raw_input: Any = None
    ) -> bool:
        """True when `kind` is allowed in this turn; otherwise ask the person here."""
        if kind in self._approved or self.persona.policy_for(kind) == "allow":
            return True
        if self.persona.policy_for(kind) == "reject":
            return False
        update = _Update(
            tool_call_id=f"client-{uuid.uuid4().hex[:8]}",
            title=title,
            kind=kind,
            content=content,
            raw_input=raw_input,
        )
        options = [
            PermissionOption(option_id="allow", name="Allow", kind="allow_once"),
            PermissionOption(option_id="reject", name="Reject", kind="reject_once"),
        ]
        if self.renderer is None or self.persona.context.permissions is None:
            return False
        entry = self.renderer.entry_for(update)
        answer = await self.persona.context.permissions.ask(
            persona_id=self.persona.id,
            title=title,
            options=options,
            view=self.renderer.permission_view(entry),
        )
        entry.view.status = "completed" if answer.allowed else "failed"
        self.renderer.show_tool_call(entry)
        return answer.allowed

    # -- files -------------------------------------------------------------------------
    async def read_text_file(self, path: str, line: int | None, limit: int | None) -> ReadTextFileResponse:
        self.last_activity = time.monotonic()
        return ReadTextFileResponse(content=await self.files.read(path, line, limit, cwd=self.cwd))

    async def write_text_file(self, path: str, content: str) -> WriteTextFileResponse:
        self.last_activity = time.monotonic()
        target = self.files.resolve(path, self.cwd)
        old = target.read_text(errors="replace") if target.is_file() else None
        diff = [_Diff(path=str(target), old_text=old, new_text=content)]
        if not await self._allowed("edit", f"Write {self.show_path(str(target))}", diff):
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
        self.last_activity = time.monotonic()
        shown = " ".join([command, *args])
        if not await self._allowed("execute", f"Run `{shown[:80]}`", raw_input={"command": shown}):
            raise refused(command, "the person did not allow running it")
        terminal = await self._terminals().create(command, args, env, cwd, output_byte_limit, self.cwd)
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
        self.last_activity = time.monotonic()
        return WaitForTerminalExitResponse(exit_code=terminal.exit_code, signal=terminal.exit_signal)

    async def kill_terminal(self, terminal_id: str) -> KillTerminalResponse:
        self._terminals().kill(terminal_id)
        return KillTerminalResponse()

    async def release_terminal(self, terminal_id: str) -> ReleaseTerminalResponse:
        self._terminals().release(terminal_id)
        return ReleaseTerminalResponse()

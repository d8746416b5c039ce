"""AcpClient: our side of the Agent Client Protocol, one per agent process.

The agent's requests and notifications name a session; each session is bound to the
chat persona's `AgentSession`, whose `requests` do the work. A session's state that the agent
announces before we know its id (its commands, mode or options, sent with or right after the
`session/new` answer, which may be read in the same batch) is kept until the session is bound.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

from acp import Client, RequestError
from acp.schema import (
    AgentMessageChunk,
    AgentPlanContentUpdate,
    AgentPlanRemovedUpdate,
    AgentPlanUpdate,
    AgentThoughtChunk,
    AvailableCommandsUpdate,
    CancelElicitationResponse,
    ConfigOptionUpdate,
    CreateElicitationResponse,
    CreateTerminalResponse,
    CurrentModeUpdate,
    DeniedOutcome,
    ElicitationMode,
    EnvVariable,
    KillTerminalResponse,
    PermissionOption,
    ReadTextFileResponse,
    ReleaseTerminalResponse,
    RequestPermissionResponse,
    SessionInfoUpdate,
    TerminalOutputResponse,
    ToolCallProgress,
    ToolCallStart,
    ToolCallUpdate,
    UsageUpdate,
    UserMessageChunk,
    WaitForTerminalExitResponse,
    WriteTextFileResponse,
)

#: what a `session/update` notification carries (the SDK's `SessionNotification.update`)
SessionUpdate = (
    UserMessageChunk
    | AgentMessageChunk
    | AgentThoughtChunk
    | ToolCallStart
    | ToolCallProgress
    | AgentPlanUpdate
    | AgentPlanContentUpdate
    | AgentPlanRemovedUpdate
    | AvailableCommandsUpdate
    | CurrentModeUpdate
    | ConfigOptionUpdate
    | SessionInfoUpdate
    | UsageUpdate
)


class SessionRequests(Protocol):
    """What a session does with the agent's requests (files, terminals, permissions, questions)."""

    async def request_permission(
        self, tool_call: ToolCallUpdate, options: list[PermissionOption]
    ) -> RequestPermissionResponse: ...

    async def read_text_file(
        self, path: str, line: int | None, limit: int | None
    ) -> ReadTextFileResponse: ...

    async def write_text_file(self, path: str, content: str) -> WriteTextFileResponse: ...

    async def create_terminal(
        self,
        command: str,
        args: list[str],
        env: dict[str, str],
        cwd: str | None,
        output_byte_limit: int | None,
    ) -> CreateTerminalResponse: ...

    async def terminal_output(self, terminal_id: str) -> TerminalOutputResponse: ...

    async def wait_for_terminal_exit(self, terminal_id: str) -> WaitForTerminalExitResponse: ...

    async def kill_terminal(self, terminal_id: str) -> KillTerminalResponse: ...

    async def release_terminal(self, terminal_id: str) -> ReleaseTerminalResponse: ...

    async def elicit(self, message: str, mode: ElicitationMode) -> CreateElicitationResponse: ...


class SessionBinding(Protocol):
    """A chat persona's ACP session: it takes the agent's updates and answers its requests."""

    @property
    def requests(self) -> SessionRequests: ...

    def on_update(self, update: SessionUpdate) -> None: ...

    def on_process_exit(self) -> None: ...


#: the updates that describe a session rather than a turn: kept for a session not bound yet
SessionState = AvailableCommandsUpdate | CurrentModeUpdate | ConfigOptionUpdate | SessionInfoUpdate
UNBOUND_SESSIONS_KEPT = 16  # agents open one session at a time per chat: a few suffice


class AcpClient(Client):
    def __init__(self) -> None:
        self.bindings: dict[str, SessionBinding] = {}
        # session id -> its latest state update of each kind, until `claim`
        self._unbound: OrderedDict[str, dict[str, SessionState]] = OrderedDict()

    def claim(self, session_id: str) -> list[SessionState]:
        """The state the agent announced for `session_id` before it was bound, in order."""
        return list(self._unbound.pop(session_id, {}).values())

    def _requests(self, session_id: str) -> SessionRequests:
        binding = self.bindings.get(session_id)
        if binding is None:
            raise RequestError.invalid_params({"sessionId": f"unknown session {session_id}"})
        return binding.requests

    def on_process_exit(self) -> None:
        for binding in list(self.bindings.values()):
            binding.on_process_exit()

    # -- acp.Client --------------------------------------------------------------------
    async def session_update(self, session_id: str, update: SessionUpdate, **kwargs: Any) -> None:
        binding = self.bindings.get(session_id)
        if binding is not None:
            binding.on_update(update)
        elif isinstance(update, SessionState):
            kept = self._unbound.setdefault(session_id, {})
            kept.pop(update.session_update, None)  # the latest of each kind, last
            kept[update.session_update] = update
            self._unbound.move_to_end(session_id)
            while len(self._unbound) > UNBOUND_SESSIONS_KEPT:
                self._unbound.popitem(last=False)

    async def request_permission(
        self, session_id: str, tool_call: ToolCallUpdate, options: list[PermissionOption], **kwargs: Any
    ) -> RequestPermissionResponse:
        binding = self.bindings.get(session_id)
        if binding is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return await binding.requests.request_permission(tool_call, options)

    async def read_text_file(
        self, session_id: str, path: str, line: int | None = None, limit: int | None = None, **kwargs: Any
    ) -> ReadTextFileResponse:
        return await self._requests(session_id).read_text_file(path, line, limit)

    async def write_text_file(
        self, session_id: str, path: str, content: str, **kwargs: Any
    ) -> WriteTextFileResponse:
        return await self._requests(session_id).write_text_file(path, content)

    async def create_terminal(
        self,
        session_id: str,
        command: str,
        args: list[str] | None = None,
        env: list[EnvVariable] | None = None,
        cwd: str | None = None,
        output_byte_limit: int | None = None,
        **kwargs: Any,
    ) -> CreateTerminalResponse:
        variables = {v.name: v.value for v in env or []}
        return await self._requests(session_id).create_terminal(
            command, list(args or []), variables, cwd, output_byte_limit
        )

    async def terminal_output(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> TerminalOutputResponse:
        return await self._requests(session_id).terminal_output(terminal_id)

    async def release_terminal(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> ReleaseTerminalResponse:
        return await self._requests(session_id).release_terminal(terminal_id)

    async def wait_for_terminal_exit(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> WaitForTerminalExitResponse:
        return await self._requests(session_id).wait_for_terminal_exit(terminal_id)

    async def kill_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> KillTerminalResponse:
        return await self._requests(session_id).kill_terminal(terminal_id)

    async def create_elicitation(
        self, message: str, mode: ElicitationMode, **kwargs: Any
    ) -> CreateElicitationResponse:
        """A question for the people in the chat (a form, or a link to open)."""
        session_id = getattr(mode, "session_id", None)
        binding = self.bindings.get(session_id) if session_id else None
        if binding is None:
            return CancelElicitationResponse(action="cancel")
        return await binding.requests.elicit(message, mode)

    async def complete_elicitation(self, elicitation_id: str, **kwargs: Any) -> None:
        return None

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise RequestError.method_not_found(method)

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        return None

    def on_connect(self, conn: Any) -> None:
        return None

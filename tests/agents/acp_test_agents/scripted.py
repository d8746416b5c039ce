"""A scripted ACP agent: the last line of each prompt says what to do.

    hello                     a short streamed greeting
    stream N D                N chunks, D seconds apart (honours session/cancel)
    linger                    streams until cancelled, then sends "LATE" chunks for 1.5 s more
    wait S                    says nothing for S seconds (honours session/cancel), then "waited"
    listen S                  streams "." until a message is sent into the turn (_session/steering),
                              answers it and ends; "nothing came" after S seconds. Only a listen
                              turn takes such messages; one saying "slowly" is answered (refused)
                              only after the turn ended
    bench N D [SIZE]          SIZE characters (20,000) in N chunks, one every D seconds
    think                     thoughts, then text
    plan                      a plan whose entries progress
    write PATH TEXT           asks permission, then writes through fs/write_text_file
    silentwrite PATH TEXT     writes through fs/write_text_file without asking
    writethen A B TEXT        asks to write A, writes A, then writes B without asking
    runthen A ;; B            asks to run A, runs A, then runs B without asking
    read PATH                 reads through fs/read_text_file
    run CMD                   asks permission, then runs CMD through terminal/*
    silentrun CMD             runs CMD without asking
    readtool PATH             asks permission for a tool call of kind "read" on PATH
    crash                     writes to stderr and exits with code 3 mid-turn
    hang                      never answers (ignores cancel)
    flood                     writes 5 MB to stderr, then answers
    pid                       answers with its process id
    meta                      answers with what the session was opened with
    prompt                    answers with the whole prompt text it received
    ask [MESSAGE]             asks the chat a question with options (elicitation), says the answer
    asklink [URL]             asks the person to open a link (URL elicitation)
    count                     answers with the number of prompts this session has seen
    open                      answers with the number of sessions the program holds open
    anything else             "You said: ..."

Sessions are kept in $SCRIPTED_AGENT_STATE (one JSON file each) so that session/load and
session/resume work after a restart. It announces the steering extension unless
SCRIPTED_AGENT_STEER=0. SCRIPTED_AGENT_MODE=exit-at-start|hang-at-start makes
the program fail before `initialize`.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import acp
from acp import (
    run_agent,
    update_agent_message_text,
    update_user_message_text,
)
from acp.schema import (
    AgentCapabilities,
    AvailableCommand,
    AvailableCommandsUpdate,
    Implementation,
    InitializeResponse,
    ListSessionsResponse,
    LoadSessionResponse,
    McpCapabilities,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    ResumeSessionResponse,
    SessionCapabilities,
    SessionCloseCapabilities,
    SessionConfigOptionSelect,
    SessionConfigSelectOption,
    SessionInfo,
    SessionListCapabilities,
    SessionMode,
    SessionModeState,
    SessionResumeCapabilities,
    SetSessionConfigOptionResponse,
    SetSessionModeResponse,
)

from .script import OPEN_SESSIONS, Reply, Script

STATE = Path(os.environ.get("SCRIPTED_AGENT_STATE", "/tmp/scripted-acp-agent"))
MODELS = ("fast", "smart")
MODES = ("ask", "code")


class Session:
    def __init__(self, session_id: str, cwd: str, meta: dict[str, Any], mcp: list[Any]):
        self.id, self.cwd, self.meta = session_id, cwd, meta
        self.servers = mcp
        self.mcp = [server.name for server in mcp]
        self.prompts: list[str] = []
        self.answers: list[str] = []
        self.model, self.mode = MODELS[0], MODES[0]
        self.cancelled = asyncio.Event()
        self.turn_running = False
        self.listening = False  # a `listen` turn is under way: it takes messages sent into it
        self.steered: asyncio.Queue[str] = asyncio.Queue()  # texts sent into the running turn

    def save(self) -> None:
        STATE.mkdir(parents=True, exist_ok=True)
        data = {
            "cwd": self.cwd,
            "prompts": self.prompts,
            "answers": self.answers,
            "model": self.model,
            "mode": self.mode,
        }
        (STATE / f"{self.id}.json").write_text(json.dumps(data))

    @classmethod
    def restore(cls, session_id: str, cwd: str, meta: dict[str, Any], mcp: list[str]) -> Session:
        path = STATE / f"{session_id}.json"
        if not path.exists():
            raise acp.RequestError.resource_not_found(session_id)
        data = json.loads(path.read_text())
        session = cls(session_id, cwd, meta, mcp)
        session.prompts, session.answers = data["prompts"], data["answers"]
        session.model, session.mode = data["model"], data["mode"]
        return session


def _options(session: Session) -> list[SessionConfigOptionSelect]:
    return [
        SessionConfigOptionSelect(
            id="model",
            name="Model",
            category="model",
            type="select",
            current_value=session.model,
            options=[SessionConfigSelectOption(value=m, name=m.title()) for m in MODELS],
        )
    ]


def _modes(session: Session) -> SessionModeState:
    return SessionModeState(
        current_mode_id=session.mode, available_modes=[SessionMode(id=m, name=m.title()) for m in MODES]
    )


class ScriptedAgent:
    def __init__(self) -> None:
        self.conn: Any = None
        self.sessions: dict[str, Session] = {}

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    async def initialize(
        self, protocol_version: int, client_capabilities: Any = None, client_info: Any = None, **kwargs: Any
    ) -> InitializeResponse:
        return InitializeResponse(
            protocol_version=acp.PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(
                    embedded_context=os.environ.get("SCRIPTED_AGENT_EMBED", "1") == "1"
                ),
                mcp_capabilities=McpCapabilities(http=os.environ.get("SCRIPTED_AGENT_MCP", "http") == "http"),
                session_capabilities=SessionCapabilities(
                    resume=SessionResumeCapabilities(),
                    close=SessionCloseCapabilities(),
                    list=SessionListCapabilities(),
                ),
            ),
            agent_info=Implementation(name="scripted-acp-agent", title="Scripted agent", version="1.0"),
            field_meta={"steering": {"supported": True}}
            if os.environ.get("SCRIPTED_AGENT_STEER", "1") == "1"
            else None,
        )

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """The steering extension, as claude-agent-acp implements it."""
        if method != "session/steering" or os.environ.get("SCRIPTED_AGENT_STEER", "1") != "1":
            raise acp.RequestError.method_not_found(f"_{method}")
        session = self.sessions.get(params.get("sessionId", ""))
        if session is None:
            raise acp.RequestError.invalid_params({"sessionId": "unknown"})
        texts = [block.get("text", "") for block in params.get("prompt", []) if block.get("type") == "text"]
        text = texts[0] if texts else ""
        if "slowly" in text:  # answers only once the turn under way has ended
            while session.turn_running:
                await asyncio.sleep(0.05)
        if not session.listening:  # only `listen` reads what is sent into its turn
            return {"outcome": "promptRequired", "reason": "noRunningTurn"}
        session.steered.put_nowait(text)
        return {"outcome": "injected"}

    async def authenticate(self, method_id: str, **kwargs: Any) -> None:
        return None

    async def _open(self, session: Session) -> None:
        """Register the session and announce its commands before answering: the client reads
        the announcement before it knows the session id, and must keep it (agents send it with
        or right after their answer)."""
        self.sessions[session.id] = session
        OPEN_SESSIONS.add(session.id)
        commands = [
            AvailableCommand(name="compact", description="Summarise the session"),
            AvailableCommand(name="review", description="Review the changes"),
        ]
        await self.conn.session_update(
            session.id,
            AvailableCommandsUpdate(session_update="available_commands_update", available_commands=commands),
        )

    async def new_session(
        self, cwd: str, mcp_servers: list[Any] | None = None, **kwargs: Any
    ) -> NewSessionResponse:
        session = Session(uuid.uuid4().hex, cwd, kwargs, list(mcp_servers or []))
        session.save()
        await self._open(session)
        return NewSessionResponse(
            session_id=session.id, modes=_modes(session), config_options=_options(session)
        )

    async def load_session(
        self, cwd: str, session_id: str, mcp_servers: list[Any] | None = None, **kwargs: Any
    ) -> LoadSessionResponse:
        session = Session.restore(session_id, cwd, kwargs, list(mcp_servers or []))
        for prompt, answer in zip(session.prompts, session.answers, strict=False):
            await self.conn.session_update(session_id, update_user_message_text(prompt))
            await self.conn.session_update(session_id, update_agent_message_text(answer))
        await self._open(session)
        return LoadSessionResponse(modes=_modes(session), config_options=_options(session))

    async def resume_session(
        self, session_id: str, cwd: str, mcp_servers: list[Any] | None = None, **kwargs: Any
    ) -> ResumeSessionResponse:
        session = Session.restore(session_id, cwd, kwargs, list(mcp_servers or []))
        await self._open(session)
        return ResumeSessionResponse(modes=_modes(session), config_options=_options(session))

    async def list_sessions(self, cwd: str | None = None, cursor: str | None = None, **kwargs: Any) -> Any:
        found = []
        for path in sorted(STATE.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True):
            data = json.loads(path.read_text())
            if cwd is None or data["cwd"] == cwd:
                title = (data["prompts"] or [""])[0].strip().splitlines()[-1:] or [""]
                updated = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC).isoformat()
                info = SessionInfo(session_id=path.stem, cwd=data["cwd"], title=title[0], updated_at=updated)
                found.append(info)
        return ListSessionsResponse(sessions=found)

    async def close_session(self, session_id: str, **kwargs: Any) -> None:
        self.sessions.pop(session_id, None)
        OPEN_SESSIONS.discard(session_id)

    async def set_session_mode(self, mode_id: str, session_id: str, **kwargs: Any) -> SetSessionModeResponse:
        session = self.sessions[session_id]
        session.mode = mode_id
        session.save()
        return SetSessionModeResponse()

    async def set_config_option(
        self, config_id: str, session_id: str, value: Any, **kwargs: Any
    ) -> SetSessionConfigOptionResponse:
        session = self.sessions[session_id]
        if config_id == "model":
            session.model = value
            session.save()
        return SetSessionConfigOptionResponse(config_options=_options(session))

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        session = self.sessions.get(session_id)
        if session is not None:
            session.cancelled.set()

    async def prompt(self, prompt: list[Any], session_id: str, **kwargs: Any) -> PromptResponse:
        session = self.sessions.get(session_id)
        if session is None:
            raise acp.RequestError.invalid_params({"sessionId": "unknown"})
        texts = [block.text for block in prompt if getattr(block, "type", "") == "text"]
        text = texts[0] if texts else ""  # the person's message; more text blocks are context
        links = [block.uri for block in prompt if getattr(block, "type", "") == "resource_link"]
        for block in prompt:  # an embedded resource: its URI and, in brackets, its text
            if getattr(block, "type", "") == "resource":
                links.append(f"{block.resource.uri} [{getattr(block.resource, 'text', '')}]")
        session.cancelled.clear()
        session.prompts.append(text)
        reply = Reply(self.conn, session)
        session.turn_running = True
        try:
            stop = await Script(self.conn, session, reply).run(text, links)
        finally:
            session.turn_running = False
            session.answers.append(reply.text)
            session.save()
        return PromptResponse(stop_reason=stop)


def main() -> None:
    mode = os.environ.get("SCRIPTED_AGENT_MODE", "")
    if mode == "exit-at-start":
        sys.stderr.write("scripted agent: refusing to start (exit-at-start)\n")
        sys.exit(7)
    if mode == "hang-at-start":
        import time

        time.sleep(3600)
    # session/close is in the SDK's unstable set: without this it would be "method not found"
    asyncio.run(run_agent(ScriptedAgent(), use_unstable_protocol=True))


if __name__ == "__main__":
    main()

"""AgentSession: one ACP session per (chat, persona), on the shared agent process.

It opens the session (resuming or loading the one stored in the chat's metadata when the
agent can), keeps it in step with the persona's spec, sends prompts while watching for a
crashed or silent agent, and answers the agent's requests for this session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from acp.schema import (
    AvailableCommandsUpdate,
    ConfigOptionUpdate,
    CurrentModeUpdate,
    PromptResponse,
    UsageUpdate,
)

from ..mcp.tokens import McpCaller
from .adapter_quirks import (
    answers_late_after_cancel,
    is_claude,
    keeps_first_instructions_on_resume,
    reads_missing_files_as_empty,
)
from .agent_requests import Activity, AgentRequests, Asker
from .client import SessionUpdate
from .files import FileAccess
from .process import AgentProcess
from .render import TurnRenderer
from .session_config import AcpMcpServer, claude_meta, mcp_servers
from .session_idle import IdleRelease
from .session_options import SessionOptions
from .session_store import SessionStore
from .setup import SessionSetup, instructions_preamble

if TYPE_CHECKING:
    from ..runtime import Runtime
    from .launch import AgentLaunch
    from .terminals import TerminalManager


CANCEL_GRACE = 5.0  # seconds an agent has to end a cancelled turn before it counts as frozen


class AgentGone(RuntimeError):
    """The agent's process ended during a turn."""


class AgentSilent(RuntimeError):
    """The agent sent nothing for too long."""


@dataclass(frozen=True)
class SessionParts:
    """What an agent session is given by its persona; it never reaches back into the persona."""

    launch: Callable[[], AgentLaunch]  # the agent's program, as the persona's spec says now
    store: SessionStore  # the session id and usage, kept in the chat
    asker: Asker  # who answers the agent's requests
    chat_path: str
    history: Callable[[], str]  # the chat's conversation, for a new session that lost it
    mcp_caller: McpCaller  # who the notebook tools see
    note_once: Callable[[str], None]
    notice: Callable[[str], None]
    log: logging.Logger


class AgentSession:
    """One ACP session: opened, resumed or replaced as needed, and prompted turn by turn."""

    def __init__(self, runtime: Runtime, parts: SessionParts):
        self.runtime = runtime
        self.parts = parts
        self.supervisor = runtime.agents
        self.cwd = runtime.chat_dir(parts.chat_path)
        contents = getattr(runtime.serverapp, "contents_manager", None)
        rules = runtime.path_rules
        self.activity = Activity(time.monotonic())
        self.requests = AgentRequests(
            FileAccess(rules, contents, runtime.documents), rules, parts.asker, self.cwd, self.activity
        )
        self.process: AgentProcess | None = None
        self.session_id: str | None = None
        self.applied: SessionSetup | None = None
        self.replaying = False
        self.needs_reset = False
        self.preamble: list[str] = []  # said before the next prompt (instructions, history)
        self.available_commands: list[tuple[str, str]] = []
        self.options = SessionOptions()
        self.mcp_token: str | None = None
        # the prompt of a cancelled turn, until the agent ends it: its late updates are dropped,
        # and the next turn waits for it (or restarts an agent that never ends it)
        self.draining: asyncio.Future[Any] | None = None
        self.cancelled_at = 0.0
        self._prompt: asyncio.Future[Any] | None = None
        self._watchers: set[asyncio.Future[None]] = set()
        self.idle = IdleRelease(lambda: runtime.settings.session_idle_timeout, self.release, parts.log)

    @property
    def renderer(self) -> TurnRenderer | None:
        return self.requests.renderer

    @property
    def terminals(self) -> TerminalManager | None:
        return self.requests.terminals

    def show_path(self, path: str) -> str:
        return self.requests.show_path(path)

    def take_preamble(self) -> list[str]:
        """What to say before the next prompt (instructions, history), once."""
        preamble, self.preamble = self.preamble, []
        return preamble

    # -- facts -------------------------------------------------------------------------
    @property
    def connection(self) -> Any:
        assert self.process is not None
        return self.process.connection

    @property
    def speaks_claude(self) -> bool:
        """claude-agent-acp: instructions and options go in `_meta` (see `adapter_quirks`)."""
        return self.process is not None and is_claude(self.process.agent_name)

    def _quirk(self, check: Any) -> bool:
        return self.process is not None and check(self.process.agent_name, self.process.agent_version)

    # -- opening and keeping the session -----------------------------------------------
    async def ensure(self, setup: SessionSetup) -> None:
        """Make the session ready for a prompt with `setup` (the spec as it is now)."""
        await self.idle.settle()
        await self._settle_cancelled_turn()
        process = await self.supervisor.acquire(self.parts.launch())
        if process is not self.process:
            self._unbind()
            self.process, self.session_id = process, None
            self.requests.reset_terminals(process.launch.environment, self.runtime.reaper)
            self.requests.missing_reads_empty = self._quirk(reads_missing_files_as_empty)
        if self.session_id is None:
            await self._open(setup)
        else:
            previous = self.applied or setup
            if self.needs_reset or self._reopen_needed(previous, setup):
                fresh = previous.instructions != setup.instructions and self._quirk(
                    keeps_first_instructions_on_resume
                )
                await self._reopen(setup, fresh=fresh)
            if not self.speaks_claude and setup.instructions != previous.instructions:
                self.preamble.append(instructions_preamble(setup))
            self.applied = setup
        await self._apply_model_and_mode(setup)

    async def _settle_cancelled_turn(self) -> None:
        """Wait for a cancelled turn to end; an agent that does not end it in time is restarted."""
        draining = self.draining
        if draining is None:
            return
        remaining = self.cancelled_at + CANCEL_GRACE - time.monotonic()
        if not draining.done():
            await asyncio.wait({draining}, timeout=max(0.0, remaining))
        await asyncio.sleep(0)  # updates read before the turn's answer are handled first
        self.draining = None
        if draining.done() or self.process is None:
            return
        name = self.process.launch.name
        self.parts.log.warning("agent %s did not end a cancelled turn: restarting it", name)
        await self.supervisor.stop(self.process.launch.key)
        self.parts.notice(
            f"⚠️ The agent of @{self.parts.asker.mention_name} did not end its stopped turn within "
            f"{CANCEL_GRACE:g} s and was restarted; the conversation continues."
        )

    def _reopen_needed(self, previous: SessionSetup, setup: SessionSetup) -> bool:
        """MCP servers and skills are given when a session opens; so are claude's instructions."""
        if previous.mcp_servers != setup.mcp_servers or previous.skills != setup.skills:
            return True
        return self.speaks_claude and previous.instructions != setup.instructions

    def _meta(self, setup: SessionSetup) -> dict[str, Any]:
        return claude_meta(setup, self._tools_url() is not None) if self.speaks_claude else {}

    def _tools_url(self) -> str | None:
        return self.runtime.mcp_url if self.runtime.settings.notebook_tools else None

    def _mcp_servers(self, setup: SessionSetup) -> list[AcpMcpServer]:
        url = self._tools_url()
        if url is not None and self.mcp_token is None:
            self.mcp_token = self.runtime.mcp_tokens.mint(self.parts.mcp_caller)
        http = bool(self.process is not None and self.process.capability("mcp_capabilities", "http"))
        return mcp_servers(setup, url, self.mcp_token, http)

    async def _open(self, setup: SessionSetup, *, resume: bool = True) -> None:
        """A session for this chat: the stored one continued when possible, else a new one that
        is told the chat history when there was an earlier conversation."""
        launch = self.parts.launch()
        stored = self.parts.store.stored((launch.program_key, launch.key))
        if stored and resume and await self._resume(stored, setup):
            return
        response = await self.connection.new_session(
            cwd=str(self.cwd), mcp_servers=self._mcp_servers(setup), **self._meta(setup)
        )
        self._bind(response.session_id, response)
        self.parts.store.store(response.session_id, launch.program_key)
        if not self.speaks_claude and setup.instructions:
            self.preamble.append(instructions_preamble(setup))
        if stored:  # the agent lost the conversation: remind it
            history = self.parts.history()
            if history:
                self.preamble.append(history)
        self.applied = setup

    async def _resume(self, session_id: str, setup: SessionSetup) -> bool:
        """Continue a stored session with `session/resume` or `session/load` (replay dropped)."""
        assert self.process is not None
        meta, servers = self._meta(setup), self._mcp_servers(setup)
        attempts = []
        if self.process.capability("session_capabilities", "resume") is not None:
            attempts.append(("resume", self.connection.resume_session))
        if self.process.capability("load_session"):
            attempts.append(("load", self.connection.load_session))
        for _, method in attempts:
            self._bind(session_id, None, replaying=True)
            try:
                response = await method(session_id=session_id, cwd=str(self.cwd), mcp_servers=servers, **meta)
            except Exception as exc:
                self.parts.log.info("could not reopen session %s: %s", session_id, exc)
                self._unbind()
                continue
            self.replaying = False
            self.options.remember(response)
            self.applied = setup
            return True
        return False

    async def _reopen(self, setup: SessionSetup, *, fresh: bool = False) -> None:
        """Close and reopen the session: after a cancel (for agents that answer one turn late
        otherwise) or when the instructions, MCP servers or skills changed. `fresh`: a new
        session told the chat history (the agent would keep its first instructions)."""
        assert self.process is not None and self.session_id is not None
        session_id = self.session_id
        self.needs_reset = False
        if self.process.capability("session_capabilities", "close") is not None:
            with contextlib.suppress(Exception):
                await self.connection.close_session(session_id=session_id)
        self._unbind()
        if fresh or not await self._resume(session_id, setup):
            await self._open(setup, resume=False)

    async def _apply_model_and_mode(self, setup: SessionSetup) -> None:
        assert self.session_id is not None
        await self.options.apply(self.connection, self.session_id, setup, self.parts.note_once)

    def _bind(self, session_id: str, response: Any, *, replaying: bool = False) -> None:
        assert self.process is not None
        self.session_id = session_id
        self.replaying = replaying
        self.process.client.bindings[session_id] = self
        for update in self.process.client.claim(session_id):  # sent before the answer: older
            self.on_update(update)
        self.options.remember(response)

    def _unbind(self) -> None:
        if self.process is not None and self.session_id is not None:
            self.process.client.bindings.pop(self.session_id, None)
        self.session_id = None

    # -- turns -------------------------------------------------------------------------
    async def prompt(self, blocks: list[Any], renderer: TurnRenderer, idle_timeout: float) -> PromptResponse:
        assert self.process is not None and self.session_id is not None
        process = self.process
        self.requests.renderer = renderer
        self.activity.touch()
        self.requests.turn_started()
        self.supervisor.turn_started(process)
        task = asyncio.ensure_future(self.connection.prompt(session_id=self.session_id, prompt=blocks))
        self._prompt = task
        try:
            while True:
                remaining = self.activity.at + idle_timeout - time.monotonic()
                done, _ = await asyncio.wait({task}, timeout=max(0.5, remaining) if idle_timeout else None)
                if done:
                    return task.result()
                if self.parts.asker.waiting():
                    self.activity.touch()
                elif idle_timeout and time.monotonic() - self.activity.at >= idle_timeout:
                    await self.cancel()
                    raise AgentSilent(f"no answer from the agent for {idle_timeout:g} seconds")
        except ConnectionError as exc:
            raise AgentGone(await self._gone_text(process)) from exc
        finally:
            if not task.done() and task is not self.draining:
                task.cancel()
            self._prompt = None
            self.requests.renderer = None
            self.supervisor.turn_ended(process)
            self.idle.arm()

    async def _gone_text(self, process: AgentProcess) -> str:
        if process.process is not None:  # its output closed first: let it finish exiting
            with contextlib.suppress(TimeoutError):
                code = await asyncio.wait_for(process.process.wait(), 2)
                await asyncio.sleep(0.05)  # the last stderr lines
        code = process.returncode
        tail = process.stderr_tail()
        text = (
            f"the agent's program stopped (exit code {code})" if code is not None else "the agent went away"
        )
        return text + (f". Its last output:\n```\n{tail}\n```" if tail else ".")

    async def cancel(self) -> None:
        """/stop: tell the agent, and drop the turn's late updates until the agent ends it."""
        if self.renderer is not None:
            self.renderer.abort("cancelled")
            self.requests.renderer = None
        prompt = self._prompt
        if prompt is not None and not prompt.done():
            self.draining, self.cancelled_at = prompt, time.monotonic()
            watcher = asyncio.ensure_future(self._note_unconfirmed_stop(prompt))
            self._watchers.add(watcher)
            watcher.add_done_callback(self._watchers.discard)
        if self.process is not None and self.process.alive and self.session_id is not None:
            with contextlib.suppress(Exception):
                # a frozen agent may not read its input: never wait on it for long
                await asyncio.wait_for(self.connection.cancel(session_id=self.session_id), 2)
            if self._quirk(answers_late_after_cancel):
                self.needs_reset = True

    async def _note_unconfirmed_stop(self, prompt: asyncio.Future[Any]) -> None:
        """A visible note when the agent does not end a stopped turn within the grace period."""
        await asyncio.wait({prompt}, timeout=CANCEL_GRACE)
        if not prompt.done() and self.draining is prompt:
            self.parts.notice(
                f"⏳ @{self.parts.asker.mention_name} has not ended its stopped turn after "
                f"{CANCEL_GRACE:g} s (its agent may be frozen); your next message to it restarts the agent."
            )

    async def release(self) -> None:
        """An idle session is closed in its agent (a per-session process ends there); the next
        turn resumes it. Kept when the agent could not close or reopen it."""
        process = self.process
        if process is None or not process.alive or self.session_id is None or self._prompt is not None:
            return
        reopens = process.capability("session_capabilities", "resume") is not None or bool(
            process.capability("load_session")
        )
        if (
            self.draining is not None
            or process.capability("session_capabilities", "close") is None
            or not reopens
        ):
            return
        self.parts.log.info("closing the idle session %s of %s", self.session_id, process.launch.name)
        await self.close()

    async def close(self) -> None:
        """The persona leaves the chat: free the session in the agent (the id stays stored)."""
        self.idle.cancel()
        self.requests.close_terminals()
        runtime = self.runtime
        runtime.mcp_tokens.revoke(self.mcp_token)
        if self.mcp_token:
            runtime.mcp_reads.forget(self.mcp_token)
        self.mcp_token = None
        process, session_id = self.process, self.session_id
        self._unbind()
        if process is not None and process.alive and session_id is not None:
            if process.capability("session_capabilities", "close") is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(process.connection.close_session(session_id=session_id), 5)
            process.client.claim(session_id)  # what it announced while closing is not kept
        self.process = None

    # -- the agent's notifications -----------------------------------------------------
    def on_update(self, update: SessionUpdate) -> None:
        self.activity.touch()
        match update:
            case AvailableCommandsUpdate():
                self.available_commands = [(c.name, c.description) for c in update.available_commands]
                return
            case CurrentModeUpdate() | ConfigOptionUpdate():
                self.options.on_update(update)
                return
        renderer = self.renderer
        if self.replaying or renderer is None or self.draining is not None:
            return  # a replay of history, or a late update of a stopped turn
        renderer.on_update(update)
        if isinstance(update, UsageUpdate):
            self.parts.store.record_usage(renderer.usage)

    def on_process_exit(self) -> None:
        self.requests.close_terminals()

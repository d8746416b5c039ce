"""AgentSession: one ACP session per (chat, persona), on the shared agent process.

It opens the session (resuming or loading the one stored in the chat's metadata when the
agent can), keeps it in step with the persona's spec, sends prompts while watching for a
crashed or silent agent, and answers the agent's requests for this session.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from typing import TYPE_CHECKING, Any

from acp.schema import EnvVariable, HttpHeader, HttpMcpServer, McpServerStdio, PromptResponse

from ..mcp.bridge import TOKEN_VARIABLE
from .adapter_quirks import (
    answers_late_after_cancel,
    is_claude,
    keeps_first_instructions_on_resume,
    reads_missing_files_as_empty,
)
from .agent_requests import SessionRequests
from .files import FileAccess
from .process import AgentProcess
from .render import TurnRenderer
from .session_options import SessionOptions
from .setup import SessionSetup, skills_plugin

if TYPE_CHECKING:
    from .acp_persona import BaseAcpPersona


JUPYTER_MCP_NAME = "jupyter"
CANCEL_GRACE = 5.0  # seconds an agent has to end a cancelled turn before it counts as frozen


class AgentGone(RuntimeError):
    """The agent's process ended during a turn."""


class AgentSilent(RuntimeError):
    """The agent sent nothing for too long."""


class AgentSession(SessionRequests):
    def __init__(self, persona: BaseAcpPersona):
        runtime = persona.runtime
        self.persona = persona
        self.supervisor = runtime.agents
        self.cwd = runtime.chat_dir(persona.context.chat_path)
        contents = getattr(runtime.serverapp, "contents_manager", None)
        rules = runtime.path_rules
        super().__init__(FileAccess(rules, contents, runtime.documents), rules)
        self.process: AgentProcess | None = None
        self.session_id: str | None = None
        self.renderer: TurnRenderer | None = None
        self.applied: SessionSetup | None = None
        self.replaying = False
        self.needs_reset = False
        self.preamble: list[str] = []  # said before the next prompt (instructions, history)
        self.available_commands: list[tuple[str, str]] = []
        self.options = SessionOptions()
        self.last_activity = time.monotonic()
        self.mcp_token: str | None = None
        # the prompt of a cancelled turn, until the agent ends it: its late updates are dropped,
        # and the next turn waits for it (or restarts an agent that never ends it)
        self.draining: asyncio.Future[Any] | None = None
        self.cancelled_at = 0.0
        self._prompt: asyncio.Future[Any] | None = None
        self._watchers: set[asyncio.Future[None]] = set()

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
        await self._settle_cancelled_turn()
        process = await self.supervisor.acquire(self.persona.launch())
        if process is not self.process:
            self._unbind()
            self.process, self.session_id = process, None
            self.reset_terminals(process.launch.environment, self.persona.runtime.reaper)
            self.missing_reads_empty = self._quirk(reads_missing_files_as_empty)
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
                self.preamble.append(self.persona.instructions_preamble(setup))
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
        self.persona.log.warning("agent %s did not end a cancelled turn: restarting it", name)
        await self.supervisor.stop(self.process.launch.key)
        self.persona.notice(
            f"⚠️ The agent of @{self.persona.mention_name} did not end its stopped turn within "
            f"{CANCEL_GRACE:g} s and was restarted; the conversation continues."
        )

    def _reopen_needed(self, previous: SessionSetup, setup: SessionSetup) -> bool:
        """MCP servers and skills are given when a session opens; so are claude's instructions."""
        if previous.mcp_servers != setup.mcp_servers or previous.skills != setup.skills:
            return True
        return self.speaks_claude and previous.instructions != setup.instructions

    def _meta(self, setup: SessionSetup) -> dict[str, Any]:
        if not self.speaks_claude:
            return {}
        meta: dict[str, Any] = {}
        if setup.instructions:
            meta["systemPrompt"] = {"append": setup.instructions}
        options: dict[str, Any] = {}
        plugin = skills_plugin(setup.skills)
        if plugin is not None:
            options["plugins"] = [{"type": "local", "path": str(plugin)}]
        if self._jupyter_tools_url() is not None:
            # NotebookEdit would rewrite the .ipynb behind the live notebook: use the MCP tools
            options["disallowedTools"] = ["NotebookEdit"]
        if options:
            meta["claudeCode"] = {"options": options}
        return meta

    def _jupyter_tools_url(self) -> str | None:
        runtime = self.persona.runtime
        if not runtime.settings.notebook_tools or runtime.mcp_url is None:
            return None
        return runtime.mcp_url

    def _mcp_servers(self, setup: SessionSetup) -> list[Any]:
        """The spec's MCP servers, and the notebook tools of this Jupyter server."""
        servers = setup.acp_mcp_servers()
        url = self._jupyter_tools_url()
        if url is None or self.process is None:
            return servers
        if self.mcp_token is None:
            self.mcp_token = self.persona.runtime.mcp_tokens.mint(self.persona.mcp_caller())
        if self.process.capability("mcp_capabilities", "http"):
            header = HttpHeader(name="Authorization", value=f"Bearer {self.mcp_token}")
            servers.append(HttpMcpServer(type="http", name=JUPYTER_MCP_NAME, url=url, headers=[header]))
        else:  # the agent starts MCP servers as programs: a bridge to the endpoint
            env = [EnvVariable(name=TOKEN_VARIABLE, value=self.mcp_token)]
            args = ["-m", "jupyter_ai_personas.mcp.bridge", url]
            servers.append(McpServerStdio(name=JUPYTER_MCP_NAME, command=sys.executable, args=args, env=env))
        return servers

    async def _open(self, setup: SessionSetup, *, resume: bool = True) -> None:
        """A session for this chat: the stored one continued when possible, else a new one that
        is told the chat history when there was an earlier conversation."""
        stored = self.persona.stored_session()
        if stored and resume and await self._resume(stored, setup):
            return
        response = await self.connection.new_session(
            cwd=str(self.cwd), mcp_servers=self._mcp_servers(setup), **self._meta(setup)
        )
        self._bind(response.session_id, response)
        self.persona.store_session(response.session_id)
        if not self.speaks_claude and setup.instructions:
            self.preamble.append(self.persona.instructions_preamble(setup))
        if stored:  # the agent lost the conversation: remind it
            history = self.persona.history_preamble()
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
                self.persona.log.info("could not reopen session %s: %s", session_id, exc)
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
        await self.options.apply(self.connection, self.session_id, setup, self.persona.note_once)

    def _bind(self, session_id: str, response: Any, *, replaying: bool = False) -> None:
        assert self.process is not None
        self.session_id = session_id
        self.replaying = replaying
        self.process.client.bindings[session_id] = self
        self.options.remember(response)

    def _unbind(self) -> None:
        if self.process is not None and self.session_id is not None:
            self.process.client.bindings.pop(self.session_id, None)
        self.session_id = None

    # -- turns -------------------------------------------------------------------------
    async def prompt(self, blocks: list[Any], renderer: TurnRenderer, idle_timeout: float) -> PromptResponse:
        assert self.process is not None and self.session_id is not None
        process = self.process
        self.renderer = renderer
        self.last_activity = time.monotonic()
        self.turn_started()
        self.supervisor.turn_started(process)
        task = asyncio.ensure_future(self.connection.prompt(session_id=self.session_id, prompt=blocks))
        self._prompt = task
        try:
            while True:
                remaining = self.last_activity + idle_timeout - time.monotonic()
                done, _ = await asyncio.wait({task}, timeout=max(0.5, remaining) if idle_timeout else None)
                if done:
                    return task.result()
                if self.persona.waiting_for_permission():
                    self.last_activity = time.monotonic()
                elif idle_timeout and time.monotonic() - self.last_activity >= idle_timeout:
                    await self.cancel()
                    raise AgentSilent(f"no answer from the agent for {idle_timeout:g} seconds")
        except ConnectionError as exc:
            raise AgentGone(await self._gone_text(process)) from exc
        finally:
            if not task.done() and task is not self.draining:
                task.cancel()
            self._prompt = None
            self.renderer = None
            self.supervisor.turn_ended(process)

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
            self.renderer = None
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
            self.persona.notice(
                f"⏳ @{self.persona.mention_name} has not ended its stopped turn after {CANCEL_GRACE:g} s "
                "(its agent may be frozen); your next message to it restarts the agent."
            )

    async def close(self) -> None:
        """The persona leaves the chat: free the session in the agent (the id stays stored)."""
        self.close_terminals()
        runtime = self.persona.runtime
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
        self.process = None

    # -- the agent's notifications -----------------------------------------------------
    def on_update(self, update: Any) -> None:
        self.last_activity = time.monotonic()
        kind = getattr(update, "session_update", None)
        if kind == "available_commands_update":
            self.available_commands = [(c.name, c.description) for c in update.available_commands]
            return
        if self.options.on_update(update):
            return
        if self.replaying or self.renderer is None or self.draining is not None:
            return  # a replay of history, or a late update of a stopped turn
        self.renderer.on_update(update)
        if kind == "usage_update":
            self.persona.record_usage(self.renderer.usage)

    def on_process_exit(self) -> None:
        self.close_terminals()

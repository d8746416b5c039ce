"""BaseAcpPersona: a persona that drives an ACP agent; AcpPersona: one from a markdown spec.

Any ACP agent in a few lines::

    class MyAgent(BaseAcpPersona):
        defaults = PersonaDefaults(name="MyAgent", description="My coding agent")
        agent_command = ["my-agent", "--acp"]
        agent_env = ["MY_AGENT_API_KEY"]
        install_hint = "npm install -g my-agent"

The process (shared by every chat), sessions, streaming, permissions, files, terminals
and history are inherited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from jupyterlab_chat.models import Message

from ..agent_credentials import agent_error_text
from ..mcp.tokens import McpCaller
from ..message_meta import Notice, metadata
from ..persona import BasePersona, PersonaContext, SendNowOutcome
from ..specs import PersonaSpec
from .chat_history import history_text
from .launch import AgentLaunch, make_launch, spec_launch
from .session_store import SessionStore
from .setup import SessionSetup, setup_from_spec

if TYPE_CHECKING:
    from ..definitions import PersonaDefinition
    from ..runtime import Runtime
    from .agent_session import AgentSession

# The acp SDK takes ~0.6 s to import: it is imported when an agent persona first works, not
# when the server starts or a chat opens.

NOTEBOOK_GUIDANCE = (
    "Notebooks (.ipynb) may be open in JupyterLab, where people see and edit them live. Read and "
    "change notebooks only with the `jupyter` MCP tools (read_notebook, insert_cell, edit_cell, "
    "execute_cell, insert_and_execute_cell, ...), addressing cells by id; never write or patch "
    ".ipynb files with file tools: such writes to an open notebook are refused."
)
SETTINGS_HINT = "set it in Settings › AI Personas (no restart needed)"


class BaseAcpPersona(BasePersona):
    agent_command: ClassVar[list[str]] = []
    agent_env: ClassVar[list[str] | dict[str, str]] = []
    install_hint: ClassVar[str | None] = None
    auth_methods: ClassVar[tuple[str, ...]] = ()  # ACP auth methods to sign in with, preferred first
    permission_policy: ClassVar[dict[str, str]] = {"read": "allow", "search": "allow", "think": "allow"}
    #: the agent's mode in which it asks before it writes or runs anything (set at every start)
    agent_mode: ClassVar[str | None] = None
    #: variables any one of which signs the agent in (Settings › AI Personas lets people set them)
    credentials: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: PersonaContext) -> None:
        super().__init__(context)
        self._session: AgentSession | None = None
        self._notes: set[str] = set()

    @property
    def session(self) -> AgentSession:
        if self._session is None:
            from .agent_requests import Asker
            from .agent_session import AgentSession, SessionParts

            context = self.context
            asker = Asker(
                self.id, self.name, self.mention_name, self.policy_for, context.permissions, context.questions
            )
            parts = SessionParts(
                launch=self.launch,
                store=SessionStore(self.chat, self.id),
                asker=asker,
                chat_path=context.chat_path,
                history=lambda: history_text(self.chat),
                mcp_caller=self.mcp_caller(),
                note_once=self.note_once,
                notice=self.notice,
                log=self.log,
            )
            self._session = AgentSession(self.runtime, parts)
        return self._session

    # -- the program -------------------------------------------------------------------
    @classmethod
    def launch_for(cls, definition: PersonaDefinition, runtime: Runtime) -> AgentLaunch:
        if not cls.agent_command:
            raise ValueError(f"{cls.__name__} names no `agent_command`")
        environ = runtime.agent_environ()
        env_spec = (
            cls.agent_env if isinstance(cls.agent_env, dict) else {n: "${" + n + "}" for n in cls.agent_env}
        )
        declared = PersonaSpec.model_validate(
            {"name": definition.name, "command": cls.agent_command, "env": env_spec}
        ).resolved_env(environ)
        return make_launch(
            definition.name,
            cls.agent_command,
            declared,
            environ,
            install=cls.install_hint,
            auth_methods=cls.auth_methods,
        )

    def launch(self) -> AgentLaunch:
        return type(self).launch_for(self.definition, self.runtime)

    @classmethod
    def unavailable_reason(cls, definition: PersonaDefinition, runtime: Runtime) -> str | None:
        try:
            launch = cls.launch_for(definition, runtime)
        except ValueError as exc:
            return str(exc)
        return launch.missing_program()

    @classmethod
    def credential_names(cls, definition: PersonaDefinition, runtime: Runtime) -> list[str]:
        return list(cls.credentials)

    @classmethod
    def needs(cls, definition: PersonaDefinition, runtime: Runtime) -> str | None:
        """What a person still has to do before the agent can answer (give it a key), or None.

        Said before the first use; the persona still takes messages (the agent may have a
        login of its own), and once one of its turns went through nothing is asked any more.
        """
        names = cls.credential_names(definition, runtime)
        if not names:
            return None
        environ = runtime.agent_environ()
        if any(environ.get(name) for name in names):
            return None
        try:
            if cls.launch_for(definition, runtime).program_key in runtime.signed_in:
                return None
        except ValueError:
            return None
        return f"needs {' or '.join(f'`{n}`' for n in names[:2])} (or sign in): " + SETTINGS_HINT

    # -- what the spec decides -----------------------------------------------------------
    def setup(self) -> SessionSetup:
        source_path = self.definition.source.path
        instructions = self.instructions
        if self.runtime.settings.notebook_tools and self.runtime.mcp_url:
            instructions = (instructions + "\n\n" + NOTEBOOK_GUIDANCE).strip()
        elif self.runtime.settings.notebook_tools:
            self.note_once(
                f"@{self.mention_name} works without the notebook tools here: they failed to start "
                "on this server (its log says why), so it edits notebooks as files."
            )
        setup = setup_from_spec(self.spec, instructions, source_path.parent if source_path else None)
        chosen = self.session.parts.store.chosen()  # a person's pick in this chat wins over the spec
        setup = setup.model_copy(update={k: v for k, v in chosen.items() if k in ("model", "mode")})
        if setup.mode is None and self.agent_mode:
            setup = setup.model_copy(update={"mode": self.agent_mode})
        return setup

    def consent_state(self) -> str:
        """Whether this persona's agent asks before it acts, as far as the runtime knows."""
        session = self._session
        if session is not None and session.session_id is not None:
            problem = session.options.consent_problem
            if problem:
                return f"⚠️ may act without asking: {problem}"
            mode = session.options.current_mode()
            return f"asks before it acts (mode `{mode}`)" if mode else "asks before it acts"
        wanted = self.setup().mode
        return f"will be set to ask before it acts (mode `{wanted}`)" if wanted else "the agent's own mode"

    def mcp_caller(self) -> McpCaller:
        """Who the notebook tools see: this persona, shown in the notebooks it edits."""
        user = self.user
        return McpCaller(
            username=user.username,
            name=self.name,
            color=user.color,
            avatar_url=user.avatar_url,
            chat_path=self.context.chat_path,
        )

    def policy_rules(self) -> dict[str, str]:
        """The persona's policy by tool kind: its spec's `permissions`, else the class default."""
        if self.spec is not None and self.spec.permissions:
            return dict(self.spec.permissions)
        return dict(self.permission_policy)

    def policy_for(self, kind: str) -> str:
        rules = self.policy_rules()
        return rules.get(kind) or rules.get("default") or "ask"

    # -- a turn ------------------------------------------------------------------------
    async def process_message(self, message: Message) -> None:
        from acp import RequestError

        from .agent_session import AgentGone, AgentSilent
        from .process import AgentStartError
        from .render import TurnRenderer, reply_usage

        try:
            await self.session.ensure(self.setup())
        except AgentStartError as exc:
            await self.send_message(f"⚠️ **{self.name}** could not start its agent: {exc}", metadata=_notice())
            return
        except RequestError as exc:  # session/new refused, e.g. no key
            await self.send_message(self._error_text(exc), metadata=_notice())
            return
        renderer = TurnRenderer(
            self.writer, show_path=self.session.show_path, terminals=self.session.terminals
        )
        try:
            reply = self.session.prompt(
                await self.prompt_blocks(message), renderer, self.runtime.settings.turn_idle_timeout
            )
            if self.context.queue_changed is not None:  # runs once the prompt is sent: what
                asyncio.get_running_loop().call_soon(self.context.queue_changed)  # waits may join it
            response = await reply
        except AgentGone as exc:
            renderer.abort("failed")
            await self.send_message(
                f"⚠️ **{self.name}** stopped: {exc}\n\nYour next message starts it again.", metadata=_notice()
            )
            return
        except AgentSilent as exc:
            renderer.abort("failed")
            await self.send_message(
                f"⚠️ **{self.name}**: {exc}; the turn was ended. `/restart @{self.mention_name}` "
                "restarts the agent's program.",
                metadata=_notice(),
            )
            return
        except RequestError as exc:
            renderer.abort("failed")
            await self.send_message(self._error_text(exc), metadata=_notice())
            return
        model = self.session.options.current_model()
        renderer.finish(response.stop_reason, reply_usage(response.usage, renderer.usage, model))
        self._note_own_sign_in()
        if response.usage is not None:
            self.session.parts.store.record_usage(response.usage.model_dump(exclude_none=True))

    def _note_own_sign_in(self) -> None:
        """A turn went through with none of its credentials set: the agent has a login of its own."""
        environ = self.runtime.agent_environ()
        if not any(environ.get(n) for n in type(self).credential_names(self.definition, self.runtime)):
            self.runtime.signed_in.add(self.launch().program_key)

    def _error_text(self, exc: Exception) -> str:
        return agent_error_text(self.name, exc, type(self).credential_names(self.definition, self.runtime))

    async def prompt_blocks(self, message: Message) -> list[Any]:
        from acp import text_block

        from .attachments import attachment_blocks

        text = self.prompt_text(message)
        users = self.chat.users()
        sender = users.get(message.sender)
        if sum(1 for u in users.values() if not u.bot) > 1 or (sender is not None and sender.bot):
            # several people, or another persona passing the conversation on: say who speaks
            text = f"{(sender.display_name or sender.name) if sender else message.sender}: {text}"
        preamble = self.session.take_preamble()
        if preamble:
            text = "\n\n".join([*preamble, text])
        process = self.session.process

        def takes(what: str) -> bool:  # the agent's promptCapabilities
            return bool(process is not None and process.capability("prompt_capabilities", what))

        attached, refused = await attachment_blocks(
            message,
            self.chat.ychat,
            self.runtime.documents,
            embedded=takes("embedded_context"),
            images=takes("image"),
        )
        for reason in refused:
            self.notice(f"⚠️ An attachment was not given to **{self.name}**: {reason}")
        return [text_block(text), *attached]

    def can_send_now(self) -> bool:
        from .steering import can_steer

        return can_steer(self._session)

    async def send_now(self, message: Message, still_current: Callable[[], bool]) -> SendNowOutcome:
        from .steering import steer

        session, kept = self.session, list(self.session.preamble)
        outcome = await steer(session, await self.prompt_blocks(message), still_current)
        if outcome == "refused" and not session.preamble:
            session.preamble = kept  # said before the prompt that will carry this message
        return outcome

    async def on_stop(self) -> None:
        if self._session is not None:
            await self._session.cancel()

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def restart(self) -> None:
        """Stop the agent's program (every chat using it); the next message starts it again."""
        await self.runtime.agents.stop(self.launch().key)
        if self._session is not None:
            await self._session.close()

    def session_choices(self) -> list[dict[str, Any]]:
        """What a person can pick for this chat's session (known once the agent opened it)."""
        return self._session.options.choices() if self._session is not None else []

    async def choose(self, category: str, value: str) -> None:
        """A person's pick of model or mode for this chat: kept, and applied at once."""
        offered = next((c for c in self.session_choices() if c["category"] == category), None)
        if offered is None or value not in [c["value"] for c in offered["choices"]]:
            raise ValueError(f"@{self.mention_name} offers no {category} {value!r} here")
        session = self.session
        session.parts.store.choose(category, value)
        process = session.process
        if process is not None and process.alive and session.session_id is not None:
            await session.options.apply(session.connection, session.session_id, self.setup(), self.note_once)

    async def start_new_session(self) -> None:
        from .session_switch import start_new

        await start_new(self.session)

    async def agent_sessions(self) -> tuple[list[Any], str | None]:
        from .session_switch import listed

        return await listed(self.session)

    async def continue_session(self, session_id: str) -> None:
        from .session_switch import switch_to

        await switch_to(self.session, session_id)

    # -- what the session is given ----------------------------------------------------
    def note_once(self, text: str) -> None:
        if text not in self._notes:
            self._notes.add(text)
            self.chat.post(self.id, f"ℹ️ {text}", metadata=_notice())

    def notice(self, text: str) -> None:
        """A notice from this persona in the chat (not part of any reply, nor of the history)."""
        self.chat.post(self.id, text, metadata=_notice())

    def agent_commands(self) -> list[tuple[str, str]]:
        """The commands the agent announced for this chat's session (name, description)."""
        return list(self._session.available_commands) if self._session is not None else []

    def help_lines(self) -> list[str]:
        commands = self.agent_commands()
        if not commands:
            return []
        listed = ", ".join(f"`/{name}`" for name, _ in commands[:30])
        return [f"- **@{self.mention_name}** understands: {listed} (write `@{self.mention_name} /command`)"]


class AcpPersona(BaseAcpPersona):
    """A persona from a markdown spec that names an `agent` or a `command`."""

    @classmethod
    def credential_names(cls, definition: PersonaDefinition, runtime: Runtime) -> list[str]:
        """The spec's `credentials`, else those of the built-in agent it names."""
        spec = definition.spec
        if spec is None:
            return []
        if spec.credentials or not spec.agent:
            return list(spec.credentials)
        base = runtime.catalog.builtin_agents().get(spec.agent.lower())
        return list(base.credentials) if base is not None else []

    def setup(self) -> SessionSetup:
        """The spec's own model and mode, else those of the built-in agent it names."""
        setup = super().setup()
        spec = self.spec
        if spec is None or not spec.agent:
            return setup
        base = self.runtime.catalog.builtin_agents().get(spec.agent.lower())
        if base is None:
            return setup
        return setup.model_copy(update={"model": setup.model or base.model, "mode": setup.mode or base.mode})

    @classmethod
    def launch_for(cls, definition: PersonaDefinition, runtime: Runtime) -> AgentLaunch:
        return spec_launch(definition, runtime.catalog.builtin_agents(), runtime.agent_environ())


def _notice() -> dict[str, Any]:
    return metadata(Notice())

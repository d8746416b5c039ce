"""PersonasExtension: configuration (traitlets) and the extension's life cycle.

Only this module, traitlets and the route handlers load with the server: the runtime
(pydantic models, router, tools; see `wiring`) is imported in a thread once the server
runs, and the ACP SDK after it, so start-up stays fast and the first agent does not wait
for an import. The routes wait for the runtime (`wait_for_runtime`).
"""

from __future__ import annotations

import asyncio
import importlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_server.extension.application import ExtensionApp
from tornado import web
from traitlets import Bool, Dict, Float, Int, List, Unicode, default

from .chat_loads import ChatLoads
from .chat_saving import save_snapshots
from .lab_channel import PAGES_SETTING, LabChannelHandler, LabPages
from .mcp.endpoint import McpHandler
from .rest_handlers import (
    AnswersHandler,
    AvatarHandler,
    CredentialHandler,
    CredentialsHandler,
    OptionsHandler,
    PermissionsHandler,
    PersonasHandler,
    SendNowHandler,
    SignInHandler,
    StopHandler,
    TrustHandler,
)
from .routes import (
    ANSWERS,
    AVATARS,
    CREDENTIALS,
    LAB,
    MCP,
    OPTIONS,
    PERMISSIONS,
    PERSONAS,
    SEND_NOW,
    SIGN_IN,
    STOP,
    TRUST,
)
from .shutdown import exit_when_stopped, stop_on_sigint
from .upstream import enable_nodelay_on_rooms, speed_up_chat_documents

if TYPE_CHECKING:
    from .router.chat_router import ChatRouter
    from .runtime import Runtime

WAIT_SECONDS = 60.0  # a request waits this long for the runtime that builds after start-up


class PersonasExtension(ExtensionApp):
    """AI personas and ACP agents in jupyterlab-chat. Configure with `c.PersonasExtension.*`."""

    name = "jupyter_ai_personas"
    load_other_extensions = True

    flush_interval = Float(
        0.2,
        config=True,
        help="Seconds between two writes of a streaming reply (the first chunk is written at once).",
    )
    live_replies = Bool(
        True,
        config=True,
        help="Stream a reply into one message whose body is shared text, so each write sends "
        "only the new characters (this package's frontend shows it as it grows; the body is a "
        "plain string once the reply ends). False: plain-string bodies, split past "
        "max_message_chars.",
    )
    max_message_chars = Int(
        500,
        config=True,
        help="Without live_replies: a streamed reply longer than this continues in a new message "
        "at a paragraph break, so each write stays small. 0 keeps every reply in one message.",
    )
    sticky_routing = Bool(
        True,
        config=True,
        help="In a chat with one person, a message without a mention goes to the persona that "
        "person addressed last.",
    )
    hop_limit = Int(
        2,
        config=True,
        help="How many times personas may pass a conversation to each other by mentioning one "
        "another before a person has to step in.",
    )
    persona_paths = List(
        Unicode(),
        config=True,
        help="Extra folders of persona files (*.md, *.py), absolute or relative to the server root.",
    )
    disabled_personas = List(Unicode(), config=True, help="Names of personas to leave out.")
    default_persona = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Persona that answers messages without a mention in a chat with one person.",
    )
    trusted_persona_files = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        config=True,
        help="Persona files trusted in advance, as {path: sha256 of the content}. A file runs its "
        "code only when its content has that hash; a changed or new file waits for a person's "
        "`/trust`. Whole folders cannot be trusted.",
    )
    persona_import_timeout = Float(
        10.0,
        config=True,
        help="Seconds a persona file's import may take (it runs off the event loop); past it, the "
        "file is reported in the chat and the server carries on.",
    )
    max_input_chars = Int(
        200_000, config=True, help="Longer messages get a short answer instead of reaching a persona."
    )

    permission_timeout = Float(
        300.0,
        config=True,
        help="Seconds a permission request waits for an answer before it is rejected (0: forever).",
    )

    turn_idle_timeout = Float(
        600.0,
        config=True,
        help="A turn ends with an error when its agent sends nothing for this many seconds "
        "(time spent waiting for a person's permission does not count). 0: never.",
    )
    server_owner = Unicode(
        None,
        allow_none=True,
        config=True,
        help="The user whose server this is (default: $JUPYTERHUB_USER). When set, only the person "
        "who asked a persona, and this user, may answer its requests or stop its reply (people a "
        "server is shared with use the owner's agents and keys). None: everyone who reaches the server.",
    )

    @default("server_owner")
    def _default_owner(self) -> str | None:
        return os.environ.get("JUPYTERHUB_USER") or None

    session_idle_timeout = Float(
        600.0,
        config=True,
        help="An agent session with no turn for this many seconds is closed in its agent (ending "
        "what the agent runs per session, such as Claude Code's process); the chat's next mention "
        "resumes it. 0: never.",
    )
    agent_idle_timeout = Float(
        900.0, config=True, help="An agent process unused for this many seconds is stopped (0: never)."
    )
    agent_start_timeout = Float(
        60.0, config=True, help="Seconds an agent may take to start and answer `initialize`."
    )

    tcp_nodelay = Bool(
        True,
        config=True,
        help="Turn off Nagle's algorithm on the collaboration websocket, so that a small frame (a "
        "streamed chunk) is never held back waiting for the client's acknowledgement.",
    )

    document_store = Bool(
        True,
        config=True,
        help="Give jupyter-collaboration this project's document store (`document_store`): its "
        "SQLite database keeps a write-ahead log on local disks, and a chat's updates are written "
        "once a second; only when `YDocExtension.ystore_class` is not configured.",
    )

    notebook_tools = Bool(
        True,
        config=True,
        help="Serve the notebook tools (MCP, at api/ai-personas/mcp) and give them to every agent session.",
    )
    mcp_tools = List(
        Unicode(),
        config=True,
        help="More MCP tools, as 'package.module:function' (a typed Python function, sync or async: "
        "its schema comes from its signature). Installed packages add tools through the entry point "
        "groups jupyter_ai_personas.tools and jupyter_server_mcp.tools.",
    )
    headless_room_release = Float(
        60.0,
        config=True,
        help="Seconds after which a document opened by an agent with no browser is released.",
    )
    max_output_bytes = Int(
        10_000_000, config=True, help="Outputs of one cell run by an agent are cut past this size."
    )

    runtime: Runtime | None = None  # built once the server runs (`wiring`)
    router: ChatRouter | None = None

    def initialize_settings(self) -> None:
        self.ready = asyncio.Event()  # routes wait for it (`wait_for_runtime`)
        self.settings[PAGES_SETTING] = LabPages()  # the open JupyterLab pages (`lab_channel`)
        # before the server serves: the history of every chat room that loads (`chat_loads`)
        self.chat_loads = ChatLoads(Path(self.serverapp.root_dir).expanduser().resolve())
        self.chat_loads.listen(self.serverapp.event_logger)
        if self.document_store:  # before jupyter-collaboration loads (extensions load by name)
            self._use_document_store()

    def _use_document_store(self) -> None:
        try:
            from .document_store import use_as_collaboration_store
        except ImportError:  # no jupyter-collaboration
            return
        use_as_collaboration_store(self.serverapp, self.log)

    async def wait_for_runtime(self) -> Runtime:
        """The runtime, once built; an HTTP error when it failed or takes too long."""
        if not self.ready.is_set():
            try:
                await asyncio.wait_for(self.ready.wait(), WAIT_SECONDS)
            except TimeoutError as exc:
                raise web.HTTPError(503, "the personas runtime is still starting") from exc
        if self.runtime is None:
            raise web.HTTPError(503, "the personas runtime failed to start: see the server log")
        return self.runtime

    def initialize_handlers(self) -> None:
        if self.tcp_nodelay:
            enable_nodelay_on_rooms(self.log)
        if not speed_up_chat_documents():
            self.log.info("jupyterlab-chat's YChat is not the one this runtime speeds up: left as it is")
        self.handlers.extend(
            [
                (rf"/{AVATARS}/(.+)", AvatarHandler),
                (rf"/{PERSONAS}", PersonasHandler),
                (rf"/{PERMISSIONS}", PermissionsHandler),
                (rf"/{STOP}", StopHandler),
                (rf"/{SEND_NOW}", SendNowHandler),
                (rf"/{OPTIONS}", OptionsHandler),
                (rf"/{ANSWERS}", AnswersHandler),
                (rf"/{TRUST}", TrustHandler),
                (rf"/{CREDENTIALS}", CredentialsHandler),
                (rf"/{CREDENTIALS}/([A-Za-z0-9_]+)", CredentialHandler),
                (rf"/{SIGN_IN}", SignInHandler),
            ]
        )
        if self.notebook_tools:
            self.handlers.append((rf"/{MCP}", McpHandler))
            self.handlers.append((rf"/{LAB}", LabChannelHandler))

    async def _start_jupyter_server_extension(self, serverapp) -> None:  # type: ignore[no-untyped-def]
        stop_on_sigint(serverapp, self.log)
        exit_when_stopped()
        try:
            wiring = await asyncio.to_thread(importlib.import_module, f"{__package__}.wiring")
            tools = await asyncio.to_thread(wiring.mcp_tools, self)
            self.runtime, self.router = wiring.build(self, serverapp, tools)
        except Exception:
            self.log.exception("the personas runtime failed to start")
            return
        finally:
            self.ready.set()
        # a daemon thread: a stop must never wait for this import (slow while a persona file's
        # endless import holds the GIL, it once kept a SIGTERM'd server alive past 15 s)
        threading.Thread(target=wiring.preload_agent_sdk, name="personas-preload-acp", daemon=True).start()
        chat_manager = serverapp.web_app.settings.get("chat_manager")
        if chat_manager is None:
            self.log.error("jupyterlab_chat is not enabled: personas cannot join chats")
            return
        await self.router.start(chat_manager)
        if self.runtime.mcp_gateway is not None:
            await self.runtime.mcp_gateway.start()

    async def _flush_document_stores(self) -> None:
        try:
            from .document_store import flush_all  # needs jupyter-collaboration, loaded with the server
        except ImportError:
            return
        try:
            await flush_all()
        except Exception:
            self.log.exception("chat updates could not all be written to the collaboration store")

    async def stop_extension(self) -> None:
        runtime, router = self.runtime, self.router
        if runtime is None or router is None:
            return  # stopped before it started
        # Before the first await: the collaboration extension stops at the same time and drops
        # its rooms, so the chats are marked and snapshotted first, then written.
        saving = asyncio.ensure_future(save_snapshots(router.prepare_shutdown()))
        # agents next: their process groups are killed, so closing sessions waits for nothing
        await runtime.agents.shutdown()
        try:
            await asyncio.wait_for(saving, 10)
        except Exception:
            self.log.exception("some chats could not be saved at shutdown")
        await router.stop()
        await self._flush_document_stores()
        if runtime.mcp_gateway is not None:
            await runtime.mcp_gateway.stop()
        if runtime.mcp_listener is not None:
            runtime.mcp_listener.close()
        runtime.reaper.close()
        runtime.executor.close()
        await runtime.documents.close()

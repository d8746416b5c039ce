"""The two runtimes under comparison, each in its own virtual environment, set up alike.

Both run the same agent program (the tests' stdlib-only minimal ACP agent, from our venv) as a
persona named "Minimal", on the same Jupyter Server + jupyter-collaboration versions. They
differ in how a message reaches the persona: ours reads `@Minimal` in the text; Jupyter AI v3
reads `metadata.to_persona` (what its frontend sets when a person picks a persona).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycrdt import Map

from tests.support.chat_client import ChatClient
from tests.support.server import REPO, JupyterServer, server_env

HERE = Path(__file__).resolve().parent
V3_VENV = REPO / ".bench-v3"
AGENT = Path(sys.executable).parent / "minimal-acp-agent"
V3_PERSONA_ID = "jupyter-ai-personas::minimal_persona::MinimalAcpPersona"
PERSONA = "Minimal"


@dataclass(frozen=True)
class Runtime:
    key: str
    label: str
    python: Path
    packages: tuple[str, ...]  # its server extensions: disabled to measure start-up without it
    args: tuple[str, ...] = ()
    config: str = ""  # a jupyter_server_config.py, for variants
    env: dict[str, str] = field(default_factory=dict)

    def prepare(self, root: Path) -> None:
        """Install the persona the way a person would: a file in the server's `.jupyter/personas/`."""
        folder = root / ".jupyter" / "personas"
        folder.mkdir(parents=True, exist_ok=True)
        if self.key.startswith("v3"):
            shutil.copy(HERE / "v3_persona.py", folder / "minimal_persona.py")
        else:
            (folder / "minimal.md").write_text(
                f"---\nname: {PERSONA}\ndescription: the benchmarks' minimal ACP agent\n"
                f"command: [{json.dumps(str(AGENT))}]\n---\n"
            )

    def send(self, chat: ChatClient, text: str) -> str:
        """Address the persona with `text`, as each runtime's frontend would."""
        if self.key.startswith("v3"):
            return chat.send(text, metadata={"to_persona": V3_PERSONA_ID})
        return chat.send(f"@{PERSONA} {text}")

    def enabled_extensions(self) -> dict[str, bool]:
        """The server extensions this install enables (from its config files)."""
        code = (
            "import json; from jupyter_core.paths import jupyter_config_path;"
            "from jupyter_server.extension.config import ExtensionConfigManager as M;"
            "print(json.dumps(M(read_config_path=jupyter_config_path()).get_jpserver_extensions()))"
        )
        with tempfile.TemporaryDirectory() as home:
            env = self.server_env(Path(home))
            out = subprocess.run(
                [str(self.python), "-c", code], env=env, capture_output=True, text=True, check=True
            )
        return {name: on for name, on in json.loads(out.stdout).items() if on}

    def server_env(self, home: Path) -> dict[str, str]:
        env = server_env(home, extra_paths=[], **self.env)
        env["PATH"] = f"{self.python.parent}:/usr/bin:/bin"
        env["BENCH_AGENT_COMMAND"] = str(AGENT)
        return env


NODELAY = """
# TCP_NODELAY on every server websocket (tornado leaves Nagle's algorithm on: ~40 ms per reply)
import tornado.websocket as _ws
_detach = _ws.WebSocketHandler._detach_stream
def _nodelay(self):
    stream = _detach(self)
    stream.set_nodelay(True)
    return stream
_ws.WebSocketHandler._detach_stream = _nodelay
"""

OURS = Runtime("ours", "jupyter-ai-personas", Path(sys.executable), ("jupyter_ai_personas",))
V3 = Runtime(
    "v3",
    "Jupyter AI v3",
    V3_VENV / "bin" / "python",
    ("jupyter_ai_persona_manager", "jupyter_ai_router", "jupyter_ai_acp_client"),
)
V3_NODELAY = Runtime(
    "v3-nodelay",
    "Jupyter AI v3 + TCP_NODELAY (patched, not as shipped)",
    V3.python,
    V3.packages,
    config=NODELAY,
)


@asynccontextmanager
async def running(
    runtime: Runtime, tmp: Path, *, args: list[str] | None = None
) -> AsyncIterator[JupyterServer]:
    """A server of this runtime on a fresh root and home, with the Minimal persona installed."""
    home, root = tmp / "home", tmp / "root"
    runtime.prepare(root)
    config = runtime.config
    if not runtime.key.startswith("v3"):  # a persona file that runs a program: trusted in advance
        spec = (root / ".jupyter" / "personas" / "minimal.md").resolve()
        digest = hashlib.sha256(spec.read_bytes()).hexdigest()
        config += f"\nc.PersonasExtension.trusted_persona_files = {{{str(spec)!r}: {digest!r}}}\n"
    if config:
        (home / ".jupyter-config").mkdir(parents=True, exist_ok=True)
        (home / ".jupyter-config" / "jupyter_server_config.py").write_text(config)
    server = JupyterServer(
        root,
        home,
        args=[*runtime.args, *(args or [])],
        env=runtime.server_env(home),
        python=str(runtime.python),
    )
    await server.start(poll=0.01)
    try:
        yield server
    finally:
        await server.stop()


def persona_messages(chat: ChatClient, start: int = 0) -> list[dict[str, Any]]:
    """The persona's messages, at index `start` and after."""
    ids = {u for u, user in chat.users().items() if PERSONA in (user.get("display_name"), user.get("name"))}
    return [m for m in chat.messages_from_index(start) if m.get("sender") in ids]


def is_ready(chat: ChatClient) -> bool:
    """The persona is in the chat and the room has been saved once (Jupyter AI v3 drops messages
    posted before: its YChat routes nothing while `state.dirty`)."""
    state = chat.doc.get("state", type=Map)
    return chat.user_id(PERSONA) is not None and state.get("dirty") is not True


async def open_ready_chat(server: JupyterServer, path: str, username: str = "alice") -> ChatClient:
    chat = ChatClient(server, path, username=username)
    await chat.__aenter__()
    await chat.wait_for(lambda: is_ready(chat), timeout=60, what="the persona in the chat")
    return chat

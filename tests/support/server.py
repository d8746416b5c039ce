"""A real Jupyter server in a subprocess, as a person's JupyterLab would talk to it."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from .tls import InternalCerts

REPO = Path(__file__).resolve().parents[2]
TEST_SITE = REPO / ".test-site"  # the fixture persona packages, pip-installed by `make test`


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(home: Path, extra_paths: list[Path] | None = None, **extra: str) -> dict[str, str]:
    """An explicit environment: the server sees only what a test gives it."""
    paths = [str(p) for p in (extra_paths if extra_paths is not None else [TEST_SITE / "good"])]
    env = {
        # the venv's bin first: the scripted test agents are installed there
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter-config"),
        "JUPYTER_DATA_DIR": str(home / ".jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(home / ".jupyter-runtime"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONUNBUFFERED": "1",
        "IS_SANDBOX": os.environ.get("IS_SANDBOX", "yes"),  # as on CI: agents must not see it
    }
    env.update(extra)
    return env


class JupyterServer:
    def __init__(
        self,
        root_dir: Path,
        home: Path,
        *,
        base_url: str = "/",
        args: list[str] | None = None,
        env: dict[str, str] | None = None,
        port: int | None = None,
        python: str = sys.executable,
        tls: InternalCerts | None = None,
    ):
        self.root_dir = root_dir
        self.home = home
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.args = list(args or [])
        self.env = env or server_env(home)
        self.port = port or free_port()
        self.python = python  # another virtual environment's Python runs another install
        self.token = secrets.token_hex(16)
        self.log_path = home / f"server-{self.port}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.tls = tls  # TLS with client certificates, as under JupyterHub's internal_ssl
        if tls is not None:
            self.args += tls.server_args()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.base_url}"

    @property
    def http_options(self) -> dict[str, Any]:
        """What an HTTP client needs to reach this server (its certificates under TLS)."""
        return {"verify": self.tls.client_context()} if self.tls is not None else {}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def command(self) -> list[str]:
        return [
            self.python,
            "-m",
            "jupyter_server",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--ServerApp.base_url={self.base_url}",
            f"--IdentityProvider.token={self.token}",
            "--ServerApp.open_browser=False",
            "--ServerApp.allow_root=True",
            "--YDocExtension.document_save_delay=0.5",
            "--SQLiteYStore.db_path=" + str(self.home / "ystore.db"),
            "--BaseFileIdManager.db_path=" + str(self.home / "fileid.db"),
            *self.args,
        ]

    async def start(self, timeout: float = 60, poll: float = 0.1) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.root_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.process = await asyncio.create_subprocess_exec(
            *self.command(),
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,  # no terminal, as under JupyterHub or a service manager
            stdout=log,
            stderr=log,
            cwd=self.root_dir,
            start_new_session=True,
            # as JupyterHub or a service manager starts it: SIGINT not ignored, whatever this
            # process inherited (a server started with SIGINT ignored rightly keeps ignoring it)
            preexec_fn=_default_sigint,
        )
        log.close()
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(headers=self.headers, **self.http_options) as client:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"server exited early:\n{self.log()[-4000:]}")
                try:
                    response = await client.get(self.url + "api/status", timeout=2)
                    if response.status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(poll)
        raise TimeoutError(f"server did not start:\n{self.log()[-4000:]}")

    async def stop(self, timeout: float = 20, sig: signal.Signals = signal.SIGTERM) -> int | None:
        """Stop with `sig` (SIGTERM, or SIGINT as JupyterHub does); kill if it hangs. The exit code."""
        process = self.process
        if process is None or process.returncode is not None:
            return process.returncode if process else None
        process.send_signal(sig)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        return process.returncode

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=30, **self.http_options)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)

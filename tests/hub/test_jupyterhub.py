"""Two users of a JupyterHub (6.1, configurable-http-proxy, local processes, internal_ssl) working
with personas through the proxy: a chat, @Claude's reply and its MCP notebook edit (the real
claude-agent-acp, the tests' fake model), each user kept out of the other's server, an agent's
turn counted as activity, and "Stop My Server" leaving no agent behind."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.e2e.conftest import agents_env
from tests.e2e.fake_model import FakeModel, Turn
from tests.integration.test_notebooks import make_notebook
from tests.support.chat_client import ChatClient
from tests.support.server import REPO, TEST_SITE, free_port

pytestmark = pytest.mark.asyncio
PROXY = REPO / ".hub" / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent

CONFIG = """
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "https://127.0.0.1:{proxy_api_port}"  # internal_ssl: TLS
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.JupyterHub.internal_ssl = True  # each server demands the Hub's client certificates
c.JupyterHub.internal_certs_location = "{base}/internal-ssl"
c.JupyterHub.db_url = "sqlite:///{base}/hub.sqlite"
c.JupyterHub.cookie_secret_file = "{base}/cookie_secret"
c.JupyterHub.pid_file = "{base}/hub.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{base}/homes/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = ["--ServerApp.allow_root=True", "--PersonasExtension.permission_timeout=60"]
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = 60
c.JupyterHub.services = [{{"name": "tester", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [
    {{"name": "tester", "services": ["tester"],
      "scopes": ["admin:users", "admin:servers", "tokens", "read:users"]}},
]
"""


@dataclass
class HubUser:
    """What a person's JupyterLab talks to: their server, through the proxy, with their token."""

    name: str
    url: str
    token: str
    root_dir: Path
    http_options: dict[str, Any] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=30)


@dataclass
class Hub:
    url: str
    token: str
    base: Path
    process: asyncio.subprocess.Process
    model: FakeModel

    def api(self) -> httpx.AsyncClient:
        headers = {"Authorization": f"token {self.token}"}
        return httpx.AsyncClient(base_url=self.url + "hub/api/", headers=headers, timeout=60)

    async def start_user(self, name: str) -> HubUser:
        async with self.api() as api:
            (await api.post(f"users/{name}")).raise_for_status()
            response = await api.post(f"users/{name}/server")
            assert response.status_code in (201, 202), response.text
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                server = (await api.get(f"users/{name}")).json()["servers"].get("", {})
                if server.get("ready"):
                    break
                await asyncio.sleep(0.5)
            else:
                raise TimeoutError(f"{name}'s server did not start:\n{self.log()[-3000:]}")
            token = (await api.post(f"users/{name}/tokens", json={"note": "test"})).json()["token"]
        return HubUser(name, f"{self.url}user/{name}/", token, self.base / "homes" / name)

    async def wait_for_activity(self, name: str, since: datetime) -> None:
        async with self.api() as api:
            for _ in range(40):
                server = (await api.get(f"users/{name}")).json()["servers"][""]
                seen = datetime.fromisoformat(server["last_activity"].replace("Z", "+00:00"))
                if seen >= since:
                    return
                await asyncio.sleep(0.25)
        raise AssertionError(f"the Hub saw no activity of {name}'s server since {since}: {seen}")

    async def stop_user(self, name: str) -> None:
        async with self.api() as api:
            response = await api.delete(f"users/{name}/server")
            assert response.status_code in (202, 204), response.text
            for _ in range(120):
                if not (await api.get(f"users/{name}")).json()["servers"]:
                    return
                await asyncio.sleep(0.5)
        raise TimeoutError(f"{name}'s server did not stop")

    def log(self) -> str:
        return (self.base / "hub.log").read_text(errors="replace")


@pytest_asyncio.fixture(scope="module")
async def hub(tmp_path_factory) -> AsyncIterator[Hub]:
    if not PROXY.exists():
        pytest.fail("configurable-http-proxy is not installed in .hub/: `make test` installs it")
    base = tmp_path_factory.mktemp("hub")
    port, token = free_port(), secrets.token_hex(16)
    model = FakeModel()
    await model.start()
    agents = agents_env(base / "agents-home", model)  # what a person with the agents set up has
    environment = {
        **{k: v for k, v in agents.items() if k.startswith(("ANTHROPIC", "CLAUDE", "DISABLE"))},
        "PATH": os.pathsep.join(
            [str(REPO / ".agents" / "node_modules" / ".bin"), str(BIN), "/usr/bin", "/bin"]
        ),
        "PYTHONPATH": str(TEST_SITE / "good"),
        "SCRIPTED_AGENT_STATE": str(base / "agent-state"),
        "IS_SANDBOX": "yes",
        "JUPYTERHUB_ACTIVITY_INTERVAL": "1",  # the server tells the Hub of its activity each second
    }
    (base / "jupyterhub_config.py").write_text(
        CONFIG.format(
            port=port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=str(PROXY),
            base=base,
            singleuser=str(BIN / "jupyterhub-singleuser"),
            environment=environment,
            token=token,
        )
    )
    env = {"PATH": environment["PATH"], "HOME": str(base), "LANG": "C.UTF-8"}
    with open(base / "hub.log", "ab") as log:
        process = await asyncio.create_subprocess_exec(
            str(BIN / "jupyterhub"), "-f", str(base / "jupyterhub_config.py"),
            cwd=base, env=env, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
    hub = Hub(f"http://127.0.0.1:{port}/", token, base, process, model)
    async with httpx.AsyncClient() as client:
        for _ in range(120):
            try:
                if (await client.get(hub.url + "hub/api/", timeout=2)).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.5)
        else:
            raise TimeoutError(f"JupyterHub did not start:\n{hub.log()[-3000:]}")
    yield hub
    await model.stop()
    process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 30)
    except TimeoutError:
        os.killpg(process.pid, 9)


def working_in(folder: Path) -> list[int]:
    """The processes whose working directory is `folder`: a user's server and its agents."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(entry / "cwd")) == folder and alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


async def test_two_users_work_with_personas_through_the_hub_and_stay_apart(hub):
    alice, bob = await hub.start_user("alice"), await hub.start_user("bob")
    make_notebook(alice.root_dir, "analysis.ipynb", ["1 + 1"])
    async with ChatClient(alice, "team.chat", username="alice") as chat:  # type: ignore[arg-type]
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello", timeout=60)
        # @Claude edits the notebook through the MCP tools, on the loopback listener: the
        # server demands the Hub's client certificates, which Claude Code cannot present
        insert = {"path": "analysis.ipynb", "source": "6 * 7"}
        hub.model.queue("anthropic", Turn(tool="mcp__jupyter__insert_cell", tool_input=insert))
        hub.model.queue("anthropic", Turn(text="Added the cell."))
        chat.send("@Claude add a cell with 6 * 7 to analysis.ipynb")
        request = await chat.wait_for_text("Claude", "Waiting for your answer", timeout=120)
        assert "insert_cell" in request
        chat.send("/allow")
        await chat.wait_for_text("Claude", "Added the cell.", timeout=120)
        chat.send("@Scripted pid")
        pid = int((await chat.wait_for_text("Scripted", "pid=", timeout=60)).split("=")[1])
        # an agent's work with no browser request meanwhile counts as activity: the idle
        # culler, which reads the Hub's last_activity, does not stop a server mid-turn
        chat.send("@Scripted wait 4")
        await chat.wait_for_text("Scripted", "waited", timeout=60)
        finished = datetime.now(UTC)
        await hub.wait_for_activity("alice", finished - timedelta(seconds=1.5))
    for _ in range(40):  # the edit reached the file (the room saves it)
        if "6 * 7" in (alice.root_dir / "analysis.ipynb").read_text():
            break
        await asyncio.sleep(0.25)
    cells = json.loads((alice.root_dir / "analysis.ipynb").read_text())["cells"]
    assert ["".join(c["source"]) for c in cells] == ["1 + 1", "6 * 7"]
    # bob, with his own token, reaches his own personas and nothing of alice's
    async with httpx.AsyncClient(headers=bob.headers, timeout=30) as client:
        own = await client.get(bob.url + "api/ai-personas/personas")
        assert own.status_code == 200 and own.json()["personas"]
        for path in ("api/ai-personas/personas", "api/contents/analysis.ipynb", "api/ai-personas/mcp"):
            response = await client.get(alice.url + path, follow_redirects=False)
            assert response.status_code in (302, 403), (path, response.status_code)
    # "Stop My Server": the server and its agents (the scripted one, claude-agent-acp, Claude
    # Code) are gone
    running = working_in(alice.root_dir.resolve())
    assert pid in running and len(running) >= 3, running
    await hub.stop_user("alice")
    for _ in range(40):
        if not working_in(alice.root_dir.resolve()):
            break
        await asyncio.sleep(0.25)
    assert not working_in(alice.root_dir.resolve()), "alice's agents outlived her server"
    await hub.stop_user("bob")

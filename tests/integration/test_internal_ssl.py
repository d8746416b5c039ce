"""A server that demands client certificates, as JupyterHub's internal_ssl makes it: its agents
cannot present them, so they reach the notebook tools on a plain-HTTP listener on 127.0.0.1
that serves the MCP endpoint alone, with the same authentication."""

from __future__ import annotations

import ssl

import httpx
import pytest
import pytest_asyncio

from tests.integration.test_notebooks import make_notebook
from tests.support.chat_client import ChatClient
from tests.support.server import JupyterServer, server_env
from tests.support.tls import make_internal_certs

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def tls_server(tmp_path):
    home = tmp_path / "home"
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    server = JupyterServer(tmp_path / "root", home, env=env, tls=make_internal_certs(tmp_path / "certs"))
    await server.start()
    yield server
    await server.stop()


async def test_agents_get_the_notebook_tools_on_a_loopback_listener_under_internal_ssl(tls_server):
    make_notebook(tls_server.root_dir, "agent.ipynb", ["1 + 1"])
    async with ChatClient(tls_server, "tls.chat") as chat:
        chat.send("@Scripted mcptoken")
        said = await chat.wait_for_text("Scripted", "mcp_url=")
        url = said.split("mcp_url=")[1].split()[0]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api/ai-personas/mcp"), url
        chat.send('@Scripted mcp insert_cell {"path": "agent.ipynb", "source": "6 * 7"}')
        await chat.wait_for_text("Scripted", "Waiting for your answer to request #1")
        chat.send("/allow")
        await chat.wait_for_text("Scripted", "insert_cell: inserted code cell")
    # the listener asks for authentication like the main port: nothing without a token
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert response.status_code == 403
    # and the main port still demands the client certificate (with TLS 1.3 the refusal can
    # arrive after the handshake, as a bare SSLError from the first read)
    with pytest.raises((httpx.HTTPError, ssl.SSLError)):
        async with httpx.AsyncClient(
            verify=ssl.create_default_context(cafile=str(tls_server.tls.ca))
        ) as client:
            await client.get(tls_server.url + "api/status", headers=tls_server.headers)

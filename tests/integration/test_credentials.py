"""A person gives an agent its key from JupyterLab: stored by the server, never shown back,
passed only to the agent that declares it, and used without a restart."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import httpx
import pytest

from tests.support.chat_client import ChatClient
from tests.support.personas import write_trusted
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio
KEYED = (
    "---\nname: Keyed\ncommand: scripted-acp-agent\nenv: [SCRIPTED_AGENT_STATE, SCRIPTED_KEY]\n"
    "credentials: [SCRIPTED_KEY]\n---\n"
)


async def test_a_key_set_in_settings_reaches_the_agent_without_a_restart(start_server, tmp_path):
    home = tmp_path / "home"
    server = await start_server(env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "state")))
    folder = server.root_dir / ".jupyter" / "personas"
    await write_trusted(server, folder / "keyed.md", KEYED)
    unkeyed = "---\nname: Unkeyed\ncommand: scripted-acp-agent\nenv: [SCRIPTED_AGENT_STATE]\n---\n"
    await write_trusted(server, folder / "unkeyed.md", unkeyed)
    async with ChatClient(server, "keys.chat") as chat, server.client() as http:
        await chat.wait_for(lambda: chat.user_id("Keyed"), timeout=10)
        chat.send("/personas")
        listing = await chat.wait_for_text("Personas", "Personas in this chat")
        line = next(ln for ln in listing.split("\n- ") if "@Keyed" in ln)
        assert "🔑 needs `SCRIPTED_KEY` (or sign in): set it in Settings › AI Personas" in line
        agents = (await http.get("api/ai-personas/credentials")).json()["agents"]
        keyed = next(a for a in agents if "Keyed" in a["personas"])
        assert keyed["variables"] == [{"name": "SCRIPTED_KEY", "set": False, "where": None}]

        response = await http.put("api/ai-personas/credentials/SCRIPTED_KEY", json={"value": "from-settings"})
        assert response.status_code == 200 and "from-settings" not in response.text
        listed = await http.get("api/ai-personas/credentials")
        assert "from-settings" not in listed.text  # never sent back
        keyed = next(a for a in listed.json()["agents"] if "Keyed" in a["personas"])
        assert keyed["variables"][0] == {"name": "SCRIPTED_KEY", "set": True, "where": "settings"}
        assert keyed["needs"] is None

        chat.send("@Keyed meta")  # the running server: no restart
        meta = await chat.wait_for_text("Keyed", "env_key=")
        assert "env_key=from-settings" in meta
        chat.send("@Unkeyed meta")  # an agent that does not declare it does not get it
        other = await chat.wait_for_text("Unkeyed", "env_key=")
        assert "env_key=;" in other

        for bad in ("PATH", "JUPYTER_TOKEN", "NOT_DECLARED"):
            refused = await http.put(f"api/ai-personas/credentials/{bad}", json={"value": "x"})
            assert refused.status_code == 400, bad
        assert (await http.delete("api/ai-personas/credentials/SCRIPTED_KEY")).status_code == 200
        chat.send("@Keyed meta")
        await chat.wait_for(lambda: any("env_key=;" in b for b in chat.bodies_from("Keyed")))

    stored = Path(server.env["JUPYTER_DATA_DIR"]) / "jupyter_ai_personas" / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert not stored.is_relative_to(server.root_dir)
    saved_chat = await saved(server.root_dir / "keys.chat")
    assert "from-settings" not in json.dumps(saved_chat["metadata"])  # only the test agent said it
    assert json.loads(stored.read_text()) == {"variables": {}}


async def saved(path: Path) -> dict:
    """The chat as saved on disk (the server may be writing it right now: wait for a whole one)."""
    for _ in range(50):
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            await asyncio.sleep(0.1)
    return json.loads(path.read_text())


async def test_the_credentials_need_jupyter_authentication(start_server, tmp_path):
    server = await start_server(env=server_env(tmp_path / "home"))
    async with httpx.AsyncClient(base_url=server.url) as anonymous:
        assert (await anonymous.get("api/ai-personas/credentials")).status_code == 403
        put = await anonymous.put("api/ai-personas/credentials/SCRIPTED_KEY", json={"value": "x"})
        assert put.status_code == 403

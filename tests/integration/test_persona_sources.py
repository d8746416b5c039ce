"""Personas from packages, markdown specs and Python files; hot reload; bad input in each."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from tests.support.chat_client import ChatClient
from tests.support.server import TEST_SITE, server_env

pytestmark = pytest.mark.asyncio


def spec(name: str, body: str = "Arr, {prompt}!", **fields: str) -> str:
    lines = [f"name: {name}", "class: personas_testkit.template:TemplatePersona"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.fixture
def personas_dir(server, request: pytest.FixtureRequest) -> Path:
    """A fresh folder for this test's chat, with its `.jupyter/personas` path."""
    folder = server.root_dir / request.node.name
    folder.mkdir()
    return folder / ".jupyter" / "personas"


def chat_in(personas_dir: Path) -> str:
    return f"{personas_dir.parent.parent.name}/room.chat"


async def test_a_markdown_persona_dropped_in_answers_without_restart(server, personas_dir):
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        await chat.wait_for(lambda: chat.user_id("Echo"))
        write(personas_dir, "pirate.md", spec("Pirate", avatar="🏴‍☠️", description="Talks like a pirate"))
        await chat.wait_for(lambda: chat.user_id("Pirate"), timeout=5, what="the Pirate chat user")
        user = chat.users()[chat.user_id("Pirate")]
        assert user["bot"] is True and "/api/ai-personas/avatars/" in user["avatar_url"]
        chat.send("@Pirate hello")
        assert await chat.wait_for_text("Pirate", "Arr, hello!")


async def test_editing_a_spec_changes_the_persona_in_an_open_chat(server, personas_dir):
    path = write(personas_dir, "bot.md", spec("Parrot", "Squawk {prompt}", avatar="🦜"))
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        chat.send("@Parrot one")
        await chat.wait_for_text("Parrot", "Squawk one")
        old_avatar = chat.users()[chat.user_id("Parrot")]["avatar_url"]
        path.write_text(spec("Parrot", "Polly says {prompt}", avatar="🐦"))
        await chat.wait_for(
            lambda: chat.users()[chat.user_id("Parrot")]["avatar_url"] != old_avatar, timeout=5
        )
        chat.send("@Parrot two")
        await chat.wait_for_text("Parrot", "Polly says two")
        # renaming makes a new chat user and the old name stops answering
        path.write_text(spec("Macaw", "Macaw says {prompt}"))
        await chat.wait_for(lambda: chat.user_id("Macaw"), timeout=5)
        chat.send("@Macaw three")
        await chat.wait_for_text("Macaw", "Macaw says three")
        chat.send("@Parrot four")
        await chat.wait_for_text("Personas", "@parrot is not a persona")


async def test_deleting_a_spec_removes_the_persona(server, personas_dir):
    path = write(personas_dir, "gone.md", spec("Ghost"))
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        chat.send("@Ghost boo")
        await chat.wait_for_text("Ghost", "Arr, boo!")
        path.unlink()
        chat.send("/personas")
        for _ in range(20):
            listing = await chat.wait_for_text("Personas", "Personas in this chat")
            if "@Ghost" not in chat.bodies_from("Personas")[-1]:
                break
            await chat.settle(0.3)
            chat.send("/personas")
        assert "@Ghost" not in chat.bodies_from("Personas")[-1]
        assert listing
        chat.send("@Ghost are you there")
        await chat.wait_for_text("Personas", "@ghost is not a persona")


async def test_a_personas_folder_created_after_the_chat_opened_is_noticed(server, personas_dir):
    assert not personas_dir.parent.exists()
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        await chat.wait_for(lambda: chat.user_id("Echo"))
        write(personas_dir, "late.md", spec("Latecomer"))
        await chat.wait_for(lambda: chat.user_id("Latecomer"), timeout=5)
        chat.send("@Latecomer hi")
        await chat.wait_for_text("Latecomer", "Arr, hi!")


async def test_nearest_folder_wins_and_the_clash_is_reported(server, personas_dir):
    project = personas_dir.parent.parent
    write(project / ".jupyter" / "personas", "helper.md", spec("Helper", "outer {prompt}"))
    inner = project / "analysis" / ".jupyter" / "personas"
    write(inner, "helper.md", spec("Helper", "inner {prompt}"))
    chat_path = f"{project.name}/analysis/work.chat"
    async with ChatClient(server, chat_path) as chat:
        notice = await chat.wait_for_text("Personas", "replaces the persona of the same name")
        assert f"{project.name}/analysis/.jupyter/personas/helper.md" in notice
        chat.send("@Helper hi")
        await chat.wait_for_text("Helper", "inner hi")
    # a chat in the outer folder sees the outer persona only
    async with ChatClient(server, f"{project.name}/top.chat") as chat:
        chat.send("@Helper hi")
        await chat.wait_for_text("Helper", "outer hi")


SHOUTY = (
    "from jupyter_ai_personas import BasePersona, PersonaDefaults\n\n"
    "class Shouty(BasePersona):\n"
    "    defaults = PersonaDefaults(name='Shouty', description='Shouts back')\n\n"
    "    async def process_message(self, message):\n"
    "        await self.send_message(self.prompt_text(message).upper())\n"
)
TRUST_NOTICE = "Not loaded until a person trusts it"


def trust_notices(chat: ChatClient) -> list[str]:
    return [b for b in chat.bodies_from("Personas") if TRUST_NOTICE in b]


async def test_a_python_persona_runs_only_once_a_person_trusts_its_content(server, personas_dir):
    path = write(personas_dir, "shouty.py", SHOUTY)
    shown = path.relative_to(server.root_dir).as_posix()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        notice = await chat.wait_for_text("Personas", TRUST_NOTICE)
        assert f"**{shown}** — it is Python code that runs inside the Jupyter server" in notice
        assert f"`/trust {shown} {digest[:12]}`" in notice
        chat.send("@Shouty quiet please")
        await chat.wait_for_text("Personas", "@shouty is not a persona")
        chat.send(f"/trust {shown} 0123abcd")  # not the content this file has
        await chat.wait_for_text("Personas", "Not trusted")
        chat.send(f"/trust {shown} {digest[:12]}")
        await chat.wait_for_text("Personas", f"Alice trusted `{shown}`")
        chat.send("@Shouty quiet please")
        await chat.wait_for_text("Shouty", "QUIET PLEASE")
        # a change (an agent's, say) is not trusted: the old code stops and the new one does not run
        path.write_text(SHOUTY.replace(".upper()", ".lower() + ' (changed)'"))
        await chat.wait_for(lambda: len(trust_notices(chat)) == 2, timeout=10, what="a second trust notice")
        chat.send("@Shouty LOUD")
        await chat.wait_for(lambda: chat.bodies_from("Personas")[-1].startswith("@shouty is not a persona"))
        assert not any("(changed)" in b for b in chat.bodies_from("Shouty"))


async def test_a_markdown_persona_that_runs_a_program_waits_for_trust(server, personas_dir):
    write(personas_dir, "runner.md", "---\nname: Runner\ncommand: scripted-acp-agent\n---\n")
    write(personas_dir, "greedy.md", "---\nname: Greedy\nagent: claude\npermissions: {default: allow}\n---\n")
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        notice = await chat.wait_for_text("Personas", TRUST_NOTICE)
        assert "runner.md** — it starts its own program (`command: scripted-acp-agent`)" in notice
        assert "greedy.md** — its policy allows tool calls without asking (default)" in notice
        chat.send("/trust")
        listing = await chat.wait_for_text("Personas", "Persona files waiting for your trust")
        assert "runner.md" in listing and "greedy.md" in listing
        assert chat.user_id("Runner") is None and chat.user_id("Greedy") is None


BAD_SPECS = {
    "bad-yaml.md": ("---\nname: [unclosed\nclass: x:y\n---\n", "invalid YAML"),
    "no-name.md": ("---\nclass: personas_testkit.template:TemplatePersona\n---\n", "`name`: missing"),
    "wrong-type.md": ("---\nname: Typed\nagent: claude\nenabled: sometimes\n---\n", "`enabled`"),
    "unknown-key.md": ("---\nname: Extra\nagent: claude\ncolour: red\n---\n", "`colour`: unknown key"),
    "no-class.md": ("---\nname: Lost\nclass: nowhere.at_all:Persona\n---\n", "cannot import"),
}


async def test_bad_files_are_reported_by_name_and_the_rest_keep_working(server, personas_dir):
    for name, (text, _) in BAD_SPECS.items():
        write(personas_dir, name, text)
    write(personas_dir, "fine.md", spec("Fine", "fine {prompt}"))
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        notice = await chat.wait_for_text("Personas", "could not be loaded")
        for name, (_, problem) in BAD_SPECS.items():
            line = next((ln for ln in notice.splitlines() if name in ln), "")
            assert problem in line, f"{name}: {line!r}"
        chat.send("@Fine ok")
        await chat.wait_for_text("Fine", "fine ok")
        chat.send("@Echo ok")
        await chat.wait_for_text("Echo", "Echo: ok")
        # the same problems are not reported twice
        chat.send("/refresh")
        await chat.wait_for_text("Personas", "Reloaded")
        await chat.settle(0.5)
        assert len([b for b in chat.bodies_from("Personas") if b.startswith("⚠️ Some personas")]) == 1


async def test_fixing_a_broken_spec_brings_the_persona_in(server, personas_dir):
    path = write(personas_dir, "fixme.md", "---\nname: Fixme\nclass: [\n---\n")
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        await chat.wait_for_text("Personas", "fixme.md")
        path.write_text(spec("Fixme", "fixed {prompt}"))
        await chat.wait_for(lambda: chat.user_id("Fixme"), timeout=5)
        chat.send("@Fixme now")
        await chat.wait_for_text("Fixme", "fixed now")


async def test_two_personas_with_the_same_name_in_one_folder(server, personas_dir):
    write(personas_dir, "a.md", spec("Twin", "first {prompt}"))
    write(personas_dir, "b.md", spec("twin", "second {prompt}"))
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        notice = await chat.wait_for_text("Personas", "replaces the persona")
        assert "b.md" in notice and "a.md" in notice
        chat.send("@Twin hi")
        await chat.wait_for_text("twin", "second hi")


async def test_entry_points_that_fail_are_reported_with_the_package(start_server):
    server = await start_server(extra_paths=[TEST_SITE / "good", TEST_SITE / "broken"])
    async with ChatClient(server, "broken.chat") as chat:
        notice = await chat.wait_for_text("Personas", "could not be loaded")
        assert "package jupyter-ai-personas-broken-testkit (entry point `missing`)" in notice
        assert "ModuleNotFoundError" in notice
        assert "(entry point `not_a_persona`)" in notice and "is not a jupyter_ai_personas" in notice
        chat.send("@Echo still here")
        await chat.wait_for_text("Echo", "Echo: still here")


def config_trusting(home: Path, files: list[Path]) -> None:
    """The server's configuration trusts these files, by path and content hash."""
    config = home / ".jupyter-config"
    config.mkdir(parents=True, exist_ok=True)
    trusted = {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    settings = {"PersonasExtension": {"trusted_persona_files": trusted, "persona_import_timeout": 2}}
    (config / "jupyter_server_config.json").write_text(json.dumps(settings))


async def test_persona_code_that_hangs_or_crashes_does_not_stop_the_server(start_server, tmp_path):
    home, root = tmp_path / "home", tmp_path / "root"
    folder = root / ".jupyter" / "personas"
    hangs = write(folder, "hangs.py", "while True:\n    pass\n")
    raises = write(folder, "raises.py", "raise RuntimeError('persona file exploded')\n")
    exits = write(folder, "exits.py", "import sys\nsys.exit(3)\n")
    shouty = write(folder, "shouty.py", SHOUTY)
    config_trusting(home, [hangs, raises, exits, shouty])
    server = await start_server(root=root, env=server_env(home))
    async with ChatClient(server, "frozen.chat") as chat:
        notice = await chat.wait_for_text("Personas", "could not be loaded", timeout=20)
        assert "hangs.py**: importing it did not finish within 2 s" in notice
        assert "raises.py**: import failed: RuntimeError: persona file exploded" in notice
        assert "exits.py**: import failed: SystemExit: 3" in notice
        async with httpx.AsyncClient(headers=server.headers) as http:  # the server still answers
            assert (await http.get(server.url + "api/status", timeout=2)).status_code == 200
        chat.send("@Shouty still here")  # a trusted file that imports fine runs
        await chat.wait_for_text("Shouty", "STILL HERE")
        chat.send("/refresh")  # the hanging import is not started again
        await chat.wait_for_text("Personas", "Reloaded")
        chat.send("@Echo ok")
        await chat.wait_for_text("Echo", "Echo: ok")
    assert await server.stop(timeout=15) == 0  # SIGTERM is heard, however busy that import keeps a thread


async def test_a_message_sent_while_the_chat_attaches_slowly_is_answered(start_server, tmp_path):
    """Attaching a chat imports its persona files; the room saves a message posted meanwhile.
    The message is still new (not history) and is answered."""
    home, root = tmp_path / "home", tmp_path / "root"
    slow = write(root / ".jupyter" / "personas", "slow.py", "import time\ntime.sleep(1.5)\n" + SHOUTY)
    config_trusting(home, [slow])
    server = await start_server(root=root, env=server_env(home))
    async with ChatClient(server, "slow.chat") as chat:
        chat.send("@Echo are you there")  # while the persona file is imported
        await chat.wait_for_text("Echo", "Echo: are you there", timeout=20)
        saved = json.loads((root / "slow.chat").read_text())["messages"]
        assert any("are you there" in m["body"] for m in saved)  # saved 0.5 s after it was sent


async def test_configuration_trusts_a_file_by_path_and_content_not_a_folder(start_server, tmp_path):
    home, root = tmp_path / "home", tmp_path / "root"
    folder = root / ".jupyter" / "personas"
    trusted = write(folder, "shouty.py", SHOUTY)
    config_trusting(home, [trusted])
    write(folder, "newcomer.py", SHOUTY.replace("Shouty", "Newcomer"))  # in the same folder
    server = await start_server(root=root, env=server_env(home))
    async with ChatClient(server, "configured.chat") as chat:
        notice = await chat.wait_for_text("Personas", TRUST_NOTICE)
        assert "newcomer.py" in notice and "shouty.py" not in notice
        chat.send("@Shouty hi")
        await chat.wait_for_text("Shouty", "HI")
        trusted.write_text(SHOUTY + "# edited\n")
        await chat.wait_for(lambda: any("shouty.py" in b for b in trust_notices(chat)), timeout=10)

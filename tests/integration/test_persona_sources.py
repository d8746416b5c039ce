"""Personas from packages, markdown specs and Python files; hot reload; bad input in each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.chat_client import ChatClient
from tests.support.server import TEST_SITE

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


async def test_a_python_persona_file(server, personas_dir):
    write(
        personas_dir,
        "shouty.py",
        "from jupyter_ai_personas import BasePersona, PersonaDefaults\n\n"
        "class Shouty(BasePersona):\n"
        "    defaults = PersonaDefaults(name='Shouty', description='Shouts back')\n\n"
        "    async def process_message(self, message):\n"
        "        await self.send_message(self.prompt_text(message).upper())\n",
    )
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        chat.send("@Shouty quiet please")
        await chat.wait_for_text("Shouty", "QUIET PLEASE")


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
    write(personas_dir, "raises.py", "raise RuntimeError('persona file exploded')\n")
    write(personas_dir, "fine.md", spec("Fine", "fine {prompt}"))
    async with ChatClient(server, chat_in(personas_dir)) as chat:
        notice = await chat.wait_for_text("Personas", "could not be loaded")
        for name, (_, problem) in BAD_SPECS.items():
            line = next((ln for ln in notice.splitlines() if name in ln), "")
            assert problem in line, f"{name}: {line!r}"
        assert "raises.py**: import failed: RuntimeError: persona file exploded" in notice
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

"""Notebook tools on live documents: what a person with the notebook open sees."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
from pathlib import Path

import httpx
import nbformat
import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient
from tests.support.notebook_client import NotebookClient, mcp_session
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio
PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
IMAGE_CODE = (
    "import base64\nfrom IPython.display import Image, display\n"
    f"display(Image(data=base64.b64decode('{PIXEL}')))"
)


def make_notebook(root: Path, name: str, sources: list[str], minor: int = 5) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.nbformat_minor = minor
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index, cell in enumerate(notebook.cells):
        if minor >= 5:
            cell["id"] = f"cell{index + 1}"
        else:
            cell.pop("id", None)
    path = root / name
    path.write_text(json.dumps(notebook) if minor < 5 else nbformat.writes(notebook))
    return path


def text(result) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


@pytest_asyncio.fixture(scope="module")
async def nb_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("nb-home")
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"))
    return await start_server(env=env, args=["--PersonasExtension.headless_room_release=2"])


async def test_every_tool_is_listed_and_works(nb_server):
    make_notebook(nb_server.root_dir, "tools.ipynb", ["x = 20", "x + 1"])
    (nb_server.root_dir / "notes.txt").write_text("line one\nline two\n")
    async with mcp_session(nb_server) as mcp:
        listed = {tool.name: tool for tool in (await mcp.list_tools()).tools}
        assert {
            "list_files",
            "read_file",
            "list_notebooks",
            "list_kernels",
            "read_notebook",
            "read_cell",
            "search_notebooks",
            "insert_cell",
            "edit_cell",
            "delete_cell",
            "move_cell",
            "set_cell_type",
            "create_notebook",
            "execute_cell",
            "insert_and_execute_cell",
            "replace_in_cell",
            "execute_cells",
            "execute_code",
            "restart_kernel",
            "clear_outputs",
        } <= set(listed)
        # what clients decide to ask a person about: only reads claim to be harmless (Codex
        # runs a tool unasked that is said to be neither destructive nor open-world)
        assert listed["read_notebook"].annotations.readOnlyHint is True
        for name in ("edit_cell", "execute_cell", "insert_and_execute_cell", "execute_code"):
            annotations = listed[name].annotations
            assert annotations.readOnlyHint is False, name
            assert annotations.destructiveHint is not False and annotations.openWorldHint is not False, name
        assert listed["delete_cell"].annotations.destructiveHint is True
        calls = [
            ("list_files", {"path": "."}, "tools.ipynb"),
            ("read_file", {"path": "notes.txt", "start_line": 2}, "line two"),
            ("list_notebooks", {}, "tools.ipynb"),
            ("read_notebook", {"path": "tools.ipynb"}, "[1] code cell id=cell2"),
            ("read_cell", {"path": "tools.ipynb", "cell_id": "cell1"}, "x = 20"),
            ("search_notebooks", {"query": "x + 1"}, "tools.ipynb [1] id=cell2"),
            (
                "insert_cell",
                {"path": "tools.ipynb", "source": "# Title", "cell_type": "markdown"},
                "inserted markdown cell",
            ),
            (
                "edit_cell",
                {"path": "tools.ipynb", "cell_id": "cell2", "source": "x + 22"},
                "cell id=cell2 updated",
            ),
            ("move_cell", {"path": "tools.ipynb", "index": 2, "to_index": 0}, "to index 0"),
            ("set_cell_type", {"path": "tools.ipynb", "index": 0, "cell_type": "raw"}, "now a raw cell"),
            ("execute_cells", {"path": "tools.ipynb"}, "42"),
            ("execute_cell", {"path": "tools.ipynb", "cell_id": "cell2"}, "42"),
            ("insert_and_execute_cell", {"path": "tools.ipynb", "source": "print(x * 2)"}, "40"),
            ("execute_code", {"path": "tools.ipynb", "code": "x * 3"}, "60"),
            ("list_kernels", {}, "notebook=tools.ipynb"),
            ("restart_kernel", {"path": "tools.ipynb"}, "restarted kernel"),
            ("execute_code", {"path": "tools.ipynb", "code": "'x' in dir()"}, "False"),
            ("delete_cell", {"path": "tools.ipynb", "index": 0}, "deleted cell"),
            ("create_notebook", {"path": "fresh/new.ipynb"}, "created fresh/new.ipynb"),
        ]
        for name, arguments, expected in calls:
            result = await mcp.call_tool(name, arguments)
            assert not result.isError and expected in text(result), (name, text(result))
    assert (nb_server.root_dir / "fresh" / "new.ipynb").is_file()


async def test_edits_and_outputs_arrive_live_and_reach_the_file(nb_server):
    path = make_notebook(nb_server.root_dir, "live.ipynb", ["a = 1", "b = 2"])
    async with NotebookClient(nb_server, "live.ipynb") as person, mcp_session(nb_server) as mcp:
        result = await mcp.call_tool(
            "insert_cell", {"path": "live.ipynb", "source": "print('hello')", "index": 1}
        )
        new_id = text(result).split("id=")[1].split()[0]
        await person.wait_for(lambda: person.ids() == ["cell1", new_id, "cell2"], what="the inserted cell")
        await mcp.call_tool(
            "edit_cell",
            {"path": "live.ipynb", "cell_id": new_id, "source": f"print('hello live')\n{IMAGE_CODE}"},
        )
        await person.wait_for(lambda: "hello live" in person.cell(new_id)["source"], what="the edit")
        executed = await mcp.call_tool("execute_cell", {"path": "live.ipynb", "cell_id": new_id})
        assert "hello live" in text(executed) and any(c.type == "image" for c in executed.content)

        def outputs() -> list:
            return person.cell(new_id).get("outputs", [])

        await person.wait_for(lambda: len(outputs()) == 2, what="the outputs")
        assert outputs()[0]["text"] == "hello live\n"
        assert outputs()[1]["data"]["image/png"].strip() == PIXEL
        assert person.cell(new_id)["execution_count"] == 1
        assert any(s["user"]["name"] for s in person.collaborators())  # the caller shows as a collaborator
    saved = None
    for _ in range(50):  # the file follows (saved by the collaboration extension)
        try:
            saved = nbformat.read(path, as_version=4)
        except nbformat.reader.NotJSONError:  # read mid-save: Jupyter rewrites the file in place
            saved = None
        if saved is not None and len(saved.cells) == 3 and saved.cells[1].outputs:
            break
        await asyncio.sleep(0.1)
    assert saved is not None
    assert saved.cells[1].outputs[0]["text"] == "hello live\n" and saved.cells[1]["id"] == new_id


async def test_a_person_typing_and_an_agent_editing_both_survive(nb_server):
    make_notebook(nb_server.root_dir, "together.ipynb", ["import math", "y = 2", "z = 3"])
    async with NotebookClient(nb_server, "together.ipynb") as person, mcp_session(nb_server) as mcp:
        edits = [
            mcp.call_tool(
                "edit_cell", {"path": "together.ipynb", "cell_id": "cell3", "source": f"z = 3 + {i}  # agent"}
            )
            for i in range(1, 6)
        ]
        for index, edit in enumerate(edits):
            person.type_into("cell1", f"#p{index}", at=len(person.cell("cell1")["source"]))
            await edit
            await asyncio.sleep(0.05)
        await person.wait_for(lambda: "z = 3 + 5  # agent" in person.cell("cell3")["source"])
        await asyncio.sleep(0.5)
        assert person.cell("cell1")["source"] == "import math#p0#p1#p2#p3#p4"
        assert person.ids() == ["cell1", "cell2", "cell3"]
        read = await mcp.call_tool("read_cell", {"path": "together.ipynb", "cell_id": "cell1"})
        assert "import math#p0#p1#p2#p3#p4" in text(read)  # the server's document has both too


async def test_an_old_notebook_gets_cell_ids_on_its_first_edit(nb_server):
    path = make_notebook(nb_server.root_dir, "old.ipynb", ["print(1)"], minor=4)
    async with mcp_session(nb_server) as mcp:
        await mcp.call_tool("insert_cell", {"path": "old.ipynb", "source": "print(2)"})
    for _ in range(80):
        saved = json.loads(path.read_text())
        if saved["nbformat_minor"] == 5 and len(saved["cells"]) == 2:
            break
        await asyncio.sleep(0.1)
    assert saved["nbformat_minor"] == 5 and all(cell.get("id") for cell in saved["cells"])


async def test_a_room_opened_without_a_browser_is_released(nb_server):
    make_notebook(nb_server.root_dir, "headless.ipynb", ["1"])
    async with mcp_session(nb_server) as mcp:
        await mcp.call_tool("edit_cell", {"path": "headless.ipynb", "index": 0, "source": "2"})
    room = re.search(r"Content in room (\S+) loaded from file headless.ipynb", nb_server.log()).group(1)
    for _ in range(100):
        if f"released the room of {room}" in nb_server.log():
            break
        await asyncio.sleep(0.1)
    assert f"released the room of {room}" in nb_server.log()
    saved = nbformat.read(nb_server.root_dir / "headless.ipynb", as_version=4)
    assert saved.cells[0].source == "2"  # saved before the room went away


async def test_an_agents_edits_go_to_the_configured_store_kept_in_a_write_ahead_log(nb_server):
    """jupyter-collaboration configures the stores of rooms browsers open, not of rooms it opens
    for the server: an agent's edits went to a second database, in the workspace. The server
    here keeps its store in its home (`SQLiteYStore.db_path`)."""
    make_notebook(nb_server.root_dir, "stored.ipynb", ["1"])
    async with mcp_session(nb_server) as mcp:
        for source in ("2", "3"):
            result = await mcp.call_tool("insert_cell", {"path": "stored.ipynb", "source": source})
            assert not result.isError, text(result)
    room = re.search(r"Content in room (\S+) loaded from file stored.ipynb", nb_server.log()).group(1)
    store = nb_server.home / "ystore.db"

    def kept() -> int:
        with contextlib.closing(sqlite3.connect(store)) as db:
            query = "SELECT COUNT(*) FROM yupdates WHERE path = ?"
            return int(db.execute(query, (f".notebook:{room.split(':')[-1]}.y",)).fetchone()[0])

    for _ in range(50):
        if kept() >= 2:  # each edit its own update: the notebook's timeline
            break
        await asyncio.sleep(0.1)
    assert kept() >= 2
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not list(nb_server.root_dir.glob(".jupyter_ystore.db*"))  # nothing stray in the workspace


BAD = [
    ("read_notebook", {"path": "missing.ipynb"}, "missing.ipynb: no such file"),
    ("read_cell", {"path": "bad.ipynb", "cell_id": "nope"}, "no cell with id 'nope'"),
    ("execute_cell", {"path": "bad.ipynb", "cell_id": "cell1"}, "the kernel died while running the code"),
    ("execute_cell", {"path": "bad.ipynb", "cell_id": "cell2", "timeout": 2}, "the kernel was interrupted"),
    ("execute_cell", {"path": "bad.ipynb", "cell_id": "cell3"}, "the output passed 10 MB and was cut"),
    ("read_notebook", {"path": "broken.ipynb"}, "broken.ipynb cannot be opened"),
    ("insert_cell", {"path": "../outside.ipynb", "source": "x"}, "outside the server root"),
    ("read_notebook", {"path": "notes.md"}, "is not a notebook"),
]


async def test_a_whole_source_edit_keeps_what_a_person_typed_after_the_agent_read(nb_server):
    make_notebook(nb_server.root_dir, "typing.ipynb", ["x = 1\ny = 2\n"])
    async with NotebookClient(nb_server, "typing.ipynb") as person, mcp_session(nb_server) as mcp:
        await mcp.call_tool("read_cell", {"path": "typing.ipynb", "cell_id": "cell1"})
        person.type_into("cell1", "# the person's note\n")
        await asyncio.sleep(1.0)  # the server has the person's typing
        edited = await mcp.call_tool(
            "edit_cell", {"path": "typing.ipynb", "cell_id": "cell1", "source": "x = 1\ny = 3\n"}
        )
        assert not edited.isError and "what others typed since you read it is kept" in text(edited)
        await person.wait_for(lambda: "y = 3" in person.cell("cell1")["source"], what="the agent's edit")
        assert person.cell("cell1")["source"] == "# the person's note\nx = 1\ny = 3\n"
        # the same characters changed by both: refused, the person's text stays
        person.type_into("cell1", "3", at=len("# the person's note\nx = 1\ny = 3"))
        await asyncio.sleep(1.0)
        clash = await mcp.call_tool(
            "edit_cell", {"path": "typing.ipynb", "cell_id": "cell1", "source": "x = 1\ny = 4\n"}
        )
        assert clash.isError and "was not changed" in text(clash) and "replace_in_cell" in text(clash)
        assert person.cell("cell1")["source"] == "# the person's note\nx = 1\ny = 33\n"
        replaced = await mcp.call_tool(
            "replace_in_cell",
            {"path": "typing.ipynb", "cell_id": "cell1", "old_text": "x = 1", "new_text": "x = 10"},
        )
        assert not replaced.isError, text(replaced)
        await person.wait_for(lambda: "x = 10" in person.cell("cell1")["source"], what="the replacement")
        assert person.cell("cell1")["source"] == "# the person's note\nx = 10\ny = 33\n"
        missing = await mcp.call_tool(
            "replace_in_cell",
            {"path": "typing.ipynb", "cell_id": "cell1", "old_text": "nowhere", "new_text": "x"},
        )
        assert missing.isError and "does not contain" in text(missing)


async def test_hidden_paths_are_refused_by_the_tools(nb_server):
    (nb_server.root_dir / ".env").write_text("SECRET=1")
    git = nb_server.root_dir / ".git"
    git.mkdir(exist_ok=True)
    (git / "config").write_text("[remote] url = secret")
    async with mcp_session(nb_server) as mcp:
        for name, arguments in [
            ("read_file", {"path": ".env"}),
            ("read_file", {"path": ".git/config"}),
            ("create_notebook", {"path": ".jupyter/personas/x.ipynb"}),
            ("create_notebook", {"path": ".git/hooks/x.ipynb"}),
            ("create_notebook", {"path": "sub/.ipynb_checkpoints/x.ipynb"}),
        ]:
            result = await mcp.call_tool(name, arguments)
            assert result.isError and "hidden path" in text(result), (name, text(result))
            assert "SECRET" not in text(result) and "secret" not in text(result)
    assert not (nb_server.root_dir / ".jupyter" / "personas" / "x.ipynb").exists()
    assert not (git / "hooks").exists()
    assert not (nb_server.root_dir / "sub").exists()


async def test_bad_input_gets_clear_tool_errors_and_the_notebook_is_unharmed(nb_server):
    make_notebook(
        nb_server.root_dir,
        "bad.ipynb",
        [
            "import os; os._exit(1)",
            "import time; time.sleep(300)",
            "print('x' * 50_000_000)",
            "print('still fine')",
        ],
    )
    (nb_server.root_dir / "broken.ipynb").write_text("{ this is not json")
    for name, arguments, expected in BAD:
        async with mcp_session(nb_server) as mcp:
            result = await mcp.call_tool(name, arguments)
        assert result.isError and expected in text(result), (name, text(result))
    assert (nb_server.root_dir / "broken.ipynb").read_text() == "{ this is not json"
    async with mcp_session(nb_server) as mcp:
        after = await mcp.call_tool("execute_cell", {"path": "bad.ipynb", "cell_id": "cell4"})
        assert not after.isError and "still fine" in text(after)
        cut = await mcp.call_tool("read_cell", {"path": "bad.ipynb", "cell_id": "cell3"})
        assert "[output cut: more than 10 MB]" in text(cut)
    for _ in range(100):
        try:
            saved = nbformat.read(nb_server.root_dir / "bad.ipynb", as_version=4)
        except Exception:
            saved = None
        if saved and saved.cells[3].outputs:
            break
        await asyncio.sleep(0.1)
    nbformat.validate(saved)
    assert [c.id for c in saved.cells] == ["cell1", "cell2", "cell3", "cell4"]


async def test_the_endpoint_refuses_requests_without_authentication(nb_server):
    request = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx.AsyncClient() as client:
        anonymous = await client.post(nb_server.url + "api/ai-personas/mcp", json=request)
        wrong = await client.post(
            nb_server.url + "api/ai-personas/mcp",
            json=request,
            headers={"Authorization": "Bearer not-a-token"},
        )
    assert anonymous.status_code == 403 and wrong.status_code == 403


async def test_agents_get_their_own_token_which_dies_with_their_session(nb_server):
    make_notebook(nb_server.root_dir, "agent.ipynb", ["1 + 1"])
    async with ChatClient(nb_server, "tokens.chat") as chat:
        chat.send("@Scripted mcptoken")
        answer = await chat.wait_for_text("Scripted", "mcp_token=")
        url, token = answer.split("mcp_url=")[1].split(" mcp_token=")
        assert token != nb_server.token
        # in a header of the project's own: under JupyterHub, Jupyter would offer an
        # Authorization token to the Hub first
        headers = {"X-AI-Personas-Session-Token": token}
        async with mcp_session(nb_server, headers=headers) as mcp:
            result = await mcp.call_tool("execute_cell", {"path": "agent.ipynb", "index": 0})
            assert "2" in text(result)
        chat.send('@Scripted mcp insert_and_execute_cell {"path": "agent.ipynb", "source": "6 * 7"}')
        request = await chat.wait_for_text("Scripted", "Waiting for your answer")
        assert "agent.ipynb" in request and "+6 * 7" in request  # what the tool will do, to judge by
        chat.send("/allow")
        await chat.wait_for_text("Scripted", "insert_and_execute_cell: cell id=")
        assert "42" in chat.bodies_from("Scripted")[-1]
        chat.send("/restart @Scripted")  # the session ends: its token is revoked
        await chat.wait_for_text("Personas", "Restarted")
    async with httpx.AsyncClient() as client:
        refused = await client.post(
            url, headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        )
    assert refused.status_code == 403


async def test_an_agent_cannot_write_an_open_notebook_as_a_file(nb_server):
    path = make_notebook(nb_server.root_dir, "guarded.ipynb", ["keep = True"])
    before = path.read_text()
    async with (
        NotebookClient(nb_server, "guarded.ipynb") as person,
        ChatClient(nb_server, "guard.chat") as chat,
    ):
        person.type_into("cell1", "# typed by a person\n")
        chat.send("@Scripted write guarded.ipynb {}")
        refusal = await chat.wait_for_text("Scripted", "is open in JupyterLab")
        assert "🛡️ Refused" in refusal
        await chat.wait_for_text("Scripted", "I was not allowed to write guarded.ipynb.")
        await asyncio.sleep(1.5)
        assert person.cell("cell1")["source"] == "# typed by a person\nkeep = True"
        assert person.ids() == ["cell1"]
    assert json.loads(path.read_text())["cells"][0]["id"] == "cell1"
    assert "typed by a person" in path.read_text() or path.read_text() == before


async def test_agent_file_writes_to_an_open_document_go_through_it(nb_server):
    (nb_server.root_dir / "script.py").write_text("a = 1\nb = 2\n")
    async with ChatClient(nb_server, "fs.chat") as chat:
        room, session = await _open_text_room(nb_server, "script.py")
        async with _text_client(nb_server, room, session) as (doc, source):
            chat.send("@Scripted read script.py")  # what the agent bases its write on
            await chat.wait_for_text("Scripted", "read: a = 1")
            source.insert(0, "# person\n")  # then a person types
            chat.send("@Scripted write script.py a = 1\\nb = 3\\n")
            await chat.wait_for_text("Scripted", "Waiting for your answer")
            chat.send("/allow")
            await chat.wait_for_text("Scripted", "Wrote script.py.")
            await asyncio.sleep(0.5)
            assert str(source) == "# person\na = 1\nb = 3\n"  # minimal edits: the person's line stays


async def _open_text_room(server, path: str) -> tuple[str, str]:

    async with server.client() as client:
        response = await client.put(
            f"api/collaboration/session/{path}", json={"format": "text", "type": "file"}
        )
        data = response.json()
    return f"text:file:{data['fileId']}", data["sessionId"]


def _text_client(server, room: str, session: str):
    import contextlib

    from httpx_ws import aconnect_ws
    from pycrdt import Doc, Text

    from tests.support.lab_provider import LabProvider
    from tests.support.room_client import CountingChannel

    @contextlib.asynccontextmanager
    async def connect():
        doc = Doc()
        source = doc.get("source", type=Text)
        async with httpx.AsyncClient(headers=server.headers) as http:
            async with aconnect_ws(
                f"{server.url}api/collaboration/room/{room}?sessionId={session}", client=http
            ) as websocket:
                async with LabProvider(doc, CountingChannel(websocket, room)) as provider:
                    await provider.synced.wait()
                    yield doc, source

    return connect()

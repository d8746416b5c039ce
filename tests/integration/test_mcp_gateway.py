"""The MCP gateway with the official `mcp` client: files, kernels, terminals, git, resources,
prompts, progress and cancellation, extension tools, and the stdio relay to a running server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from httpx_ws import WebSocketUpgradeError, aconnect_ws
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import McpError

from tests.integration.test_notebooks import make_notebook, text
from tests.support.chat_client import ChatClient
from tests.support.notebook_client import NotebookClient, mcp_session
from tests.support.server import TEST_SITE, server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def gw_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("gw-home")
    env = server_env(home, [TEST_SITE / "good", TEST_SITE / "broken"])
    args = ["--PersonasExtension.mcp_tools=personas_testkit.tools:count_words"]
    return await start_server(env=env, args=args)


async def call(mcp: ClientSession, name: str, **arguments) -> tuple[bool, str]:
    result = await mcp.call_tool(name, arguments)
    return bool(result.isError), text(result)


async def test_files_are_written_edited_found_moved_and_deleted_inside_the_root_only(gw_server):
    root = gw_server.root_dir
    async with mcp_session(gw_server) as mcp:
        assert await call(mcp, "write_file", path="src/report.md", content="# Sales\nup 3%\n") == (
            False,
            "created src/report.md",
        )
        assert (root / "src" / "report.md").read_text() == "# Sales\nup 3%\n"
        failed, said = await call(mcp, "edit_file", path="src/report.md", old_text="up 3%", new_text="up 4%")
        assert not failed and (root / "src" / "report.md").read_text() == "# Sales\nup 4%\n"
        failed, said = await call(mcp, "edit_file", path="src/report.md", old_text="down", new_text="x")
        assert failed and "not in the file" in said
        assert await call(mcp, "glob_files", pattern="*.md") == (False, "src/report.md")
        failed, said = await call(mcp, "search", query="UP 4", path="src")
        assert not failed and said == "src/report.md:2: up 4%"
        assert not (await call(mcp, "rename_path", path="src/report.md", new_path="done/report.md"))[0]
        assert (root / "done" / "report.md").is_file() and not (root / "src" / "report.md").exists()
        assert not (await call(mcp, "delete_path", path="done/report.md"))[0]
        assert not (root / "done" / "report.md").exists()
        # an attacker's paths: persona code the server would run, outside the root, hidden, a chat
        # (a message written there would show as a person's)
        attacks = (
            ".jupyter/personas/evil.py",
            "../outside.txt",
            "/etc/evil",
            ".git/hooks/pre-commit",
            "team.chat",
        )
        for path in attacks:
            failed, said = await call(mcp, "write_file", path=path, content="import os")
            assert failed, (path, said)
        assert not (root / ".jupyter" / "personas" / "evil.py").exists()
        assert not (root.parent / "outside.txt").exists() and not (root / "team.chat").exists()
        (root / "src" / "notes.md").write_text("{}")
        failed, said = await call(mcp, "rename_path", path="src/notes.md", new_path="src/notes.chat")
        assert failed and "chat file" in said and (root / "src" / "notes.md").exists()


async def test_a_search_sees_what_a_person_typed_before_it_was_saved(gw_server):
    make_notebook(gw_server.root_dir, "draft.ipynb", ["a = 1"])
    async with NotebookClient(gw_server, "draft.ipynb") as person, mcp_session(gw_server) as mcp:
        person.type_into("cell1", "unsaved_marker = 2\n")
        for _ in range(50):
            failed, said = await call(mcp, "search", query="unsaved_marker")
            if "draft.ipynb [0] id=cell1" in said:
                break
            await asyncio.sleep(0.1)
        assert "draft.ipynb [0] id=cell1: unsaved_marker = 2" in said


async def test_a_long_notebook_is_read_a_page_at_a_time_or_briefly(gw_server):
    make_notebook(gw_server.root_dir, "long.ipynb", [f"step_{i} = {i}" for i in range(30)])
    async with mcp_session(gw_server) as mcp:
        failed, page = await call(mcp, "read_notebook", path="long.ipynb", start_index=10, limit=5)
        assert "[10] code cell id=cell11" in page and "[14]" in page and "[15]" not in page
        assert "read on with start_index=15" in page
        failed, brief = await call(mcp, "read_notebook", path="long.ipynb", brief=True)
        assert "[29] id=cell30 code: step_29 = 29" in brief and len(brief.splitlines()) == 31


async def test_kernels_are_started_inspected_interrupted_and_shut_down(gw_server):
    make_notebook(gw_server.root_dir, "kern.ipynb", ["numbers = [1, 2, 3]"])
    async with mcp_session(gw_server) as mcp:
        assert "python3" in (await call(mcp, "list_kernelspecs"))[1]
        failed, started = await call(mcp, "start_kernel", path="kern.ipynb")
        assert not failed and "runs in kernel" in started
        await call(mcp, "execute_cell", path="kern.ipynb", cell_id="cell1")
        assert "numbers: list 3" in (await call(mcp, "kernel_variables", path="kern.ipynb"))[1]
        # a run that would last a minute, stopped from outside by interrupt_kernel
        running = asyncio.ensure_future(
            call(mcp, "execute_code", path="kern.ipynb", code="import time; time.sleep(60)")
        )
        await asyncio.sleep(1.0)
        assert not (await call(mcp, "interrupt_kernel", path="kern.ipynb"))[0]
        failed, said = await asyncio.wait_for(running, 20)
        assert "KeyboardInterrupt" in said
        kernel_id = started.split("kernel ")[1].split()[0]
        assert not (await call(mcp, "shutdown_kernel", kernel_id=kernel_id))[0]
        assert kernel_id not in (await call(mcp, "list_kernels"))[1]


async def test_the_variables_of_a_kernel_of_another_language_come_from_its_debugger(gw_server):
    # a kernelspec whose language the tools know nothing of, declaring a debugger (as xeus kernels
    # do): the variables come through the Debug Adapter Protocol, as JupyterLab's panel gets them
    spec = Path(gw_server.env["JUPYTER_DATA_DIR"]) / "kernels" / "otherlang"
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "Other", "language": "otherlang", "metadata": {"debugger": True}}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    make_notebook(gw_server.root_dir, "other.ipynb", ["x = 1"])
    async with mcp_session(gw_server) as mcp:
        failed, said = await call(mcp, "start_kernel", path="other.ipynb", kernel_name="otherlang")
        assert not failed, said
        assert not (await call(mcp, "execute_code", path="other.ipynb", code="table = {'a': 1}"))[0]
        failed, said = await call(mcp, "kernel_variables", path="other.ipynb")
        assert not failed and "table: dict = {'a': 1}" in said, said
        # no debugger declared: the agent is told what to do instead
        kernel["metadata"] = {}
        (spec / "kernel.json").write_text(json.dumps(kernel))
        failed, said = await call(mcp, "kernel_variables", path="other.ipynb")
        assert failed and "has no debugger" in said and "execute_code" in said
        assert not (await call(mcp, "shutdown_kernel", path="other.ipynb"))[0]


async def test_progress_comes_while_a_cell_runs_and_cancelling_interrupts_the_kernel(gw_server):
    make_notebook(
        gw_server.root_dir,
        "slow.ipynb",
        [
            "import time\nfor i in range(3):\n    print('tick', i, flush=True); time.sleep(0.3)",
            "import time; print('begun', flush=True); time.sleep(60)",
            "'after'",
        ],
    )
    lines: list[str] = []
    tokens: list[types.ProgressToken] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        lines.append(message or "")

    async def on_message(message) -> None:
        if isinstance(message, types.ServerNotification) and isinstance(
            message.root, types.ProgressNotification
        ):
            tokens.append(message.root.params.progressToken)  # the request's id: what a cancel names

    async with mcp_session(gw_server, message_handler=on_message) as mcp:
        result = await mcp.call_tool(
            "execute_cell", {"path": "slow.ipynb", "cell_id": "cell1"}, progress_callback=on_progress
        )
        assert not result.isError
        assert [line.strip() for line in lines] == ["tick 0", "tick 1", "tick 2"]
        tokens.clear()
        slow = asyncio.ensure_future(
            mcp.call_tool(
                "execute_cell", {"path": "slow.ipynb", "cell_id": "cell2"}, progress_callback=on_progress
            )
        )
        for _ in range(100):
            if tokens:
                break
            await asyncio.sleep(0.1)
        cancel = types.CancelledNotification(
            params=types.CancelledNotificationParams(requestId=tokens[0], reason="enough")
        )
        await mcp.send_notification(types.ClientNotification(cancel))
        with pytest.raises(McpError):
            await asyncio.wait_for(slow, 20)
        # the kernel was interrupted: the next cell runs at once, not after a minute
        after = await asyncio.wait_for(
            mcp.call_tool("execute_cell", {"path": "slow.ipynb", "cell_id": "cell3"}), 20
        )
        assert "'after'" in text(after)


async def test_answers_are_plain_json_unless_progress_streams_and_json_only_clients_end_sessions(gw_server):
    make_notebook(gw_server.root_dir, "talk.ipynb", ["print('hello', flush=True)"])
    seen: list[tuple[str, str, int]] = []  # method, content type, status of each answer
    url = gw_server.url + "api/ai-personas/mcp"

    async def record(response: httpx.Response) -> None:
        kind = response.headers.get("content-type", "").split(";")[0]
        seen.append((response.request.method, kind, response.status_code))

    async def only_json(request: httpx.Request) -> None:
        request.headers["Accept"] = "application/json"

    async def noted(message: str | None) -> None:
        lines.append(message or "")

    lines: list[str] = []
    for hooks in ({"response": [record]}, {"request": [only_json], "response": [record]}):
        seen.clear()
        http = httpx.AsyncClient(headers=gw_server.headers, timeout=60, event_hooks=hooks)
        async with http, streamable_http_client(url, http_client=http) as (read, write, _):
            async with ClientSession(read, write) as mcp:
                await mcp.initialize()
                assert not (await mcp.call_tool("list_files", {})).isError
                assert seen[-1] == ("POST", "application/json", 200)
                # asked for progress, reported none: still one JSON answer (the connection is kept)
                quiet = await mcp.call_tool("list_files", {}, progress_callback=lambda p, t, m: noted(m))
                assert not quiet.isError and seen[-1] == ("POST", "application/json", 200)
                lines.clear()
                ran = await mcp.call_tool(
                    "execute_cell",
                    {"path": "talk.ipynb", "cell_id": "cell1"},
                    progress_callback=lambda p, t, m: noted(m),
                )
                assert "hello" in text(ran)
                if "request" not in hooks:  # the output came as progress, on a stream
                    assert seen[-1] == ("POST", "text/event-stream", 200)
                    assert [line.strip() for line in lines] == ["hello"]
                else:  # a client that takes only JSON gets the answer, without progress
                    assert seen[-1] == ("POST", "application/json", 200)
        # the session was ended (DELETE) where it lives, whatever the client accepts
        assert [entry for entry in seen if entry[0] == "DELETE"] == [("DELETE", "application/json", 200)]


async def test_terminal_commands_run_in_a_jupyter_terminal_people_can_see(gw_server):
    async with mcp_session(gw_server) as mcp:
        failed, said = await call(mcp, "run_in_terminal", command="echo result-$((6 * 7))")
        assert not failed and "exit status 0" in said and "result-42" in said
        name = said.split("terminal ")[1].split(",")[0]
        failed, said = await call(mcp, "run_in_terminal", command="false", terminal=name)
        assert failed and "exit status 1" in said
    async with httpx.AsyncClient(headers=gw_server.headers) as client:
        listed = (await client.get(gw_server.url + "api/terminals")).json()
    assert name in [t["name"] for t in listed]  # in JupyterLab's Terminals list


async def test_git_status_diff_commit_and_log_of_the_root(gw_server):
    root = gw_server.root_dir
    for command in (["init", "-q"], ["config", "user.email", "a@example.org"], ["config", "user.name", "A"]):
        subprocess.run(["git", *command], cwd=root, check=True)
    async with mcp_session(gw_server) as mcp:
        await call(mcp, "write_file", path="analysis.py", content="print('v1')\n")
        assert "?? analysis.py" in (await call(mcp, "git_status"))[1]
        failed, said = await call(mcp, "git_commit", message="First analysis", paths=["analysis.py"])
        assert not failed, said
        await call(mcp, "edit_file", path="analysis.py", old_text="v1", new_text="v2")
        assert "+print('v2')" in (await call(mcp, "git_diff"))[1]
        assert "A: First analysis" in (await call(mcp, "git_log"))[1]


async def test_resources_read_live_and_subscribers_hear_of_changes(gw_server):
    make_notebook(gw_server.root_dir, "watched.ipynb", ["w = 1"])
    updates: list[str] = []

    async def on_message(message) -> None:
        if isinstance(message, types.ServerNotification) and isinstance(
            message.root, types.ResourceUpdatedNotification
        ):
            updates.append(str(message.root.params.uri))

    async with (
        NotebookClient(gw_server, "watched.ipynb") as person,
        mcp_session(gw_server, message_handler=on_message) as mcp,
    ):
        uris = [str(r.uri) for r in (await mcp.list_resources()).resources]
        assert "jupyter:///watched.ipynb" in uris
        await mcp.subscribe_resource("jupyter:///watched.ipynb")
        person.type_into("cell1", "# a person's note\n")
        for _ in range(100):
            if updates:
                break
            await asyncio.sleep(0.1)
        assert updates == ["jupyter:///watched.ipynb"]
        contents = (await mcp.read_resource("jupyter:///watched.ipynb")).contents[0]
        assert "# a person's note" in json.loads(contents.text)["cells"][0]["source"]
        with pytest.raises(McpError):
            await mcp.read_resource("jupyter:///../secret.txt")


async def test_prompts_are_filled_with_the_notebook_as_it_is(gw_server):
    make_notebook(gw_server.root_dir, "broken.ipynb", ["1 / 0"])
    async with mcp_session(gw_server) as mcp:
        await call(mcp, "execute_cell", path="broken.ipynb", cell_id="cell1")
        names = [p.name for p in (await mcp.list_prompts()).prompts]
        assert names == ["explain_notebook", "fix_cell"]
        prompt = await mcp.get_prompt("fix_cell", {"path": "broken.ipynb", "cell_id": "cell1"})
        assert "ZeroDivisionError" in prompt.messages[0].content.text


async def test_tools_from_packages_and_configuration_and_the_ones_that_failed(gw_server):
    async with mcp_session(gw_server) as mcp:
        tools = {t.name: t for t in (await mcp.list_tools()).tools}
        assert tools["column_stats"].inputSchema["required"] == ["values"]  # from its signature
        assert await call(mcp, "column_stats", values=[1, 2, 6]) == (False, "mean 3.00, range 1–6")
        assert await call(mcp, "shout", text="hi") == (False, "HI!")  # jupyter_server_mcp.tools
        assert await call(mcp, "count_words", text="one two three") == (False, "3")  # configured
        failed, said = await call(mcp, "column_stats", values="not numbers")
        assert failed and "values" in said
    async with ChatClient(gw_server, "tools.chat") as chat:
        chat.send("/personas")
        listing = await chat.wait_for_text("Personas", "Jupyter tools")
        assert "`column_stats`" in listing and "`shout`" in listing and "`count_words`" in listing
        assert "gone (jupyter_ai_personas.tools)" in listing  # the broken package's, reported


async def test_a_session_belongs_to_the_credential_that_opened_it(gw_server):
    async with mcp_session(gw_server) as mcp:
        await mcp.list_tools()
    url = gw_server.url + "api/ai-personas/mcp"
    init = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    listing = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    async with httpx.AsyncClient(headers={**gw_server.headers, **accept}) as client:
        opened = await client.post(url, json=init)
        session_id = opened.headers["mcp-session-id"]
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await client.post(url, json=initialized, headers={"mcp-session-id": session_id})
        own = await client.post(url, json=listing, headers={"mcp-session-id": session_id})
    assert own.status_code == 200 and "execute_cell" in own.text  # its owner uses it
    # someone else's token (a session token of an agent) cannot use it
    async with ChatClient(gw_server, "owner.chat") as chat:
        chat.send("@Scripted mcptoken")
        answer = await chat.wait_for_text("Scripted", "mcp_token=")
    token = answer.split(" mcp_token=")[1].strip()
    async with httpx.AsyncClient(
        headers={"Authorization": f"Bearer {token}", "mcp-session-id": session_id, **accept}
    ) as client:
        stolen = await client.post(url, json=listing)
    assert stolen.status_code == 404


async def test_the_stdio_relay_finds_the_running_server_by_itself(gw_server):
    make_notebook(gw_server.root_dir, "relay.ipynb", ["6 * 7"])
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": gw_server.env["JUPYTER_RUNTIME_DIR"]}
    env.pop("JUPYTER_TOKEN", None)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "jupyter_ai_personas.mcp.bridge"],
        env=env,
        cwd=str(gw_server.root_dir),
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as mcp:
        await mcp.initialize()
        failed, said = await call(mcp, "execute_cell", path="relay.ipynb", cell_id="cell1")
        assert not failed and "42" in said


async def test_jupyterlab_commands_say_what_to_do_when_no_page_is_open(gw_server):
    async with mcp_session(gw_server) as mcp:
        failed, said = await call(mcp, "list_lab_commands")
    assert failed and "open JupyterLab in a browser" in said


async def test_only_an_authenticated_page_joins_the_jupyterlab_channel(gw_server):
    url = gw_server.url.replace("http", "ws") + "api/ai-personas/lab"
    async with httpx.AsyncClient() as client:
        with pytest.raises(WebSocketUpgradeError):
            async with aconnect_ws(url, client):
                pass
    async with httpx.AsyncClient(headers=gw_server.headers) as client, aconnect_ws(url, client) as page:
        async with mcp_session(gw_server) as mcp:
            listing = asyncio.ensure_future(call(mcp, "list_lab_commands"))
            request = json.loads(await page.receive_text())
            assert request["type"] == "list"
            await page.send_text(json.dumps({"id": request["id"], "result": [{"id": "x:y", "label": "Y"}]}))
            assert await listing == (False, "x:y — Y")

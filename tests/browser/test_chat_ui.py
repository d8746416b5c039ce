"""A person in JupyterLab (Debian chromium, Playwright) working with @Claude, the real agent
(claude-agent-acp) answering from the tests' fake model."""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import open_chat, shot
from tests.e2e.fake_model import Turn
from tests.integration.test_notebooks import make_notebook
from tests.support.chat_client import create_chat
from tests.support.notebook_client import mcp_session

pytestmark = pytest.mark.asyncio
INPUT = ".jp-chat-input-container textarea"


async def send(page: Page, text: str) -> None:
    box = page.locator(INPUT).first
    await box.click()
    await box.fill(text)
    await box.press("Enter")


def message(page: Page, text: str):
    return page.locator(".jp-chat-message", has_text=text)


async def test_mention_completion_then_the_reply_streams_in(browser, lab_server, fake_model):
    await create_chat(lab_server, "complete.chat")
    words = " ".join(f"residual{i}" for i in range(150))  # ~1,700 characters
    fake_model.queue("anthropic", Turn(text=f"Looking at it: {words} DONE", chunks=60, delay=0.05))
    page = await open_chat(browser, lab_server, "complete.chat")
    box = page.locator(INPUT).first
    await box.click()
    await box.type("@Cl")
    option = page.locator("[role=option]", has_text="@Claude")
    await expect(option).to_be_visible(timeout=15_000)
    await expect(option).to_contain_text("claude-agent-acp")
    await shot(page, "completion")
    await option.click()
    await expect(box).to_have_value("@Claude ")
    await box.type("how do my residuals look?")
    await box.press("Enter")
    reply = message(page, "Looking at it:")
    await expect(reply.first).to_be_visible(timeout=60_000)
    seen = {await reply.first.inner_text()}
    deadline = asyncio.get_running_loop().time() + 60
    while not any("DONE" in text for text in seen):  # it grows in place while it streams
        assert asyncio.get_running_loop().time() < deadline, "the reply's message never ended"
        await asyncio.sleep(0.1)
        seen.add(await reply.first.inner_text())
    assert len(seen) >= 3, seen
    # one reply, one message, one paragraph as the model wrote it
    await expect(reply).to_have_count(1)
    assert "residual90 residual91" in await reply.inner_text()
    await expect(reply.locator(".jp-chat-rendered-message p")).to_have_count(1)
    await shot(page, "streamed-reply")
    await page.reload()  # ended: a plain message, whoever opens the chat
    await expect(message(page, "DONE")).to_have_count(1, timeout=60_000)
    await expect(page.locator(".jp-AIPersonas-liveReply")).to_have_count(0)
    await page.close()


async def test_a_permission_request_shows_the_diff_and_allow_writes_the_file(browser, lab_server, fake_model):
    await create_chat(lab_server, "allow.chat")
    target = lab_server.root_dir / "plot_residuals.py"
    fake_model.queue(
        "anthropic",
        Turn(
            tool="Write",
            tool_input={"file_path": str(target), "content": "import matplotlib\nplot(residuals)\n"},
        ),
        Turn(text="Wrote plot_residuals.py for you."),
    )
    page = await open_chat(browser, lab_server, "allow.chat")
    await send(page, "@Claude write a script that plots the residuals")
    request = page.locator(".jp-AIPersonas-toolCall", has=page.locator(".jp-AIPersonas-permission"))
    await expect(request).to_be_visible(timeout=60_000)
    await expect(request.locator(".jp-AIPersonas-fileLink")).to_have_text("plot_residuals.py")
    await expect(request.locator(".jp-AIPersonas-diff-add").first).to_contain_text("+import matplotlib")
    buttons = request.locator(".jp-AIPersonas-permissionButtons button")
    await expect(buttons).to_have_count(3)
    await shot(page, "permission-request")
    assert not target.exists()
    await request.get_by_role("button", name="Allow", exact=True).click()
    answer = request.locator(".jp-AIPersonas-answer")
    await expect(answer).to_contain_text("answered by", timeout=30_000)
    await expect(request.locator(".jp-AIPersonas-permissionButtons")).to_have_count(0)
    await expect(message(page, "Wrote plot_residuals.py for you.").first).to_be_visible(timeout=60_000)
    assert target.read_text() == "import matplotlib\nplot(residuals)\n"
    await shot(page, "permission-answered")
    # the diff's file header opens the file in JupyterLab
    await request.locator(".jp-AIPersonas-fileLink").click()
    await expect(
        page.locator(".jp-mod-current .lm-TabBar-tabLabel", has_text="plot_residuals.py")
    ).to_be_visible(timeout=15_000)
    await page.close()


async def test_an_answer_typed_in_the_chat_replaces_the_buttons(browser, lab_server, fake_model):
    await create_chat(lab_server, "typed.chat")
    target = lab_server.root_dir / "typed.txt"
    fake_model.queue(
        "anthropic",
        Turn(tool="Write", tool_input={"file_path": str(target), "content": "no"}),
        Turn(text="Fine, I left it."),
    )
    page = await open_chat(browser, lab_server, "typed.chat")
    await send(page, "@Claude write typed.txt")
    buttons = page.locator(".jp-AIPersonas-permissionButtons button")
    await expect(buttons.first).to_be_visible(timeout=60_000)
    await send(page, "/reject")
    await expect(page.locator(".jp-AIPersonas-answer")).to_contain_text("Reject", timeout=30_000)
    await expect(page.locator(".jp-AIPersonas-permissionButtons")).to_have_count(0)
    await expect(message(page, "Fine, I left it.").first).to_be_visible(timeout=60_000)
    assert not target.exists()
    await page.close()


async def test_the_stop_button_ends_a_long_reply(browser, lab_server, fake_model):
    await create_chat(lab_server, "stop.chat")
    words = " ".join(f"story{i}" for i in range(600))
    fake_model.queue("anthropic", Turn(text=words, chunks=600, delay=0.05))
    page = await open_chat(browser, lab_server, "stop.chat")
    await send(page, "@Claude tell me a very long story")
    stop = page.locator(".jp-AIPersonas-stop", has_text="Stop Claude")
    await expect(message(page, "story5 ").first).to_be_visible(timeout=60_000)
    await expect(stop.first).to_be_visible(timeout=15_000)
    await shot(page, "stop-button")
    await stop.first.click()
    await expect(page.locator(".jp-chat-message", has_text="stopped").first).to_be_visible(timeout=30_000)
    await expect(stop).to_have_count(0, timeout=15_000)
    assert "story599" not in await page.locator(".jp-chat-messages-container").inner_text()
    await page.close()


async def test_a_persona_file_dropped_in_shows_in_the_completion_and_the_roster(browser, lab_server):
    await create_chat(lab_server, "roster.chat")
    page = await open_chat(browser, lab_server, "roster.chat")
    roster = page.locator(".jp-AIPersonas-rosterButton")
    await expect(roster).to_contain_text("ready", timeout=15_000)
    await roster.click()
    goose = page.locator(".jp-AIPersonas-rosterRow", has_text="@Goose")
    await expect(goose).to_be_visible()
    await expect(goose).to_contain_text("not installed")
    await expect(page.locator(".jp-AIPersonas-rosterRow", has_text="@Claude")).to_contain_text("ready")
    await shot(page, "roster")
    await roster.click()
    folder = lab_server.root_dir / ".jupyter" / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "statistician.md").write_text(
        "---\nname: Statistician\ndescription: Checks the statistics\nagent: claude\navatar: 📊\n---\n"
        "Be rigorous.\n"
    )
    await asyncio.sleep(3)  # the watcher reloads within a second; the completion caches 2 s
    box = page.locator(INPUT).first
    await box.click()
    await box.type("@Sta")
    option = page.locator("[role=option]", has_text="@Statistician")
    await expect(option).to_be_visible(timeout=15_000)
    await expect(option).to_contain_text("Checks the statistics")
    await page.close()


async def test_persona_code_waits_in_the_roster_until_a_person_trusts_it(browser, lab_server):
    folder = lab_server.root_dir / "trusting" / ".jupyter" / "personas"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "greeter.py").write_text(
        "from jupyter_ai_personas import BasePersona, PersonaDefaults\n\n"
        "class Greeter(BasePersona):\n"
        "    defaults = PersonaDefaults(name='Greeter', description='Says hello')\n\n"
        "    async def process_message(self, message):\n"
        "        await self.send_message('Hello from trusted code')\n"
    )
    await create_chat(lab_server, "trusting/room.chat")
    page = await open_chat(browser, lab_server, "trusting/room.chat")
    roster = page.locator(".jp-AIPersonas-rosterButton")
    await expect(roster).to_contain_text("🔒 1", timeout=15_000)
    await roster.click()
    waiting = page.locator(".jp-AIPersonas-rosterRow[data-state='untrusted']")
    await expect(waiting).to_contain_text("greeter.py")
    await expect(waiting).to_contain_text("Python code that runs inside the Jupyter server")
    await shot(page, "trust-waiting")
    await waiting.get_by_role("button", name="Trust…").click()
    dialog = page.locator(".jp-Dialog")
    await expect(dialog).to_contain_text("SHA-256")
    await dialog.get_by_role("button", name="Trust").click()
    await expect(page.locator(".jp-AIPersonas-rosterRow", has_text="@Greeter")).to_contain_text(
        "ready", timeout=15_000
    )
    await expect(waiting).to_have_count(0)
    await roster.click()
    await send(page, "@Greeter hi")
    await expect(message(page, "Hello from trusted code").first).to_be_visible(timeout=30_000)
    await page.close()


async def test_completion_lists_who_can_answer_before_who_cannot(browser, lab_server):
    await create_chat(lab_server, "order.chat")
    page = await open_chat(browser, lab_server, "order.chat")
    box = page.locator(INPUT).first
    await box.click()
    await box.type("@")
    options = page.locator("[role=option]")
    await expect(options.first).to_be_visible(timeout=15_000)
    texts = await options.all_inner_texts()
    unavailable = [i for i, t in enumerate(texts) if "unavailable" in t]
    ready = [i for i, t in enumerate(texts) if "unavailable" not in t and "🔑" not in t]
    assert ready and unavailable and max(ready) < min(unavailable), texts
    assert not any("`" in t for t in texts)  # reasons read as text, not markdown source
    await page.close()


async def test_mcp_turns_show_the_cell_to_judge_and_leave_no_stop_button(browser, lab_server, fake_model):
    from tests.integration.test_notebooks import make_notebook

    make_notebook(lab_server.root_dir, "mcp_turns.ipynb", ["data = [3, 4, 5]"])
    await create_chat(lab_server, "mcp_turns.chat")
    page = await open_chat(browser, lab_server, "mcp_turns.chat")
    stop = page.locator(".jp-AIPersonas-stop")
    for turn in range(3):
        source = f"print(sum([3, 4, 5]) * {turn + 2})"
        arguments = {"path": "mcp_turns.ipynb", "source": source}
        fake_model.queue(
            "anthropic",
            Turn(tool="mcp__jupyter__insert_and_execute_cell", tool_input=arguments),
            Turn(text=f"Cell {turn} is in."),
        )
        await send(page, f"@Claude add cell {turn} and run it")
        request = page.locator(
            ".jp-AIPersonas-toolCall", has=page.locator(".jp-AIPersonas-permissionButtons")
        )
        await expect(request).to_be_visible(timeout=60_000)
        # what the tool will do: the notebook and the cell's code, not just the tool's name
        await expect(request.locator(".jp-AIPersonas-diff-add").first).to_contain_text(f"+{source}")
        await expect(request).to_contain_text("mcp_turns.ipynb")
        if turn == 0:
            await shot(page, "mcp-permission-request")
        await request.get_by_role("button", name="Allow", exact=True).click()
        await expect(message(page, f"Cell {turn} is in.").first).to_be_visible(timeout=60_000)
        await expect(stop).to_have_count(0, timeout=10_000)  # the reply is over: no stop button
        notebook = lab_server.root_dir / "mcp_turns.ipynb"
        for _ in range(100):  # the tool ran: the cell is in the notebook (saved a moment later)
            if source in notebook.read_text():
                break
            await asyncio.sleep(0.1)
        assert source in notebook.read_text()
        if turn == 0:  # the agent is among JupyterLab's collaborators, on the notebook
            await page.locator('.jp-SideBar [data-id="jp-collaboration-panel"]').click()
            collaborators = page.locator(".jp-CollaboratorsList")
            await expect(collaborators).to_contain_text("Claude", timeout=15_000)
            await collaborators.locator(".jp-ClickableCollaborator").first.click()  # its documents
            await expect(collaborators).to_contain_text("mcp_turns.ipynb")
            await shot(page, "agent-collaborator")
    await page.close()


async def test_slash_lists_the_commands_and_a_reply_says_what_it_cost(browser, lab_server, fake_model):
    await create_chat(lab_server, "slash.chat")
    fake_model.queue("anthropic", Turn(text="Ready when you are."))
    page = await open_chat(browser, lab_server, "slash.chat")
    box = page.locator(INPUT).first
    await box.click()
    await box.type("/se")
    option = page.locator("[role=option]", has_text="/sessions")
    await expect(option).to_be_visible(timeout=15_000)
    await expect(option).to_contain_text("continue one here")
    await box.fill("")
    await send(page, "@Claude hello")  # the session is open: its agent has said what it understands
    await expect(message(page, "Ready when you are.").first).to_be_visible(timeout=60_000)
    # under the finished reply: the model and what the turn cost, as the agent reported them
    cost = message(page, "Ready when you are.").first.locator(".jp-AIPersonas-usage")
    await expect(cost).to_contain_text(" in, ", timeout=15_000)
    await asyncio.sleep(2.5)  # the roster the completion reads is cached for 2 s
    await box.click()
    await box.type("@Claude /")
    own = page.locator("[role=option]", has_text="Claude:")
    await expect(own.first).to_be_visible(timeout=15_000)
    texts = await page.locator("[role=option]").all_inner_texts()
    assert texts and all(t.strip().startswith("/") for t in texts), texts
    assert not any("/sessions" in t for t in texts)  # the chat's commands are not the agent's
    await shot(page, "agent-commands")
    await page.close()


async def test_a_model_picked_in_the_roster_answers_the_next_message(browser, lab_server, fake_model):
    await create_chat(lab_server, "pick.chat")
    fake_model.queue("anthropic", Turn(text="First answer."), Turn(text="Second answer."))
    page = await open_chat(browser, lab_server, "pick.chat")
    await send(page, "@Claude hello")
    await expect(message(page, "First answer.").first).to_be_visible(timeout=60_000)
    await page.locator(".jp-AIPersonas-rosterButton").first.click()
    picker = page.locator(".jp-AIPersonas-rosterRow", has_text="@Claude").locator(
        "select[data-category=model]"
    )
    await expect(picker).to_be_visible(timeout=15_000)
    values = await picker.locator("option").evaluate_all("options => options.map(o => o.value)")
    current = await picker.input_value()
    chosen = next(v for v in values if v != current)
    await picker.select_option(chosen)
    await expect(picker).to_have_value(chosen, timeout=15_000)  # the roster shows the agent's answer
    await shot(page, "model-picker")
    await page.locator(".jp-AIPersonas-rosterButton").first.click()
    await send(page, "@Claude and now?")
    footer = message(page, "Second answer.").first.locator(".jp-AIPersonas-usage")
    await expect(footer).to_contain_text(chosen, timeout=60_000)
    await page.close()


async def test_the_selected_lines_of_a_cell_reach_claude_with_the_message(browser, lab_server, fake_model):
    make_notebook(
        lab_server.root_dir, "attach_me.ipynb", ["import pandas as pd", "totals = sales.sum()\ntotals.plot()"]
    )
    await create_chat(lab_server, "attach.chat")
    fake_model.queue("anthropic", Turn(text="It draws the totals."))
    page = await open_chat(browser, lab_server, "attach.chat")
    async with mcp_session(lab_server) as mcp:  # the notebook beside the chat, as a person lays it out
        for _ in range(100):
            opened = await mcp.call_tool(
                "run_lab_command",
                {
                    "command": "docmanager:open",
                    "args": {"path": "attach_me.ipynb", "options": {"mode": "split-right"}},
                },
            )
            if not opened.isError:
                break
            await asyncio.sleep(0.2)
    line = page.locator(".jp-Notebook .cm-line", has_text="totals.plot()")
    await expect(line).to_be_visible(timeout=30_000)
    await line.click()
    await page.keyboard.press("End")
    await page.keyboard.press("Shift+Home")
    await asyncio.sleep(0.5)  # jupyterlab-chat's selection watcher polls every 200 ms
    await page.locator(".jp-AIPersonas-attach").first.click()
    await expect(page.locator(".jp-chat-input-container", has_text="attach_me.ipynb").first).to_be_visible()
    await shot(page, "attach-selection")
    await send(page, "@Claude what does this line do?")
    await expect(message(page, "It draws the totals.").first).to_be_visible(timeout=60_000)
    asked = json.dumps([r["body"] for r in fake_model.model_requests("anthropic") if r.get("scripted")][-1])
    assert "what does this line do?" in asked
    assert "attach_me.ipynb#cell=cell2&lines=2" in asked and "totals.plot()" in asked
    assert "import pandas" not in asked  # the selection, not the notebook
    await page.close()


PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
PASTE = """(pixel) => {
  const bytes = Uint8Array.from(atob(pixel), c => c.charCodeAt(0));
  const data = new DataTransfer();
  data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
  const box = document.querySelector('.jp-chat-input-container textarea');
  box.focus();
  box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
}"""


async def test_a_pasted_image_is_kept_beside_the_chat_and_reaches_claude(browser, lab_server, fake_model):
    await create_chat(lab_server, "paste.chat")
    fake_model.queue("anthropic", Turn(text="A single pixel."))
    page = await open_chat(browser, lab_server, "paste.chat")
    await page.evaluate(PASTE, PIXEL)
    await expect(page.locator(".jp-chat-input-container", has_text=".png").first).to_be_visible(
        timeout=15_000
    )
    saved = list((lab_server.root_dir / "pasted-images").glob("*.png"))
    assert len(saved) == 1 and base64.b64encode(saved[0].read_bytes()).decode() == PIXEL
    await send(page, "@Claude what is in this picture?")
    await expect(message(page, "A single pixel.").first).to_be_visible(timeout=60_000)
    asked = [r["body"] for r in fake_model.model_requests("anthropic") if r.get("scripted")][-1]
    images = [
        block
        for m in asked["messages"]
        for block in (m["content"] if isinstance(m["content"], list) else [])
        if block.get("type") == "image"
    ]
    assert images and images[-1]["source"]["data"] == PIXEL
    await page.close()

"""A new user's first run: the demo workspace of `make lab`, today's Claude, no key yet.

The chat says what is missing and how to fix it; a key entered in Settings › AI Personas
makes @Claude answer, without a server restart. The screenshots here are the README's.
"""

from __future__ import annotations

import pytest
import pytest_asyncio
from playwright.async_api import expect

from tests.browser.conftest import demo_workspace, open_chat, shot
from tests.browser.test_chat_ui import message, send
from tests.e2e.conftest import agents_env
from tests.e2e.fake_model import Turn

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def demo_server(start_server, fake_model, tmp_path_factory):
    """`make lab`'s server: the demo workspace, its trusted echo.py, no test personas, no key."""
    base = tmp_path_factory.mktemp("first-run")
    root, trust = demo_workspace(base)
    env = agents_env(base / "home", fake_model, "today", extra_paths=[])
    del env["ANTHROPIC_API_KEY"]
    return await start_server(root=root, env=env, args=[trust])


async def test_no_key_says_how_to_fix_it_and_a_key_from_settings_works_without_a_restart(
    browser, demo_server, fake_model
):
    page = await open_chat(browser, demo_server, "welcome.chat")
    roster = page.locator(".jp-AIPersonas-rosterButton")
    await expect(roster).to_contain_text("ready", timeout=15_000)
    await roster.click()
    claude = page.locator(".jp-AIPersonas-rosterRow", has_text="@Claude")
    await expect(claude).to_contain_text("needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (or sign in)")
    await roster.click()
    await send(page, "@Claude what is in analysis.ipynb?")
    hint = message(page, "Authentication required")
    await expect(hint.first).to_be_visible(timeout=60_000)
    await expect(hint.first).to_contain_text(
        "needs ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN, or a sign-in"
    )
    await expect(hint.first).to_contain_text("Settings › AI Personas")
    await shot(page, "first-run-no-key")

    await page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    await page.locator(".lm-Menu-itemLabel", has_text="AI Personas…").click()
    box = page.locator(".jp-AIPersonas-credentialAgent", has_text="@Claude")
    row = box.locator(".jp-AIPersonas-credentialRow[data-variable='ANTHROPIC_API_KEY']")
    await expect(row).to_contain_text("not set")
    await row.locator("input").fill("sk-test-entered-in-settings")
    await row.get_by_role("button", name="Save").click()
    await expect(page.locator(".jp-AIPersonas-credentialStatus")).to_contain_text("ANTHROPIC_API_KEY saved")
    await expect(row).to_contain_text("set here")
    await expect(box.locator(".jp-AIPersonas-credentialState")).to_contain_text("ready")
    assert "sk-test-entered-in-settings" not in await page.content()  # never shown back
    await shot(page, "settings-keys")
    # or the agent's own login (a Claude subscription), finished in a JupyterLab terminal
    await box.get_by_role("button", name="Sign in with the agent’s own login…").click()
    console = box.get_by_role("button", name="Anthropic Console")
    await expect(console).to_be_visible(timeout=60_000)
    await expect(box.get_by_role("button", name="Claude Subscription")).to_be_visible()
    await console.click()
    await expect(page.locator(".lm-TabBar-tab.jp-mod-current", has_text="Terminal")).to_be_visible(
        timeout=30_000
    )
    await expect(page.locator(".jp-Terminal").first).to_be_visible()
    await shot(page, "sign-in-terminal")

    await page.locator(".lm-TabBar-tabLabel", has_text="welcome.chat").click()
    fake_model.queue("anthropic", Turn(text="analysis.ipynb loads penguins.csv and plots bill length."))
    await send(page, "@Claude what is in analysis.ipynb?")
    await expect(message(page, "plots bill length").first).to_be_visible(timeout=60_000)
    await shot(page, "first-answer")
    await page.close()

"""JupyterLab in Debian's chromium, driven by Playwright (no browser is ever downloaded)."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.e2e.conftest import agents_env, fake_model, fresh_script  # noqa: F401 - fixtures
from tests.support.server import REPO, JupyterServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = (
    REPO / "docs" / "screenshots" if os.environ.get("UPDATE_SCREENSHOTS") else REPO / ".test-artifacts"
)
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest_asyncio.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        await browser.close()


@pytest_asyncio.fixture(scope="module")
async def lab_server(start_server, fake_model, tmp_path_factory) -> JupyterServer:  # noqa: F811
    """JupyterLab on a copy of `make lab`'s demo workspace, with today's agents (the screenshots
    in docs/ show what a person sees, not the tests' own personas)."""
    base = tmp_path_factory.mktemp("browser")
    root, trust = demo_workspace(base)
    return await start_server(
        root=root,
        env=agents_env(base / "home", fake_model, extra_paths=[]),
        args=["--PersonasExtension.permission_timeout=300", trust],
    )


def demo_workspace(base: Path) -> tuple[Path, str]:
    """A copy of demo/ (what `make lab` serves) and the option that trusts its echo.py, as make does."""
    root = base / "workspace"
    shutil.copytree(REPO / "demo", root)
    echo = REPO / "demo" / ".jupyter" / "personas" / "echo.py"
    digest = hashlib.sha256(echo.read_bytes()).hexdigest()
    trusted = root / ".jupyter" / "personas" / "echo.py"
    return root, f"--PersonasExtension.trusted_persona_files={trusted}={digest}"


async def open_chat(browser: Browser, server: JupyterServer, path: str) -> Page:
    """A person's JupyterLab with the chat `path` open, ready to type."""
    page = await browser.new_page(viewport={"width": 1300, "height": 900})
    workspace = path.replace("/", "-").replace(".", "-")  # a fresh workspace: only this chat is open
    await page.goto(f"{server.url}lab/workspaces/{workspace}/tree/{path}?reset&token={server.token}")
    await page.wait_for_selector(".jp-chat-input-container textarea", timeout=60_000)
    toast = page.locator(".jp-toast-button", has_text="No")
    if await toast.count():
        await toast.first.click()
    return page


async def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

"""The first chunk as a person sees it: JupyterLab in Debian's chromium, driven by Playwright.

A websocket client posts the message (the same way for both runtimes); the page watches its
chat panel with a MutationObserver and notes the wall-clock time at which the reply's text
enters the page. Both clocks are this machine's.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from tests.browser.conftest import CHROMIUM, FLAGS, open_chat

from .measures import GREETING
from .runtimes import Runtime, open_ready_chat, running

WATCH = """
() => {
  window.__seen = {};
  window.__wanted = new Set();
  const observer = new MutationObserver(() => {
    if (!window.__wanted.size) return;
    const panel = document.querySelector('.jp-chat-messages-container');
    const text = panel ? panel.textContent : '';
    for (const tag of window.__wanted) {
      if (text.includes(tag)) {
        window.__seen[tag] = performance.timeOrigin + performance.now();
        window.__wanted.delete(tag);
      }
    }
  });
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


async def shown_after(page: Page, runtime: Runtime, person, tag: str) -> float:
    """Seconds from posting `hello <tag>` to the reply's text being in the page."""
    needle = f"{GREETING} {tag}"
    await page.evaluate("(needle) => window.__wanted.add(needle)", needle)
    posted = time.time()
    runtime.send(person, f"hello {tag}")
    handle = await page.wait_for_function("(needle) => window.__seen[needle]", arg=needle, timeout=60_000)
    seen_ms = await handle.json_value()
    await asyncio.sleep(0.3)  # the turn ends before the next one
    return seen_ms / 1000 - posted


async def browser_latency(browser: Browser, runtime: Runtime, samples: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="cmp-browser-") as tmp:
        async with running(runtime, Path(tmp)) as server:
            person = await open_ready_chat(server, "browser.chat")
            try:
                page = await open_chat(browser, server, "browser.chat")
                await page.evaluate(WATCH)
                await shown_after(page, runtime, person, uuid.uuid4().hex[:8])  # the agent starts
                return [
                    await shown_after(page, runtime, person, uuid.uuid4().hex[:8]) for _ in range(samples)
                ]
            finally:
                await person.__aexit__(None, None, None)


class Chromium:
    """One headless chromium for the whole comparison."""

    async def __aenter__(self) -> Browser:
        self._playwright = await async_playwright().start()
        self.browser = await self._playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        return self.browser

    async def __aexit__(self, *exc: object) -> None:
        await self.browser.close()
        await self._playwright.stop()

"""Messages sent while @Claude (the real claude-agent-acp) works: they wait visibly, can be
taken back, or sent into the reply under way (claude-agent-acp takes messages during a turn)."""

from __future__ import annotations

import asyncio
import json

import pytest
from playwright.async_api import expect

from tests.browser.conftest import open_chat, shot
from tests.browser.test_chat_ui import message, send
from tests.e2e.fake_model import Turn, last_user_text
from tests.support.chat_client import create_chat

pytestmark = pytest.mark.asyncio


async def test_a_message_sent_while_claude_works_waits_visibly_and_can_be_taken_back(
    browser, lab_server, fake_model
):
    await create_chat(lab_server, "queue.chat")
    words = " ".join(f"saga{i}" for i in range(300))
    fake_model.queue("anthropic", Turn(text=words, chunks=300, delay=0.05))
    page = await open_chat(browser, lab_server, "queue.chat")
    await send(page, "@Claude tell me a long saga")
    await expect(message(page, "saga3 ").first).to_be_visible(timeout=60_000)
    await send(page, "@Claude and then summarise it")
    waiting = message(page, "and then summarise it").locator(".jp-AIPersonas-queued")
    await expect(waiting).to_contain_text("Waiting for Claude", timeout=15_000)
    # the stop button stays on the reply under way, not on the message that waits
    await expect(message(page, "saga3 ").locator(".jp-AIPersonas-stop")).to_have_count(1)
    await expect(message(page, "and then summarise it").locator(".jp-AIPersonas-stop")).to_have_count(0)
    await shot(page, "queued-message")
    await waiting.get_by_role("button", name="Cancel").click()
    await expect(waiting).to_have_count(0, timeout=15_000)
    await expect(message(page, "saga299").first).to_be_visible(timeout=60_000)
    await asyncio.sleep(2)  # a dropped message never reaches the agent
    asked = json.dumps([r["body"] for r in fake_model.model_requests("anthropic")])
    assert "summarise" not in asked
    await page.close()


async def test_a_waiting_message_sent_now_reaches_claude_in_the_reply_under_way(
    browser, lab_server, fake_model
):
    await create_chat(lab_server, "steer.chat")
    words = " ".join(f"tale{i}" for i in range(400))
    fake_model.queue(
        "anthropic",
        Turn(text=words, chunks=400, delay=0.05),
        Turn(text="Here is the short version."),
    )
    page = await open_chat(browser, lab_server, "steer.chat")
    await send(page, "@Claude tell me a long tale")
    await expect(message(page, "tale3 ").first).to_be_visible(timeout=60_000)
    await send(page, "@Claude make it short instead")
    waiting = message(page, "make it short instead").locator(".jp-AIPersonas-queued")
    await expect(waiting.get_by_role("button", name="Send now")).to_be_visible(timeout=15_000)
    await shot(page, "send-now")
    await waiting.get_by_role("button", name="Send now").click()
    await expect(waiting).to_have_count(0, timeout=15_000)
    answer = message(page, "Here is the short version.")
    await expect(answer.first).to_be_visible(timeout=60_000)
    # the rest of the reply shows below the message it answers
    texts = await page.locator(".jp-chat-message").all_inner_texts()
    asked_at = next(i for i, t in enumerate(texts) if "make it short instead" in t)
    assert any("Here is the short version." in t for t in texts[asked_at + 1 :])
    assert not any("Here is the short version." in t for t in texts[:asked_at])
    await expect(page.locator(".jp-AIPersonas-stop")).to_have_count(0, timeout=30_000)
    await asyncio.sleep(2)  # sent once: no second turn answers it again
    requests = [r for r in fake_model.model_requests("anthropic") if r.get("scripted")]
    answered = [r for r in requests if "make it short instead" in last_user_text(r)]
    assert len(answered) == 1, [last_user_text(r) for r in requests]
    assert "tell me a long tale" in json.dumps(answered[0]["body"])  # the same conversation
    assert not fake_model.turns["anthropic"]
    await page.close()

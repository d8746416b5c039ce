"""An agent asks the chat a question (ACP elicitation): options as buttons, typed answers, a link."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.support.chat_client import ChatClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def question_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("questions-home")
    return await start_server(
        env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "state")),
        args=["--PersonasExtension.permission_timeout=60"],
    )


def question_message(chat: ChatClient) -> dict:
    return next(
        m
        for m in chat.messages_from("Scripted")
        if (m.get("metadata") or {}).get("jupyter_ai_personas", {}).get("kind") == "question"
    )


async def test_a_question_with_options_is_answered_by_number_or_text(question_server, chat_path):
    async with ChatClient(question_server, chat_path) as chat:
        chat.send("@Scripted ask Which plot style?")
        asked = await chat.wait_for_text("Scripted", "asks (question #1): Which plot style?")
        assert "1. **Scatter** — points" in asked and "2. **Line** — lines" in asked
        state = question_message(chat)["metadata"]["jupyter_ai_personas"]["question"]
        assert [c["value"] for c in state["fields"][0]["choices"]] == ["Scatter", "Line"]
        chat.send("/answer 2")
        await chat.wait_for_text("Scripted", 'answer: accept {"question_0": "Line"}')
        assert "✅ Line — answered by Alice" in question_message(chat)["body"]
        chat.send("@Scripted ask And the colour?")
        await chat.wait_for_text("Scripted", "asks (question #2)")
        chat.send("/answer 2 teal, like the logo")  # not an option: the free-text field
        await chat.wait_for_text("Scripted", '"question_0_custom": "teal, like the logo"')
        chat.send("@Scripted ask Anything else?")
        await chat.wait_for_text("Scripted", "asks (question #3)")
        chat.send("/answer 3 decline")
        await chat.wait_for_text("Scripted", "answer: decline null")


async def test_a_question_answered_through_the_rest_endpoint_and_one_cancelled_by_stop(
    question_server, chat_path
):
    async with ChatClient(question_server, chat_path) as chat, question_server.client() as http:
        chat.send("@Scripted ask Which plot style?")
        await chat.wait_for_text("Scripted", "asks (question #1)")
        response = await http.post(
            "api/ai-personas/answers",
            json={"chat": chat_path, "question": 1, "values": {"question_0": "Scatter"}},
        )
        assert response.status_code == 200, response.text
        await chat.wait_for_text("Scripted", 'answer: accept {"question_0": "Scatter"}')
        late = await http.post(
            "api/ai-personas/answers", json={"chat": chat_path, "question": 1, "text": "1"}
        )
        assert late.status_code == 409
        chat.send("@Scripted ask Still there?")
        await chat.wait_for_text("Scripted", "asks (question #2)")
        chat.send("/stop")
        await chat.wait_for(lambda: "Cancelled (stopped)" in question_message_numbered(chat, 2))


def question_message_numbered(chat: ChatClient, number: int) -> str:
    return next((b for b in chat.bodies_from("Scripted") if f"(question #{number})" in b), "")


async def test_a_link_to_open_is_shown_and_confirmed(question_server, chat_path):
    async with ChatClient(question_server, chat_path) as chat:
        chat.send("@Scripted asklink https://example.org/device")
        asked = await chat.wait_for_text("Scripted", "Sign in with this code: ABCD-1234")
        assert "🔗 [https://example.org/device](https://example.org/device)" in asked
        chat.send("/answer done")
        await chat.wait_for_text("Scripted", "link answer: accept")

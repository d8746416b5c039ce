"""An ACP agent in a chat: streaming, thoughts, plans, tool calls, permissions, stop.

The agent is the scripted ACP agent (tests/agents), run as a real subprocess by the server.
"""

from __future__ import annotations

import httpx
import pytest
import pytest_asyncio

from jupyter_ai_personas.message_meta import QUEUE_AWARENESS_KEY as QUEUE_KEY
from tests.support.chat_client import ChatClient
from tests.support.personas import write_trusted
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio
STOPPED = "⏹ *stopped*"


@pytest_asyncio.fixture(scope="module")
async def acp_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("acp-home")
    env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state"), SCRIPTED_KEY="declared-value")
    return await start_server(env=env, args=["--PersonasExtension.permission_timeout=60"])


def metadata_of(message: dict) -> dict:
    return (message.get("metadata") or {}).get("jupyter_ai_personas") or {}


def messages_of_kind(chat: ChatClient, kind: str) -> list[dict]:
    return [m for m in chat.messages_from("Scripted") if metadata_of(m).get("kind") == kind]


async def test_a_reply_streams_into_the_chat(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted stream 30 0.02")
        growing = await chat.wait_for_text("Scripted", "c3 ")
        assert "[end]" not in growing  # seen while it grows
        reply = await chat.wait_for_text("Scripted", "[end]")
        assert reply.startswith("c0 c1 c2") and "c29" in reply
        assert metadata_of(chat.messages_from("Scripted")[0])["kind"] == "reply"


async def test_thoughts_are_a_folded_section_and_plans_a_checklist(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted think")
        await chat.wait_for_text("Scripted", "Thought it through.")
        thinking = messages_of_kind(chat, "thinking")[0]["body"]
        assert thinking.startswith("<details><summary>💭 Thinking</summary>") and "think about it" in thinking
        chat.send("@Scripted plan")
        await chat.wait_for_text("Scripted", "Plan done.")
        plan = messages_of_kind(chat, "plan")
        assert len(plan) == 1  # one message, updated in place
        assert plan[0]["body"].count("- [x]") == 3
        assert [e["status"] for e in metadata_of(plan[0])["entries"]] == ["completed"] * 3


async def test_allow_writes_the_file_and_records_who_answered(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted write allowed.txt hello from the agent")
        request = await chat.wait_for_text("Scripted", "Waiting for your answer")
        assert "```diff" in request and "+hello from the agent" in request and "/allow" in request
        assert not (acp_server.root_dir / "allowed.txt").exists()
        chat.send("/allow")
        await chat.wait_for_text("Scripted", "Wrote allowed.txt.")
        assert (acp_server.root_dir / "allowed.txt").read_text() == "hello from the agent"
        tool_call = messages_of_kind(chat, "tool_call")[0]
        assert "answered by Alice" in tool_call["body"] and "completed" in tool_call["body"]
        permission = metadata_of(tool_call)["permission"]
        assert permission["status"] == "answered" and permission["answer"]["by"] == "Alice"
        assert metadata_of(tool_call)["tool_call"]["content"][0]["type"] == "diff"


async def test_reject_leaves_no_file_and_the_agent_says_so(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted write rejected.txt nope")
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "I was not allowed to write rejected.txt.")
        assert not (acp_server.root_dir / "rejected.txt").exists()
        assert "🚫 Reject — answered by Alice" in messages_of_kind(chat, "tool_call")[0]["body"]


async def test_several_waiting_requests_are_answered_by_number(acp_server, chat_path):
    helper = await write_trusted(
        acp_server,
        acp_server.root_dir / ".jupyter" / "personas" / "helper.md",
        "---\nname: Helper\ncommand: scripted-acp-agent\nenv: [SCRIPTED_AGENT_STATE]\n---\n",
    )
    async with ChatClient(acp_server, chat_path) as chat:
        await chat.wait_for(lambda: chat.user_id("Helper"), timeout=10)
        chat.send("@Scripted write one.txt 1")
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        chat.send("@Helper write two.txt 2")
        await chat.wait_for_text("Helper", "Waiting for your answer")
        first = int(metadata_of(messages_of_kind(chat, "tool_call")[0])["permission"]["request"])
        second = first + 1
        chat.send("/allow")
        advice = await chat.wait_for_text("Personas", "Several requests are waiting")
        assert f"#{first}, #{second}" in advice
        chat.send(f"/always {second}")
        await chat.wait_for_text("Helper", "Wrote two.txt.")
        assert "Always allow — answered by Alice" in chat.bodies_from("Helper")[0]
        chat.send(f"/reject {first}")
        await chat.wait_for_text("Scripted", "I was not allowed to write one.txt.")
        assert (acp_server.root_dir / "two.txt").exists() and not (acp_server.root_dir / "one.txt").exists()
        chat.send("/allow 99")
        await chat.wait_for_text("Personas", "Request #99 is not waiting")
    helper.unlink()


async def test_answering_through_the_rest_endpoint(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted write via-button.txt clicked")
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        tool_call = messages_of_kind(chat, "tool_call")[0]
        permission = metadata_of(tool_call)["permission"]
        allow = next(o for o in permission["options"] if o["kind"] == "allow_once")
        async with acp_server.client() as client:
            response = await client.post(
                "api/ai-personas/permissions",
                json={
                    "chat": chat_path,
                    "request": int(permission["request"]),
                    "option_id": allow["option_id"],
                },
            )
            assert response.status_code == 200, response.text
            again = await client.post(
                "api/ai-personas/permissions",
                json={
                    "chat": chat_path,
                    "request": int(permission["request"]),
                    "option_id": allow["option_id"],
                },
            )
            assert again.status_code == 409  # already answered
        await chat.wait_for_text("Scripted", "Wrote via-button.txt.")
        async with httpx.AsyncClient() as anonymous:
            refused = await anonymous.post(
                f"{acp_server.url}api/ai-personas/permissions",
                json={"chat": chat_path, "request": 1, "option_id": "allow"},
            )
        assert refused.status_code == 403


async def test_stop_mid_stream_and_the_next_message_is_answered_at_once(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted stream 500 0.05")
        await chat.wait_for_text("Scripted", "c3 ")
        chat.send("/stop")
        stopped = await chat.wait_for_text("Scripted", STOPPED)
        assert "[end]" not in stopped
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello from the scripted agent!", timeout=10)
        await chat.settle(1)
        assert all("c499" not in b for b in chat.bodies_from("Scripted"))  # no late chunks


async def test_stop_before_the_first_chunk(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted wait 60")
        await chat.wait_for(lambda: "Scripted" in chat.writers())
        chat.send("/stop")
        await chat.wait_for_text("Scripted", STOPPED)
        chat.send("@Scripted hello")
        await chat.wait_for_text("Scripted", "Hello from the scripted agent!", timeout=10)


async def test_stop_cancels_a_pending_permission_request(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted write never.txt x")
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        chat.send("/stop")
        await chat.wait_for_text("Scripted", "Cancelled (stopped)")
        tool_call = messages_of_kind(chat, "tool_call")[0]
        assert metadata_of(tool_call)["permission"]["status"] == "cancelled"
        assert not (acp_server.root_dir / "never.txt").exists()
        chat.send("@Scripted count")
        await chat.wait_for_text("Scripted", "count=")


async def test_stop_through_the_rest_endpoint(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted stream 500 0.05")
        await chat.wait_for_text("Scripted", "c2 ")
        async with acp_server.client() as client:
            response = await client.post(
                "api/ai-personas/stop", json={"chat": chat_path, "persona": "Scripted"}
            )
        assert response.json() == {"stopped": ["Scripted"]}
        await chat.wait_for_text("Scripted", STOPPED)


async def test_agent_commands_are_listed_by_help_and_usage_is_kept(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted usage")
        await chat.wait_for_text("Scripted", "used some tokens")
        # the agent announced its commands when the session opened, before its id was known
        chat.send("/help")
        help_text = await chat.wait_for_text("Personas", "Commands")
        assert "`/compact`" in help_text and "`/review`" in help_text
        sessions = chat.metadata_map.to_py()["jupyter_ai_personas"]["sessions"]
        usage = next(iter(sessions.values()))["usage"]
        assert usage["used"] == 1234 and usage["size"] == 200000
        # the reply itself says what it cost and with which model, for its footer
        reply = next(m for m in chat.messages_from("Scripted") if "used some tokens" in m["body"])
        await chat.wait_for(lambda: "usage" in reply_meta(chat, reply["id"]))
        assert reply_meta(chat, reply["id"])["usage"] == {
            "model": "fast",
            "context_used": 1234,
            "context_size": 200000,
        }


def reply_meta(chat: ChatClient, message_id: str) -> dict:
    message = next(m for m in chat.messages() if m["id"] == message_id)
    return (message.get("metadata") or {}).get("jupyter_ai_personas") or {}


async def test_terminals_run_commands_with_their_output_in_the_chat(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted run echo out-$((20+22)) && pwd")
        await chat.wait_for_text("Scripted", "Waiting for your answer")
        chat.send("/allow")
        answer = await chat.wait_for_text("Scripted", "ran: exit 0")
        assert "out-42" in answer and str(acp_server.root_dir) in answer  # cwd = the chat's folder
        tool_call = messages_of_kind(chat, "tool_call")[0]["body"]
        assert "$ echo out-$((20+22)) && pwd" in tool_call and "out-42" in tool_call


async def test_writes_and_commands_the_agent_did_not_ask_for_are_asked_here(acp_server, chat_path):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted silentwrite sneaky.txt content")
        request = await chat.wait_for_text("Scripted", "Waiting for your answer")
        assert "sneaky.txt" in request
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "write failed")
        assert not (acp_server.root_dir / "sneaky.txt").exists()
        chat.send("@Scripted silentrun touch ran-anyway.txt")
        await chat.wait_for_text("Scripted", "Run `sh -c touch ran-anyway.txt`")
        chat.send("/reject")
        await chat.wait_for_text("Scripted", "run failed")
        assert not (acp_server.root_dir / "ran-anyway.txt").exists()


async def test_messages_waiting_for_a_busy_persona_show_in_the_chat_and_can_be_taken_back(
    acp_server, chat_path
):
    async with ChatClient(acp_server, chat_path) as chat:
        chat.send("@Scripted stream 200 0.03")
        await chat.wait_for_text("Scripted", "c2 ")
        second = chat.send("@Scripted hello")
        third = chat.send("@Scripted say the third")

        def queue() -> list[dict]:
            return [e for s in chat.awareness.states.values() for e in (s or {}).get(QUEUE_KEY, [])]

        await chat.wait_for(lambda: len(queue()) == 2, what="two waiting messages")
        assert [(e["message_id"], e["name"], e["ahead"]) for e in queue()] == [
            (second, "Scripted", 1),
            (third, "Scripted", 2),
        ]
        async with acp_server.client() as client:
            taken = await client.post("api/ai-personas/stop", json={"chat": chat_path, "message_id": third})
            again = await client.post("api/ai-personas/stop", json={"chat": chat_path, "message_id": third})
        assert taken.json() == {"stopped": ["Scripted"]}
        assert again.status_code == 404 and "not waiting" in again.text
        await chat.wait_for(lambda: [e["message_id"] for e in queue()] == [second], what="one left")
        await chat.wait_for_text("Scripted", "Hello from the scripted agent!", timeout=60)
        await chat.wait_for(lambda: not queue(), what="an empty queue")
        await chat.settle(1.0)
        assert not any("the third" in body for body in chat.bodies_from("Scripted"))

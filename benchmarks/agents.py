"""An ACP agent in the chat: time to the first visible chunk (warm and cold), and 20 chats at once.

The agent is the tests' minimal ACP agent (a real subprocess with the standard library only,
so it starts in tens of milliseconds): the figures are the runtime's own overhead plus the
agent's pacing.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.chat_client import ChatClient, create_chat
from tests.support.server import JupyterServer, server_env

from .common import median, percentile

WARM_SAMPLES = 40
COLD_SAMPLES = 8
LONG_CHAT = 500  # earlier messages in the chat of the "long chat" row
CHATS = 20
REPLY = 20_000


async def first_chunk_seconds(chat: ChatClient, text: str, persona: str = "Minimal") -> float:
    """Seconds from sending `text` to seeing the first new message of `persona`."""
    # the chat's last messages are looked at, not all of it; one already there is not the answer
    start = chat.tail_start()
    before = {m.get("id") for m in chat.messages_from_index(start)}

    def replied() -> bool:
        sender = chat.user_id(persona)
        recent = chat.messages_from_index(start)
        return any(m.get("sender") == sender and m.get("id") not in before for m in recent)

    started = time.monotonic()
    chat.send(text)
    await chat.wait_for(replied, timeout=60)
    elapsed = time.monotonic() - started
    await chat.wait_for(lambda: persona not in chat.writers(), timeout=60)  # the turn is over
    return elapsed


async def measure_latency(server: JupyterServer) -> dict[str, list[float]]:
    warm: list[float] = []
    cold: list[float] = []
    async with ChatClient(server, "latency.chat") as chat:
        await first_chunk_seconds(chat, "@Minimal hello")  # start the agent and the session
        for _ in range(WARM_SAMPLES):
            warm.append(await first_chunk_seconds(chat, "@Minimal hello"))
    # the same in a chat that already holds many messages (one in use for weeks)
    earlier = [
        {
            "type": "msg",
            "id": f"earlier-{i}",
            "body": f"message {i}: " + "words " * 40,
            "sender": "alice",
            "time": 1.7e9 + i,
            "raw_time": False,
        }
        for i in range(LONG_CHAT)
    ]
    content = {"messages": earlier, "users": {}, "metadata": {}, "attachments": {}}
    await create_chat(server, "long.chat", content)
    long_chat: list[float] = []
    async with ChatClient(server, "long.chat", create=False) as chat:
        await first_chunk_seconds(chat, "@Minimal hello")
        for _ in range(WARM_SAMPLES // 2):
            long_chat.append(await first_chunk_seconds(chat, "@Minimal hello"))
    for index in range(COLD_SAMPLES):
        async with ChatClient(server, f"cold-{index}.chat") as chat:
            chat.send("/restart @Minimal")  # the next message starts the program again
            await chat.wait_for(lambda: chat.bodies_from("Personas"), timeout=30)
            cold.append(await first_chunk_seconds(chat, "@Minimal hello"))
    return {"warm": warm, "long_chat": long_chat, "cold": cold}


async def measure_concurrency(server: JupyterServer) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as stack:
        chats = [await stack.enter_async_context(ChatClient(server, f"crowd-{i}.chat")) for i in range(CHATS)]
        for chat in chats:  # open each session first, as people who already talked to the agent
            chat.send("@Minimal hello")
        await asyncio.gather(*(c.wait_for_text("Minimal", "minimal agent!", timeout=60) for c in chats))

        async def one(chat: ChatClient) -> float:
            started = time.monotonic()
            chat.send("@Minimal bench 2000 0.01")
            await chat.wait_for(
                lambda: (
                    sum(len(b) for b in chat.bodies_from("Minimal")[1:]) >= REPLY
                    and "Minimal" not in chat.writers()
                ),
                timeout=600,
            )
            return time.monotonic() - started

        durations = await asyncio.gather(*(one(chat) for chat in chats))
    return {"durations": list(durations)}


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-agents-") as tmp:
        home = Path(tmp) / "home"
        env = server_env(home, SCRIPTED_AGENT_STATE=str(home / "state"))
        server = JupyterServer(Path(tmp) / "root", home, env=env)
        await server.start()
        try:
            latency = await measure_latency(server)
            crowd = await measure_concurrency(server)
        finally:
            await server.stop()
    return {**latency, **crowd}


def _ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.1f} ms"


def _latency_row(label: str, values: list[float]) -> str:
    return (
        f"| {label} | {_ms(values, 50)} | {_ms(values, 95)} | {min(values) * 1000:.1f} ms | "
        f"{max(values) * 1000:.1f} ms | {len(values)} |"
    )


def table(data: dict[str, Any]) -> str:
    durations = data["durations"]
    rows = [
        "| measure | p50 | p95 | min | max | samples |",
        "|---|---|---|---|---|---|",
        _latency_row("mention → first chunk, warm (agent and session running)", data["warm"]),
    ]
    if data.get("long_chat"):  # results saved before this row existed have none
        rows.append(_latency_row(f"the same in a chat of {LONG_CHAT} earlier messages", data["long_chat"]))
    rows += [
        _latency_row("mention → first chunk, cold (agent program started)", data["cold"]),
        f"| {CHATS} chats at once, each a 20 KB reply as 2,000 chunks at 10 ms, one agent: time to the "
        f"whole reply | {median(durations):.2f} s | {percentile(durations, 95):.2f} s | "
        f"{min(durations):.2f} s | {max(durations):.2f} s | {len(durations)} (all completed) |",
    ]
    return "\n".join(rows)


NOTES = """
Times are measured by a websocket client acting as the person: from writing the message into
the chat document to seeing the persona's first message arrive. The client looks at the last
messages of the chat on each change, as a browser renders only what changed (until 2026-11-28
it converted the whole chat on every change: about a third of the warm figure, growing with
the chat). The agent alone needs 20 s for one 2,000-chunk reply at 10 ms per chunk.

**A long chat.** jupyterlab-chat's server-side chat read the whole chat into Python, item by
item, for each message a person posted (to give it the server's time) and for each save: at
500 messages, some 20 ms on the server's loop each time, before the agent was even asked.
`upstream.speed_up_chat_documents` reads it from pycrdt's own JSON and stamps a posted message
where it is, without reading the chat. Measured on 2026-11-28 with this client in a chat of
300 messages, mentions 0.3 s apart (median of 40): 22.1 ms before, 7.6 ms after, as in a
short chat. In the row above, each mention is sent as soon as the previous turn ends, and
waits for that turn's save of the chat file (jupyterlab-chat's `json.dumps` with an indent,
about 15 ms at 500 messages).
"""

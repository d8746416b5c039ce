"""One measurement of one runtime each: both runtimes get the very same client and workload."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from tests.support.chat_client import ChatClient
from tests.support.server import JupyterServer

from ..common import cpu_seconds
from .runtimes import AGENT, Runtime, open_ready_chat, persona_messages, running

GREETING = "Hello from the minimal agent!"
REPLY = 20_000
BENCH = "bench 2000 0.01"  # 20 KB as 2,000 chunks, one every 10 ms
IDLE_SECONDS = 10.0
INITIALIZE = b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": 1}}\n'


def busy(chat: ChatClient) -> bool:
    """Someone is shown as writing (both runtimes publish `writers` in the room's awareness)."""
    return any((state or {}).get("writers") for state in chat.awareness.states.values())


def persona_text(chat: ChatClient) -> int:
    return sum(len(m.get("body", "")) for m in persona_messages(chat))


async def greet(runtime: Runtime, person: ChatClient, watcher: ChatClient) -> float:
    """Seconds from a person's message to the watcher seeing the first chunk of the reply."""
    tag = uuid.uuid4().hex[:8]
    start = watcher.tail_start()  # the chat's end, not all of it
    started = time.monotonic()
    runtime.send(person, f"hello {tag}")
    await watcher.wait_for(
        lambda: any(tag in m.get("body", "") for m in persona_messages(watcher, start)),
        timeout=60,
        what="the greeting",
    )
    elapsed = time.monotonic() - started
    await watcher.wait_for(lambda: not busy(watcher), timeout=30, what="the end of the turn")
    return elapsed


@contextlib.asynccontextmanager
async def two_people(server: JupyterServer, path: str):
    """A person who writes and a watcher who reads, as two browsers would."""
    async with contextlib.AsyncExitStack() as stack:
        person = await open_ready_chat(server, path, "alice")
        stack.push_async_callback(person.__aexit__, None, None, None)
        watcher = await open_ready_chat(server, path, "bob")
        stack.push_async_callback(watcher.__aexit__, None, None, None)
        yield person, watcher


async def warm_latency(runtime: Runtime, samples: int) -> list[float]:
    with tempfile.TemporaryDirectory(prefix="cmp-warm-") as tmp:
        async with (
            running(runtime, Path(tmp)) as server,
            two_people(server, "warm.chat") as (person, watcher),
        ):
            await greet(runtime, person, watcher)  # start the agent and the chat's session
            return [await greet(runtime, person, watcher) for _ in range(samples)]


async def cold_latency(runtime: Runtime) -> float:
    """A fresh server: the first message starts the agent program and opens its session."""
    with tempfile.TemporaryDirectory(prefix="cmp-cold-") as tmp:
        async with (
            running(runtime, Path(tmp)) as server,
            two_people(server, "cold.chat") as (person, watcher),
        ):
            await asyncio.sleep(0.5)  # the server is idle again, as when a person starts typing
            return await greet(runtime, person, watcher)


async def agent_start_seconds() -> float:
    """The agent program alone, from its spawn to its answer to `initialize`: the floor under
    both runtimes' cold first chunk (they start the same program)."""
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        str(AGENT),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={"PATH": f"{AGENT.parent}:/usr/bin:/bin", "HOME": tempfile.gettempdir()},
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(INITIALIZE)
    await process.stdin.drain()
    await process.stdout.readline()
    elapsed = time.monotonic() - started
    process.stdin.close()
    await process.wait()
    return elapsed


async def streamed_reply(runtime: Runtime) -> dict[str, float]:
    """Bytes a watcher receives, server CPU and chat document growth for a 20 KB reply."""
    with tempfile.TemporaryDirectory(prefix="cmp-stream-") as tmp:
        async with (
            running(runtime, Path(tmp)) as server,
            two_people(server, "stream.chat") as (person, watcher),
        ):
            assert server.process is not None and watcher.channel is not None
            await greet(runtime, person, watcher)
            await asyncio.sleep(1.5)  # the room saved and settled
            text_before = persona_text(watcher)
            bytes_before = watcher.channel.bytes_received
            doc_before = len(watcher.doc.get_update())
            cpu_before = cpu_seconds(server.process.pid)
            runtime.send(person, BENCH)
            await watcher.wait_for(
                lambda: persona_text(watcher) - text_before >= REPLY and not busy(watcher),
                timeout=180,
                what="the whole reply",
            )
            received = watcher.channel.bytes_received - bytes_before
            await asyncio.sleep(1.0)  # work the server defers (saving the room) belongs to the reply
            return {
                "bytes_per_reply_byte": received / REPLY,
                "server_cpu_s": cpu_seconds(server.process.pid) - cpu_before,
                "doc_growth_kb": (len(watcher.doc.get_update()) - doc_before) / 1000,
            }


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def crowd(runtime: Runtime, chats: int) -> dict[str, Any]:
    """`chats` chats with a live agent session each: memory per chat, idle CPU, then all at once."""
    with tempfile.TemporaryDirectory(prefix="cmp-crowd-") as tmp:
        async with running(runtime, Path(tmp)) as server, contextlib.AsyncExitStack() as stack:
            assert server.process is not None
            pid = server.process.pid
            people: list[ChatClient] = []
            first_mb = 0.0
            for index in range(chats):
                person = await open_ready_chat(server, f"crowd-{index}.chat")
                stack.push_async_callback(person.__aexit__, None, None, None)
                await greet(runtime, person, person)  # a live session in this chat
                people.append(person)
                if index == 0:  # the agent runs: from here on, what each chat adds
                    await asyncio.sleep(1.0)
                    first_mb = rss_mb(pid)
            await asyncio.sleep(2.0)
            per_chat_mb = (rss_mb(pid) - first_mb) / (chats - 1)
            idle_percent = await idle_cpu_percent(pid)

            async def one(person: ChatClient) -> float:
                before = persona_text(person)
                started = time.monotonic()
                runtime.send(person, BENCH)
                await person.wait_for(
                    lambda: persona_text(person) - before >= REPLY and not busy(person),
                    timeout=600,
                    what="the whole reply",
                )
                return time.monotonic() - started

            durations = await asyncio.gather(*(one(p) for p in people))
    return {"per_chat_mb": per_chat_mb, "idle_cpu_percent": idle_percent, "durations": list(durations)}


async def idle_cpu_percent(pid: int) -> float:
    before = cpu_seconds(pid)
    await asyncio.sleep(IDLE_SECONDS)
    return (cpu_seconds(pid) - before) / IDLE_SECONDS * 100


async def idle_without_runtime(runtime: Runtime, chats: int) -> float:
    """Idle CPU of the same server with the same open chats but without the persona runtime:
    what jupyter-collaboration and jupyterlab-chat cost by themselves."""
    flags = ", ".join(f"{name!r}: False" for name in runtime.packages)
    with tempfile.TemporaryDirectory(prefix="cmp-idle-") as tmp:
        args = [f"--ServerApp.jpserver_extensions={{{flags}}}"]
        async with running(runtime, Path(tmp), args=args) as server, contextlib.AsyncExitStack() as stack:
            assert server.process is not None
            for index in range(chats):
                person = ChatClient(server, f"crowd-{index}.chat")
                await person.__aenter__()
                stack.push_async_callback(person.__aexit__, None, None, None)
            await asyncio.sleep(3.0)
            return await idle_cpu_percent(server.process.pid)


async def startup_seconds(runtime: Runtime, disable: list[str]) -> float:
    """Seconds from starting the server process to its first answer on /api/status."""
    with tempfile.TemporaryDirectory(prefix="cmp-start-") as tmp:
        flags = ", ".join(f"{name!r}: False" for name in disable)
        args = [f"--ServerApp.jpserver_extensions={{{flags}}}"] if disable else []
        started = time.monotonic()
        async with running(runtime, Path(tmp), args=args):
            return time.monotonic() - started

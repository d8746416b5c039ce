"""The agent's stdout as ACP messages: session updates reach the client in order, validated as
the SDK would; other messages go to the SDK; a streamed reply is read in batches."""

from __future__ import annotations

import asyncio
import json
import os

from jupyter_ai_personas.acp_client.update_transport import READ_PAUSE, SessionUpdateTransport


def chunk(text: str, kind: str = "agent_message_chunk") -> dict:
    update = {"sessionUpdate": kind, "content": {"type": "text", "text": text}}
    return {"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": "s1", "update": update}}


class Client:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def session_update(self, session_id: str, update, **meta) -> None:
        self.seen.append(getattr(getattr(update, "content", None), "text", update.session_update))


async def transport_over_a_pipe() -> tuple[SessionUpdateTransport, Client, int, asyncio.ReadTransport]:
    loop = asyncio.get_running_loop()
    read_fd, write_fd = os.pipe()
    reader = asyncio.StreamReader()
    pipe, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb")
    )
    out_r, out_w = os.pipe()
    wt, wp = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, os.fdopen(out_w, "wb"))
    writer = asyncio.StreamWriter(wt, wp, None, loop)
    client = Client()
    return SessionUpdateTransport(reader, writer, client, pipe), client, write_fd, pipe


def write(fd: int, *messages: dict | str) -> None:
    os.write(fd, b"".join((m if isinstance(m, str) else json.dumps(m)).encode() + b"\n" for m in messages))


def test_updates_arrive_in_order_and_everything_else_goes_to_the_sdk():
    async def run() -> None:
        transport, client, fd, _ = await transport_over_a_pipe()
        plan = {
            "sessionUpdate": "plan",
            "entries": [{"content": "look", "priority": "high", "status": "pending"}],
        }
        bad = {
            "jsonrpc": "2.0",
            "method": "session/update",
            "params": {"sessionId": "s1", "update": {"x": 1}},
        }
        answer = {"jsonrpc": "2.0", "id": 3, "result": {"stopReason": "end_turn"}}
        write(
            fd,
            chunk("a"),
            {"jsonrpc": "2.0", "method": "session/update", "params": {"sessionId": "s1", "update": plan}},
        )
        write(fd, bad, chunk("b", "agent_thought_chunk"), answer)
        assert await asyncio.wait_for(transport.receive(), 5) == answer  # after every update before it
        assert client.seen == ["a", "plan", "b"]  # the malformed one dropped, as the SDK drops it
        await transport.close()

    asyncio.run(run())


def test_once_chunks_stream_the_pipe_rests_so_that_the_next_chunks_are_read_together():
    async def run() -> None:
        transport, client, fd, pipe = await transport_over_a_pipe()
        request = {"jsonrpc": "2.0", "id": 7, "method": "session/request_permission", "params": {}}
        write(fd, chunk("first"), chunk("second"))
        reading = asyncio.ensure_future(transport.receive())
        for _ in range(100):
            if len(client.seen) == 2:
                break
            await asyncio.sleep(0.001)
        assert client.seen == ["first", "second"] and not pipe.is_reading()  # read at once, then a rest
        write(fd, chunk("third"), request)
        await asyncio.sleep(READ_PAUSE / 5)
        assert client.seen == ["first", "second"]  # waiting in the pipe
        assert await asyncio.wait_for(reading, 5) == request
        assert client.seen == ["first", "second", "third"]
        await transport.close()
        assert pipe.is_reading() or pipe.is_closing()

    asyncio.run(run())


def test_a_lone_chunk_never_delays_the_answer_after_it():
    async def run() -> None:
        transport, client, fd, pipe = await transport_over_a_pipe()
        answer = {"jsonrpc": "2.0", "id": 3, "result": {"stopReason": "end_turn"}}
        for turn in ("one", "two"):  # a short reply, then the next turn's short reply
            write(fd, chunk(turn))
            reading = asyncio.ensure_future(transport.receive())
            for _ in range(100):
                if turn in client.seen:
                    break
                await asyncio.sleep(0.001)
            assert pipe.is_reading()  # no rest: the turn's end is read as soon as it comes
            write(fd, answer)
            assert await asyncio.wait_for(reading, READ_PAUSE / 2) == answer
        await transport.close()

    asyncio.run(run())


def test_session_state_announced_before_the_session_is_bound_is_kept_for_it():
    from acp.schema import AgentMessageChunk, AvailableCommand, AvailableCommandsUpdate, TextContentBlock

    from jupyter_ai_personas.acp_client.client import UNBOUND_SESSIONS_KEPT, AcpClient

    def commands(*names: str) -> AvailableCommandsUpdate:
        listed = [AvailableCommand(name=n, description=n) for n in names]
        return AvailableCommandsUpdate(session_update="available_commands_update", available_commands=listed)

    async def main() -> None:
        client = AcpClient()
        await client.session_update("new", commands("compact"))
        await client.session_update("new", commands("compact", "review"))  # the latest counts
        text = TextContentBlock(type="text", text="late")
        late = AgentMessageChunk(session_update="agent_message_chunk", content=text)
        await client.session_update("new", late)
        for n in range(UNBOUND_SESSIONS_KEPT):  # many other sessions: the oldest are forgotten
            await client.session_update(f"other{n}", commands("x"))
        assert client.claim("new") == []
        await client.session_update("s1", commands("compact", "review"))
        kept = client.claim("s1")
        assert [[c.name for c in u.available_commands] for u in kept] == [["compact", "review"]]
        assert client.claim("s1") == []  # claimed once

    asyncio.run(main())

"""The tests' room client syncs as JupyterLab does: it sends its own changes, never the server's
back (pycrdt's Provider echoes them, which made the server's measured work grow)."""

from __future__ import annotations

import asyncio

import pytest
from pycrdt import (
    Doc,
    Text,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

from tests.support.lab_provider import LabProvider


class QueueChannel:
    """One end of a websocket: what the client sends is kept, what the server sends is queued."""

    path = "room"

    def __init__(self) -> None:
        self.inbound: asyncio.Queue[bytes] = asyncio.Queue()
        self.sent: list[bytes] = []

    async def send(self, message: bytes) -> None:
        self.sent.append(message)

    def __aiter__(self) -> QueueChannel:
        return self

    async def __anext__(self) -> bytes:
        return await self.inbound.get()

    async def recv(self) -> bytes:
        return await self.inbound.get()


def updates(messages: list[bytes]) -> list[bytes]:
    return [m for m in messages if m[:2] == bytes([YMessageType.SYNC, YSyncMessageType.SYNC_UPDATE])]


async def settled() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.asyncio
async def test_a_change_from_the_server_is_applied_and_not_sent_back() -> None:
    server = Doc()
    server_text = server.get("source", type=Text)
    client, channel = Doc(), QueueChannel()
    async with LabProvider(client, channel) as provider:
        # the handshake: the client asks for the server's state and answers the server's request
        assert channel.sent[0][:2] == bytes([YMessageType.SYNC, YSyncMessageType.SYNC_STEP1])
        channel.inbound.put_nowait(handle_sync_message(channel.sent[0][1:], server) or b"")
        channel.inbound.put_nowait(create_sync_message(server))
        await asyncio.wait_for(provider.synced.wait(), 5)
        await settled()
        assert any(m[:2] == bytes([YMessageType.SYNC, YSyncMessageType.SYNC_STEP2]) for m in channel.sent)

        updates_from_server: list[bytes] = []
        server.observe(lambda event: updates_from_server.append(event.update))
        server_text += "written by an agent"
        channel.inbound.put_nowait(create_update_message(updates_from_server[-1]))
        await settled()
        assert str(client.get("source", type=Text)) == "written by an agent"
        assert updates(channel.sent) == []  # nothing echoed

        client.get("source", type=Text).insert(0, "typed by a person: ")
        await settled()
    sent = updates(channel.sent)
    assert len(sent) == 1
    handle_sync_message(sent[0][1:], server)
    assert str(server_text) == "typed by a person: written by an agent"

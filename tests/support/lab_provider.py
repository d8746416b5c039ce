"""The Yjs sync of a room websocket as JupyterLab's provider speaks it.

pycrdt's `Provider` sends every change of its document to the server, the changes it has just
received from the server included, so each update the server broadcasts comes back to it once
per client. JupyterLab's provider (y-websocket's protocol, in @jupyter/docprovider) sends only
the changes made on its own side. The tests' people and the benchmarks' watchers act as
JupyterLab does, so that the server does (and the benchmarks time) only what a browser makes
it do.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import (
    Channel,
    Doc,
    TransactionEvent,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
)

DRAIN_SECONDS = 5.0  # on leaving, how long the changes still queued may take to go out


class LabProvider:
    """Syncs `doc` over `channel`: `async with LabProvider(doc, channel) as provider:`, then
    `await provider.synced.wait()` for the server's state."""

    def __init__(self, doc: Doc, channel: Channel):
        self._doc, self._channel = doc, channel
        self._applying_remote = False
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._receiver: asyncio.Task[None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._subscription: Any = None
        self.synced = asyncio.Event()

    async def __aenter__(self) -> LabProvider:
        self._subscription = self._doc.observe(self._on_change)
        await self._channel.send(create_sync_message(self._doc))
        self._receiver = asyncio.create_task(self._receive())
        self._sender = asyncio.create_task(self._send())
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._doc.unobserve(self._subscription)
        assert self._receiver is not None and self._sender is not None
        # a last edit still goes out, unless the websocket is gone
        drained = asyncio.ensure_future(self._outbox.join())
        await asyncio.wait(
            {drained, self._sender}, timeout=DRAIN_SECONDS, return_when=asyncio.FIRST_COMPLETED
        )
        for task in (drained, self._receiver, self._sender):
            task.cancel()
        await asyncio.gather(drained, self._receiver, self._sender, return_exceptions=True)

    def _on_change(self, event: TransactionEvent) -> None:
        # called inside the transaction that made the change: a remote one is being applied now
        if not self._applying_remote:
            self._outbox.put_nowait(create_update_message(event.update))

    async def _receive(self) -> None:
        async for message in self._channel:
            if not message or message[0] != YMessageType.SYNC:
                continue  # awareness: the channel reports it itself
            self._applying_remote = True
            try:
                reply = handle_sync_message(message[1:], self._doc)
            finally:
                self._applying_remote = False
            if message[1] == YSyncMessageType.SYNC_STEP2:
                self.synced.set()
            if reply is not None:
                await self._channel.send(reply)

    async def _send(self) -> None:
        while True:
            message = await self._outbox.get()
            try:
                await self._channel.send(message)
            finally:
                self._outbox.task_done()

"""The permission broker on a real chat document: numbering, answers, timeout, cancel, expiry."""

from __future__ import annotations

import asyncio

import pytest
from jupyterlab_chat.ychat import YChat

from jupyter_ai_personas.chat import ChatWriter
from jupyter_ai_personas.permissions import (
    MessageView,
    PermissionAnswerError,
    PermissionBroker,
    PermissionOption,
)

OPTIONS = [
    PermissionOption(option_id="yes", name="Allow", kind="allow_once"),
    PermissionOption(option_id="always", name="Always", kind="allow_always"),
    PermissionOption(option_id="no", name="Reject", kind="reject_once"),
]


def ask(broker: PermissionBroker, writer: ChatWriter, text: str):
    view = MessageView(writer, "bot", text)
    return asyncio.ensure_future(broker.ask(persona_id="bot", title=text, options=OPTIONS, view=view))


def test_requests_are_numbered_and_answered_by_word_and_number():
    async def run() -> None:
        writer = ChatWriter(YChat())
        broker = PermissionBroker(writer, timeout=0)
        first, second = ask(broker, writer, "first"), ask(broker, writer, "second")
        await asyncio.sleep(0)
        with pytest.raises(PermissionAnswerError, match=r"\(#1, #2\)"):
            broker.answer_word("allow", None, "Ann")
        broker.answer_word("always", 2, "Ann")
        broker.answer_word("reject", None, "Bob")
        assert (await first).kind == "reject_once" and (await second).kind == "allow_always"
        bodies = [m.body for m in writer.messages()]
        assert bodies[0].endswith("Reject — answered by Bob") and bodies[1].endswith(
            "Always — answered by Ann"
        )
        with pytest.raises(PermissionAnswerError, match="No permission request is waiting"):
            broker.answer_word("allow", None, "Ann")

    asyncio.run(run())


def test_timeout_rejects_and_cancel_answers_cancelled():
    async def run() -> None:
        writer = ChatWriter(YChat())
        broker = PermissionBroker(writer, timeout=0.05)
        answer = await ask(broker, writer, "slow")
        assert answer.kind == "reject_once" and answer.by == "timeout"
        assert "no answer within 0.05 seconds" in writer.messages()[0].body
        broker.timeout = 0
        pending = ask(broker, writer, "stopped")
        await asyncio.sleep(0)
        assert broker.cancel("bot") == 1
        assert (await pending).outcome == "cancelled"

    asyncio.run(run())


def test_requests_left_pending_by_a_previous_run_expire_and_numbering_continues():
    async def run() -> None:
        ychat = YChat()
        writer = ChatWriter(ychat)
        old = PermissionBroker(writer, timeout=0)
        ask(old, writer, "from before the restart")
        await asyncio.sleep(0)
        fresh = PermissionBroker(ChatWriter(ychat), timeout=0)
        assert fresh.expire_stale() == 1
        assert writer.messages()[0].body.endswith("Expired: the server restarted before an answer")
        ask(fresh, writer, "after")
        await asyncio.sleep(0)
        assert list(fresh.pending) == [2]

    asyncio.run(run())

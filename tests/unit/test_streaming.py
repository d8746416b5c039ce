"""The ChatWriter's write policy, on a real pycrdt document (no server)."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
from jupyterlab_chat.ychat import YChat

from jupyter_ai_personas.chat import ChatWriter
from jupyter_ai_personas.message_meta import LIVE_MIME
from jupyter_ai_personas.streaming import shown_end, split_point


@pytest.mark.asyncio
async def test_first_chunk_at_once_then_one_write_per_interval():
    ychat = YChat()
    writes = []
    ychat.ydoc.observe(lambda event: writes.append(len(event.update)))
    writer = ChatWriter(ychat, flush_interval=0.1)
    stream = writer.open_stream("bot")
    stream.write("first ")
    assert ychat.get_messages()[0].body == "first "
    for index in range(50):
        stream.write(f"{index} ")
        await asyncio.sleep(0.01)
    stream.close()
    assert ychat.get_messages()[0].body.endswith("48 49 ")
    assert 4 <= len(writes) <= 10  # about 0.5 s of chunks in 0.1 s writes, not 51


@pytest.mark.asyncio
async def test_long_replies_continue_in_new_messages_and_keep_all_text():
    ychat = YChat()
    writer = ChatWriter(ychat, flush_interval=0.0, max_message_chars=200, live_replies=False)
    stream = writer.open_stream("bot")
    paragraphs = [f"paragraph {i} " + "x" * 80 for i in range(10)]
    for paragraph in paragraphs:
        stream.write(paragraph + "\n\n")
        await asyncio.sleep(0)
    stream.close()
    bodies = [m.body for m in ychat.get_messages()]
    assert len(bodies) >= 4 and all(len(b) <= 300 for b in bodies)
    assert "\n\n".join(bodies).split() == "\n\n".join(paragraphs).split()


@pytest.mark.asyncio
async def test_a_live_reply_is_one_message_and_each_write_sends_only_new_text():
    ychat = YChat()
    ychat.set_id("chat-1")
    updates: list[int] = []
    ychat.ydoc.observe(lambda event: updates.append(len(event.update)))
    writer = ChatWriter(ychat, flush_interval=0.0)
    stream = writer.open_stream("bot", wrap=("<details>\n\n", "\n\n</details>"))
    chunks = [f"paragraph {i}: naïve café ✓ 😀 " + "x" * 60 + "\n\n" for i in range(40)]
    stream.write(chunks[0])
    (message,) = ychat.get_messages()
    assert message.mime_model == {
        "data": {LIVE_MIME: {"chat_id": "chat-1", "message_id": message.id}}
    }  # the frontend renders it from the document while it grows
    for chunk in chunks[1:]:
        updates.clear()
        stream.write(chunk)
        await asyncio.sleep(0.01)
        assert updates and max(updates) < len(chunk.encode()) + 100  # not the whole body again
        body = ychat.get_messages()[0].body  # what a saved chat or a late reader gets
        assert body.endswith(chunk + "\n\n</details>")
    stream.close("\n\n(stopped)")
    (final,) = ychat.get_messages()
    assert final.body == "<details>\n\n" + "".join(chunks) + "\n\n(stopped)\n\n</details>"
    assert final.mime_model is None  # a plain message for any client, and after a reload
    assert isinstance(ychat.ymessages[0]["body"], str)
    assert json.loads(ychat.get())["messages"][0]["body"] == final.body


@pytest.mark.asyncio
async def test_a_live_reply_written_once_is_a_plain_message_and_a_deleted_one_is_left_alone():
    ychat = YChat()
    writer = ChatWriter(ychat, flush_interval=0.0)
    stream = writer.open_stream("bot")
    stream.close("all at once")
    (message,) = ychat.get_messages()
    assert message.body == "all at once" and message.mime_model is None
    stream = writer.open_stream("bot")
    stream.write("growing")
    del ychat.ymessages[1]  # the reply removed from the chat while it streamed
    stream.write(" more")
    await asyncio.sleep(0)
    stream.close()
    assert [m.body for m in ychat.get_messages()] == ["all at once"]
    stream = writer.open_stream("bot", wrap=("<details>", "</details>"))
    stream.write("a secret the person deletes")
    ychat.ymessages[1]["body"], ychat.ymessages[1]["deleted"] = "", True  # as jupyterlab-chat deletes
    stream.write(" and more")
    await asyncio.sleep(0.01)
    stream.close(" (stopped)")
    (kept, deleted) = ychat.get_messages()
    assert deleted.deleted and deleted.body == ""  # nothing written back into it


def test_split_prefers_paragraphs_then_lines_and_reopens_code():
    text = "a" * 300 + "\n\n" + "b" * 300
    assert split_point(text, 400) == ("a" * 300, "b" * 300)
    assert split_point("a" * 500, 400) is None  # keep growing for now
    code = "```python\n" + "x = 1\n" * 200
    head, tail = split_point(code, 400)
    assert head.endswith("\n```") and tail.startswith("```python\n")
    assert head.count("```") == 2


def test_a_split_at_what_the_chat_shows_costs_no_rewrite():
    text = "word " * 160  # one 800-character line, no paragraph or line break
    assert split_point(text, 500, shown=600) == (text[:600], text[600:])
    head, tail = split_point(text, 500)  # nothing shown there: as late as possible
    assert len(head) == 800 and tail == ""
    paragraphs = "a" * 300 + "\n\n" + "b" * 150 + "\n\n" + "c" * 100
    assert split_point(paragraphs, 400, shown=454) == ("a" * 300 + "\n\n" + "b" * 150, "c" * 100)


def test_past_half_the_limit_a_partial_word_or_paragraph_waits_for_the_next_write():
    assert shown_end("short text", 0, 250) == len("short text")
    text = "x" * 300 + " tail of a wor"
    assert text[: shown_end(text, 0, 250)].endswith(" tail of a ")
    text = "p" * 300 + "\n\nthe next paragraph starts"
    assert text[: shown_end(text, 0, 250)].endswith("p\n\n")
    unbroken = "y" * 600
    assert shown_end(unbroken, 0, 250) == 600  # nothing to wait for: show it all


@pytest.mark.asyncio
async def test_a_long_line_streams_in_messages_that_are_never_rewritten():
    ychat = YChat()
    bodies: dict[str, list[str]] = {}
    writer = ChatWriter(ychat, flush_interval=0.0, max_message_chars=200, live_replies=False)
    stream = writer.open_stream("bot")
    words = [f"w{i:03d} " for i in range(300)]
    for word in words:
        stream.write(word)
        await asyncio.sleep(0)
        for message in ychat.get_messages():
            seen = bodies.setdefault(message.id, [])
            if not seen or seen[-1] != message.body:
                seen.append(message.body)
    stream.close()
    finals = [m.body for m in ychat.get_messages()]
    assert "".join(finals) == "".join(words)
    assert len(finals) >= 5 and all(len(b) <= 300 for b in finals)
    for history in bodies.values():  # each write only grows the message: no cut-back rewrites
        assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(history))


def test_stopped_suffix_and_close_without_text():
    async def run():
        ychat = YChat()
        writer = ChatWriter(ychat)
        empty = writer.open_stream("bot")
        empty.close()
        assert ychat.get_messages() == []
        stream = writer.open_stream("bot")
        stream.write("partial")
        stream.close("\n\nstopped")
        assert ychat.get_messages()[0].body == "partial\n\nstopped"

    asyncio.run(run())


def test_rebase_keeps_what_a_person_typed_meanwhile():
    from jupyter_ai_personas.documents.text_edits import rebase

    base, new = "a = 1\nb = 2\n", "a = 1\nb = 3\nc = 4\n"
    assert rebase(base, "# note\na = 1\nb = 2\n", new) == "# note\na = 1\nb = 3\nc = 4\n"
    assert rebase(base, base, new) == new
    assert rebase("x y z", "x Y! z", "x y z w") == "x Y! z w"


@pytest.mark.asyncio
async def test_a_reply_saved_mid_stream_reads_back_as_a_usual_message():
    ychat = YChat()
    writer = ChatWriter(ychat, flush_interval=0.0)
    stream = writer.open_stream("bot")
    stream.write("half a reply when the server died")
    saved = ychat.get()  # what the file holds: the text so far, and the live MIME model
    reloaded = YChat()
    reloaded.set(saved)
    assert reloaded.get_messages()[0].mime_model is not None
    ChatWriter(reloaded).settle_attached()  # when the chat is attached again
    (message,) = reloaded.get_messages()
    assert message.body == "half a reply when the server died" and message.mime_model is None

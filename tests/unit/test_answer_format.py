"""How a POST is answered: JSON unless progress streams (the SDK's SSE kept where it is needed)."""

from __future__ import annotations

import asyncio
import json

from jupyter_ai_personas.mcp.answer_format import SingleAnswer, answer_as_json

BOTH = "application/json, text/event-stream"


def request(progress: bool) -> bytes:
    params = {"name": "x", "arguments": {}, **({"_meta": {"progressToken": 7}} if progress else {})}
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}).encode()


def test_only_a_request_that_asks_for_progress_gets_a_stream():
    assert answer_as_json("POST", BOTH, request(progress=False))
    assert not answer_as_json("POST", BOTH, request(progress=True))
    assert answer_as_json("POST", "application/json", request(progress=True))  # it cannot take one
    assert not answer_as_json("GET", BOTH, None)  # the session's own stream stays a stream


def replay(chunks: list[bytes]) -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(dict(message))

    async def run():
        wrapper = SingleAnswer(send)
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream")],
        }
        await wrapper(start)
        for chunk in chunks:
            await wrapper({"type": "http.response.body", "body": chunk, "more_body": True})
        await wrapper({"type": "http.response.body", "body": b"", "more_body": False})

    asyncio.run(run())
    return sent


def test_a_stream_of_the_answer_alone_goes_out_as_json_and_anything_else_streams():
    answer = b'event: message\r\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\r\n\r\n'
    sent = replay([answer])
    assert (b"content-type", b"application/json") in sent[0]["headers"]
    assert sent[1] == {
        "type": "http.response.body",
        "body": b'{"jsonrpc":"2.0","id":1,"result":{}}',
        "more_body": False,
    }
    assert len(sent) == 2  # the stream's own end is not sent after the answer
    progress = (
        b'event: message\r\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\r\n\r\n'
    )
    for first in (progress, b": ping\r\n\r\n"):  # progress, or a keep-alive: the stream as written
        sent = replay([first, answer])
        assert (b"content-type", b"text/event-stream") in sent[0]["headers"]
        assert [m.get("body") for m in sent[1:]] == [first, answer, b""]

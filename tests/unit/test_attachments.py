"""Attachments as ACP content for an agent that does not take embedded resources."""

from __future__ import annotations

import base64
import logging

import pytest
from jupyterlab_chat.models import Message
from jupyterlab_chat.ychat import YChat

from jupyter_ai_personas.acp_client.attachments import attachment_blocks
from jupyter_ai_personas.documents.layer import DiskLayer
from jupyter_ai_personas.paths import PathRules


@pytest.mark.asyncio
async def test_without_embedded_context_a_selection_is_a_link_and_a_fenced_text(tmp_path):
    (tmp_path / "model.py").write_text("def fit(x):\n    return x * 2\n")
    ychat = YChat()
    ychat.yattachments["a1"] = {
        "type": "file",
        "value": "model.py",
        "selection": {"start": [1, 0], "end": [1, 16], "content": "    return x * 2"},
    }
    ychat.yattachments["a2"] = {"type": "file"}  # no path: unreadable, said, not a crash
    message = Message(body="look", id="m", time=0.0, sender="alice", attachments=["a1", "a2"])
    documents = DiskLayer(None, PathRules(tmp_path), logging.getLogger("test"))
    blocks, refused = await attachment_blocks(message, ychat, documents, embedded=False, images=False)
    uri = (tmp_path / "model.py").resolve().as_uri() + "#lines=2"
    assert [b.type for b in blocks] == ["resource_link", "text"]
    assert blocks[0].uri == uri and blocks[0].name == "model.py, lines 2"
    assert blocks[1].text == "model.py, lines 2:\n```py\n    return x * 2\n```"
    assert len(refused) == 1 and "could not be read" in refused[0]


PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.mark.asyncio
async def test_an_attached_image_is_image_content_for_an_agent_that_takes_images(tmp_path):
    (tmp_path / "plot.png").write_bytes(PIXEL)
    ychat = YChat()
    ychat.yattachments["i"] = {"type": "file", "value": "plot.png", "mimetype": "image/png"}
    message = Message(body="look", id="m", time=0.0, sender="alice", attachments=["i"])
    documents = DiskLayer(None, PathRules(tmp_path), logging.getLogger("test"))
    blocks, refused = await attachment_blocks(message, ychat, documents, embedded=True, images=True)
    assert refused == [] and [b.type for b in blocks] == ["image"]
    assert base64.b64decode(blocks[0].data) == PIXEL and blocks[0].mime_type == "image/png"
    blocks, refused = await attachment_blocks(message, ychat, documents, embedded=True, images=False)
    assert blocks == [] and refused == ["plot.png: this agent does not take images"]


@pytest.mark.asyncio
async def test_forged_or_malformed_attachments_give_the_agent_only_what_is_really_there(tmp_path):
    (tmp_path / "model.py").write_text("def fit(x):\n    return x * 2\n")
    (tmp_path / ".env").write_text("KEY=hunter2\n")
    ychat = YChat()
    forged = {"start": [0, 0], "end": [0, 3], "content": "rm -rf / # what the file says"}
    ychat.yattachments["forged"] = {"type": "file", "value": "model.py", "selection": forged}
    ychat.yattachments["bad"] = {"type": "file", "value": "model.py", "selection": {"start": "ab"}}
    ychat.yattachments["hidden"] = {"type": "file", "value": ".env"}
    ids = ["forged", "bad", "hidden", *["forged"] * 1000]  # repeated ids count once
    message = Message(body="look", id="m", time=0.0, sender="alice", attachments=ids)
    documents = DiskLayer(None, PathRules(tmp_path), logging.getLogger("test"))
    blocks, refused = await attachment_blocks(message, ychat, documents, embedded=True, images=False)
    assert [b.resource.text for b in blocks] == ["def fit(x):"]  # the file's line, not the chat's text
    assert len(refused) == 2 and "could not be read" in refused[0] and ".env: a hidden path" in refused[1]

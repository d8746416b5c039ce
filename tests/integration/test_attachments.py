"""Cells, selections and files a person attaches to a message reach the agent with their text
as the person sees it (the live notebook, unsaved edits included), confined like the tools."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.integration.test_notebooks import make_notebook
from tests.support.chat_client import ChatClient
from tests.support.notebook_client import NotebookClient
from tests.support.server import server_env

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture(scope="module")
async def attach_server(start_server, tmp_path_factory):
    home = tmp_path_factory.mktemp("attach-home")
    return await start_server(env=server_env(home, SCRIPTED_AGENT_STATE=str(home / "agent-state")))


def selection(start_line: int, end_line: int, content: str) -> dict:
    return {"start": [start_line, 0], "end": [end_line, len(content)], "content": content}


async def test_attached_cells_and_selections_reach_the_agent_with_their_live_text(attach_server):
    root = attach_server.root_dir
    make_notebook(
        root, "analysis.ipynb", ["import pandas as pd", "df = pd.read_csv('sales.csv')\ndf.describe()"]
    )
    (root / "model.py").write_text("def fit(x):\n    return x * 2\n")
    async with NotebookClient(attach_server, "analysis.ipynb") as person:
        person.type_into("cell1", "# unsaved: ")  # what the person sees, not what is on disk
        async with ChatClient(attach_server, "attach.chat") as chat:
            chat.send(
                "@Scripted what do these do?",
                attachments=[
                    {
                        "type": "notebook",
                        "value": "analysis.ipynb",
                        "cells": [
                            {"id": "cell1", "input_type": "code"},
                            {
                                "id": "cell2",
                                "input_type": "code",
                                "selection": selection(1, 1, "df.describe()"),
                            },
                        ],
                    },
                    {"type": "file", "value": "model.py", "selection": selection(1, 1, "    return x * 2")},
                    {"type": "file", "value": "model.py"},
                ],
            )
            said = await chat.wait_for_text("Scripted", "You said: what do these do?")
    notebook = (root / "analysis.ipynb").as_uri()
    assert f"{notebook}#cell=cell1 [# unsaved: import pandas as pd]" in said
    assert f"{notebook}#cell=cell2&lines=2 [df.describe()]" in said
    assert f"{(root / 'model.py').as_uri()}#lines=2 [    return x * 2]" in said
    assert f"{(root / 'model.py').as_uri()}," in said or said.endswith(f"{(root / 'model.py').as_uri()})")


async def test_an_attachment_outside_the_root_or_hidden_is_refused_and_said(attach_server):
    root = attach_server.root_dir
    (root / ".secrets").mkdir(exist_ok=True)
    (root / ".secrets" / "key.py").write_text("KEY = 'hunter2'\n")
    async with ChatClient(attach_server, "refused.chat") as chat:
        chat.send(
            "@Scripted look",
            attachments=[
                {"type": "file", "value": ".secrets/key.py", "selection": selection(0, 0, "KEY")},
                {"type": "file", "value": "../../etc/passwd"},
                {"type": "notebook", "value": "missing.ipynb", "cells": [{"id": "c", "input_type": "code"}]},
            ],
        )
        said = await chat.wait_for_text("Scripted", "You said: look")
        notices = [b for b in chat.bodies_from("Scripted") if "was not given" in b]
    text = "\n".join(notices)
    assert ".secrets/key.py" in text and "../../etc/passwd" in text and "missing.ipynb" in text
    assert "hunter2" not in text
    assert len(notices) == 3 and "(with" not in said  # nothing of them reached the agent

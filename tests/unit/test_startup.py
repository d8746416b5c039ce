"""Routes registered at server start wait for the runtime built just after it."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from tornado import web

from jupyter_ai_personas.startup import READY, RUNTIME, runtime_ready


def test_the_extension_module_loads_without_the_runtime():
    code = (
        "import sys, jupyter_ai_personas.extension;"
        "heavy = [m for m in ('pydantic', 'acp', 'jupyter_ai_personas.router',"
        " 'jupyter_ai_personas.mcp.tools') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.asyncio
async def test_a_request_waits_for_the_runtime_then_goes_on():
    settings: dict = {READY: asyncio.Event()}
    waiting = asyncio.ensure_future(runtime_ready(settings))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    settings[RUNTIME] = object()
    settings[READY].set()
    await asyncio.wait_for(waiting, 1)


@pytest.mark.asyncio
async def test_a_runtime_that_failed_to_start_answers_503():
    settings: dict = {READY: asyncio.Event()}
    settings[READY].set()
    with pytest.raises(web.HTTPError) as error:
        await runtime_ready(settings)
    assert error.value.status_code == 503 and "failed to start" in (error.value.log_message or "")

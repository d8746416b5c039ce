"""Routes registered at server start wait for the runtime built just after it."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest
from tornado import web

from jupyter_ai_personas.extension import PersonasExtension


def extension() -> PersonasExtension:
    app = PersonasExtension()
    app.initialize_settings()
    return app


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
    app = extension()
    waiting = asyncio.ensure_future(app.wait_for_runtime())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    built = object()
    app.runtime = built  # type: ignore[assignment]
    app.ready.set()
    assert await asyncio.wait_for(waiting, 1) is built


@pytest.mark.asyncio
async def test_a_runtime_that_failed_to_start_answers_503():
    app = extension()
    app.ready.set()
    with pytest.raises(web.HTTPError) as error:
        await app.wait_for_runtime()
    assert error.value.status_code == 503 and "failed to start" in (error.value.log_message or "")

"""The real npm agents (claude-agent-acp, codex-acp), offline, against the tests' fake model.

Every test runs against both generations of the adapters: today's (`@agentclientprotocol/*`,
on Node 22 from the npm registry, installed by `make` into .agents/ as `make lab` uses them)
and the legacy pinned ones (`@zed-industries/*`, in .e2e/legacy/).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.fake_model import FakeModel, last_user_text
from tests.support.server import REPO, server_env

GENERATIONS = {
    "today": REPO / ".agents" / "node_modules" / ".bin",
    "legacy": REPO / ".e2e" / "legacy" / "node_modules" / ".bin",
}

CODEX_CONFIG = """\
model = "gpt-5.5"
model_provider = "fake"

[model_providers.fake]
name = "Fake"
base_url = "{url}/v1"
env_key = "OPENAI_API_KEY"
wire_api = "responses"
supports_websockets = false
request_max_retries = 0
stream_max_retries = 0
"""


MODELS: list[FakeModel] = []  # the fake model of the module under way


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A failed test shows what the agents asked the fake model (the last requests)."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for model in MODELS:
            lines = [
                f"{r['method']} {r['path']} {r.get('protocol', '')} scripted={r.get('scripted')} "
                f"{last_user_text(r)[:100]!r}"
                for r in model.requests[-30:]
            ]
            report.sections.append(("fake model requests (last 30)", "\n".join(lines)))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest_asyncio.fixture(scope="module")
async def fake_model() -> AsyncIterator[FakeModel]:
    model = FakeModel()
    await model.start()
    MODELS.append(model)
    yield model
    MODELS.remove(model)
    await model.stop()


@pytest.fixture(autouse=True)
def fresh_script(request: pytest.FixtureRequest) -> None:
    """Each test scripts its own model turns: nothing is left over from the last one."""
    if "fake_model" in request.fixturenames:
        model = request.getfixturevalue("fake_model")
        for queue in model.turns.values():
            queue.clear()


@pytest.fixture(scope="module", params=list(GENERATIONS))
def generation(request: pytest.FixtureRequest) -> str:
    return request.param


def agents_env(
    home: Path, model: FakeModel, generation: str = "today", extra_paths: list[Path] | None = None
) -> dict[str, str]:
    """What a person with Claude and Codex configured would have, pointed at the fake model."""
    bin_dir = GENERATIONS[generation]
    if not (bin_dir / "claude-agent-acp").exists() or not (bin_dir / "codex-acp").exists():
        pytest.fail(
            f"the {generation} agents are not installed in {bin_dir.parent.parent}: `make test` installs them"
        )
    codex_home = home / ".codex"
    codex_home.mkdir(parents=True, exist_ok=True)
    (codex_home / "config.toml").write_text(CODEX_CONFIG.format(url=model.url))
    gemini_home = home / ".gemini"  # no usage statistics: gemini-cli would send them to Google
    gemini_home.mkdir(parents=True, exist_ok=True)
    (gemini_home / "settings.json").write_text(json.dumps({"privacy": {"usageStatisticsEnabled": False}}))
    path = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return server_env(
        home,
        extra_paths,
        PATH=path,
        ANTHROPIC_BASE_URL=model.url,
        ANTHROPIC_API_KEY="test-key-not-real",
        DISABLE_AUTOUPDATER="1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
        OPENAI_API_KEY="test-key-not-real",
        CODEX_HOME=str(codex_home),
        GOOGLE_GEMINI_BASE_URL=model.url,
        GEMINI_API_KEY="test-key-not-real",
        GEMINI_MODEL="gemini-2.5-flash",  # a fixed model: no routing request before each turn
        IS_SANDBOX="yes",  # as on CI: the runtime must not pass it on (it breaks Claude as root)
    )


@pytest_asyncio.fixture(scope="module")
async def agents_server(start_server, fake_model, generation, tmp_path_factory):
    home = tmp_path_factory.mktemp(f"e2e-home-{generation}")
    return await start_server(
        env=agents_env(home, fake_model, generation), args=["--PersonasExtension.permission_timeout=120"]
    )

"""The frontend's types are generated from the server's models and are up to date, and what the
server writes validates against the schema they come from."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from jupyter_ai_personas import message_meta as mm
from tests.unit.test_message_meta import SAMPLES

REPO = Path(__file__).parents[2]
SRC = REPO / "src"


def _generator():
    spec = importlib.util.spec_from_file_location("generate", REPO / "scripts" / "generate_message_types.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_schema_and_types_are_up_to_date(tmp_path: Path):
    generator = _generator()
    if not generator.JSON2TS.exists() or shutil.which("node") is None:
        pytest.fail("node_modules is missing: `make test` installs it with the package")
    schema, types = generator.generate(tmp_path)
    for fresh in (schema, types):
        committed = SRC / fresh.name
        assert fresh.read_text() == committed.read_text(), f"{committed} is stale: run `make types`"


@pytest.mark.parametrize("meta", SAMPLES, ids=lambda m: m.kind)
def test_what_the_server_writes_is_what_the_schema_says(meta):
    schema = json.loads((SRC / "messageMeta.schema.json").read_text())
    written = mm.metadata(meta)[mm.KEY]
    jsonschema.validate({"metadata": written}, schema)


def test_the_schema_refuses_what_the_frontend_would_misread():
    schema = json.loads((SRC / "messageMeta.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):  # null is never sent: a field is left out
        jsonschema.validate({"metadata": {"kind": "reply", "persona": "p", "usage": None}}, schema)
    waiting = mm.WaitingMessage(message_id="m", persona="p", name="P", ahead=1)
    jsonschema.validate({"queue": [waiting.model_dump()]}, schema)


def test_the_frontend_names_the_same_mime_types_and_awareness_field():
    types_ts = (SRC / "types.ts").read_text()
    for name in ("RICH_MIME", "LIVE_MIME", "QUEUE_AWARENESS_KEY"):
        assert f"export const {name} = '{getattr(mm, name)}';" in types_ts, name

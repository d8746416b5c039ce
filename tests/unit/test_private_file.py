"""The server's private files: owner-only, written whole, an unreadable one trusts nothing."""

from __future__ import annotations

import logging
import stat

from jupyter_ai_personas.private_file import read_mapping, write_mapping

log = logging.getLogger(__name__)


def test_written_for_its_owner_only_and_read_back(tmp_path):
    path = tmp_path / "own" / "trusted.json"
    write_mapping(path, "files", {"/a.py": "00ff"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_mapping(path, "files", log, "nothing is trusted") == {"/a.py": "00ff"}
    assert [p.name for p in path.parent.iterdir()] == ["trusted.json"]  # no temporary file left


def test_an_unreadable_or_odd_file_gives_nothing_and_says_so(tmp_path, caplog):
    path = tmp_path / "trusted.json"
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING):
        assert read_mapping(path, "files", log, "nothing is trusted") == {}
    assert "nothing is trusted" in caplog.text
    path.write_text('{"files": ["/a.py"]}')
    assert read_mapping(path, "files", log, "nothing is trusted") == {}
    assert read_mapping(tmp_path / "missing.json", "files", log, "") == {}

"""A small JSON mapping of the server's own (trusted files, agent credentials), kept private.

Outside the server root (agents cannot write it), readable by its owner only (0600, written
whole through a temporary file so that a crash never leaves half of it).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path


def read_mapping(path: Path | None, key: str, log: logging.Logger, unreadable: str) -> dict[str, str]:
    """The `key` mapping of the file; empty (and `unreadable` logged) when it cannot be read."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s is unreadable (%s): %s", path, exc, unreadable)
        return {}
    values = data.get(key) if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in (values or {}).items()} if isinstance(values, dict) else {}


def write_mapping(path: Path | None, key: str, values: dict[str, str]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({key: values}, handle, indent=1, sort_keys=True)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise

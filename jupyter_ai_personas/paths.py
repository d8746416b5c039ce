"""Paths that must stay inside the server root."""

from __future__ import annotations

from pathlib import Path


class PathOutsideRoot(ValueError):
    pass


def confine(root: Path, path: str, cwd: Path | None = None) -> Path:
    """The absolute, symlink-resolved path inside `root`, or PathOutsideRoot."""
    if not path or "\x00" in path:
        raise PathOutsideRoot("not a valid path")
    candidate = Path(path)
    if not candidate.is_absolute():
        candidate = (cwd or root) / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise PathOutsideRoot("outside the server root")
    return resolved

"""Persona files in a test's workspace, trusted as a person would after reading them."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .server import JupyterServer


async def trust(server: JupyterServer, path: Path) -> None:
    """What the roster's "Trust" button does: trust this content of the file."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    async with server.client() as client:
        response = await client.post(
            "api/ai-personas/trust",
            json={"path": path.relative_to(server.root_dir).as_posix(), "sha256": digest},
        )
        response.raise_for_status()


async def write_trusted(server: JupyterServer, path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    await trust(server, path)
    return path

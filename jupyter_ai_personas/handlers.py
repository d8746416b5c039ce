"""REST handlers of the extension (all behind Jupyter's authentication)."""

from __future__ import annotations

import mimetypes
from html import escape
from typing import TYPE_CHECKING

from jupyter_server.base.handlers import APIHandler, JupyterHandler
from tornado import web

if TYPE_CHECKING:
    from .runtime import Runtime


class PersonasAPIHandler(APIHandler):
    @property
    def runtime(self) -> Runtime:
        return self.settings["jupyter_ai_personas_runtime"]


class AvatarHandler(JupyterHandler):
    """A persona's avatar: its image file, or its emoji drawn as SVG."""

    @property
    def runtime(self) -> Runtime:
        return self.settings["jupyter_ai_personas_runtime"]

    @web.authenticated
    async def get(self, persona_id: str) -> None:
        catalog = self.runtime.catalog
        definition = catalog.find(persona_id) if catalog is not None else None
        if definition is None:
            raise web.HTTPError(404, "no such persona")
        self.set_header("Cache-Control", "private, max-age=86400")
        if definition.avatar_path is not None:
            try:
                data = definition.avatar_path.read_bytes()
            except OSError as exc:
                raise web.HTTPError(404, "avatar file is missing") from exc
            kind = mimetypes.guess_type(definition.avatar_path.name)[0] or "application/octet-stream"
            self.set_header("Content-Type", kind)
            if kind == "image/svg+xml":
                # an SVG from a persona folder must not run scripts in Lab's origin
                self.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
            self.finish(data)
            return
        if not definition.avatar:
            raise web.HTTPError(404, "this persona has no avatar")
        self.set_header("Content-Type", "image/svg+xml")
        self.finish(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
            '<text x="32" y="36" font-size="44" text-anchor="middle" dominant-baseline="middle">'
            f"{escape(definition.avatar)}</text></svg>"
        )

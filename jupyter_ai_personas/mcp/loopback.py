"""The notebook tools for the server's own agents when the server demands client certificates.

Under JupyterHub's `internal_ssl` a single-user server accepts only connections that present
the Hub's client certificates, which its agents (Claude Code, Codex...) cannot do: given the
server's `https://` URL they would silently have no notebook tools. This listener serves the MCP
endpoint alone, over plain HTTP on 127.0.0.1 (nothing outside the machine reaches it), with the
server's own handler and settings: a request still needs an agent session's token or Jupyter's
authentication, exactly as on the main port.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application


def demands_client_certificates(serverapp: Any) -> bool:
    return bool(getattr(serverapp, "certfile", "") and getattr(serverapp, "client_ca", ""))


class LoopbackListener:
    def __init__(self, serverapp: Any, handler: type, extension_name: str, path: str):
        route = url_path_join(serverapp.base_url, path)
        app = Application([(route, handler, {"name": extension_name})], **serverapp.web_app.settings)
        sockets = bind_sockets(0, "127.0.0.1")
        self.server = HTTPServer(app)
        self.server.add_sockets(sockets)
        self.url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}{route}"

    def close(self) -> None:
        self.server.stop()

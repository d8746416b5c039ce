"""SIGINT stops the server cleanly, with or without a terminal.

jupyter_server handles SIGINT only when its stdin is a terminal (to ask "Shut down?"); without
one, as under JupyterHub (which stops single-user servers with SIGINT) or a service manager,
Python's default handler raises KeyboardInterrupt out of the event loop and no extension's
shutdown runs: chats are not saved and agents are orphaned. There we make SIGINT do what
SIGTERM does.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from .upstream import release_worker_threads_at_exit, stop_signal_handler


def exit_when_stopped() -> None:
    """Let the process exit once the server stops, even with a write in flight (see `upstream`)."""
    release_worker_threads_at_exit()


def stop_on_sigint(serverapp: Any, log: logging.Logger) -> bool:
    """Route SIGINT to the server's own stop when nobody else handles it; True if we did."""
    if threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGINT)
    if current is not signal.default_int_handler:
        # an interactive server (its confirmation prompt), a host's own handler, or SIGINT ignored
        # by whoever started the server (inherited): said, as SIGINT then does not stop it
        log.info("SIGINT is left to its handler here: %r", current)
        return False
    stop = stop_signal_handler(serverapp)
    if stop is None:
        return False
    signal.signal(signal.SIGINT, stop)
    log.debug("SIGINT stops the server cleanly (no terminal to confirm)")
    return True

"""Persona code is imported off the event loop, with a time limit.

A file whose import never ends (`while True: pass`) must not freeze the server: the import
runs in a daemon thread (abandoned at exit), and the loop waits for it at most `timeout`
seconds. An import is started once per content: reloads wait for the same one, and one that
is still running past its time limit is reported at once instead of being started again.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import importlib.util
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


class ImportTimedOut(Exception):
    pass


@dataclass
class _Attempt:
    future: asyncio.Future[Any]
    started: float


_attempts: dict[str, _Attempt] = {}


async def run_off_loop(key: str, work: Callable[[], Any], timeout: float, what: str) -> Any:
    """`work()` in a daemon thread, once per `key`; its result, or ImportTimedOut after `timeout`."""
    loop = asyncio.get_running_loop()
    attempt = _attempts.get(key)
    if attempt is None or attempt.future.get_loop() is not loop:
        attempt = _attempts[key] = _Attempt(loop.create_future(), time.monotonic())
        future = attempt.future

        def settle(result: Any, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
                future.exception()  # retrieved: every waiter gets it through shield
            else:
                future.set_result(result)

        def run() -> None:
            try:
                result = work()
            except BaseException as exc:  # a persona file may even call sys.exit()
                loop.call_soon_threadsafe(settle, None, exc)
            else:
                loop.call_soon_threadsafe(settle, result, None)

        threading.Thread(target=run, name=f"persona-import:{what}", daemon=True).start()
    remaining = attempt.started + timeout - time.monotonic()
    try:
        return await asyncio.wait_for(asyncio.shield(attempt.future), max(0.0, remaining))
    except TimeoutError:
        raise ImportTimedOut(
            f"importing it did not finish within {timeout:g} s (an endless loop at import time?); "
            "fix the file: an edited file is imported afresh"
        ) from None


def forget_failures() -> None:
    """Let `/refresh` try again the imports that failed (not the ones still running)."""
    for key, attempt in list(_attempts.items()):
        if attempt.future.done() and attempt.future.exception() is not None:
            del _attempts[key]


def import_file(path: Path, digest: str) -> ModuleType:
    """Import a persona file as a module of its own, named by its content (an edit imports afresh)."""
    where = hashlib.sha1(str(path).encode()).hexdigest()[:6]
    name = f"jupyter_ai_personas_local.{path.stem}_{where}_{digest[:12]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as `import` does (dataclasses and pickling look it up there)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def import_attribute(reference: str) -> Any:
    """`package.module:Attr.sub` imported."""
    module_name, _, attribute = reference.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target

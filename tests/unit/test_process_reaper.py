"""The reaper kills what the server started once the server is gone, however it went."""

from __future__ import annotations

import os
import subprocess
import time

from jupyter_ai_personas.process_reaper import ProcessReaper


def _gone(process: subprocess.Popen[bytes], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return True
        time.sleep(0.05)
    return False


def _sleeper(env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "300"], env=env, start_new_session=True)


def _server_dies(reaper: ProcessReaper) -> None:
    """What the kernel does when the server dies: the reaper's stdin closes."""
    pipe = reaper._process
    assert pipe is not None and pipe.stdin is not None
    pipe.stdin.close()
    pipe.wait(10)


def test_a_process_started_but_not_yet_named_is_killed_with_the_server():
    # the server died between starting the process and telling the reaper its pid
    reaper = ProcessReaper()
    started = _sleeper(reaper.marked_environment(dict(os.environ)))
    bystander = _sleeper()  # not the server's: left alone
    try:
        _server_dies(reaper)
        assert _gone(started), "a process the server started outlived it"
        assert bystander.poll() is None, "the reaper killed a process that was not the server's"
    finally:
        for process in (started, bystander):
            process.kill()
            process.wait()


def test_a_named_process_is_killed_even_when_it_cleared_its_environment():
    reaper = ProcessReaper()
    started = _sleeper({"PATH": os.environ["PATH"]})  # no mark
    reaper.watch(started.pid)
    forgotten = _sleeper()
    reaper.watch(forgotten.pid)
    reaper.forget(forgotten.pid)  # it ended, as far as the server knows; its pid is not killed
    try:
        _server_dies(reaper)
        assert _gone(started)
        assert forgotten.poll() is None
    finally:
        for process in (started, forgotten):
            process.kill()
            process.wait()


def test_each_server_has_its_own_mark():
    assert ProcessReaper().mark != ProcessReaper().mark

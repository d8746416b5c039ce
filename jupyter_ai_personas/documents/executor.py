"""Headless execution: run a notebook's cells in its kernel with no browser open.

The kernel is the one of the notebook's existing session (so the person's variables are
there), otherwise a new session is started. Outputs and the execution count are written
into the live cell as they arrive; the agent gets them back truncated to a bound, while
the notebook keeps them whole (up to `max_output_bytes`, past which they are cut with a
note: a runaway cell must not flood every open browser).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from .layer import DocumentLayer
from .notebook import NotebookError, find_cell, output_images, output_text, youtputs
from .output_sink import OutputSink

KERNEL_READY_SECONDS = 60.0
Status = Literal["ok", "error", "timeout", "kernel_died", "too_large"]
Listener = Callable[[dict[str, Any]], None]


class ExecutionResult(BaseModel):
    status: Status
    cell_id: str | None = None
    execution_count: int | None = None
    outputs: list[dict[str, Any]] = []
    message: str = ""

    def summary(self, limit: int) -> str:
        parts = [o for o in (output_text(output, limit) for output in self.outputs) if o]
        text = "\n".join(parts)
        if len(text) > limit:
            text = (
                text[: limit // 2]
                + f"\n… ({len(text) - limit} characters left out) …\n"
                + text[-limit // 2 :]
            )
        head = f"status: {self.status}" + (
            f" (execution count {self.execution_count})" if self.execution_count else ""
        )
        return "\n".join(p for p in (head, self.message, text) if p)

    def images(self, at_most: int = 3) -> list[tuple[str, str]]:
        return output_images(self.outputs)[:at_most]


def to_output(message: dict[str, Any]) -> dict[str, Any] | None:
    """An nbformat output from a kernel iopub message (None for other messages)."""
    kind, content = message["header"]["msg_type"], message["content"]
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind in ("display_data", "execute_result"):
        output = {
            "output_type": kind,
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
        if kind == "execute_result":
            output["execution_count"] = content.get("execution_count")
        return output
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content["ename"],
            "evalue": content["evalue"],
            "traceback": content.get("traceback", []),
        }
    return None


class NotebookExecutor:
    def __init__(
        self, serverapp: Any, layer: DocumentLayer, log: logging.Logger, *, max_output_bytes: int = 10_000_000
    ):
        self.serverapp = serverapp
        self.layer = layer
        self.log = log
        self.max_output_bytes = max_output_bytes
        self._locks: dict[str, asyncio.Lock] = {}
        self._clients: dict[str, tuple[Any, Any]] = {}  # kernel id -> (client, kernel process)

    # -- kernels -----------------------------------------------------------------------
    async def kernel_id(self, api_path: str, *, start: bool = True) -> str | None:
        """The kernel of the notebook's session; a new session when it has none."""
        sessions = self.serverapp.session_manager
        for session in await sessions.list_sessions():
            if session.get("path") == api_path and session.get("kernel"):
                return session["kernel"]["id"]
        if not start:
            return None
        return str((await self.start_session(api_path))["kernel"]["id"])

    async def start_session(
        self, api_path: str, kernel_name: str | None = None, kernel_id: str | None = None
    ) -> dict[str, Any]:
        """A new session for the notebook: in a running kernel, a new one of `kernel_name`, or
        (neither given) of the kernelspec the notebook names."""
        if kernel_name is None and kernel_id is None:
            async with self.layer.notebook(api_path) as notebook:
                kernelspec = (notebook.get().get("metadata") or {}).get("kernelspec") or {}
                kernel_name = kernelspec.get("name") or None
        sessions = self.serverapp.session_manager
        return dict(
            await sessions.create_session(
                path=api_path,
                name=api_path.rsplit("/", 1)[-1],
                type="notebook",
                kernel_name=kernel_name,
                kernel_id=kernel_id,
            )
        )

    def kernels(self) -> list[dict[str, Any]]:
        manager = self.serverapp.kernel_manager
        return [dict(model) for model in manager.list_kernels()]

    async def restart(self, api_path: str) -> str:
        kernel_id = await self.kernel_id(api_path, start=False)
        if kernel_id is None:
            raise NotebookError(f"{api_path} has no running kernel")
        await self.serverapp.kernel_manager.restart_kernel(kernel_id)
        return kernel_id

    # -- running -----------------------------------------------------------------------
    async def run_cell(
        self, api_path: str, cell_id: str, timeout: float, listener: Listener | None = None
    ) -> ExecutionResult:
        async with self.layer.notebook(api_path) as notebook:
            index = find_cell(notebook, cell_id)
            ycell = notebook.ycells[index]
            if ycell.get("cell_type") != "code":
                return ExecutionResult(
                    status="ok", cell_id=cell_id, message="not a code cell: nothing to run"
                )
            code = str(ycell.get("source", ""))
            with notebook.ydoc.transaction():
                youtputs(ycell).clear()
                ycell["execution_count"] = None
                ycell["execution_state"] = "busy"
        sink = OutputSink(self.layer, api_path, cell_id, self.max_output_bytes, listener)
        try:
            result = await self._run(api_path, code, timeout, sink)
        except asyncio.CancelledError:  # the caller gave up: the cell shows what it got, and is idle
            _in_background(sink.flush(done=True))
            raise
        if not self.layer.live:  # the disk layer writes once, at the end
            sink.pending = list(sink.outputs)
        await sink.flush(execution_count=result.execution_count, done=True)
        return result.model_copy(update={"cell_id": cell_id})

    async def run_code(
        self, api_path: str, code: str, timeout: float, listener: Listener | None = None
    ) -> ExecutionResult:
        """Run code in the notebook's kernel without a cell (nothing is written to the notebook)."""
        sink = OutputSink(self.layer, api_path, None, self.max_output_bytes, listener)
        return await self._run(api_path, code, timeout, sink)

    async def evaluate(self, kernel_id: str, expression: str, timeout: float = 30) -> str:
        """The text of one expression evaluated silently in a kernel (no execution count, no output)."""
        lock = self._locks.setdefault(kernel_id, asyncio.Lock())
        async with lock:
            manager = self.serverapp.kernel_manager.get_kernel(kernel_id)
            client = await self._ready_client(kernel_id, manager)
            reply = await client.execute_interactive(
                "", silent=True, user_expressions={"value": expression}, timeout=timeout, allow_stdin=False
            )
        value = reply.get("content", {}).get("user_expressions", {}).get("value", {})
        if value.get("status") != "ok":
            problem = f"{value.get('ename')}: {value.get('evalue')}"
            raise NotebookError(f"the kernel could not evaluate it: {problem}")
        return str(value.get("data", {}).get("text/plain", ""))

    async def debug_request(self, kernel_id: str, command: str, timeout: float = 30) -> dict[str, Any]:
        """The body of a Debug Adapter Protocol request on the kernel's control channel, as
        JupyterLab's debugger sends it (`inspectVariables` needs no debug session)."""
        lock = self._locks.setdefault(kernel_id, asyncio.Lock())
        async with lock:
            client = await self._ready_client(kernel_id, self.serverapp.kernel_manager.get_kernel(kernel_id))
            request = {"type": "request", "seq": 1, "command": command, "arguments": {}}
            message = client.session.msg("debug_request", request)
            client.control_channel.send(message)
            deadline = time.monotonic() + timeout
            while True:
                try:
                    left = max(0.1, deadline - time.monotonic())
                    reply = await client.control_channel.get_msg(timeout=left)
                except Exception:  # queue.Empty: the kernel does not answer debug requests
                    raise NotebookError(f"the kernel did not answer {command} within {timeout:g} s") from None
                if reply.get("parent_header", {}).get("msg_id") == message["header"]["msg_id"]:
                    break
        content = reply.get("content", {})
        if not content.get("success", False):
            reason = content.get("message") or "no reason given"
            raise NotebookError(f"the kernel refused {command}: {reason}")
        return dict(content.get("body") or {})

    async def _run(self, api_path: str, code: str, timeout: float, sink: OutputSink) -> ExecutionResult:
        kernel_id = await self.kernel_id(api_path)
        assert kernel_id is not None
        lock = self._locks.setdefault(kernel_id, asyncio.Lock())
        async with lock:  # one agent execution at a time per kernel
            manager = self.serverapp.kernel_manager.get_kernel(kernel_id)
            client = await self._ready_client(kernel_id, manager)
            try:
                result = await self._execute(manager, client, code, timeout, sink)
            except asyncio.CancelledError:  # stopped by its caller: the kernel stops too
                _in_background(manager.interrupt_kernel())
                self._clients.pop(kernel_id, (client, None))[0].stop_channels()
                raise
            if result.status in ("timeout", "kernel_died"):  # the client's state is unknown now
                self._clients.pop(kernel_id, (client, None))[0].stop_channels()
            return result

    async def _ready_client(self, kernel_id: str, manager: Any) -> Any:
        """A client of the kernel that answers, kept for the next run (making one costs ~0.2 s).

        A dead kernel is never restarted here: jupyter_client's own restarter does that, and two
        owners restarting one kernel break it. We wait for the restart, or say it did not come.
        """
        self._forget_gone_kernels()
        cached = self._clients.get(kernel_id)
        # after a restart (by anyone: a new process) the old client's sockets may have missed
        # messages while they reconnected: a new client
        if cached is not None and cached[1] is _process(manager) and await _alive(manager):
            return cached[0]
        if cached is not None:
            cached[0].stop_channels()
            del self._clients[kernel_id]
        deadline = time.monotonic() + KERNEL_READY_SECONDS
        while time.monotonic() < deadline:
            if kernel_id not in self.serverapp.kernel_manager.list_kernel_ids():
                raise NotebookError("the notebook's kernel died and was not restarted; start it again")
            if not await _alive(manager):
                if not getattr(manager, "autorestart", True):
                    raise NotebookError("the notebook's kernel is dead; restart it (restart_kernel)")
                await asyncio.sleep(0.5)  # its restarter brings it back
                continue
            client = manager.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
            except (RuntimeError, TimeoutError):  # "Kernel died before replying": restarting
                client.stop_channels()
                await asyncio.sleep(0.5)
                continue
            self._clients[kernel_id] = (client, _process(manager))
            return client
        raise NotebookError(
            f"the notebook's kernel did not answer within {KERNEL_READY_SECONDS:g} s; restart it "
            "(or check its kernelspec)"
        )

    def _forget_gone_kernels(self) -> None:
        running = set(self.serverapp.kernel_manager.list_kernel_ids())
        for kernel_id in [k for k in self._clients if k not in running]:
            self._clients.pop(kernel_id)[0].stop_channels()
            self._locks.pop(kernel_id, None)

    def close(self) -> None:
        for client, _ in self._clients.values():
            client.stop_channels()
        self._clients.clear()

    async def _execute(
        self, manager: Any, client: Any, code: str, timeout: float, sink: OutputSink
    ) -> ExecutionResult:
        def hook(message: dict[str, Any]) -> None:
            if message["header"]["msg_type"] == "clear_output":
                sink.clear()
            elif (output := to_output(message)) is not None:
                sink.add(output)

        execution = asyncio.ensure_future(
            client.execute_interactive(
                code, output_hook=hook, timeout=timeout, allow_stdin=False, stop_on_error=False
            )
        )
        watchdog = asyncio.ensure_future(_wait_for_death(manager, _process(manager)))
        try:
            done, _ = await asyncio.wait({execution, watchdog}, return_when=asyncio.FIRST_COMPLETED)
            if watchdog in done:
                execution.cancel()
                return ExecutionResult(
                    status="kernel_died",
                    outputs=sink.collected(),
                    message="the kernel died while running the code",
                )
            try:
                reply = execution.result()
            except TimeoutError:
                with contextlib.suppress(Exception):
                    await manager.interrupt_kernel()
                return ExecutionResult(
                    status="timeout",
                    outputs=sink.collected(),
                    message=f"still running after {timeout:g} s: the kernel was interrupted",
                )
        finally:
            watchdog.cancel()
            execution.cancel()  # done already, unless the caller cancelled us
        content = reply.get("content", {})
        status: Status = (
            "too_large" if sink.too_large else ("error" if content.get("status") == "error" else "ok")
        )
        message = (
            f"the output passed {self.max_output_bytes / 1e6:g} MB and was cut" if sink.too_large else ""
        )
        return ExecutionResult(
            status=status,
            execution_count=content.get("execution_count"),
            outputs=sink.collected(),
            message=message,
        )


_background: set[asyncio.Future[Any]] = set()


def _in_background(awaitable: Any) -> None:
    """Finish something after a cancellation (which forbids awaiting it here), keeping a reference."""
    future = asyncio.ensure_future(awaitable)
    _background.add(future)
    future.add_done_callback(_background.discard)


def _process(manager: Any) -> Any:
    """The kernel's current process (a restart makes a new one; the provisioner stays)."""
    provisioner = getattr(manager, "provisioner", None)
    return getattr(provisioner, "process", None) or provisioner


async def _alive(manager: Any) -> bool:
    alive = manager.is_alive()
    return bool(await alive) if asyncio.iscoroutine(alive) else bool(alive)


async def _wait_for_death(manager: Any, process: Any) -> None:
    """Returns when the kernel is dead, or was replaced by a new process (it died and was
    restarted between two looks): either way the code it was running is gone."""
    while await _alive(manager) and _process(manager) is process:
        await asyncio.sleep(0.2)

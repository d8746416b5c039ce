"""The tools for kernels: kernelspecs, running kernels, starting or attaching one to a notebook,
interrupting, restarting, shutting down, and the variables a kernel holds.

Kernels are Jupyter's own (its kernel and session managers): JupyterLab shows what these do.
"""

from __future__ import annotations

import ast
import json
from typing import Any

from pydantic import Field

from ..documents.notebook import NotebookError
from .inputs import PathInput, ToolInput
from .tool_base import ToolContext, ToolResult


class KernelInput(ToolInput):
    path: str | None = Field(None, description="a notebook: its kernel")
    kernel_id: str | None = Field(None, description="or a running kernel's id (list_kernels)")


class StartKernelInput(PathInput):
    kernel_name: str | None = Field(
        None, description="a kernelspec (list_kernelspecs); the notebook's own by default"
    )
    kernel_id: str | None = Field(None, description="attach the notebook to this running kernel instead")


# One expression per language: the user's variables as JSON [name, type, shape or length]
VARIABLES = {
    "python": (
        "__import__('json').dumps([[k, type(v).__name__, str(getattr(v, 'shape', '') or "
        "(len(v) if hasattr(v, '__len__') and not isinstance(v, type) else ''))] "
        "for k, v in list(globals().items()) if not k.startswith('_') and k not in "
        "('In', 'Out', 'exit', 'quit', 'get_ipython') and not callable(v) and "
        "type(v).__name__ != 'module'][:300])"
    ),
}


def _sessions(ctx: ToolContext) -> Any:
    return ctx.serverapp.session_manager


async def _kernel_of(ctx: ToolContext, args: KernelInput) -> str:
    if args.kernel_id:
        if args.kernel_id not in ctx.serverapp.kernel_manager.list_kernel_ids():
            raise NotebookError(f"no running kernel {args.kernel_id} (list_kernels says which run)")
        return args.kernel_id
    if not args.path:
        raise NotebookError("say which kernel: a notebook's `path` or a `kernel_id`")
    kernel_id = await ctx.executor.kernel_id(ctx.notebook_path(args.path), start=False)
    if kernel_id is None:
        raise NotebookError(f"{args.path} has no running kernel (start one with start_kernel)")
    return kernel_id


async def list_kernelspecs(ctx: ToolContext, args: ToolInput) -> ToolResult:
    specs = ctx.serverapp.kernel_spec_manager.get_all_specs()
    default = ctx.serverapp.kernel_manager.default_kernel_name
    lines = [
        f"{name}: {spec['spec'].get('display_name')} ({spec['spec'].get('language')})"
        + (" [default]" if name == default else "")
        for name, spec in sorted(specs.items())
    ]
    return ToolResult.text("\n".join(lines) or "(no kernelspecs)")


async def list_kernels(ctx: ToolContext, args: ToolInput) -> ToolResult:
    sessions = await _sessions(ctx).list_sessions()
    by_kernel = {s["kernel"]["id"]: s.get("path") for s in sessions if s.get("kernel")}
    lines = [
        f"{k['id']} {k.get('name')} {k.get('execution_state')} notebook={by_kernel.get(k['id'], '-')}"
        for k in ctx.executor.kernels()
    ]
    return ToolResult.text("\n".join(lines) or "(no running kernels)")


async def start_kernel(ctx: ToolContext, args: StartKernelInput) -> ToolResult:
    api_path = ctx.notebook_path(args.path)
    ctx.layer.require_file(api_path)
    sessions = _sessions(ctx)
    existing = next((s for s in await sessions.list_sessions() if s.get("path") == api_path), None)
    if args.kernel_id and args.kernel_id not in ctx.serverapp.kernel_manager.list_kernel_ids():
        raise NotebookError(f"no running kernel {args.kernel_id} (list_kernels says which run)")
    if existing is not None and args.kernel_id:
        await sessions.update_session(existing["id"], kernel_id=args.kernel_id)
        return ToolResult.text(f"{api_path} is now attached to kernel {args.kernel_id}")
    if existing is not None and existing.get("kernel") and not args.kernel_name:
        kernel = existing["kernel"]
        return ToolResult.text(f"{api_path} has a running kernel already: {kernel['id']} ({kernel['name']})")
    if existing is not None:
        await sessions.delete_session(existing["id"])  # a different kernelspec: a new session
    model = await ctx.executor.start_session(api_path, args.kernel_name, args.kernel_id)
    kernel = model["kernel"]
    return ToolResult.text(f"{api_path} runs in kernel {kernel['id']} ({kernel['name']})")


async def interrupt_kernel(ctx: ToolContext, args: KernelInput) -> ToolResult:
    kernel_id = await _kernel_of(ctx, args)
    await ctx.serverapp.kernel_manager.interrupt_kernel(kernel_id)
    return ToolResult.text(f"interrupted kernel {kernel_id}")


async def restart_kernel(ctx: ToolContext, args: KernelInput) -> ToolResult:
    kernel_id = await _kernel_of(ctx, args)
    await ctx.serverapp.kernel_manager.restart_kernel(kernel_id)
    return ToolResult.text(f"restarted kernel {kernel_id}: its variables are gone")


async def shutdown_kernel(ctx: ToolContext, args: KernelInput) -> ToolResult:
    kernel_id = await _kernel_of(ctx, args)
    for session in await _sessions(ctx).list_sessions():
        if (session.get("kernel") or {}).get("id") == kernel_id:
            await _sessions(ctx).delete_session(session["id"])  # the notebook's session goes too
    if kernel_id in ctx.serverapp.kernel_manager.list_kernel_ids():
        await ctx.serverapp.kernel_manager.shutdown_kernel(kernel_id)
    return ToolResult.text(f"shut down kernel {kernel_id}")


async def kernel_variables(ctx: ToolContext, args: KernelInput) -> ToolResult:
    kernel_id = await _kernel_of(ctx, args)
    kernel = ctx.serverapp.kernel_manager.get_kernel(kernel_id)
    spec = ctx.serverapp.kernel_spec_manager.get_kernel_spec(kernel.kernel_name)
    language = (spec.language or "").lower()
    expression = VARIABLES.get(language)
    if expression is not None:  # with shapes, in one silent expression
        text = await ctx.executor.evaluate(kernel_id, expression)
        rows = json.loads(ast.literal_eval(text))  # the repr of a JSON string
        lines = [f"{name}: {kind}" + (f" {shape}" if shape else "") for name, kind, shape in rows]
    elif (spec.metadata or {}).get("debugger"):  # any kernel with a debugger (what JupyterLab's shows)
        body = await ctx.executor.debug_request(kernel_id, "inspectVariables")
        lines = [
            f"{v.get('name')}: {v.get('type') or '?'} = {str(v.get('value', ''))[:120]}"
            for v in body.get("variables", [])[:300]
        ]
    else:
        raise NotebookError(
            f"this {language or 'unknown language'} kernel has no debugger to list its variables "
            "(its kernelspec does not declare one); run code that prints them with execute_code"
        )
    return ToolResult.text("\n".join(lines) or "(no variables)")

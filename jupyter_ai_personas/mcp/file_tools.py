"""The tools that change files: write, find-and-replace, rename, delete, and find files by glob.

Writes into a document someone has open go into the live document, keeping their typing; the
rest goes through Jupyter's ContentsManager. Nothing hidden or protected is changed (`writable_path`).
"""

from __future__ import annotations

from pydantic import Field

from ..documents.notebook import NotebookError
from ..documents.text_files import maybe_await
from .inputs import PathInput, ToolInput
from .read_tools import visible_files
from .tool_base import MAX_LISTED, ToolContext, ToolResult


class WriteFileInput(PathInput):
    content: str = Field(description="the file's whole new text")


class EditFileInput(PathInput):
    old_text: str = Field(min_length=1, description="text in the file now, to replace")
    new_text: str = Field(description="its replacement")
    replace_all: bool = Field(False, description="replace every occurrence (else it must be unique)")


class RenameInput(PathInput):
    new_path: str = Field(description="the new path, relative to the server root")


class GlobInput(ToolInput):
    pattern: str = Field(
        description="a glob over file names or paths from the server root, e.g. *.py or data/*.csv"
    )
    path: str = Field(".", description="the folder to look under")


async def write_file(ctx: ToolContext, args: WriteFileInput) -> ToolResult:
    api_path = ctx.writable_path(args.path)
    if api_path.endswith(".ipynb"):
        raise NotebookError("a notebook is changed cell by cell (insert_cell, edit_cell), not written whole")
    existed = (ctx.root / api_path).exists()
    live = await ctx.files.write(api_path, args.content, ctx.reads.base(ctx.reader, api_path, ""))
    ctx.reads.remember(ctx.reader, api_path, "", args.content)
    where = " (into the open document: what others typed is kept)" if live else ""
    return ToolResult.text(f"{'updated' if existed else 'created'} {api_path}{where}")


async def edit_file(ctx: ToolContext, args: EditFileInput) -> ToolResult:
    api_path = ctx.writable_path(args.path)
    if api_path.endswith(".ipynb"):
        raise NotebookError("use replace_in_cell to change a notebook's cell")
    files = ctx.files
    text = await files.read(api_path)
    count = text.count(args.old_text)
    if count == 0:
        raise NotebookError(f"{api_path}: old_text is not in the file (read it again: it may have changed)")
    if count > 1 and not args.replace_all:
        raise NotebookError(f"{api_path}: old_text occurs {count} times; give more context or replace_all")
    changed = text.replace(args.old_text, args.new_text, -1 if args.replace_all else 1)
    await files.write(api_path, changed, text)
    ctx.reads.remember(ctx.reader, api_path, "", changed)
    return ToolResult.text(f"{api_path}: replaced {count if args.replace_all else 1} occurrence(s)")


async def rename_path(ctx: ToolContext, args: RenameInput) -> ToolResult:
    old, new = ctx.writable_path(args.path), ctx.writable_path(args.new_path)
    if not (ctx.root / old).exists():
        raise NotebookError(f"{old}: no such file or folder")
    if (ctx.root / new).exists():
        raise NotebookError(f"{new} already exists")
    (ctx.root / new).parent.mkdir(parents=True, exist_ok=True)  # as `mv` into a new folder would
    await maybe_await(ctx.layer.contents.rename(old, new))
    return ToolResult.text(f"renamed {old} to {new}")


async def delete_path(ctx: ToolContext, args: PathInput) -> ToolResult:
    api_path = ctx.writable_path(args.path)
    if api_path in ("", "."):
        raise NotebookError("the server root cannot be deleted")
    if not (ctx.root / api_path).exists():
        raise NotebookError(f"{api_path}: no such file or folder")
    # the ContentsManager moves it to the trash where the server is set up to (delete_to_trash)
    await maybe_await(ctx.layer.contents.delete(api_path))
    return ToolResult.text(f"deleted {api_path}")


async def glob_files(ctx: ToolContext, args: GlobInput) -> ToolResult:
    found = [p.relative_to(ctx.root).as_posix() for p in visible_files(ctx.layer, args.path, args.pattern)]
    more = f"\n(first {MAX_LISTED} of {len(found)})" if len(found) > MAX_LISTED else ""
    return ToolResult.text("\n".join(found[:MAX_LISTED]) + more if found else "no file matches")

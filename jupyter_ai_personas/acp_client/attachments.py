"""What a person attached to a message (a file, notebook cells, a selection) as ACP content.

A file goes as a resource link (the agent reads it itself); an image as image content, when the
agent takes images (`promptCapabilities.image`). Cells and selections go with their
text as it is now in the live notebook or file, so the agent sees what the person sees (a
selection's lines are cut from that text, never taken from the chat): embedded resources when
the agent takes them (`promptCapabilities.embeddedContext`), else a link and a text block. The
URI names the cell and lines (`nb.ipynb#cell=<id>&lines=3-7`). Every path is confined like the
notebook tools (inside the root, hidden files only where Jupyter serves them) and, since anyone
who writes the chat could forge an attachment, nothing is read that a person would be asked
about (hidden, protected or persona folders); counts and sizes are capped.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from acp import embedded_text_resource, image_block, resource_block, resource_link_block, text_block
from jupyter_ydoc import YNotebook
from jupyterlab_chat.models import (
    AttachmentSelection,
    FileAttachment,
    Message,
    NotebookAttachment,
    NotebookAttachmentCell,
)
from jupyterlab_chat.ychat import YChat

from ..documents.layer import DocumentLayer
from ..documents.notebook import NotebookError, cell_content, cell_ids, one_transaction
from ..documents.text_files import TextFiles

MAX_ATTACHED_CHARS = 100_000  # per cell or selection: a whole notebook is read with the tools
MAX_IMAGE_BYTES = 5_000_000  # what model APIs take per image
MAX_FILE_BYTES = 2_000_000  # a text file whose lines are attached
MAX_ATTACHMENTS = 20  # per message, and cells per notebook attachment
MAX_TOTAL_BYTES = 20_000_000  # text and (base64) images of one message's attachments
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


@dataclass
class Excerpt:
    """One piece of text a person attached, and where it comes from."""

    uri: str
    label: str  # "analysis.ipynb, cell 3 (abc123), lines 2-4"
    text: str
    language: str = ""


def _selected(text: str, selection: AttachmentSelection | None) -> tuple[str, str]:
    """(URI fragment for the lines, their text as it is now): the selection's lines cut from
    the current text, not the text the chat recorded (a forged or stale selection shows what
    is really there)."""
    if selection is None:
        return "", text
    first, last = sorted((int(selection.start[0]), int(selection.end[0])))  # Yjs numbers are floats
    lines = text.splitlines(keepends=True)
    if not 0 <= first < len(lines):
        return f"lines={first + 1}", "(those lines are no longer there)"
    last = min(last, len(lines) - 1)
    fragment = f"lines={first + 1}-{last + 1}" if last != first else f"lines={first + 1}"
    return fragment, "".join(lines[first : last + 1]).rstrip("\n")


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ATTACHED_CHARS else text[:MAX_ATTACHED_CHARS] + "\n… (cut)"


def _cell_excerpt(
    notebook: YNotebook, ids: list[str], cell: NotebookAttachmentCell, api_path: str, uri: str
) -> Excerpt:
    if cell.id not in ids:
        gone = "(this cell is no longer in the notebook)"
        return Excerpt(f"{uri}#cell={cell.id}", f"{api_path}, cell {cell.id}", gone)
    index = ids.index(cell.id)
    content = cell_content(notebook.ycells[index])
    source = content.get("source", "")
    lines, text = _selected("".join(source) if isinstance(source, list) else str(source), cell.selection)
    where = f"cell {index + 1} ({cell.id})" + (f", {lines.replace('=', ' ')}" if lines else "")
    fragment = f"cell={cell.id}" + (f"&{lines}" if lines else "")
    language = "python" if content.get("cell_type") == "code" else ""
    return Excerpt(f"{uri}#{fragment}", f"{api_path}, {where}", _cut(text), language)


async def _notebook_excerpts(
    attachment: NotebookAttachment, api_path: str, uri: str, documents: DocumentLayer
) -> list[Excerpt]:
    async with documents.notebook(api_path) as notebook:
        with one_transaction(notebook):
            ids = cell_ids(notebook)
            cells = (attachment.cells or [])[:MAX_ATTACHMENTS]
            return [_cell_excerpt(notebook, ids, cell, api_path, uri) for cell in cells]


async def _file_text(api_path: str, documents: DocumentLayer) -> str:
    """A text file as people see it now (the open document's content, else the file's)."""
    if documents.require_file(api_path).stat().st_size > MAX_FILE_BYTES:
        raise NotebookError(f"{api_path}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
    return await TextFiles(documents, documents.contents, documents.root).read(api_path)


def _read_at_most(path: Path, limit: int) -> bytes:
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise NotebookError(f"{path.name}: larger than {limit // 1_000_000} MB")
    return data


def _attachment(data: Any) -> FileAttachment | NotebookAttachment:
    """jupyterlab-chat's dataclasses from the chat's data; NotebookError when it is not one."""
    try:
        if data.get("type") == "notebook":
            return NotebookAttachment(**data)
        selection = data.get("selection")
        if isinstance(selection, dict):
            data = {**data, "selection": AttachmentSelection(**selection)}
        return FileAttachment(**data)
    except (AttributeError, TypeError, KeyError) as exc:
        raise NotebookError(f"an attachment that could not be read ({exc})") from None


async def excerpts_of(attachment: Any, documents: DocumentLayer) -> tuple[str, str, list[Excerpt]]:
    """(api path, file URI, excerpts with text) of one attachment; NotebookError if refused."""
    api_path = documents.api_path(str(attachment.value))
    concern = documents.rules.concern(str(documents.root / api_path), reading=True)
    if concern is not None:  # what a person would be asked about: never read for an attachment
        raise NotebookError(f"{api_path}: {concern}")
    uri = (documents.root / api_path).as_uri()
    if isinstance(attachment, NotebookAttachment) and attachment.cells:
        return api_path, uri, await _notebook_excerpts(attachment, api_path, uri, documents)
    if isinstance(attachment, FileAttachment) and attachment.selection is not None:
        lines, text = _selected(await _file_text(api_path, documents), attachment.selection)
        suffix = PurePosixPath(api_path).suffix.lstrip(".")
        label = f"{api_path}, {lines.replace('=', ' ')}"
        return api_path, uri, [Excerpt(f"{uri}#{lines}", label, _cut(text), suffix)]
    return api_path, uri, []


async def _image(api_path: str, documents: DocumentLayer, takes_images: bool) -> Any | None:
    """An attached image as ACP image content; None when it is not an image. NotebookError when
    the agent takes no images or it is too large (said in the chat: the link alone would mislead)."""
    mime = IMAGE_TYPES.get(PurePosixPath(api_path).suffix.lower())
    if mime is None:
        return None
    if not takes_images:
        raise NotebookError(f"{api_path}: this agent does not take images")
    path = documents.require_file(api_path)
    data = await asyncio.to_thread(_read_at_most, path, MAX_IMAGE_BYTES)
    return image_block(base64.b64encode(data).decode("ascii"), mime, uri=path.as_uri())


def _size(block: Any) -> int:
    resource = getattr(block, "resource", None)
    return len(
        getattr(block, "data", "") or getattr(block, "text", "") or getattr(resource, "text", "") or ""
    )


async def attachment_blocks(
    message: Message, ychat: YChat, documents: DocumentLayer, *, embedded: bool, images: bool
) -> tuple[list[Any], list[str]]:
    """The content blocks for a message's attachments, and what was refused (to tell the person).
    At most `MAX_ATTACHMENTS`, and `MAX_TOTAL_BYTES` of text and images together."""
    if not message.attachments:
        return [], []
    known = ychat.yattachments.to_py() or {}
    ids = list(dict.fromkeys(message.attachments))  # each once, in order
    refused = (
        [f"only the first {MAX_ATTACHMENTS} attachments are given"] if len(ids) > MAX_ATTACHMENTS else []
    )
    blocks: list[Any] = []
    total = 0
    for attachment_id in ids[:MAX_ATTACHMENTS]:
        try:
            attachment = _attachment(known.get(attachment_id))
            api_path, uri, excerpts = await excerpts_of(attachment, documents)
            image = await _image(api_path, documents, images) if not excerpts else None
        except NotebookError as exc:
            refused.append(str(exc))
            continue
        except Exception as exc:  # a malformed attachment: said, and the others still go
            refused.append(f"an attachment that could not be read ({type(exc).__name__})")
            continue
        found: list[Any] = []
        if image is not None:
            found.append(image)
        elif not excerpts:
            found.append(resource_link_block(PurePosixPath(api_path).name, uri))
        for excerpt in excerpts:
            if embedded:
                mime = "text/x-python" if excerpt.language == "python" else "text/plain"
                resource = embedded_text_resource(excerpt.uri, excerpt.text, mime_type=mime)
                found.append(resource_block(resource))
            else:
                found.append(resource_link_block(excerpt.label, excerpt.uri))
                found.append(text_block(f"{excerpt.label}:\n```{excerpt.language}\n{excerpt.text}\n```"))
        size = sum(map(_size, found))
        if total + size > MAX_TOTAL_BYTES:
            refused.append(f"{api_path}: the attachments together exceed {MAX_TOTAL_BYTES // 1_000_000} MB")
            continue
        total += size
        blocks.extend(found)
    return blocks, refused

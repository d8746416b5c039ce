"""What a person attached to a message (a file, notebook cells, a selection) as ACP content.

A file goes as a resource link (the agent reads it itself); an image as image content, when the
agent takes images (`promptCapabilities.image`). Cells and selections go with their
text as it is now in the live notebook, so the agent sees what the person sees: embedded
resources when the agent takes them (`promptCapabilities.embeddedContext`), else a link and a
text block. The URI names the cell and lines (`nb.ipynb#cell=<id>&lines=3-7`). Every path is
confined like the notebook tools: inside the root, hidden files only where Jupyter serves them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import PurePosixPath
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

MAX_ATTACHED_CHARS = 100_000  # per cell or selection: a whole notebook is read with the tools
MAX_IMAGE_BYTES = 5_000_000  # what model APIs take per image
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


def _lines(selection: AttachmentSelection | None) -> str:
    if selection is None:
        return ""
    start, end = int(selection.start[0]) + 1, int(selection.end[0]) + 1  # Yjs numbers are floats
    return f"lines={start}-{end}" if end != start else f"lines={start}"


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
    text = "".join(source) if isinstance(source, list) else str(source)
    if cell.selection is not None:
        text = cell.selection.content
    lines = _lines(cell.selection)
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
            return [_cell_excerpt(notebook, ids, cell, api_path, uri) for cell in attachment.cells or []]


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
    uri = (documents.root / api_path).as_uri()
    if isinstance(attachment, NotebookAttachment) and attachment.cells:
        return api_path, uri, await _notebook_excerpts(attachment, api_path, uri, documents)
    if isinstance(attachment, FileAttachment) and attachment.selection is not None:
        lines = _lines(attachment.selection)
        suffix = PurePosixPath(api_path).suffix.lstrip(".")
        label = f"{api_path}, {lines.replace('=', ' ')}"
        return api_path, uri, [Excerpt(f"{uri}#{lines}", label, _cut(attachment.selection.content), suffix)]
    return api_path, uri, []


def _image(api_path: str, documents: DocumentLayer, takes_images: bool) -> Any | None:
    """An attached image as ACP image content; None when it is not an image. NotebookError when
    the agent takes no images or it is too large (said in the chat: the link alone would mislead)."""
    mime = IMAGE_TYPES.get(PurePosixPath(api_path).suffix.lower())
    if mime is None:
        return None
    if not takes_images:
        raise NotebookError(f"{api_path}: this agent does not take images")
    path = documents.require_file(api_path)
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise NotebookError(f"{api_path}: larger than {MAX_IMAGE_BYTES // 1_000_000} MB")
    return image_block(base64.b64encode(path.read_bytes()).decode("ascii"), mime, uri=path.as_uri())


async def attachment_blocks(
    message: Message, ychat: YChat, documents: DocumentLayer, *, embedded: bool, images: bool
) -> tuple[list[Any], list[str]]:
    """The content blocks for a message's attachments, and what was refused (to tell the person)."""
    if not message.attachments:
        return [], []
    known = ychat.yattachments.to_py() or {}
    blocks: list[Any] = []
    refused: list[str] = []
    for attachment_id in message.attachments:
        try:
            attachment = _attachment(known.get(attachment_id))
            api_path, uri, excerpts = await excerpts_of(attachment, documents)
            image = _image(api_path, documents, images) if not excerpts else None
        except NotebookError as exc:
            refused.append(str(exc))
            continue
        if image is not None:
            blocks.append(image)
        elif not excerpts:
            blocks.append(resource_link_block(PurePosixPath(api_path).name, uri))
        for excerpt in excerpts:
            if embedded:
                mime = "text/x-python" if excerpt.language == "python" else "text/plain"
                resource = embedded_text_resource(excerpt.uri, excerpt.text, mime_type=mime)
                blocks.append(resource_block(resource))
            else:
                blocks.append(resource_link_block(excerpt.label, excerpt.uri))
                blocks.append(text_block(f"{excerpt.label}:\n```{excerpt.language}\n{excerpt.text}\n```"))
    return blocks, refused

"""Operations on a live notebook (a jupyter_ydoc YNotebook), addressing cells by id or index.

Sources are edited through their shared text with minimal changes, so a person typing in
the same notebook (even the same cell) keeps their edits; cell ids never change.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Literal

from jupyter_ydoc import YNotebook
from pycrdt import Array, Map, Text

from .text_edits import apply_text

CellType = Literal["code", "markdown", "raw"]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class NotebookError(Exception):
    """A request that cannot be applied to the notebook; the message says why."""


def cell_ids(notebook: YNotebook) -> list[str]:
    return [str(cell.get("id", "")) for cell in notebook.ycells]


def find_cell(notebook: YNotebook, cell_id: str | None = None, index: int | None = None) -> int:
    """The index of a cell given by id (preferred) or index."""
    count = len(notebook.ycells)
    if cell_id:
        ids = cell_ids(notebook)
        if cell_id in ids:
            return ids.index(cell_id)
        known = ", ".join(ids[:20]) + (" ..." if count > 20 else "")
        raise NotebookError(f"no cell with id {cell_id!r} (the notebook has {count} cells: {known})")
    if index is None:
        raise NotebookError("say which cell: give its `cell_id` (or `index`)")
    if not -count <= index < count:
        raise NotebookError(f"no cell at index {index} (the notebook has {count} cells)")
    if not notebook.ycells[index].get("id"):  # the answer names the cell by its id
        ensure_cell_ids(notebook)
    return index % count


def predates_cell_ids(notebook: YNotebook) -> bool:
    """Before nbformat 4.5 cell ids are not saved: jupyter_ydoc's in-memory ids change on reload."""
    return int(notebook.ydoc.get("meta", type=Map).get("nbformat_minor", 0) or 0) < 5


def ensure_cell_ids(notebook: YNotebook) -> bool:
    """Give every cell an id (nbformat 4.5) so that cells can be addressed; True if changed."""
    meta = notebook.ydoc.get("meta", type=Map)
    if int(meta.get("nbformat_minor", 0) or 0) >= 5 and all(ycell.get("id") for ycell in notebook.ycells):
        return False  # the common case, read without a transaction
    changed = False
    with notebook.ydoc.transaction():
        for ycell in notebook.ycells:
            if not ycell.get("id"):
                ycell["id"] = uuid.uuid4().hex[:8]
                changed = True
        meta = notebook.ydoc.get("meta", type=Map)
        if int(meta.get("nbformat", 4) or 4) == 4 and int(meta.get("nbformat_minor", 0) or 0) < 5:
            meta["nbformat_minor"] = 5
            changed = True
    return changed


def new_cell(notebook: YNotebook, source: str, cell_type: CellType, cell_id: str) -> Map:
    cell: dict[str, Any] = {
        "id": cell_id,
        "cell_type": cell_type,
        "source": source,
        "metadata": {},
    }
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    return notebook.create_ycell(cell)


def insert_cell(
    notebook: YNotebook, source: str, cell_type: CellType = "code", index: int | None = None
) -> str:
    return insert_cell_at(notebook, source, cell_type, index)[0]


def insert_cell_at(
    notebook: YNotebook, source: str, cell_type: CellType = "code", index: int | None = None
) -> tuple[str, int]:
    """Insert a cell (at the end, or at `index`; negative counts from the end); its id and index."""
    if predates_cell_ids(notebook):
        ensure_cell_ids(notebook)  # a cell with an id makes it nbformat 4.5, whose cells all have one
    count = len(notebook.ycells)
    position = count if index is None else max(0, min(index if index >= 0 else count + 1 + index, count))
    cell_id = uuid.uuid4().hex[:8]
    notebook.ycells.insert(position, new_cell(notebook, source, cell_type, cell_id))
    return cell_id, position


def edit_cell(notebook: YNotebook, index: int, source: str) -> bool:
    ensure_cell_ids(notebook)
    ycell = notebook.ycells[index]
    text = ycell.get("source")
    if not isinstance(text, Text):  # an unusual document: replace what is there
        ycell["source"] = Text(source)
        return True
    return apply_text(text, source)


def replace_in_cell(notebook: YNotebook, index: int, old: str, new: str, replace_all: bool = False) -> int:
    """Replace `old` by `new` in a cell's live source, touching nothing else; how many were replaced."""
    ensure_cell_ids(notebook)
    ycell = notebook.ycells[index]
    text = ycell.get("source")
    if not isinstance(text, Text):
        text = ycell["source"] = Text(str(text or ""))
    live = str(text)
    count = live.count(old)
    cell_id = ycell.get("id")
    if count == 0:
        raise NotebookError(
            f"cell {cell_id} does not contain `old_text` (read it again: it may have changed)"
        )
    if count > 1 and not replace_all:
        raise NotebookError(
            f"`old_text` appears {count} times in cell {cell_id}: give more context, or set replace_all"
        )
    positions, start = [], live.find(old)
    while start != -1:
        positions.append(start)
        start = live.find(old, start + len(old))
    with notebook.ydoc.transaction():
        for position in reversed(positions if replace_all else positions[:1]):
            del text[position : position + len(old)]
            if new:
                text.insert(position, new)
    return len(positions) if replace_all else 1


def delete_cell(notebook: YNotebook, index: int) -> None:
    del notebook.ycells[index]


def move_cell(notebook: YNotebook, index: int, to_index: int) -> None:
    count = len(notebook.ycells)
    target = max(0, min(to_index if to_index >= 0 else count + to_index, count - 1))
    if target == index:
        return
    ensure_cell_ids(notebook)
    cell = notebook.get_cell(index)  # the same id, source, outputs and metadata, re-created
    with notebook.ydoc.transaction():
        del notebook.ycells[index]
        notebook.ycells.insert(target, notebook.create_ycell(cell))


def set_cell_type(notebook: YNotebook, index: int, cell_type: CellType) -> None:
    cell = notebook.get_cell(index)
    if cell["cell_type"] == cell_type:
        return
    replacement = new_cell(
        notebook, cell.get("source", ""), cell_type, str(cell.get("id") or uuid.uuid4().hex[:8])
    )
    with notebook.ydoc.transaction():
        del notebook.ycells[index]
        notebook.ycells.insert(index, replacement)


# -- reading --------------------------------------------------------------------------------
def output_text(output: dict[str, Any], limit: int) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else str(text)
    elif kind == "error":
        trace = ANSI.sub("", "\n".join(output.get("traceback") or [])[-2000:])
        text = f"{output.get('ename')}: {output.get('evalue')}\n{trace}".strip()
    else:
        data = output.get("data") or {}
        plain = data.get("text/plain", "")
        text = "".join(plain) if isinstance(plain, list) else str(plain)
        images = [t for t in IMAGE_TYPES if t in data]
        if images:
            text = (text + "\n" if text else "") + f"[{images[0]} image]"
    return text if len(text) <= limit else text[: limit // 2] + "\n…\n" + text[-limit // 2 :]


def output_images(outputs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(mime type, base64 data) of the images in some outputs."""
    images = []
    for output in outputs:
        data = output.get("data") or {}
        for mime in IMAGE_TYPES:
            value = data.get(mime)
            if value:
                images.append((mime, "".join(value) if isinstance(value, list) else str(value)))
                break
    return images


def one_transaction(notebook: YNotebook) -> Any:
    """One transaction around many accesses: pycrdt opens one per access otherwise."""
    return notebook.ydoc.transaction()


def cell_content(ycell: Map) -> dict[str, Any]:
    """One cell as plain data, without converting the rest of the notebook."""
    try:  # the CRDT library's own JSON, parsed in C: about 5x faster than `to_py`'s walk in Python
        cell: dict[str, Any] = json.loads(str(ycell))
    except ValueError:
        cell = ycell.to_py() or {}
    if isinstance(cell.get("execution_count"), float):  # Yjs numbers are floats
        cell["execution_count"] = int(cell["execution_count"])
    return cell


def kernel_name(notebook: YNotebook) -> str:
    metadata = notebook.ydoc.get("meta", type=Map).get("metadata")
    kernelspec = metadata.get("kernelspec") if isinstance(metadata, Map) else None
    name = kernelspec.get("name") if isinstance(kernelspec, Map) else None
    return str(name) if name else "no kernel"


def describe_cell(cell: dict[str, Any], index: int, *, outputs: bool, limit: int) -> str:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    head = f"[{index}] {cell.get('cell_type')} cell id={cell.get('id')}"
    if cell.get("cell_type") == "code":
        head += f" execution_count={cell.get('execution_count')}"
    lines = [head, source]
    if outputs and cell.get("outputs"):
        shown = [output_text(o, limit) for o in cell["outputs"]]
        lines.append("outputs:\n" + "\n".join(s for s in shown if s))
    return "\n".join(lines)


def describe_notebook(notebook: YNotebook, path: str, *, outputs: bool = True, limit: int = 2000) -> str:
    content = notebook.get()
    kernel = (content.get("metadata", {}).get("kernelspec") or {}).get("name", "no kernel")
    cells = content.get("cells", [])
    parts = [f"{path}: {len(cells)} cells, kernel {kernel}"]
    parts += [describe_cell(cell, i, outputs=outputs, limit=limit) for i, cell in enumerate(cells)]
    return "\n\n".join(parts)


def youtputs(ycell: Map) -> Array:
    outputs = ycell.get("outputs")
    if not isinstance(outputs, Array):
        outputs = ycell["outputs"] = Array()
    return outputs

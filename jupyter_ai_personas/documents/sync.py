"""Apply a whole notebook (as an agent wrote it to a file) to the live notebook, cell by cell.

Cells are matched by id: changed sources get minimal edits, new cells are inserted, cells
that are gone are deleted. The live cells keep their identity, and what people typed in
cells the agent did not change is kept.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import nbformat
from jupyter_ydoc import YNotebook

from .notebook import NotebookError, cell_ids, edit_cell, new_cell, set_cell_type
from .text_edits import EditConflict, rebase


def _cells(text: str) -> list[dict[str, Any]]:
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:
        raise NotebookError(f"not a valid notebook: {exc}") from None
    return json.loads(json.dumps(notebook.cells))


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def apply_notebook_json(notebook: YNotebook, text: str, base_text: str | None = None) -> None:
    """Make the live notebook follow `text`; with `base_text` (what the writer had read), only
    the cells the writer changed, added or removed are touched."""
    cells = _cells(text)
    base = {str(c.get("id")): c for c in _cells(base_text)} if base_text is not None else None
    wanted_ids = [str(c.get("id") or "") for c in cells]
    with notebook.ydoc.transaction():
        for index in reversed(range(len(notebook.ycells))):
            cell_id = cell_ids(notebook)[index]
            removed_by_writer = base is None or cell_id in base
            if cell_id not in wanted_ids and removed_by_writer:
                del notebook.ycells[index]
        for position, cell in enumerate(cells):
            source = _source(cell)
            current = cell_ids(notebook)
            cell_id = str(cell.get("id") or "")
            if cell_id and cell_id in current:
                index = current.index(cell_id)
                before = base.get(cell_id) if base is not None else None
                if (
                    before is not None
                    and _source(before) == source
                    and before.get("cell_type") == cell["cell_type"]
                ):
                    continue  # the writer did not change this cell: keep it as people have it
                target = min(position, len(notebook.ycells) - 1)
                if index != target and base is None:
                    moved = notebook.get_cell(index)
                    del notebook.ycells[index]
                    notebook.ycells.insert(target, notebook.create_ycell(moved))
                    index = target
                set_cell_type(notebook, index, cell["cell_type"])
                live = str(notebook.ycells[index]["source"])
                try:
                    merged = rebase(_source(before), live, source) if before else source
                except EditConflict as exc:
                    raise NotebookError(f"cell {cell_id}: {exc}; read the notebook again") from None
                edit_cell(notebook, index, merged)
            else:
                ycell = new_cell(notebook, source, cell["cell_type"], cell_id or uuid.uuid4().hex[:8])
                notebook.ycells.insert(min(position, len(notebook.ycells)), ycell)

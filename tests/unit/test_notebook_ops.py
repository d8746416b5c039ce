"""Notebook operations on a real YNotebook: ids, minimal edits, moves, whole-notebook writes."""

from __future__ import annotations

import nbformat
import pytest
from jupyter_ydoc import YNotebook
from pycrdt import Doc, Map

from jupyter_ai_personas.documents import notebook as ops
from jupyter_ai_personas.documents.sync import apply_notebook_json


def notebook(*sources: str) -> YNotebook:
    document = YNotebook()
    content = nbformat.v4.new_notebook()
    content.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    for index, cell in enumerate(content.cells):
        cell["id"] = f"c{index}"
    document.set(content)
    return document


def test_cells_are_found_by_id_or_index_with_clear_errors():
    document = notebook("a", "b")
    assert ops.find_cell(document, "c1") == 1 and ops.find_cell(document, index=-1) == 1
    with pytest.raises(ops.NotebookError, match="no cell with id 'x'.*c0, c1"):
        ops.find_cell(document, "x")
    with pytest.raises(ops.NotebookError, match="no cell at index 5"):
        ops.find_cell(document, index=5)


def test_a_cell_found_by_index_has_an_id_to_be_named_by():
    document = notebook("a", "b")
    del document.ycells[1]["id"]  # e.g. inserted by a client that gives none
    assert ops.find_cell(document, index=1) == 1
    given = ops.cell_ids(document)[1]
    assert given and ops.find_cell(document, given) == 1


def test_edits_are_minimal_so_concurrent_typing_merges():
    person = notebook("import math\nx = 1\n")
    agent = YNotebook(Doc())
    agent.ydoc.apply_update(person.ydoc.get_update())
    state = person.ydoc.get_state()
    person.ycells[0]["source"].insert(0, "# typed\n")
    ops.edit_cell(agent, 0, "import math\nx = 2\n")
    person.ydoc.apply_update(agent.ydoc.get_update(state))
    assert str(person.ycells[0]["source"]) == "# typed\nimport math\nx = 2\n"


def test_insert_move_and_type_change_keep_ids():
    document = notebook("a", "b")
    new = ops.insert_cell(document, "# Title", "markdown", 0)
    ops.move_cell(document, 0, 2)
    ops.set_cell_type(document, 2, "raw")
    assert ops.cell_ids(document) == ["c0", "c1", new]
    assert document.get_cell(2)["cell_type"] == "raw" and document.get_cell(2)["source"] == "# Title"


def test_old_notebooks_are_upgraded_to_4_5_on_their_first_edit():
    document = notebook("a")
    document.ydoc.get("meta", type=Map)["nbformat_minor"] = 4
    ops.insert_cell(document, "b")
    assert document.get()["nbformat_minor"] == 5


def test_a_whole_notebook_write_touches_only_what_the_writer_changed():
    document = notebook("a = 1", "b = 2")
    base = nbformat.writes(nbformat.from_dict(document.get()))
    document.ycells[1]["source"].insert(0, "# person\n")  # a person edits cell c1 meanwhile
    ops.insert_cell(document, "person's new cell")  # and adds a cell
    written = nbformat.from_dict(nbformat.reads(base, as_version=4))
    written.cells[0].source = "a = 10"
    apply_notebook_json(document, nbformat.writes(written), base)
    sources = [c["source"] for c in document.get()["cells"]]
    assert sources == ["a = 10", "# person\nb = 2", "person's new cell"]
    with pytest.raises(ops.NotebookError, match="not a valid notebook"):
        apply_notebook_json(document, "{not json", base)

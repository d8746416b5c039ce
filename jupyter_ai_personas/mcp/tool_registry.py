"""Every tool the MCP endpoint lists, with its description and input model."""

from __future__ import annotations

from .cell_tools import (
    create_notebook,
    delete_cell,
    edit_cell,
    execute_cell,
    execute_cells,
    execute_code,
    insert_and_execute_cell,
    insert_cell,
    move_cell,
    replace_in_cell,
    restart_kernel,
    set_cell_type,
)
from .inputs import (
    CellInput,
    CellTypeInput,
    CreateNotebookInput,
    EditCellInput,
    ExecuteCellInput,
    ExecuteCellsInput,
    ExecuteCodeInput,
    InsertCellInput,
    InsertExecuteInput,
    ListFilesInput,
    MoveCellInput,
    PathInput,
    ReadFileInput,
    ReadNotebookInput,
    ReplaceInCellInput,
    SearchInput,
    ToolInput,
)
from .tools import (
    Tool,
    list_files,
    list_kernels,
    list_notebooks,
    read_cell,
    read_file,
    read_notebook,
    search_notebooks,
)

TOOLS = [
    Tool("list_files", "List files in a folder of the Jupyter server", ListFilesInput, list_files, True),
    Tool(
        "read_file",
        "Read a text file (its live content if someone has it open)",
        ReadFileInput,
        read_file,
        True,
    ),
    Tool(
        "list_notebooks",
        "List the notebooks under a folder; open ones are marked",
        ListFilesInput,
        list_notebooks,
        True,
    ),
    Tool("list_kernels", "List running kernels and their notebooks", ToolInput, list_kernels, True),
    Tool(
        "read_notebook",
        "Read a notebook: every cell with its id, source and outputs",
        ReadNotebookInput,
        read_notebook,
        True,
    ),
    Tool("read_cell", "Read one cell, by id (or index)", CellInput, read_cell, True),
    Tool(
        "search_notebooks",
        "Search the cells of every notebook under a folder",
        SearchInput,
        search_notebooks,
        True,
    ),
    Tool("insert_cell", "Insert a cell into a live notebook; returns its id", InsertCellInput, insert_cell),
    Tool(
        "edit_cell",
        "Replace a cell's whole source: your changes since you read it are applied, others' "
        "typing is kept; a clash in the same text is refused",
        EditCellInput,
        edit_cell,
    ),
    Tool(
        "replace_in_cell",
        "Replace one exact piece of a cell's source (unique unless replace_all), touching nothing else",
        ReplaceInCellInput,
        replace_in_cell,
    ),
    Tool("delete_cell", "Delete a cell", CellInput, delete_cell),
    Tool("move_cell", "Move a cell to another position", MoveCellInput, move_cell),
    Tool("set_cell_type", "Change a cell's type (code, markdown, raw)", CellTypeInput, set_cell_type),
    Tool("create_notebook", "Create a new notebook", CreateNotebookInput, create_notebook),
    Tool(
        "execute_cell",
        "Run a code cell in the notebook's kernel; outputs appear live",
        ExecuteCellInput,
        execute_cell,
    ),
    Tool(
        "insert_and_execute_cell",
        "Insert a code cell and run it",
        InsertExecuteInput,
        insert_and_execute_cell,
    ),
    Tool(
        "execute_cells",
        "Run a range of cells (or all) in order, stopping at an error",
        ExecuteCellsInput,
        execute_cells,
    ),
    Tool(
        "execute_code",
        "Run code in the notebook's kernel without adding a cell",
        ExecuteCodeInput,
        execute_code,
    ),
    Tool("restart_kernel", "Restart the notebook's kernel", PathInput, restart_kernel),
]
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}

"""Every tool the gateway lists: the built-in ones (by area, with what they do to the workspace)
and the extension tools (`extension_tools`)."""

from __future__ import annotations

from typing import Any, Protocol

from mcp import types

from . import cell_tools as cells
from . import file_tools as files
from . import git_tools as vcs
from . import inputs as i
from . import kernel_tools as kernels
from . import lab_tools as lab
from . import read_tools as reads
from . import terminal_tools as terminals
from .extension_tools import ExtensionTool, discover
from .tool_base import Tool, ToolContext, ToolResult

BUILT_IN = [
    # files
    Tool("list_files", "List a folder of the Jupyter server", i.ListFilesInput, reads.list_files, "read"),
    Tool("glob_files", "Find files by name or path glob", files.GlobInput, files.glob_files, "read"),
    Tool(
        "read_file",
        "Read a text file (as it is now if someone has it open)",
        i.ReadFileInput,
        reads.read_file,
        "read",
    ),
    Tool(
        "search",
        "Search files and notebook cells for a text or regex; open documents as they are now",
        reads.SearchInput,
        reads.search,
        "read",
    ),
    Tool(
        "write_file",
        "Create or overwrite a text file; into an open document only your changes go, others' typing stays",
        files.WriteFileInput,
        files.write_file,
    ),
    Tool(
        "edit_file",
        "Replace an exact piece of a text file (unique unless replace_all)",
        files.EditFileInput,
        files.edit_file,
    ),
    Tool("rename_path", "Rename or move a file or folder", files.RenameInput, files.rename_path),
    Tool("delete_path", "Delete a file or folder", i.PathInput, files.delete_path, "destructive"),
    # notebooks
    Tool(
        "list_notebooks",
        "List the notebooks under a folder; open ones are marked",
        i.ListFilesInput,
        reads.list_notebooks,
        "read",
    ),
    Tool(
        "read_notebook",
        "Read a notebook's cells with their ids, sources and outputs, a page at a time (brief: a line each)",
        reads.ReadNotebookInput,
        reads.read_notebook,
        "read",
    ),
    Tool("read_cell", "Read one cell, by id (or index)", i.CellInput, reads.read_cell, "read"),
    Tool(
        "search_notebooks",
        "Search the cells of every notebook under a folder",
        reads.SearchInput,
        reads.search_notebooks,
        "read",
    ),
    Tool(
        "insert_cell",
        "Insert a cell into a live notebook; returns its id",
        i.InsertCellInput,
        cells.insert_cell,
    ),
    Tool(
        "edit_cell",
        "Replace a cell's whole source: your changes since you read it are applied, others' "
        "typing is kept; a clash in the same text is refused",
        i.EditCellInput,
        cells.edit_cell,
    ),
    Tool(
        "replace_in_cell",
        "Replace one exact piece of a cell's source (unique unless replace_all), touching nothing else",
        i.ReplaceInCellInput,
        cells.replace_in_cell,
    ),
    Tool("delete_cell", "Delete a cell", i.CellInput, cells.delete_cell, "destructive"),
    Tool("move_cell", "Move a cell to another position", i.MoveCellInput, cells.move_cell),
    Tool("set_cell_type", "Change a cell's type (code, markdown, raw)", i.CellTypeInput, cells.set_cell_type),
    Tool(
        "clear_outputs", "Clear the outputs of one cell, or of all", i.ClearOutputsInput, cells.clear_outputs
    ),
    Tool("create_notebook", "Create a new notebook", i.CreateNotebookInput, cells.create_notebook),
    # running
    Tool(
        "execute_cell",
        "Run a code cell in the notebook's kernel; outputs appear live (and as progress)",
        i.ExecuteCellInput,
        cells.execute_cell,
    ),
    Tool(
        "insert_and_execute_cell",
        "Insert a code cell and run it",
        i.InsertExecuteInput,
        cells.insert_and_execute_cell,
    ),
    Tool(
        "execute_cells",
        "Run a range of cells (or all) in order, stopping at an error",
        i.ExecuteCellsInput,
        cells.execute_cells,
    ),
    Tool(
        "execute_code",
        "Run code in the notebook's kernel without adding a cell",
        i.ExecuteCodeInput,
        cells.execute_code,
    ),
    # kernels
    Tool(
        "list_kernelspecs",
        "List the kernels that can be started (any language)",
        i.ToolInput,
        kernels.list_kernelspecs,
        "read",
    ),
    Tool(
        "list_kernels", "List running kernels and their notebooks", i.ToolInput, kernels.list_kernels, "read"
    ),
    Tool(
        "start_kernel",
        "Start a kernel for a notebook (its own kernelspec, or another), or attach it to a running kernel",
        kernels.StartKernelInput,
        kernels.start_kernel,
    ),
    Tool(
        "interrupt_kernel",
        "Interrupt what a kernel is running",
        kernels.KernelInput,
        kernels.interrupt_kernel,
    ),
    Tool(
        "restart_kernel",
        "Restart a kernel (its variables are lost)",
        kernels.KernelInput,
        kernels.restart_kernel,
        "destructive",
    ),
    Tool(
        "shutdown_kernel",
        "Shut a kernel down (and its notebook's session)",
        kernels.KernelInput,
        kernels.shutdown_kernel,
        "destructive",
    ),
    Tool(
        "kernel_variables",
        "List a kernel's variables with their type and shape",
        kernels.KernelInput,
        kernels.kernel_variables,
        "read",
    ),
    # terminals
    Tool("list_terminals", "List Jupyter's terminals", i.ToolInput, terminals.list_terminals, "read"),
    Tool(
        "run_in_terminal",
        "Run a shell command in a Jupyter terminal (people see it in JupyterLab) and read its output",
        terminals.RunInTerminalInput,
        terminals.run_in_terminal,
    ),
    Tool(
        "read_terminal",
        "Read what a terminal printed lately",
        terminals.TerminalInput,
        terminals.read_terminal,
        "read",
    ),
    Tool(
        "send_to_terminal",
        "Type into a terminal (answers, Ctrl-C)",
        terminals.SendInput,
        terminals.send_to_terminal,
    ),
    # JupyterLab
    Tool(
        "list_lab_commands",
        "List the commands of the JupyterLab page a person uses (needs JupyterLab open)",
        lab.ListCommandsInput,
        lab.list_lab_commands,
        "read",
    ),
    Tool(
        "run_lab_command",
        "Run a JupyterLab command in the page a person uses, e.g. docmanager:open {path}, "
        "notebook:run-all-cells, notebook:move-cursor-down",
        lab.RunCommandInput,
        lab.run_lab_command,
    ),
    # git
    Tool("git_status", "The git status of the server root", i.ToolInput, vcs.git_status, "read"),
    Tool(
        "git_diff", "The git diff of the server root (or of some paths)", vcs.DiffInput, vcs.git_diff, "read"
    ),
    Tool("git_log", "Recent commits (of the root, or of a path)", vcs.LogInput, vcs.git_log, "read"),
    Tool(
        "git_commit", "Commit what is staged (staging the given paths first)", vcs.CommitInput, vcs.git_commit
    ),
]


class AnyTool(Protocol):
    @property
    def name(self) -> str: ...

    def definition(self) -> types.Tool: ...

    async def call(self, ctx: ToolContext, arguments: dict[str, Any]) -> ToolResult: ...


class ToolSet:
    """The built-in tools, then the extensions' (a name taken already is reported, not replaced)."""

    def __init__(self, configured: list[str] | None = None, *, extensions: bool = True):
        self.problems: list[str] = []
        self.by_name: dict[str, AnyTool] = {tool.name: tool for tool in BUILT_IN}
        found: list[ExtensionTool] = []
        if extensions:
            found, self.problems = discover(list(configured or []))
        for tool in found:
            if tool.name in self.by_name:
                self.problems.append(f"{tool.name} ({tool.source}): a tool of that name exists already")
                continue
            self.by_name[tool.name] = tool
        self.extensions = [t for t in found if self.by_name.get(t.name) is t]

    def get(self, name: str) -> AnyTool | None:
        return self.by_name.get(name)

    def definitions(self) -> list[types.Tool]:
        return [tool.definition() for tool in self.by_name.values()]

    def __len__(self) -> int:
        return len(self.by_name)

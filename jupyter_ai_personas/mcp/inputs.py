"""The tools' inputs: pydantic models whose JSON schemas are what MCP lists to agents."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ToolInput(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathInput(ToolInput):
    path: str = Field(description="a path relative to the server root")


class ListFilesInput(ToolInput):
    path: str = Field(".", description="a folder relative to the server root")
    pattern: str = Field("*", description="glob of names to list, e.g. *.csv")


class ReadFileInput(PathInput):
    start_line: int = Field(1, ge=1)
    limit: int = Field(2000, ge=1, le=20000, description="lines to read")


class CellInput(PathInput):
    cell_id: str | None = Field(None, description="the cell's id (preferred)")
    index: int | None = Field(None, description="the cell's position, when no id is given")


class InsertCellInput(PathInput):
    source: str
    cell_type: Literal["code", "markdown", "raw"] = "code"
    index: int | None = Field(None, description="position of the new cell; the end by default")
    after_cell_id: str | None = Field(None, description="insert after this cell instead")


class EditCellInput(CellInput):
    source: str = Field(
        description="the cell's whole new source; your changes since you last read the cell are "
        "applied, and what others typed meanwhile is kept"
    )


class ReplaceInCellInput(CellInput):
    old_text: str = Field(min_length=1, description="text in the cell's current source, to replace")
    new_text: str = Field(description="its replacement")
    replace_all: bool = Field(False, description="replace every occurrence (else it must be unique)")


class MoveCellInput(CellInput):
    to_index: int


class CellTypeInput(CellInput):
    cell_type: Literal["code", "markdown", "raw"]


class CreateNotebookInput(PathInput):
    kernel_name: str | None = Field("python3", description="kernelspec name")


class ExecuteCellInput(CellInput):
    timeout: float = Field(120, gt=0, le=3600, description="seconds before the kernel is interrupted")


class InsertExecuteInput(InsertCellInput):
    timeout: float = Field(120, gt=0, le=3600)


class ExecuteCellsInput(PathInput):
    start_index: int = 0
    end_index: int | None = Field(None, description="last cell to run (inclusive); the last cell by default")
    timeout: float = Field(120, gt=0, le=3600, description="per cell")


class ExecuteCodeInput(PathInput):
    code: str
    timeout: float = Field(120, gt=0, le=3600)


class ClearOutputsInput(CellInput):
    """No cell_id or index: every cell."""

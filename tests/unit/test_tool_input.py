"""A tool call's card shows what its input will do when the agent sends nothing else (MCP tools)."""

from __future__ import annotations

from jupyter_ai_personas.acp_client.markdown import ToolCallView, tool_call_data, tool_call_markdown


def test_a_notebook_edit_shows_the_cell_it_writes():
    view = ToolCallView(
        tool_call_id="1",
        title="mcp__jupyter__edit_cell",
        raw_input={"path": "analysis.ipynb", "cell_id": "c1", "source": "df.plot()"},
    )
    card = tool_call_markdown(view)
    assert "analysis.ipynb · cell c1" in card and "+df.plot()" in card


def test_code_to_run_is_shown_as_code_and_a_replacement_as_a_diff():
    run = ToolCallView(tool_call_id="2", title="execute_code", raw_input={"path": "a.ipynb", "code": "rm()"})
    assert [(c.type, c.command) for c in tool_call_data(run).content] == [("terminal", "rm()")]
    edit = ToolCallView(
        tool_call_id="3",
        title="mcp__jupyter__replace_in_cell",
        raw_input={"path": "a.ipynb", "old_text": "x = 1", "new_text": "x = 2"},
    )
    diff = tool_call_data(edit).content[0].diff or ""
    assert "-x = 1" in diff and "+x = 2" in diff


def test_an_agents_own_content_wins():
    view = ToolCallView(tool_call_id="4", title="Write", command="ls", raw_input={"source": "hidden"})
    assert "hidden" not in tool_call_markdown(view)

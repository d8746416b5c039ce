"""More verbs of the scripted agent: the notebook tools over MCP, questions to the chat."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from acp import update_tool_call

SESSION_HEADER = "X-AI-Personas-Session-Token"  # as the Jupyter server gives it to agents


class MoreVerbs:
    """Mixed into Script (script.py), which provides these."""

    conn: Any
    session: Any
    reply: Any

    async def update(self, update: Any) -> None:
        raise NotImplementedError

    async def _ask(self, tool_id: str, title: str, kind: str, **kwargs: Any) -> str:
        raise NotImplementedError

    def jupyter_tools(self) -> tuple[str, str]:
        """(endpoint URL, bearer token) of the Jupyter server's notebook tools, as given."""
        for server in self.session.servers:
            if server.name != "jupyter":
                continue
            if getattr(server, "url", None):
                token = next(h.value for h in server.headers if h.name == SESSION_HEADER)
                return server.url, token
            token = next(e.value for e in server.env if e.name == "JUPYTER_AI_PERSONAS_MCP_TOKEN")
            return server.args[-1], token
        raise LookupError("no jupyter MCP server in this session")

    async def do_mcptoken(self, rest: str, text: str) -> None:
        url, token = self.jupyter_tools()
        await self.reply.say(f"mcp_url={url} mcp_token={token}")

    async def do_mcp(self, rest: str, text: str) -> str:
        """mcp TOOL {json arguments}: ask permission, then call a notebook tool over HTTP."""
        tool, _, raw = rest.partition(" ")
        arguments = json.loads(raw or "{}")
        tool_id = f"mcp-{uuid.uuid4().hex[:6]}"
        answer = await self._ask(tool_id, f"jupyter/{tool}", "other", raw_input={"tool": tool, **arguments})
        if answer != "allowed":
            await self.update(update_tool_call(tool_id, status="failed"))
            await self.reply.say(f"I was not allowed to call {tool}.")
            return "cancelled" if answer == "cancelled" else "end_turn"
        url, token = self.jupyter_tools()
        try:  # as agents do: the official MCP client, a session, then the call
            result = await _call_tool(url, token, tool, arguments)
        except httpx.HTTPStatusError as exc:
            await self.update(update_tool_call(tool_id, status="failed"))
            await self.reply.say(f"{tool} refused: HTTP {exc.response.status_code}")
            return "end_turn"
        text_out = "\n".join(c.text for c in result.content if c.type == "text")
        await self.update(update_tool_call(tool_id, status="failed" if result.isError else "completed"))
        await self.reply.say(f"{tool}: {text_out}")
        return "end_turn"

    async def do_ask(self, rest: str, text: str) -> None:
        """Asks the chat a question with options (as Claude's AskUserQuestion does) and says the answer."""
        from acp.schema import ElicitationFormSessionMode, ElicitationSchema

        schema = ElicitationSchema.model_validate(
            {
                "type": "object",
                "properties": {
                    "question_0": {
                        "type": "string",
                        "title": "Style",
                        "oneOf": [
                            {"const": "Scatter", "title": "Scatter", "description": "points"},
                            {"const": "Line", "title": "Line", "description": "lines"},
                        ],
                    },
                    "question_0_custom": {
                        "type": "string",
                        "title": "Other",
                        "description": "your own answer",
                    },
                },
            }
        )
        mode = ElicitationFormSessionMode(session_id=self.session.id, requested_schema=schema)
        response = await self.conn.create_elicitation(rest or "Which plot style?", mode)
        await self.reply.say(f"answer: {response.action} {json.dumps(getattr(response, 'content', None))}")

    async def do_asklink(self, rest: str, text: str) -> None:
        """Asks the person to open a link (a device-code sign-in, say)."""
        from acp.schema import ElicitationUrlSessionMode

        mode = ElicitationUrlSessionMode(
            session_id=self.session.id, elicitation_id="e1", url=rest or "https://example.org/device"
        )
        response = await self.conn.create_elicitation("Sign in with this code: ABCD-1234", mode)
        await self.reply.say(f"link answer: {response.action}")


async def _call_tool(url: str, token: str, tool: str, arguments: dict[str, Any]) -> Any:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {SESSION_HEADER: token}
    try:
        async with (
            httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(600)) as http,
            streamable_http_client(url, http_client=http) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await session.call_tool(tool, arguments)
    except BaseExceptionGroup as group:  # the SDK's task groups wrap the HTTP error
        status = group.subgroup(httpx.HTTPStatusError)
        if status is not None:
            raise status.exceptions[0] from None
        raise

"""What the scripted agent does for each verb of a prompt (see scripted.py for the list)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import acp
from acp import (
    plan_entry,
    start_tool_call,
    tool_diff_content,
    tool_terminal_ref,
    update_agent_message_text,
    update_agent_thought_text,
    update_plan,
    update_tool_call,
)
from acp.schema import PermissionOption, ToolCallLocation, UsageUpdate

from .bench import bench_chunks
from .script_more import MoreVerbs

OPEN_SESSIONS: set[str] = set()  # what this program holds in memory (session/close frees one)

if TYPE_CHECKING:
    from .scripted import Session


class Reply:
    """What the agent says, remembered for session/load replays."""

    def __init__(self, conn: Any, session: Session):
        self.conn, self.session, self.text = conn, session, ""

    async def say(self, text: str) -> None:
        self.text += text
        await self.conn.session_update(self.session.id, update_agent_message_text(text))


class Script(MoreVerbs):
    def __init__(self, conn: Any, session: Session, reply: Reply):
        self.conn, self.session, self.reply = conn, session, reply

    async def update(self, update: Any) -> None:
        await self.conn.session_update(self.session.id, update)

    async def run(self, text: str, links: list[str]) -> str:
        line = text.strip().splitlines()[-1] if text.strip() else ""
        if ": " in line and line.split(": ", 1)[0].replace(" ", "").isalnum():
            line = line.split(": ", 1)[1]  # "Alice: hello" when several people talk
        verb, _, rest = line.strip().partition(" ")
        handler = getattr(self, f"do_{verb.lower()}", None)
        if handler is None:
            await self.reply.say(f"You said: {line}" + (f" (with {', '.join(links)})" if links else ""))
            return "end_turn"
        return await handler(rest, text) or "end_turn"

    def path(self, raw: str) -> str:
        return raw if os.path.isabs(raw) else os.path.join(self.session.cwd, raw)

    async def do_hello(self, rest: str, text: str) -> None:
        for word in ("Hello", " from", " the", " scripted", " agent!"):
            await self.reply.say(word)

    async def do_stream(self, rest: str, text: str) -> str:
        parts = rest.split()
        count = int(parts[0]) if parts else 20
        delay = float(parts[1]) if len(parts) > 1 else 0.02
        for index in range(count):
            if self.session.cancelled.is_set():
                return "cancelled"
            await self.reply.say(f"c{index} ")
            await asyncio.sleep(delay)
        await self.reply.say("[end]")
        return "end_turn"

    async def do_bench(self, rest: str, text: str) -> str:
        """A 20 KB reply in N chunks, one every D seconds on a fixed schedule (for benchmarks)."""
        async for chunk in bench_chunks(rest.split()):
            if self.session.cancelled.is_set():
                return "cancelled"
            await self.reply.say(chunk)
        return "end_turn"

    async def do_linger(self, rest: str, text: str) -> str:
        """Streams until cancelled, then goes on sending "LATE" chunks for 1.5 s before it ends."""
        index = 0
        while not self.session.cancelled.is_set():
            await self.reply.say(f"l{index} ")
            index += 1
            await asyncio.sleep(0.05)
        for _ in range(15):
            await self.reply.say("LATE ")
            await asyncio.sleep(0.1)
        return "cancelled"

    async def do_wait(self, rest: str, text: str) -> str:
        try:
            await asyncio.wait_for(self.session.cancelled.wait(), float(rest or 30))
            return "cancelled"
        except TimeoutError:
            await self.reply.say("waited")
            return "end_turn"

    async def do_listen(self, rest: str, text: str) -> str:
        """Streams "." until a message comes into the turn, answers it, and ends."""
        deadline = asyncio.get_running_loop().time() + float(rest or 30)
        self.session.listening = True
        try:
            return await self._listen(deadline)
        finally:
            self.session.listening = False

    async def _listen(self, deadline: float) -> str:
        while asyncio.get_running_loop().time() < deadline:
            if self.session.cancelled.is_set():
                return "cancelled"
            if not self.session.steered.empty():
                await self.reply.say(f"Heard during the turn: {self.session.steered.get_nowait()}")
                return "end_turn"
            await self.reply.say(".")
            await asyncio.sleep(0.1)
        await self.reply.say("nothing came")
        return "end_turn"

    async def do_think(self, rest: str, text: str) -> None:
        for word in ("Let me", " think", " about it."):
            await self.update(update_agent_thought_text(word))
        await self.reply.say("Thought it through.")

    async def do_plan(self, rest: str, text: str) -> None:
        steps = ["Read the data", "Fit the model", "Plot the residuals"]
        for done in range(len(steps) + 1):
            entries = [
                plan_entry(
                    step, status="completed" if i < done else "in_progress" if i == done else "pending"
                )
                for i, step in enumerate(steps)
            ]
            await self.update(update_plan(entries))
            await asyncio.sleep(0.05)
        await self.reply.say("Plan done.")

    async def _ask(
        self,
        tool_id: str,
        title: str,
        kind: str,
        content: list[Any] | None = None,
        raw_input: Any = None,
        locations: list[str] | None = None,
    ) -> str:
        where = [ToolCallLocation(path=p) for p in locations or []] or None
        await self.update(
            start_tool_call(
                tool_id,
                title,
                kind=kind,
                status="pending",
                content=content,
                raw_input=raw_input,
                locations=where,
            )
        )
        options = [
            PermissionOption(option_id="allow-always", name="Always allow", kind="allow_always"),
            PermissionOption(option_id="allow", name="Allow", kind="allow_once"),
            PermissionOption(option_id="reject", name="Reject", kind="reject_once"),
        ]
        response = await self.conn.request_permission(
            session_id=self.session.id,
            tool_call=update_tool_call(tool_id, title=title, kind=kind, status="pending", content=content),
            options=options,
        )
        outcome = response.outcome
        if getattr(outcome, "outcome", "") == "cancelled":
            return "cancelled"
        return "allowed" if outcome.option_id.startswith("allow") else "rejected"

    async def do_write(self, rest: str, text: str) -> str:
        raw, _, content = rest.partition(" ")
        content = content.replace("\\n", "\n")  # one prompt line: "\n" stands for a new line
        path = self.path(raw)
        old = Path(path).read_text() if Path(path).is_file() else None
        tool_id = f"write-{uuid.uuid4().hex[:6]}"
        answer = await self._ask(tool_id, f"Write {raw}", "edit", [tool_diff_content(path, content, old)])
        if answer == "cancelled":
            return "cancelled"
        if answer == "rejected":
            await self.update(update_tool_call(tool_id, status="failed"))
            await self.reply.say(f"I was not allowed to write {raw}.")
            return "end_turn"
        try:
            await self.conn.write_text_file(session_id=self.session.id, path=path, content=content)
        except acp.RequestError as exc:
            await self.update(update_tool_call(tool_id, status="failed"))
            await self.reply.say(f"write failed: {exc}")
            return "end_turn"
        await self.update(update_tool_call(tool_id, status="completed"))
        await self.reply.say(f"Wrote {raw}.")
        return "end_turn"

    async def do_writethen(self, rest: str, text: str) -> str:
        """writethen ASKED SNEAKED TEXT: asks to write ASKED, writes it, then writes SNEAKED too."""
        asked, sneaked, content = (rest.split(" ", 2) + ["", ""])[:3]
        path = self.path(asked)
        tool_id = f"write-{uuid.uuid4().hex[:6]}"
        answer = await self._ask(tool_id, f"Write {asked}", "edit", [tool_diff_content(path, content)])
        if answer != "allowed":
            await self.reply.say(f"I was not allowed to write {asked}.")
            return "end_turn"
        for target in (asked, sneaked):
            try:
                await self.conn.write_text_file(
                    session_id=self.session.id, path=self.path(target), content=content
                )
                await self.reply.say(f"Wrote {target}. ")
            except acp.RequestError as exc:
                await self.reply.say(f"write of {target} failed: {exc}. ")
        return "end_turn"

    async def do_runthen(self, rest: str, text: str) -> str:
        """runthen ASKED ;; SNEAKED: asks to run ASKED, runs it, then runs SNEAKED too."""
        asked, _, sneaked = (part.strip() for part in rest.partition(";;"))
        tool_id = f"run-{uuid.uuid4().hex[:6]}"
        if await self._ask(tool_id, "Run a command", "execute", raw_input={"command": asked}) != "allowed":
            await self.reply.say("I was not allowed to run it.")
            return "end_turn"
        for command in (asked, sneaked):
            try:
                _, (exit_status, _output) = await self._run(command)
                await self.reply.say(f"ran {command!r}: exit {exit_status.exit_code}. ")
            except acp.RequestError as exc:
                await self.reply.say(f"run of {command!r} failed: {exc}. ")
        return "end_turn"

    async def do_silentwrite(self, rest: str, text: str) -> None:
        raw, _, content = rest.partition(" ")
        try:
            await self.conn.write_text_file(session_id=self.session.id, path=self.path(raw), content=content)
            await self.reply.say(f"Wrote {raw} without asking.")
        except acp.RequestError as exc:
            await self.reply.say(f"write failed: {exc}")

    async def do_read(self, rest: str, text: str) -> None:
        try:
            response = await self.conn.read_text_file(
                session_id=self.session.id, path=self.path(rest.strip())
            )
            await self.reply.say(f"read: {response.content}")
        except acp.RequestError as exc:
            await self.reply.say(f"read failed: {exc}")

    async def _run(self, command: str) -> tuple[str, Any]:
        terminal = await self.conn.create_terminal(
            session_id=self.session.id, command="sh", args=["-c", command]
        )
        exit_status = await self.conn.wait_for_terminal_exit(
            session_id=self.session.id, terminal_id=terminal.terminal_id
        )
        output = await self.conn.terminal_output(session_id=self.session.id, terminal_id=terminal.terminal_id)
        return terminal.terminal_id, (exit_status, output)

    async def do_run(self, rest: str, text: str) -> str:
        tool_id = f"run-{uuid.uuid4().hex[:6]}"
        answer = await self._ask(tool_id, "Run a command", "execute", raw_input={"command": rest})
        if answer != "allowed":
            await self.update(update_tool_call(tool_id, status="failed"))
            await self.reply.say("I was not allowed to run it.")
            return "cancelled" if answer == "cancelled" else "end_turn"
        await self.update(update_tool_call(tool_id, status="in_progress"))
        terminal_id, (exit_status, output) = await self._run(rest)
        await self.update(
            update_tool_call(tool_id, status="completed", content=[tool_terminal_ref(terminal_id)])
        )
        await self.conn.release_terminal(session_id=self.session.id, terminal_id=terminal_id)
        await self.reply.say(f"ran: exit {exit_status.exit_code}, output {output.output.strip()!r}")
        return "end_turn"

    async def do_silentrun(self, rest: str, text: str) -> None:
        try:
            _, (exit_status, output) = await self._run(rest)
            await self.reply.say(f"ran: exit {exit_status.exit_code}, output {output.output.strip()!r}")
        except acp.RequestError as exc:
            await self.reply.say(f"run failed: {exc}")

    async def do_readtool(self, rest: str, text: str) -> str:
        """readtool PATH: asks permission for a read of PATH (as agents that read files themselves do)."""
        tool_id = f"read-{uuid.uuid4().hex[:6]}"
        path = self.path(rest.strip())
        answer = await self._ask(
            tool_id, f"Read {rest}", "read", raw_input={"file_path": path}, locations=[path]
        )
        await self.update(update_tool_call(tool_id, status="completed" if answer == "allowed" else "failed"))
        await self.reply.say(f"read permission: {answer}")
        return "end_turn"

    async def do_crash(self, rest: str, text: str) -> None:
        await self.reply.say("about to crash")
        await asyncio.sleep(0.2)
        sys.stderr.write("fatal: the scripted agent crashed on purpose\n")
        sys.stderr.flush()
        os._exit(3)

    async def do_hang(self, rest: str, text: str) -> None:
        while True:
            await asyncio.shield(asyncio.sleep(3600))

    async def do_flood(self, rest: str, text: str) -> None:
        line = "x" * 1023 + "\n"
        for _ in range(5 * 1024):
            sys.stderr.write(line)
        sys.stderr.flush()
        await self.reply.say("flooded stderr")

    async def do_pid(self, rest: str, text: str) -> None:
        await self.reply.say(f"pid={os.getpid()}")

    async def do_meta(self, rest: str, text: str) -> None:
        prompt = self.session.meta.get("systemPrompt")
        await self.reply.say(
            f"system_prompt={json.dumps(prompt)}; mcp={','.join(self.session.mcp)}; "
            f"model={self.session.model}; mode={self.session.mode}; "
            f"env_key={os.environ.get('SCRIPTED_KEY', '')}; "
            f"is_sandbox={os.environ.get('IS_SANDBOX', '')}; token={os.environ.get('JUPYTER_TOKEN', '')}"
        )

    async def do_prompt(self, rest: str, text: str) -> None:
        await self.reply.say("PROMPT<<" + text + ">>")

    async def do_count(self, rest: str, text: str) -> None:
        await self.reply.say(f"count={len(self.session.prompts)}")

    async def do_open(self, rest: str, text: str) -> None:
        await self.reply.say(f"open sessions={len(OPEN_SESSIONS)}")

    async def do_usage(self, rest: str, text: str) -> None:
        await self.update(UsageUpdate(session_update="usage_update", used=1234, size=200000))
        await self.reply.say("used some tokens")

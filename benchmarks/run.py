"""Run the benchmarks and write docs/benchmarks.md.

python -m benchmarks.run                 # our own benchmarks (`make bench`)
python -m benchmarks.run streaming       # some of them; the others keep their last results
python -m benchmarks.run compare         # side by side with Jupyter AI v3 (`make bench-compare`)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import importlib
import json
from pathlib import Path
from typing import Any

from .common import machine

DOCS = Path(__file__).resolve().parents[1] / "docs"
RESULTS = DOCS / "benchmarks.json"
REPORT = DOCS / "benchmarks.md"

# module name -> (section title, what the section says before its table)
SECTIONS: dict[str, tuple[str, str]] = {
    "streaming": (
        "Streaming a long reply",
        "A 20 KB markdown reply streamed as 2,000 chunks at 100 chunks per second (a fast "
        "model's pace), watched by a second websocket client as a browser would. Bytes are "
        "what the watcher receives over the chat websocket while the reply streams; the "
        "longest wait is the largest gap between two moments the watcher sees new text. "
        "Medians of alternating runs, range in brackets.",
    ),
    "agents": (
        "An ACP agent in the chat",
        "Latency from a person's mention to the first visible reply chunk, and many chats "
        "addressing one agent process at once.",
    ),
    "notebooks": (
        "Live notebooks",
        "An agent's notebook edits through the MCP tools, seen by a person's client, and the cost "
        "of running cells headless.",
    ),
    "memory": (
        "Memory with many chats",
        "Server and agent memory for chats that each talked to @Claude, of which a few are in "
        "use, and the time a closed session takes to answer again.",
    ),
    "first_run": (
        "First run: a fresh clone to @Claude's first answer",
        "`make lab` on a fresh clone of the committed tree, with the machine's package caches warm "
        "(pip, npm) and nothing else: the virtual environment, the frontend build, the agents (and "
        "Node 22 from the npm registry), the demo workspace, then @Claude answering in welcome.chat "
        "from the tests' fake model (`make bench-first-run`).",
    ),
    "compare": (
        "Side by side with Jupyter AI v3",
        "The same work on both runtimes, on this machine, in one run (`make bench-compare`).",
    ),
    "mcp_compare": (
        "The MCP gateway side by side with the peers",
        "The same MCP work through the official client on this project's gateway, Datalayer's "
        "jupyter-mcp-server and jupyter-server-mcp with jupyter-ai-tools, each installed in its own "
        "environment (`make bench-compare`), and what each offers by its own `tools/list`.",
    ),
}
OWN = ["streaming", "agents", "notebooks", "memory"]  # `compare` needs Jupyter AI v3's own environment


def render(results: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Reproduce with `make bench` (ours), `make bench-compare` (side by side with Jupyter AI v3) "
        "or `.venv/bin/python -m benchmarks.run <name>` (one section).",
        "",
    ]
    for name, (title, intro) in SECTIONS.items():
        if name not in results:
            continue
        entry = results[name]
        module = importlib.import_module(f"benchmarks.{name}")
        lines += [f"## {title}", "", intro, "", module.table(entry["data"]), ""]
        notes = getattr(module, "NOTES", "")
        if notes:
            lines += [notes.strip(), ""]
        lines += [f"_Measured {entry['date']} on {entry['machine']}._", ""]
    return "\n".join(lines)


async def main(names: list[str]) -> None:
    results: dict[str, Any] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} ...", flush=True)
        data = await module.run()
        results[name] = {
            "data": data,
            "date": datetime.date.today().isoformat(),
            "machine": machine(),
        }
        RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True))
        print(module.table(data), flush=True)
    REPORT.write_text(render(results))
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"some of: {', '.join(SECTIONS)}")
    args = parser.parse_args()
    unknown = [name for name in args.names if name not in SECTIONS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    asyncio.run(main(args.names or OWN))

"""What each MCP caller last read of each cell: the base its whole-source edits are applied to.

An agent that rewrites a cell's whole source read it first; what a person typed into the cell
since then is not in the agent's text, and must not be taken for something the agent deleted.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_ENTRIES = 20_000


class ReadLedger:
    def __init__(self, limit: int = MAX_ENTRIES):
        self.limit = limit
        self._bases: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def remember(self, reader: str, path: str, cell_id: str, source: str) -> None:
        key = (reader, path, cell_id)
        self._bases[key] = source
        self._bases.move_to_end(key)
        while len(self._bases) > self.limit:
            self._bases.popitem(last=False)

    def base(self, reader: str, path: str, cell_id: str) -> str | None:
        return self._bases.get((reader, path, cell_id))

    def forget(self, reader: str) -> None:
        for key in [k for k in self._bases if k[0] == reader]:
            del self._bases[key]

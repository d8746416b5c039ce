"""Minimal edits to shared text: only the changed ranges are touched, so a person typing
elsewhere in the same text keeps their edits (replacing the whole text would drop them)."""

from __future__ import annotations

import difflib

from pycrdt import Text


def edit_ops(old: str, new: str) -> list[tuple[int, int, str]]:
    """(start, length to delete, text to insert) operations turning `old` into `new`,
    last first, so that earlier positions stay valid while they are applied."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    ops = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            ops.append((i1, i2 - i1, new[j1:j2]))
    return list(reversed(ops))


def _map_position(blocks: list[tuple[int, int, int]], position: int) -> int:
    """Where a position of the base text is in the live text, by their matching blocks."""
    previous_end_a = previous_end_b = 0
    for a, b, size in blocks:
        if position < a:  # in a region that changed since: its start, clamped to the live gap
            return previous_end_b + min(position - previous_end_a, b - previous_end_b)
        if position <= a + size:
            return b + (position - a)
        previous_end_a, previous_end_b = a + size, b + size
    return previous_end_b


def rebase(base: str, live: str, new: str) -> str:
    """`live` with the changes that turned `base` into `new` (a three-way merge by position).

    An agent that wrote `new` after reading `base` changed only those ranges; text a person
    typed into `live` meanwhile stays.
    """
    if base == live:
        return new
    blocks = [tuple(m) for m in difflib.SequenceMatcher(a=base, b=live, autojunk=False).get_matching_blocks()]
    merged = live
    for start, length, insert in edit_ops(base, new):  # last first: earlier positions stay valid
        live_start = _map_position(blocks, start)
        live_end = max(live_start, _map_position(blocks, start + length))
        merged = merged[:live_start] + insert + merged[live_end:]
    return merged


def apply_text(ytext: Text, new: str) -> bool:
    """Make `ytext` read `new` with minimal changes; returns whether anything changed."""
    old = str(ytext)
    if old == new:
        return False
    with ytext.doc.transaction():
        for start, length, insert in edit_ops(old, new):
            if length:
                del ytext[start : start + length]
            if insert:
                ytext.insert(start, insert)
    return True

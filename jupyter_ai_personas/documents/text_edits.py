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


class EditConflict(ValueError):
    """The writer changed text that someone else changed too since the writer read it."""


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two changed ranges of the base touch the same text. An insertion is an empty
    range: it clashes with a change around it or right beside it (`y = 2` made `y = 5` by one
    and `y = 22` by the other is a conflict, not `y = 52`)."""
    (a0, a1), (b0, b1) = a, b
    if a0 == a1 and b0 == b1:
        return False  # two insertions: both are kept, the other's first
    if a0 == a1:
        return b0 <= a0 <= b1
    if b0 == b1:
        return a0 <= b0 <= a1
    return a0 < b1 and b0 < a1


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def rebase(base: str, live: str, new: str) -> str:
    """`live` with the changes that turned `base` into `new` (a three-way merge by position).

    An agent that wrote `new` after reading `base` changed only those ranges; text a person
    typed into `live` meanwhile stays. When both changed the same characters, EditConflict:
    nobody's text is dropped to resolve it.
    """
    if base == live:
        return new
    theirs = [(start, start + length) for start, length, _ in edit_ops(base, live)]
    for start, length, _ in edit_ops(base, new):
        for other in theirs:
            if _overlap((start, start + length), other):
                line = _line_of(base, min(start, other[0]))
                raise EditConflict(
                    f"it changed since it was read: someone else edited the same text (near line {line})"
                )
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

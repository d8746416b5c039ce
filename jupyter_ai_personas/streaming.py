"""Where a long markdown reply can continue in a new chat message without breaking its rendering."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def _fence_state(text: str, end: int) -> tuple[str, str] | None:
    """The (fence, info) of the code block open at `end`, or None outside code blocks."""
    open_fence: tuple[str, str] | None = None
    for line in text[:end].split("\n"):
        match = _FENCE.match(line)
        if not match:
            continue
        fence, info = match.group(1), match.group(2).strip()
        if open_fence is None:
            open_fence = (fence, info)
        elif fence[0] == open_fence[0][0] and len(fence) >= len(open_fence[0]) and not info:
            open_fence = None
    return open_fence


def _paragraph_breaks(text: str, start: int) -> list[int]:
    positions, position = [], text.find("\n\n", start)
    while position != -1:
        positions.append(position)
        position = text.find("\n\n", position + 2)
    return positions


def split_point(text: str, limit: int) -> tuple[str, str] | None:
    """Split `text` (longer than `limit`) into a finished head and the tail that continues.

    Prefers a paragraph break outside code blocks; when the text has grown to twice the
    limit, any line break (closing and reopening a code block around it); at four times
    the limit, any space. Returns None when the text should keep growing for now.
    """
    floor = limit // 2
    if floor <= 0:
        return None
    # 1. a paragraph break outside code after half the limit: the last one within the
    #    limit, else the first one beyond it
    breaks = [p for p in _paragraph_breaks(text, floor) if _fence_state(text, p) is None]
    if breaks:
        within = [p for p in breaks if p <= limit]
        position = within[-1] if within else breaks[0]
        return text[:position].rstrip("\n"), text[position:].lstrip("\n")
    if len(text) < 2 * limit:
        return None
    # 2. the last line break; inside code, close the block and reopen it in the next message
    position = text.rfind("\n", floor)
    if position != -1:
        head, tail = text[:position], text[position + 1 :]
        fence = _fence_state(text, position)
        if fence is not None:
            marker, info = fence
            head = head + "\n" + marker
            tail = f"{marker}{info}\n" + tail
        return head, tail
    if len(text) < 4 * limit:
        return None
    # 3. no line break at all: any space, else a hard cut
    position = text.rfind(" ", floor, 2 * limit)
    cut = position + 1 if position != -1 else limit
    return text[:cut], text[cut:]

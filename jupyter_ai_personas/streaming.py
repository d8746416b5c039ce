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


def split_point(text: str, limit: int, shown: int = 0) -> tuple[str, str] | None:
    """Split `text` (longer than `limit`) into a finished head and the tail that continues.

    Prefers a paragraph break outside code blocks; once the text has grown to 1.5 times the
    limit, a line break (closing and reopening a code block around it), else the end of a
    sentence, else a space. Returns None when the text should keep growing for now.

    `shown` is how much of `text` the chat already holds. When a break lies right there the
    head is exactly what is shown, so finishing the message costs no write at all; otherwise
    the cut is as late as possible, since the tail is resent with every write.
    """
    floor = limit // 2
    if floor <= 0:
        return None
    # 1. a paragraph break outside code after half the limit: the one at what is shown,
    #    else the last one within the limit, else the first one beyond it
    breaks = [p for p in _paragraph_breaks(text, floor) if _fence_state(text, p) is None]
    if breaks:
        at_shown = [p for p in breaks if p <= shown and not text[p:shown].strip("\n")]
        within = [p for p in breaks if p <= limit]
        position = at_shown[-1] if at_shown else within[-1] if within else breaks[0]
        return text[:position].rstrip("\n"), text[position:].lstrip("\n")
    if len(text) < 3 * limit // 2:
        return None
    # 2. at what is shown, when it ends a line or a word outside code
    if shown >= floor and text[shown - 1] in " \n" and _fence_state(text, shown) is None:
        return text[:shown].rstrip("\n"), text[shown:].lstrip("\n")
    # 3. the last line break; inside code, close the block and reopen it in the next message
    position = text.rfind("\n", floor)
    if position != -1:
        head, tail = text[:position], text[position + 1 :]
        fence = _fence_state(text, position)
        if fence is not None:
            marker, info = fence
            head = head + "\n" + marker
            tail = f"{marker}{info}\n" + tail
        return head, tail
    # 4. one long line: after its last sentence, else its last space, else a hard cut
    sentence = max(text.rfind(f"{mark} ", floor) for mark in ".!?")
    position = sentence + 1 if sentence != -1 else text.rfind(" ", floor)
    cut = position + 1 if position != -1 else limit
    return text[:cut], text[cut:]


def shown_end(text: str, shown: int, floor: int) -> int:
    """How much of `text` to show now. Past `floor`, up to its last paragraph break, else
    its last whitespace: the text after waits for the next write (it is short), so that a
    later split can fall exactly at what is shown. All of it when nothing new would show."""
    if len(text) <= floor:
        return len(text)
    paragraph = text.rfind("\n\n", floor)
    if paragraph != -1 and paragraph + 2 > shown and len(text) - paragraph - 2 <= floor:
        return paragraph + 2
    word = max(text.rfind(" "), text.rfind("\n")) + 1
    return word if word > shown and len(text) - word <= 80 else len(text)

"""@mentions in message bodies, matched against personas' mention names."""

from __future__ import annotations

import re

# "@" not glued to a word (so e-mail addresses don't count), then a name made of word
# characters, dots and dashes; trailing punctuation is dropped afterwards.
_MENTION = re.compile(r"(?<![\w@/])@(\w[\w.\-]*)")
_FENCED = re.compile(r"(^|\n) {0,3}(`{3,}|~{3,})[^\n]*\n.*?(\n {0,3}\2[^\n]*(?=\n|$)|$)", re.DOTALL)
_INLINE = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.DOTALL)


def strip_code(body: str) -> str:
    """The body without code blocks and inline code, where an "@" is not a mention."""
    return _INLINE.sub(" ", _FENCED.sub("\n", body))


def mentioned_names(body: str) -> list[str]:
    """Mention names in order of appearance, lower-cased, each once."""
    names: dict[str, None] = {}
    for match in _MENTION.finditer(strip_code(body)):
        name = match.group(1).rstrip(".-").lower()
        if name:
            names.setdefault(name, None)
    return list(names)


def mentioned(body: str, known: dict[str, str]) -> tuple[list[str], list[str]]:
    """Split the mentions of `body` into known targets (values of `known`) and unknown names.

    `known` maps a lower-case mention name to a target (e.g. a persona key).
    """
    targets: dict[str, None] = {}
    unknown: list[str] = []
    for name in mentioned_names(body):
        target = known.get(name)
        if target is not None:
            targets.setdefault(target, None)
        else:
            unknown.append(name)
    return list(targets), unknown

"""Mention parsing and the routing rules, without a server."""

from __future__ import annotations

from jupyterlab_chat.models import Message

from jupyter_ai_personas.router.commands import parse_command
from jupyter_ai_personas.router.mentions import mentioned, mentioned_names
from jupyter_ai_personas.router.routing import RoutingContext, route_message

PERSONAS = {"claude": "claude", "codex": "codex", "data-scientist": "ds"}


def msg(body: str, **extra) -> Message:
    return Message(body=body, id="m", time=0.0, sender="alice", **extra)


def ctx(**overrides) -> RoutingContext:
    values = dict(
        mention_index=PERSONAS,
        lookup=lambda v: {"id-claude": "claude", "Codex": "codex"}.get(v),
        people_mention_names={"alice", "bob"},
        people_count=1,
    )
    values.update(overrides)
    return RoutingContext(**values)


def test_mention_names_ignore_case_punctuation_code_and_addresses():
    body = "@Claude, and @CODEX: see @Data-Scientist. not a@b.org `@codex` ```\n@claude\n```"
    assert mentioned_names(body) == ["claude", "codex", "data-scientist"]


def test_known_and_unknown_mentions():
    assert mentioned("@claude @claude @bob @nobody", PERSONAS) == (["claude"], ["bob", "nobody"])


def test_explicit_targets_come_from_body_mentions_list_and_picker():
    route = route_message(msg("@codex hi", mentions=["id-claude"], metadata={"to_persona": "Codex"}), ctx())
    assert route.targets == ["codex", "claude"] and route.explicit


def test_unknown_names_exclude_people():
    assert route_message(msg("@bob @nobody hi"), ctx()).unknown == ["nobody"]


def test_sticky_then_default_only_with_one_person():
    assert route_message(msg("hi"), ctx(sticky_target="codex")).targets == ["codex"]
    assert route_message(msg("hi"), ctx(default_target="claude")).targets == ["claude"]
    assert route_message(msg("hi"), ctx(sticky_target="codex", people_count=2)).targets == []
    assert route_message(msg("hi"), ctx(sticky_target="codex", sticky_enabled=False)).targets == []


def test_slash_commands():
    assert parse_command("/help") == ("help", "")
    assert parse_command("  /stop @Claude ") == ("stop", "@Claude")
    assert parse_command("/Allow 2") == ("allow", "2")
    assert parse_command("path /tmp/x") is None
    assert parse_command("/") is None

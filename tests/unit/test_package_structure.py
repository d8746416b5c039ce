"""The package's modules import one another one way: no cycle, not even a type-only one.

Every import counts: at the top, under `TYPE_CHECKING`, and inside functions. A cycle makes
two modules one unit that cannot be read, tested or changed apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupyter_ai_personas

PACKAGE = Path(jupyter_ai_personas.__file__).parent


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `module` imports, wherever in the file."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found |= {c for c in candidates if c in known and c != module}
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_the_checker_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_no_module_of_the_package_takes_part_in_an_import_cycle():
    modules = _modules()
    known = set(modules)
    graph = {name: _imported(name, path, known) for name, path in modules.items()}
    assert len(graph) > 50  # the whole package was read
    persona = graph["jupyter_ai_personas.acp_client.acp_persona"]
    assert "jupyter_ai_personas.acp_client.agent_session" in persona  # in-function imports count
    assert import_cycles(graph) == []


def test_a_persona_author_imports_what_they_need_from_the_package():
    names = set(jupyter_ai_personas.__all__) - {"__version__"}
    assert names == set(jupyter_ai_personas._EXPORTS)
    assert {"BasePersona", "BaseAcpPersona", "PersonaDefaults", "Message", "MessageStream"} <= names
    for name in names:
        assert getattr(jupyter_ai_personas, name).__name__ == name
    assert (PACKAGE / "py.typed").exists()  # type checkers read the package's annotations


def test_modules_have_names_of_their_own_and_stay_small():
    paths = [p for p in _modules().values() if p.name != "__init__.py"]
    names = [p.name for p in paths]
    assert sorted({n for n in names if names.count(n) > 1}) == []  # one handlers.py, not two
    long = {str(p.relative_to(PACKAGE)): n for p in paths if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}

"""Turn persona sources (entry points, spec files, Python files) into definitions."""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from .definitions import (
    LoadResult,
    PersonaDefinition,
    PersonaProblem,
    PersonaSource,
    SourceKind,
)
from .persona import BasePersona
from .specs import IMAGE_SUFFIXES, PersonaSpec, SpecError, avatar_file, load_spec_file

ENTRY_POINT_GROUP = "jupyter_ai.personas"
BUILTIN_DIR = Path(__file__).parent / "personas"


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:400] if text else type(exc).__name__


def definition_from_class(cls: type[BasePersona], source: PersonaSource) -> PersonaDefinition:
    """A definition from a BasePersona subclass and its `defaults`."""
    defaults = getattr(cls, "defaults", None)
    if defaults is None:
        raise TypeError(f"{cls.__qualname__} has no `defaults = PersonaDefaults(...)`")
    avatar, avatar_path = defaults.avatar, None
    if avatar and Path(avatar).suffix.lower() in IMAGE_SUFFIXES:
        module_file = inspect.getfile(cls)
        avatar_path = (Path(module_file).parent / avatar).resolve()
        avatar = None
        if not avatar_path.is_file():
            avatar_path = None
    return PersonaDefinition(
        name=defaults.name,
        description=defaults.description,
        avatar=avatar,
        avatar_path=avatar_path,
        persona_class=cls,
        source=source,
    )


def definition_from_spec(spec: PersonaSpec, path: Path, source: PersonaSource) -> PersonaDefinition:
    image = avatar_file(spec, path)
    return PersonaDefinition(
        name=spec.name,
        description=spec.description,
        avatar=None if image else spec.avatar,
        avatar_path=image,
        persona_class=spec_persona_class(spec),
        source=source,
        spec=spec,
        enabled=spec.enabled,
    )


def spec_persona_class(spec: PersonaSpec) -> type[BasePersona]:
    """The class that runs a spec: its `class`, or the ACP persona for `agent`/`command`."""
    if spec.persona_class:
        module_name, _, attribute = spec.persona_class.partition(":")
        try:
            target: object = importlib.import_module(module_name)
            for part in attribute.split("."):
                target = getattr(target, part)
        except Exception as exc:
            raise SpecError("", f"`class`: cannot import {spec.persona_class} ({_short(exc)})") from exc
        if not (isinstance(target, type) and issubclass(target, BasePersona)):
            raise SpecError("", f"`class`: {spec.persona_class} is not a BasePersona subclass")
        return target
    from .acp_client.persona import AcpPersona

    return AcpPersona


def load_entry_points() -> LoadResult:
    """Personas shipped by pip-installed packages (entry point group `jupyter_ai.personas`)."""
    result = LoadResult()
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist.name if entry_point.dist is not None else entry_point.module
        label = f"package {dist} (entry point `{entry_point.name}`)"
        try:
            cls = entry_point.load()
            if not (isinstance(cls, type) and issubclass(cls, BasePersona)):
                raise TypeError(f"{entry_point.value} is not a jupyter_ai_personas BasePersona")
            source = PersonaSource(kind="package", key=dist, label=f"package {dist}")
            result.definitions.append(definition_from_class(cls, source))
        except Exception as exc:
            result.problems.append(PersonaProblem(source=label, message=_short(exc)))
    return result


def load_spec_folder(folder: Path, *, kind: SourceKind, key: str, label: Callable[[Path], str]) -> LoadResult:
    """`*.md` specs and `*.py` persona modules in one folder, in name order.

    `label` names a file for people (e.g. relative to the server root).
    """
    result = LoadResult()
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".md", ".py") and p.is_file())
    except OSError:
        return result
    for path in files:
        source = PersonaSource(kind=kind, key=key, label=label(path), path=path)
        if path.suffix == ".md":
            if path.name.lower() == "readme.md":
                continue
            try:
                spec = load_spec_file(path)
                result.definitions.append(definition_from_spec(spec, path, source))
            except SpecError as exc:
                result.problems.append(PersonaProblem(source=source.label, message=exc.problem))
        else:
            result.extend(load_python_file(path, source))
    return result


def load_python_file(path: Path, source: PersonaSource) -> LoadResult:
    """Every BasePersona subclass a local `.py` file defines."""
    result = LoadResult()
    try:
        module = _import_file(path)
    except BaseException as exc:  # a persona file may even call sys.exit()
        if isinstance(exc, KeyboardInterrupt):
            raise
        result.problems.append(PersonaProblem(source=source.label, message=f"import failed: {_short(exc)}"))
        return result
    classes = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, BasePersona)
        and obj.__module__ == module.__name__
        and not inspect.isabstract(obj)
    ]
    if not classes:
        result.problems.append(PersonaProblem(source=source.label, message="defines no BasePersona subclass"))
    for cls in classes:
        try:
            result.definitions.append(definition_from_class(cls, source))
        except Exception as exc:
            result.problems.append(PersonaProblem(source=source.label, message=_short(exc)))
    return result


def _import_file(path: Path) -> ModuleType:
    # A new module name per content, so an edited file is imported afresh.
    digest = hashlib.sha1(str(path).encode() + path.read_bytes()).hexdigest()[:12]
    name = f"jupyter_ai_personas_local.{path.stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path.name}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module

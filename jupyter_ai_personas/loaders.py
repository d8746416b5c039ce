"""Turn persona sources (entry points, spec files, Python files) into definitions."""

from __future__ import annotations

import asyncio
import importlib.metadata
import inspect
from collections.abc import Callable
from pathlib import Path

from .code_loading import ImportTimedOut, import_attribute, import_file, run_off_loop
from .definitions import (
    LoadResult,
    PersonaDefinition,
    PersonaProblem,
    PersonaSource,
    SourceKind,
)
from .persona import BasePersona
from .specs import IMAGE_SUFFIXES, PersonaSpec, SpecError, avatar_file, load_spec_file
from .trust import PYTHON_REASON, TrustStore, UntrustedFile, file_digest, module_origin, spec_trust_reasons

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


def definition_from_spec(
    spec: PersonaSpec, path: Path, source: PersonaSource, persona_class: type[BasePersona]
) -> PersonaDefinition:
    image = avatar_file(spec, path)
    return PersonaDefinition(
        name=spec.name,
        description=spec.description,
        avatar=None if image else spec.avatar,
        avatar_path=image,
        persona_class=persona_class,
        source=source,
        spec=spec,
        enabled=spec.enabled,
    )


def _check_persona_class(reference: str, target: object) -> type[BasePersona]:
    if not (isinstance(target, type) and issubclass(target, BasePersona)):
        raise SpecError("", f"`class`: {reference} is not a BasePersona subclass")
    return target


def _acp_persona_class() -> type[BasePersona]:
    from .acp_client.acp_persona import AcpPersona

    return AcpPersona


async def spec_persona_class(spec: PersonaSpec, import_timeout: float) -> type[BasePersona]:
    """The class that runs a spec: its `class` (imported off the loop), or the ACP persona."""
    if not spec.persona_class:
        return _acp_persona_class()
    reference = spec.persona_class
    if module_origin(reference) is None:
        module = reference.partition(":")[0].split(".")[0]
        raise SpecError("", f"`class`: cannot import {reference} (no module named {module!r} is installed)")
    try:
        target = await run_off_loop(
            f"class:{reference}", lambda: import_attribute(reference), import_timeout, reference
        )
    except ImportTimedOut as exc:
        raise SpecError("", f"`class`: {reference}: {exc}") from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
            raise
        raise SpecError("", f"`class`: cannot import {reference} ({_short(exc)})") from None
    return _check_persona_class(reference, target)


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


def load_builtin_specs(folder: Path) -> LoadResult:
    """The built-in agents' specs (shipped with the package: trusted, no code of their own)."""
    result = LoadResult()
    for path in sorted(folder.glob("*.md")):
        source = PersonaSource(kind="builtin", key="builtin", label=f"built-in ({path.name})", path=path)
        try:
            spec = load_spec_file(path)
            result.definitions.append(definition_from_spec(spec, path, source, _acp_persona_class()))
        except SpecError as exc:
            result.problems.append(PersonaProblem(source=source.label, message=exc.problem))
    return result


async def load_spec_folder(
    folder: Path,
    *,
    kind: SourceKind,
    key: str,
    label: Callable[[Path], str],
    trust: TrustStore,
    import_timeout: float,
    workspace: Path,
) -> LoadResult:
    """`*.md` specs and `*.py` persona modules in one folder, in name order.

    Code runs only from files a person trusted (see `trust`); imports run off the event loop,
    at most `import_timeout` seconds. `label` names a file for people (e.g. relative to the root).
    """
    result = LoadResult()
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix in (".md", ".py") and p.is_file())
    except OSError:
        return result
    for path in files:
        source = PersonaSource(kind=kind, key=key, label=label(path), path=path)
        if path.suffix == ".md" and path.name.lower() == "readme.md":
            continue
        try:
            digest = file_digest(path)
            spec = load_spec_file(path) if path.suffix == ".md" else None
        except (OSError, SpecError) as exc:
            message = exc.problem if isinstance(exc, SpecError) else f"cannot be read: {exc}"
            result.problems.append(PersonaProblem(source=source.label, message=message))
            continue
        reasons = spec_trust_reasons(spec, workspace) if spec is not None else [PYTHON_REASON]
        if reasons and not trust.is_trusted(path, digest):
            result.untrusted.append(
                UntrustedFile(path=path, label=source.label, sha256=digest, reasons=tuple(reasons))
            )
            continue
        if spec is None:
            result.extend(await load_python_file(path, source, digest, import_timeout))
            continue
        try:
            persona_class = await spec_persona_class(spec, import_timeout)
            result.definitions.append(definition_from_spec(spec, path, source, persona_class))
        except SpecError as exc:
            result.problems.append(PersonaProblem(source=source.label, message=exc.problem))
    return result


async def load_python_file(
    path: Path, source: PersonaSource, digest: str, import_timeout: float
) -> LoadResult:
    """Every BasePersona subclass a local `.py` file defines (imported off the event loop)."""
    result = LoadResult()
    try:
        module = await run_off_loop(
            f"file:{path}:{digest}", lambda: import_file(path, digest), import_timeout, path.name
        )
    except ImportTimedOut as exc:
        result.problems.append(PersonaProblem(source=source.label, message=str(exc)))
        return result
    except BaseException as exc:  # a persona file may even call sys.exit()
        if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
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

"""PersonaCatalog: every persona source on the server, merged per chat folder.

Order (later wins on a name clash): entry points, built-in specs, the configured extra
folders, then `.jupyter/personas/` folders from the server root down to the chat's folder.
Folder personas that run code wait for a person's trust (see `trust`).
"""

from __future__ import annotations

from pathlib import Path

from .code_loading import forget_failures
from .definitions import LoadResult, MergedPersonas, PersonaDefinition, merge
from .loaders import BUILTIN_DIR, load_builtin_specs, load_entry_points, load_spec_folder
from .paths import PERSONA_FOLDER
from .services import PersonaSettings
from .specs import PersonaSpec
from .trust import TrustStore

LOCAL_FOLDER = PERSONA_FOLDER
Signature = tuple[tuple[str, int, int], ...] | None


def folder_signature(folder: Path) -> Signature:
    """Names, sizes and times of a folder's files: equal signatures, same personas."""
    try:
        entries = [(p.name, p.stat()) for p in folder.iterdir()]
    except OSError:
        return None
    return tuple(sorted((name, st.st_mtime_ns, st.st_size) for name, st in entries))


class PersonaCatalog:
    def __init__(self, root_dir: Path, settings: PersonaSettings, trust: TrustStore | None = None):
        self.root_dir = root_dir
        self.settings = settings
        self.trust = trust or TrustStore(None)
        self._shared: LoadResult | None = None
        self._folders: dict[Path, tuple[Signature, LoadResult]] = {}
        self._by_id: dict[str, PersonaDefinition] = {}

    # -- folders -----------------------------------------------------------------------
    def extra_folders(self) -> list[Path]:
        root = self.root_dir
        return [(root / p).resolve() for p in self.settings.persona_paths]

    def local_folders(self, chat_dir: Path) -> list[Path]:
        """`.jupyter/personas` of every folder from the root down to `chat_dir`."""
        root = self.root_dir
        chat_dir = chat_dir.resolve()
        if not chat_dir.is_relative_to(root):
            chat_dir = root
        chain = [chat_dir, *chat_dir.parents]
        folders = [d / LOCAL_FOLDER for d in chain if d.is_relative_to(root)]
        return list(reversed(folders))

    def is_persona_folder(self, folder: Path) -> bool:
        """A folder personas are loaded from: a configured one, or `.jupyter/personas` in the root."""
        folder = folder.resolve()
        if folder in self.extra_folders():
            return True
        root = self.root_dir
        return folder.is_relative_to(root) and folder.parts[-2:] == LOCAL_FOLDER.parts

    def watched_folders(self, chat_dir: Path) -> list[Path]:
        return self.extra_folders() + self.local_folders(chat_dir)

    # -- loading -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Forget everything loaded; the next look-up reads every source again."""
        self._shared = None
        self._folders.clear()
        forget_failures()

    def forget(self, folder: Path) -> None:
        """Load a folder again on the next look-up (e.g. a file of it was trusted)."""
        self._folders.pop(folder, None)

    def invalidate_if_changed(self, folder: Path) -> bool:
        """Forget a folder's personas if its files changed since they were loaded."""
        cached = self._folders.get(folder)
        if cached is None:
            return True
        if cached[0] == folder_signature(folder):
            return False
        del self._folders[folder]
        return True

    def shared(self) -> LoadResult:
        if self._shared is None:
            result = load_entry_points()
            result.extend(load_builtin_specs(BUILTIN_DIR))
            self._shared = result
            self._index(result)
        return self._shared

    async def folder(self, folder: Path) -> LoadResult:
        cached = self._folders.get(folder)
        if cached is None:
            signature = folder_signature(folder)
            result = await load_spec_folder(
                folder,
                kind="folder",
                key="local",
                label=self._label,
                trust=self.trust,
                import_timeout=self.settings.persona_import_timeout,
                workspace=self.root_dir,
            )
            cached = self._folders[folder] = (signature, result)
            self._index(result)
        return cached[1]

    async def personas_for(self, chat_dir: Path) -> MergedPersonas:
        """The merged personas a chat in `chat_dir` sees."""
        combined = LoadResult()
        combined.extend(self.shared())
        for folder in self.watched_folders(chat_dir):
            combined.extend(await self.folder(folder))
        disabled = {name.replace(" ", "-").lower() for name in self.settings.disabled_personas}
        return merge(combined, disabled)

    def builtin_agents(self) -> dict[str, PersonaSpec]:
        """Built-in agents by file stem and by name, for specs that say `agent: claude`."""
        agents: dict[str, PersonaSpec] = {}
        for definition in self.shared().definitions:
            spec, path = definition.spec, definition.source.path
            if definition.source.kind != "builtin" or spec is None or not spec.command or path is None:
                continue
            agents[path.stem.lower()] = spec
            agents[spec.name.lower()] = spec
            agents[spec.mention_name.lower()] = spec
        return agents

    def _label(self, path: Path) -> str:
        root = self.root_dir
        return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)

    def find(self, persona_id: str) -> PersonaDefinition | None:
        """A persona loaded from any source, by id (for avatars)."""
        return self._by_id.get(persona_id)

    def _index(self, result: LoadResult) -> None:
        for definition in result.definitions:
            self._by_id[definition.id] = definition

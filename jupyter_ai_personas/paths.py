"""Paths agents ask for: confined to the server root, Jupyter's hidden-file rules, protected places.

Two questions are asked of a path:

* may the runtime itself read or write it for an agent (ACP `fs/*`, MCP tools)? Only inside
  the server root, and hidden paths only where Jupyter serves them (`allow_hidden`);
* may a policy or an "always" answer allow a tool call on it without asking? Never outside the
  root, for hidden paths, the Jupyter runtime, config and data folders, or the home's key
  folders (`~/.ssh` and the like): those always go to a person, with the reason shown.

Chat files are read, never written, for agents: a message written there would show as a
person's (and `chat_loads` keeps such messages from being answered).
"""

from __future__ import annotations

from pathlib import Path

from jupyter_core.paths import is_hidden

# Under the home folder: credentials that must never be read or written without a person.
HOME_SECRETS = (
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".kube",
    ".docker",
    ".config/gcloud",
    ".config/gh",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".npmrc",
)
PERSONA_FOLDER = Path(".jupyter") / "personas"
CHAT_SUFFIX = ".chat"
CHAT_FILE_REASON = (
    "a chat file: its messages are written in the chat by the people and personas in it, "
    "not into the file by an agent"
)


class PathOutsideRoot(ValueError):
    pass


class PathRefused(ValueError):
    """A path the runtime will not touch for an agent; the message says why and what to do."""


def confine(root: Path, path: str, cwd: Path | None = None) -> Path:
    """The absolute, symlink-resolved path inside `root`, or PathOutsideRoot."""
    if not path or "\x00" in path:
        raise PathOutsideRoot("not a valid path")
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = (cwd or root) / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise PathOutsideRoot("outside the server root")
    return resolved


class PathRules:
    """The server's rules for the paths agents touch."""

    def __init__(
        self,
        root: Path,
        *,
        allow_hidden: bool = False,
        protected: tuple[Path, ...] = (),
        home: Path | None = None,
    ):
        self.root = root.resolve()
        self.allow_hidden = allow_hidden
        home = (home or Path.home()).expanduser()
        secrets = tuple(home / name for name in HOME_SECRETS)
        self.protected = tuple(p.expanduser().resolve() for p in (*protected, *secrets))

    def resolve(self, path: str, cwd: Path | None = None) -> Path:
        """Absolute and symlink-resolved (not confined): what a tool call would touch."""
        candidate = Path(path).expanduser()
        if not candidate.is_absolute():
            candidate = (cwd or self.root) / candidate
        return candidate.resolve()

    def is_hidden(self, target: Path) -> bool:
        """Jupyter's rule: a name starting with "." (or hidden by the OS) on the way from the root."""
        if not target.is_relative_to(self.root) or target == self.root:
            return False
        relative = target.relative_to(self.root)
        if any(part.startswith(".") for part in relative.parts):
            return True
        try:
            return is_hidden(str(target), str(self.root))
        except (OSError, ValueError):
            return False

    def accessible(self, path: str, cwd: Path | None = None) -> Path:
        """The path the runtime may read or write for an agent, or PathRefused saying why."""
        try:
            target = confine(self.root, path, cwd)
        except PathOutsideRoot as exc:
            raise PathRefused(f"{exc}: only files inside the server root can be used") from None
        if not self.allow_hidden and self.is_hidden(target):
            raise PathRefused(
                "a hidden path: Jupyter does not serve hidden files and folders "
                "(the server's ContentsManager.allow_hidden is off)"
            )
        return target

    def writable(self, path: str, cwd: Path | None = None) -> Path:
        """The path the runtime may write for an agent (a person answered for it), or PathRefused."""
        target = self.accessible(path, cwd)
        if is_chat_file(target):
            raise PathRefused(CHAT_FILE_REASON)
        return target

    def concern(self, path: str, cwd: Path | None = None, *, reading: bool = False) -> str | None:
        """Why a tool call on `path` must be answered by a person, or None when a policy may.
        `reading`: the call only reads (a chat file may be read)."""
        try:
            target = self.resolve(path, cwd)
        except (OSError, RuntimeError, ValueError):
            return "a path that cannot be resolved"
        for folder in self.protected:
            if target == folder or target.is_relative_to(folder):
                return f"a protected location ({_shown(folder)}: keys, tokens or Jupyter's own files)"
        if not target.is_relative_to(self.root):
            return "outside the server root"
        relative = target.relative_to(self.root)
        if _within(relative, PERSONA_FOLDER):
            return "a persona folder: code there can run inside the Jupyter server"
        if not reading and is_chat_file(target):
            return CHAT_FILE_REASON
        if self.is_hidden(target):
            return "a hidden path"
        return None

    def shown(self, target: Path) -> str:
        """A path as people read it: relative inside the root, absolute outside."""
        return target.relative_to(self.root).as_posix() if target.is_relative_to(self.root) else str(target)


def is_chat_file(target: Path) -> bool:
    """A jupyterlab-chat file, however its name is cased (case-insensitive file systems) or ends
    (Windows drops trailing dots and spaces)."""
    return target.name.rstrip(". ").lower().endswith(CHAT_SUFFIX)


def _within(relative: Path, folder: Path) -> bool:
    parts = relative.parts
    return any(parts[i : i + len(folder.parts)] == folder.parts for i in range(len(parts)))


def _shown(folder: Path) -> str:
    home = Path.home()
    return "~/" + folder.relative_to(home).as_posix() if folder.is_relative_to(home) else str(folder)

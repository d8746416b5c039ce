"""Markdown persona specs: YAML front matter validated by `PersonaSpec`, body = instructions.

A spec file looks like::

    ---
    name: Data Scientist
    description: Explores data in notebooks
    avatar: 🧪            # an emoji, or an image file next to the spec
    agent: claude          # a built-in agent; or `command:` for any ACP agent
    model: sonnet
    permissions: {read: allow, edit: ask, execute: ask}
    env: [ANTHROPIC_API_KEY]
    ---
    You are a careful data scientist...
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

IMAGE_SUFFIXES = {".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp"}

#: ACP tool kinds a permission policy can name, plus `default` for the rest.
ToolKind = Literal[
    "read",
    "edit",
    "delete",
    "move",
    "search",
    "execute",
    "think",
    "fetch",
    "switch_mode",
    "other",
    "default",
]
PolicyAnswer = Literal["allow", "ask", "reject"]
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class SpecError(Exception):
    """A persona spec file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StdioMcpServer(_Strict):
    """An MCP server the agent starts itself."""

    name: str = Field(min_length=1)
    command: str = Field(min_length=1)
    args: list[str] = []
    env: dict[str, str] = {}


class HttpMcpServer(_Strict):
    """An MCP server the agent reaches over HTTP (streamable http or sse)."""

    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    type: Literal["http", "sse"] = "http"
    headers: dict[str, str] = {}


def _mcp_kind(value: Any) -> str:
    has_url = isinstance(value, dict) and "url" in value or isinstance(value, HttpMcpServer)
    return "http" if has_url else "stdio"


McpServerSpec = Annotated[
    Annotated[StdioMcpServer, Tag("stdio")] | Annotated[HttpMcpServer, Tag("http")],
    Discriminator(_mcp_kind),
]


class PersonaSpec(_Strict):
    """The validated front matter of a markdown persona, plus its body as `instructions`."""

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    avatar: str | None = None
    agent: str | None = Field(default=None, description="a built-in agent, e.g. claude or codex")
    command: list[str] | None = Field(default=None, description="the command of any ACP agent")
    persona_class: str | None = Field(
        default=None, alias="class", description="module:Class of a Python persona to run"
    )
    install: str | None = Field(default=None, description="how to install the agent's program")
    auth_method: list[str] = Field(
        default=[],
        description="ACP auth methods to sign in with when the agent offers them and their "
        "credentials are set, in order of preference (one id or a list)",
    )
    model: str | None = None
    mode: str | None = None
    mcp_servers: list[McpServerSpec] = []
    skills: list[str] = []
    permissions: dict[ToolKind, PolicyAnswer] = {}
    env: dict[str, str] = Field(
        default={},
        description="variables passed to the agent: a list of names taken from the server's "
        "environment, or a mapping whose values may reference ${NAME}",
    )
    credentials: list[str] = Field(
        default=[],
        description="variables any one of which lets the agent sign in (shown in Settings › AI "
        "Personas, where a person can set them)",
    )
    enabled: bool = True
    instructions: str = ""

    @field_validator("name")
    @classmethod
    def _name_is_mentionable(cls, value: str) -> str:
        value = value.strip()
        if not value or "@" in value or "\n" in value or not value[0].isalnum():
            raise ValueError("must start with a letter or digit and contain no '@' or newline")
        return value

    @field_validator("auth_method", mode="before")
    @classmethod
    def _one_or_more_methods(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("command", mode="before")
    @classmethod
    def _split_command(cls, value: Any) -> Any:
        if isinstance(value, str):
            return shlex.split(value)
        return value

    @field_validator("command")
    @classmethod
    def _command_not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("must name a program")
        return value

    @field_validator("env", mode="before")
    @classmethod
    def _env_names_to_refs(cls, value: Any) -> Any:
        # `env: [OPENAI_API_KEY]` means "pass the server's OPENAI_API_KEY".
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                raise ValueError("a list of environment variable names is expected")
            return {name: "${" + name + "}" for name in value}
        return value

    @field_validator("env")
    @classmethod
    def _env_names_valid(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @field_validator("credentials")
    @classmethod
    def _credential_names_valid(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _ENV_NAME.match(name):
                raise ValueError(f"{name!r} is not an environment variable name")
        return value

    @field_validator("persona_class")
    @classmethod
    def _class_ref(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[\w.]+:[\w.]+$", value):
            raise ValueError("must look like 'package.module:ClassName'")
        return value

    @model_validator(mode="after")
    def _one_runtime(self) -> PersonaSpec:
        chosen = [k for k in ("agent", "command", "persona_class") if getattr(self, k)]
        if not chosen:
            raise ValueError("a persona needs one of `agent`, `command` or `class`")
        if len(chosen) > 1:
            names = ", ".join("class" if k == "persona_class" else k for k in chosen)
            raise ValueError(f"choose one of `agent`, `command` or `class`, not {names}")
        return self

    @property
    def mention_name(self) -> str:
        return self.name.replace(" ", "-")

    def resolved_env(self, environ: dict[str, str]) -> dict[str, str]:
        """The variables to pass, with ${NAME} references filled from `environ`.

        A variable whose reference is not set on the server is left out, so that an
        agent can tell "no key" from "an empty key".
        """
        resolved: dict[str, str] = {}
        for name, template in self.env.items():
            refs = _ENV_REF.findall(template)
            if any(ref not in environ for ref in refs):
                continue
            resolved[name] = _ENV_REF.sub(lambda m: environ[m.group(1)], template)
        return resolved


def split_front_matter(text: str, path: Path | str) -> tuple[dict[str, Any], str]:
    """Split a markdown file into its YAML front matter (a mapping) and its body."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise SpecError(path, "no YAML front matter: the file must start with a '---' line")
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            header = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            break
    else:
        raise SpecError(path, "the YAML front matter is not closed by a '---' line")
    try:
        data = yaml.safe_load(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError(path, f"invalid YAML{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError(path, "the front matter must be a mapping of keys to values")
    return data, body.strip()


def describe_validation_error(error: ValidationError) -> str:
    """One line per problem, naming the key the person has to fix."""
    problems = []
    for item in error.errors():
        location = ".".join(str(p) for p in item["loc"] if p not in ("stdio", "http", "[key]"))
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "missing (required)"
        problems.append(f"`{location}`: {message}" if location else message)
    return "; ".join(dict.fromkeys(problems))


def parse_spec(text: str, path: Path | str) -> PersonaSpec:
    data, body = split_front_matter(text, path)
    if "instructions" in data:
        raise SpecError(path, "`instructions` is the markdown body, not a front matter key")
    try:
        spec = PersonaSpec.model_validate({**data, "instructions": body})
    except ValidationError as exc:
        raise SpecError(path, describe_validation_error(exc)) from None
    _check_avatar(spec, Path(path))
    return spec


def load_spec_file(path: Path) -> PersonaSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(path, f"cannot be read: {exc}") from None
    return parse_spec(text, path)


def avatar_file(spec: PersonaSpec, spec_path: Path) -> Path | None:
    """The image file a spec's avatar names, or None for an emoji (or no avatar)."""
    if spec.avatar and Path(spec.avatar).suffix.lower() in IMAGE_SUFFIXES:
        return (spec_path.parent / spec.avatar).resolve()
    return None


def _check_avatar(spec: PersonaSpec, spec_path: Path) -> None:
    if not spec.avatar:
        return
    image = avatar_file(spec, spec_path)
    if image is None:
        if len(spec.avatar) > 8:
            raise SpecError(
                spec_path, "`avatar`: use an emoji or an image file (.png, .svg, .jpg, .gif, .webp)"
            )
        return
    if not image.is_relative_to(spec_path.parent.resolve()):
        raise SpecError(spec_path, f"`avatar`: {spec.avatar} is outside the spec's folder")
    if not image.is_file():
        raise SpecError(spec_path, f"`avatar`: no file {spec.avatar} next to the spec")

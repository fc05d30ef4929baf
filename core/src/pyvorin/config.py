"""``[tool.pyvorin]`` configuration: the one loader, with precise errors.

The schema below is the single source of truth for every key: its type, default,
allowed range, environment override and documentation. Unknown keys, wrong
types and out-of-range values are :class:`~pyvorin.errors.ConfigError` (exit 2) naming
the file, the full key path, what was expected and what was found.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT = "tool.pyvorin"


def _describe(value: Any) -> str:
    kind = {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "table",
    }.get(type(value), type(value).__name__)
    shown = repr(value) if not isinstance(value, dict) else "{...}"
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{kind} {shown}"


@dataclass(frozen=True)
class Key:
    """One configuration key. ``path`` is relative to ``[tool.pyvorin]``."""

    path: str
    kind: type  # bool, int, str, or list (of str)
    default: Any
    doc: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] | None = None
    env: str | None = None
    validate: Callable[[Any], str | None] | None = field(default=None, compare=False)

    @property
    def expected(self) -> str:
        if self.kind is bool:
            return "a boolean (true or false)"
        if self.kind is list:
            return "an array of strings"
        if self.kind is int:
            bounds = []
            if self.minimum is not None:
                bounds.append(f">= {self.minimum}")
            if self.maximum is not None:
                bounds.append(f"<= {self.maximum}")
            return "an integer" + (" " + " and ".join(bounds) if bounds else "")
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return "a non-empty string"

    def check(self, value: Any) -> bool:
        if self.kind is bool:
            return isinstance(value, bool)
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                return False
            if self.minimum is not None and value < self.minimum:
                return False
            return self.maximum is None or value <= self.maximum
        if self.kind is list:
            return isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        if self.kind is str:
            if not isinstance(value, str) or not value:
                return False
            return self.choices is None or value in self.choices
        raise AssertionError(self.kind)

    def parse_env(self, raw: str) -> Any:
        if self.kind is bool:
            lowered = raw.strip().lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off", ""):
                return False
            return raw
        if self.kind is int:
            try:
                return int(raw)
            except ValueError:
                return raw
        if self.kind is list:
            return [part.strip() for part in raw.split(",") if part.strip()]
        return raw


SCHEMA: tuple[Key, ...] = (
    Key("modules", list, [], "Modules to compile: dotted names or globs of .py paths."),
    Key("backend", str, "native", "The compile backend, by name (see `pyvorin plugins`)."),
    Key(
        "plugins",
        list,
        [],
        "Third-party plugins (entry-point names) allowed to load.",
        env="PYVORIN_PLUGINS",
    ),
    Key("verify.min-inputs", int, 100, "Inputs each function must be verified on.", minimum=1),
    Key("verify.examples", str, None, "TOML file of explicit examples, relative to the project."),
    Key("verify.seed", int, 0, "Seed for generated inputs (same seed, same inputs).", minimum=0),
    Key("verify.corpus", str, ".pyvorin/corpus.json", "Recorded calls file (project-relative)."),
    Key("verify.call-seconds", int, 10, "Time budget of one verification call.", minimum=1),
    Key("verify.memory-mb", int, 1024, "Address-space limit of a verification worker.", minimum=64),
    Key("signing.key-id", str, None, "Id of the key that signs artifacts."),
    Key(
        "sandbox.cpu-seconds",
        int,
        60,
        "CPU time limit per worker.",
        minimum=1,
        maximum=86400,
    ),
    Key("sandbox.memory-mb", int, 2048, "Address-space limit per worker.", minimum=64),
    Key(
        "sandbox.require-isolation",
        bool,
        False,
        "Refuse to run when an isolation layer is unavailable.",
        env="PYVORIN_REQUIRE_ISOLATION",
    ),
    Key("sandbox.wall-seconds", int, 600, "Wall-clock limit per worker.", minimum=1, maximum=86400),
    Key("sandbox.max-processes", int, 64, "Processes+threads per worker.", minimum=1, maximum=4096),
    Key("sandbox.max-open-files", int, 256, "Open files per worker.", minimum=16, maximum=65536),
    Key("sandbox.max-file-mb", int, 1024, "Largest file a worker may write.", minimum=1),
    Key("sandbox.readable-paths", list, [], "Extra read-only paths (project-relative)."),
    Key(
        "wheel.include-source",
        bool,
        False,
        "Ship each compiled module's source in wheels as <module>.py.src.",
    ),
    Key("licence.server", str, None, "Licence server URL.", env="PYVORIN_LICENCE_SERVER"),
    Key(
        "licence.grace-hours",
        int,
        72,
        "Offline grace period of the licence, in hours.",
        minimum=0,
        maximum=720,
        env="PYVORIN_LICENCE_GRACE_HOURS",
    ),
)
KEYS = {key.path: key for key in SCHEMA}
SECTIONS = {key.path.split(".")[0] for key in SCHEMA if "." in key.path}


@dataclass
class Settings:
    """Effective configuration: values by key path, and where each came from."""

    values: dict[str, Any]
    origins: dict[str, str]
    file: Path | None = None

    @property
    def root(self) -> Path:
        return self.file.parent if self.file else Path.cwd()

    def __getitem__(self, path: str) -> Any:
        return self.values[path]

    def __getattr__(self, name: str) -> Any:
        """``settings.verify.min_inputs`` style access, derived from the schema."""
        values = self.__dict__.get("values")
        if values is None:
            raise AttributeError(name)
        dashed = name.replace("_", "-")
        if dashed in values:
            return values[dashed]
        if dashed in SECTIONS:
            prefix = dashed + "."
            return SimpleNamespace(
                **{
                    path[len(prefix) :].replace("-", "_"): value
                    for path, value in values.items()
                    if path.startswith(prefix)
                }
            )
        raise AttributeError(name)


def _flatten(table: Mapping[str, Any], file: Path) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        if name in SECTIONS:
            if not isinstance(value, dict):
                raise ConfigError(
                    f"{file}: {ROOT}.{name}: expected a table, found {_describe(value)}"
                )
            for sub, subvalue in value.items():
                flat[f"{name}.{sub}"] = subvalue
        else:
            flat[name] = value
    return flat


def _unknown_key_message(file: Path, path: str) -> str:
    import difflib

    close = difflib.get_close_matches(path, KEYS, n=1)
    suggestion = f"; did you mean {ROOT}.{close[0]}?" if close else ""
    return f"{file}: {ROOT}.{path}: unknown key{suggestion}"


def read_pyproject(file: Path) -> dict[str, Any]:
    """Parse ``file`` as TOML; a syntax error names the line and column."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}") from exc
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{file}: not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: invalid TOML: {exc}") from exc


def load_settings(project: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Load settings for the project at ``project`` (a directory or a pyproject.toml).

    With no ``project``, the current directory is used. A directory without a
    ``pyproject.toml`` gives the defaults (and environment overrides).
    """
    env = os.environ if env is None else env
    project = Path.cwd() if project is None else Path(project)
    file = project if project.name == "pyproject.toml" else project / "pyproject.toml"
    if project.name == "pyproject.toml" and not file.is_file():
        raise ConfigError(f"{file}: no such file")

    raw: dict[str, Any] = {}
    found_file: Path | None = None
    if file.is_file():
        found_file = file
        document = read_pyproject(file)
        tool = document.get("tool", {})
        section = tool.get("pyvorin", {}) if isinstance(tool, dict) else {}
        if not isinstance(section, dict):
            raise ConfigError(f"{file}: {ROOT}: expected a table, found {_describe(section)}")
        raw = _flatten(section, file)

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for path, value in raw.items():
        key = KEYS.get(path)
        if key is None:
            raise ConfigError(_unknown_key_message(file, path))
        if not key.check(value):
            raise ConfigError(
                f"{file}: {ROOT}.{path}: expected {key.expected}, found {_describe(value)}"
            )
        values[path] = value
        origins[path] = str(file)

    for key in SCHEMA:
        if key.env and env.get(key.env) not in (None, ""):
            value = key.parse_env(env[key.env])
            if not key.check(value):
                raise ConfigError(
                    f"environment variable {key.env} (for {ROOT}.{key.path}): "
                    f"expected {key.expected}, found {_describe(value)}"
                )
            if key.kind is list and key.path in values:
                value = values[key.path] + [v for v in value if v not in values[key.path]]
            values[key.path] = value
            origins[key.path] = f"env {key.env}"
        elif key.path not in values:
            values[key.path] = key.default
            origins[key.path] = "default"

    examples = values["verify.examples"]
    if examples is not None and found_file is not None:
        path = (found_file.parent / examples).resolve()
        if not path.is_file():
            raise ConfigError(
                f"{found_file}: {ROOT}.verify.examples: expected an existing file, "
                f"found {examples!r} (no such file: {path})"
            )
    return Settings(values=values, origins=origins, file=found_file)

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
    # "user": a security setting; refused from a project's pyproject.toml (only the user's
    # or the administrator's configuration, or the environment, may set it).
    # "admin": only the administrator's configuration may set it (refused from the project
    # and from the user's configuration; it has no environment variable).
    scope: str = "project"
    # For project-settable keys: a predicate true when the project's value weakens a check;
    # such a value needs the user's opt-in (allow-project-weakening) and --release refuses it.
    weakens: Callable[[Any], bool] | None = field(default=None, compare=False)
    # Words accepted besides the kind's values (``jobs = "auto"``); kept as written, the
    # options object gives them their meaning.
    words: tuple[str, ...] = ()

    @property
    def expected(self) -> str:
        text = self._expected()
        return text + "".join(f" or {word!r}" for word in self.words)

    def _expected(self) -> str:
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
        if self.words and isinstance(value, str) and value in self.words:
            return True
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
            if raw.strip() in self.words:
                return raw.strip()
            try:
                return int(raw)
            except ValueError:
                return raw
        if self.kind is list:
            return [part.strip() for part in raw.split(",") if part.strip()]
        return raw


INTERPRETED_FORM = "'pkg.mod:func' or 'pkg.mod:Class.method'"


def interpreted_entry(entry: str) -> tuple[str, str]:
    """Split an ``interpreted`` entry into (module, qualname); ValueError says why not.

    The one definition of the entry form: a dotted module name, a colon, and a top-level
    function or a method of a top-level class. Nested functions and lambdas cannot be
    declared on their own: they are interpreted with the function that contains them.
    """
    module, colon, qualname = entry.partition(":")
    if not colon or ":" in qualname:
        raise ValueError(f"expected {INTERPRETED_FORM} (one colon)")
    if not module or not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(f"{module!r} is not a dotted module name; expected {INTERPRETED_FORM}")
    parts = qualname.split(".")
    if "<lambda>" in qualname or "<locals>" in qualname:
        raise ValueError(
            "a lambda or a nested function cannot be declared interpreted on its own; "
            "declare the top-level function or method that contains it"
        )
    if not all(part.isidentifier() for part in parts):
        raise ValueError(f"{qualname!r} is not a function name; expected {INTERPRETED_FORM}")
    if len(parts) > 2:
        raise ValueError(
            f"{qualname!r} names a nested function or a method of a nested class; declare "
            "the top-level function or the method of a top-level class that contains it "
            "(what is nested in it is interpreted with it)"
        )
    return module, qualname


def _check_interpreted(value: list[str]) -> str | None:
    for entry in value:
        try:
            interpreted_entry(entry)
        except ValueError as exc:
            return f"entry {entry!r}: {exc}"
    return None


def interpreted_for(settings: Settings, module: str) -> tuple[str, ...]:
    """The qualnames ``[tool.pyvorin] interpreted`` declares in ``module``, in order."""
    out: list[str] = []
    for entry in settings["interpreted"]:
        name, qualname = interpreted_entry(entry)
        if name == module and qualname not in out:
            out.append(qualname)
    return tuple(out)


SCHEMA: tuple[Key, ...] = (
    Key("modules", list, [], "Modules to compile: dotted names or globs of .py paths."),
    Key(
        "interpreted",
        list,
        [],
        "Functions left interpreted in their compiled module ('pkg.mod:func', "
        "'pkg.mod:Class.method'): listed in the manifest, reported and audited.",
        validate=_check_interpreted,
    ),
    Key("backend", str, "native", "The compile backend, by name (see `pyvorin plugins`)."),
    Key(
        "jobs",
        int,
        1,
        "Modules built in parallel, one process each (`pyvorin build -j`); 0 or 'auto': "
        "one per CPU core; 1: one after the other.",
        minimum=0,
        maximum=1024,
        env="PYVORIN_JOBS",
        words=("auto",),
    ),
    Key(
        "plugins",
        list,
        [],
        "Third-party plugins (entry-point names) allowed to load.",
        env="PYVORIN_PLUGINS",
        scope="user",
    ),
    Key(
        "allow-project-weakening",
        bool,
        False,
        "Accept verification weakening from the project (min-inputs below 100, min-coverage "
        "below 90, min-branch-coverage below 80, module-seconds below 120, [exhaustive]).",
        env="PYVORIN_ALLOW_PROJECT_WEAKENING",
        scope="user",
    ),
    Key(
        "verify.min-inputs",
        int,
        100,
        "Inputs each function must be verified on.",
        minimum=1,
        weakens=lambda value: value < 100,
    ),
    Key("verify.examples", str, None, "TOML file of explicit examples, relative to the project."),
    Key(
        "verify.seed",
        int,
        None,
        "Seed for generated inputs (same seed, same inputs); default: a new one per build.",
        minimum=0,
    ),
    Key("verify.corpus", str, ".pyvorin/corpus.json", "Recorded calls file (project-relative)."),
    Key("verify.call-seconds", int, 10, "Time budget of one verification call.", minimum=1),
    Key(
        "verify.single-call-seconds",
        int,
        60,
        "Time budget of the one input of a function without parameters (or taking only an "
        "argument-less object), run again without line tracing when it did not finish "
        "within call-seconds (benchmarks, drivers).",
        minimum=1,
        maximum=86400,
    ),
    Key(
        "verify.module-seconds",
        int,
        120,
        "Time budget of one module's CPython verification calls, shared by its functions; "
        "inputs beyond min-inputs are cut once a function spent its share.",
        minimum=1,
        maximum=86400,
        weakens=lambda value: value < 120,
    ),
    Key("verify.memory-mb", int, 1024, "Address-space limit of a verification worker.", minimum=64),
    Key(
        "verify.min-coverage",
        int,
        90,
        "Percent of each function's lines the inputs must execute (enforced by --release).",
        minimum=0,
        maximum=100,
        weakens=lambda value: value < 90,
    ),
    Key(
        "verify.min-branch-coverage",
        int,
        80,
        "Percent of each function's branches (line -> destination arcs) the inputs must take "
        "under CPython (enforced by --release).",
        minimum=0,
        maximum=100,
        weakens=lambda value: value < 80,
    ),
    Key(
        "verify.trusted-verifiers",
        list,
        [],
        "Third-party plugins (entry-point names, also allowed by `plugins`) whose "
        "pyvorin_verify may answer the verify stage instead of the built-in verifier; "
        "administrator's configuration only.",
        scope="admin",
    ),
    Key("signing.key-id", str, None, "Id of the key that signs artifacts."),
    Key(
        "signing.build-number",
        int,
        None,
        "Build number signed into the manifests (monotonic per distribution); default: "
        "this installation's counter for the signing key and distribution, plus one.",
        minimum=1,
        maximum=2**63 - 1,
        env="PYVORIN_BUILD_NUMBER",
    ),
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
    Key(
        "sandbox.readable-paths",
        list,
        [],
        "Extra read-only paths for the workers (absolute, or relative to the project).",
        scope="user",
    ),
    Key(
        "wheel.include-source",
        bool,
        False,
        "Ship each compiled module's source in wheels as <module>.py.src.",
    ),
    Key(
        "licence.server",
        str,
        None,
        "Licence server URL for activation.",
        env="PYVORIN_LICENCE_SERVER",
        scope="user",
    ),
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


ADMIN_CONFIG = Path("/etc/pyvorin/config.toml")
"""The administrator's configuration: applies last; must be owned by root, not writable by
others. Same keys as ``[tool.pyvorin]``, at the top level of the file."""

USER_CONFIG_NAME = "config.toml"
"""The user's configuration, ``PYVORIN_HOME/config.toml`` (same layout as the admin file)."""


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    from .home import pyvorin_home

    env = os.environ if env is None else env
    raw = env.get("PYVORIN_HOME")
    home = Path(raw).expanduser() if raw else pyvorin_home(create=False)
    return home / USER_CONFIG_NAME


@dataclass
class Settings:
    """Effective configuration: values by key path, and where each came from.

    ``weakenings`` lists the project values that weaken a check and were accepted only
    because the user opted in (``allow-project-weakening``); ``--release`` refuses them.
    """

    values: dict[str, Any]
    origins: dict[str, str]
    file: Path | None = None
    weakenings: tuple[str, ...] = ()

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


def load_settings(
    project: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    admin_path: Path | None = None,
) -> Settings:
    """Load settings for the project at ``project`` (a directory or a pyproject.toml).

    With no ``project``, the current directory is used. A directory without a
    ``pyproject.toml`` gives the defaults. Sources, later ones winning: defaults, the
    project's ``[tool.pyvorin]`` (security keys refused), the user's configuration
    (``PYVORIN_HOME/config.toml``), the environment, the administrator's configuration
    (``ADMIN_CONFIG``, ``admin_path`` in tests).
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

    user_file = user_config_path(env)
    admin_file = admin_path if admin_path is not None else ADMIN_CONFIG
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    project_values: dict[str, Any] = {}
    for path, value in raw.items():
        key = KEYS.get(path)
        if key is None:
            raise ConfigError(_unknown_key_message(file, path))
        if not key.check(value):
            raise ConfigError(
                f"{file}: {ROOT}.{path}: expected {key.expected}, found {_describe(value)}"
            )
        problem = key.validate(value) if key.validate is not None else None
        if problem:
            raise ConfigError(f"{file}: {ROOT}.{path}: {problem}")
        if key.scope == "admin":
            raise ConfigError(
                f"{file}: {ROOT}.{path}: may not be set by the project being built; only "
                f"the administrator's configuration {admin_file} may set it"
            )
        if key.scope == "user":
            where = f"{key.env} or " if key.env else ""
            raise ConfigError(
                f"{file}: {ROOT}.{path}: may not be set by the project being built (a "
                "security setting: it widens what runs or what is read on this machine, "
                f"or where this machine's licence secret is sent); set it in {where}your "
                f"user configuration {user_file} or the administrator's {admin_file}"
            )
        values[path] = value
        origins[path] = str(file)
        project_values[path] = value
    for config_file in (user_file,):
        _apply_config_file(config_file, values, origins, admin=False)

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

    _apply_config_file(admin_file, values, origins, admin=True)

    weakenings = []
    for path, value in project_values.items():
        key = KEYS[path]
        if key.weakens is not None and values.get(path) == value and key.weakens(value):
            if not values["allow-project-weakening"]:
                raise ConfigError(
                    f"{file}: {ROOT}.{path}: {value!r} weakens verification (the default is "
                    f"{key.default!r}); a project may do so only if you opt in with "
                    f"allow-project-weakening = true in {user_file} or "
                    "PYVORIN_ALLOW_PROJECT_WEAKENING=1 (--release refuses it regardless)"
                )
            weakenings.append(f"{ROOT}.{path} = {value!r} ({file})")

    examples = values["verify.examples"]
    if examples is not None and found_file is not None:
        path = (found_file.parent / examples).resolve()
        if not path.is_file():
            raise ConfigError(
                f"{found_file}: {ROOT}.verify.examples: expected an existing file, "
                f"found {examples!r} (no such file: {path})"
            )
    return Settings(values=values, origins=origins, file=found_file, weakenings=tuple(weakenings))


def _apply_config_file(
    file: Path, values: dict[str, Any], origins: dict[str, str], *, admin: bool
) -> None:
    """Merge the user's or the administrator's configuration file into ``values``."""
    try:
        info = file.stat()
    except OSError:
        return
    if admin and (info.st_uid != 0 or info.st_mode & 0o022):
        raise ConfigError(
            f"{file}: the administrator's configuration must be owned by root and not "
            f"writable by group or others (owner uid {info.st_uid}, mode "
            f"{info.st_mode & 0o777:o}); refusing to use it"
        )
    document = read_pyproject(file)
    for path, value in _flatten(document, file).items():
        key = KEYS.get(path)
        if key is None:
            import difflib

            close = difflib.get_close_matches(path, KEYS, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise ConfigError(f"{file}: {path}: unknown key{hint}")
        if not key.check(value):
            raise ConfigError(f"{file}: {path}: expected {key.expected}, found {_describe(value)}")
        problem = key.validate(value) if key.validate is not None else None
        if problem:
            raise ConfigError(f"{file}: {path}: {problem}")
        if key.scope == "admin" and not admin:
            raise ConfigError(
                f"{file}: {path}: may not be set in a user's configuration; only the "
                f"administrator's configuration {ADMIN_CONFIG} may set it"
            )
        values[path] = value
        origins[path] = str(file)

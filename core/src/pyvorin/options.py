"""The one options object of a pipeline run, built once from flags, environment and config.

Every door into the pipeline (``pyvorin compile|build|check|bench``, the adapters through
:mod:`pyvorin.build_api`, the Python API) builds a :class:`BuildOptions` with
:meth:`BuildOptions.resolve` and hands it to :func:`pyvorin.pipeline.make_context`; stages
read ``ctx.options`` and nothing else. It is frozen: no stage or plugin can change a
setting half-way through a run.

Precedence, per option: the command-line flag, then the environment variable, then the
configuration (user / administrator / project, see :mod:`pyvorin.config`), then the
default. ``origins`` records where each value came from; the manifest of a release build
records the effective values (:meth:`BuildOptions.manifest_record`).

``build_number`` (``--build-number``, else ``[tool.pyvorin.signing] build-number`` or
``PYVORIN_BUILD_NUMBER``) is the number the sign stage signs into the manifests instead
of taking the next one from this installation's counter; ``distribution`` is the name
of the distribution being built when the caller knows it (the adapters pass their
host's project name); see :mod:`pyvorin.signing.builds`.

``jobs`` is how many modules the pipeline builds at once, one process each
(``-j``/``--jobs``, else ``PYVORIN_JOBS``, else ``[tool.pyvorin] jobs``; default 1, the
serial path; 0 or ``auto``: one per CPU core this process may run on); see
:mod:`pyvorin.parallel`.

``sandbox`` is the one :class:`~pyvorin.sandbox.SandboxPolicy` of the run: the compile
stage runs the C compiler under it and the verification workers derive their per-call
budgets from it (they may only tighten it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

RELEASE_ENV = "PYVORIN_RELEASE"
NO_CACHE_ENV = "PYVORIN_NO_CACHE"
LOCK_TIMEOUT_ENV = "PYVORIN_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 600.0
LICENCE_MODES = ("licensed", "development")
COMMANDS = ("api", "compile", "build", "check", "bench", "adapter", "demo", "release")


def parse_bool(value: Any, name: str) -> bool:
    """``True``/``False`` from a flag, a config value or an environment string."""
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}: expected true or false, found {value!r}")


def lock_timeout(flag: float | None = None, env: Mapping[str, str] | None = None) -> float:
    """Seconds a build waits for another build's lock: the flag, else
    ``PYVORIN_LOCK_TIMEOUT``, else 600; 0 refuses at once (exit 8)."""
    env = os.environ if env is None else env
    if flag is not None:
        value: Any = flag
        name = "--lock-timeout"
    else:
        value = env.get(LOCK_TIMEOUT_ENV, "").strip()
        name = LOCK_TIMEOUT_ENV
        if value == "":
            return DEFAULT_LOCK_TIMEOUT
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds >= 0 or seconds == float("inf"):
        raise ConfigError(f"{name}: expected a number of seconds >= 0, found {value!r}")
    return seconds


MAX_JOBS = 1024


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def parse_jobs(value: Any, name: str) -> int:
    """The number of parallel module builds ``value`` asks for: a count >= 1, or 0/``auto``
    for one per core. ``name`` (the flag, variable or key) is named in the error."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return available_cores()
        value = int(text) if text.isdigit() else value
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_JOBS:
        raise ConfigError(
            f"{name}: expected a number of parallel jobs from 0 to {MAX_JOBS} or 'auto' "
            f"(0 and 'auto': one per CPU core), found {value!r}"
        )
    return available_cores() if value == 0 else value


def _default_policy() -> Any:
    from .sandbox import SandboxPolicy

    return SandboxPolicy()


@dataclass(frozen=True)
class BuildOptions:
    """Effective options of one pipeline run (see the module docstring)."""

    command: str = "api"
    release: bool = False
    keep_c: Path | None = None
    require_isolation: bool = False
    use_cache: bool = True
    cache_dir: Path | None = None
    licence_mode: str = "licensed"
    sandbox: Any = field(default_factory=_default_policy)
    origins: Mapping[str, str] = field(default_factory=dict)
    verify_seed: int | None = None  # --seed: the generated verification inputs' seed
    build_number: int | None = None  # None: the signing installation's counter decides
    distribution: str | None = None  # normalised; None: the project's [project] name
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT  # seconds to wait for the output's lock
    jobs: int = 1  # modules built at once, one process each (1: one after the other)

    def __post_init__(self) -> None:
        if self.command not in COMMANDS:
            raise ConfigError(f"options: unknown command {self.command!r}")
        if self.licence_mode not in LICENCE_MODES:
            raise ConfigError(
                f"options: licence mode must be one of {', '.join(LICENCE_MODES)}, "
                f"not {self.licence_mode!r}"
            )
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise ConfigError(f"options: jobs must be an integer >= 1, not {self.jobs!r}")
        if self.sandbox.require_isolation != self.require_isolation:
            raise ConfigError("options: the sandbox policy disagrees with require-isolation")

    @classmethod
    def resolve(
        cls,
        settings: Any,
        *,
        command: str,
        release: bool | None = None,
        keep_c: Path | None = None,
        require_isolation: bool | None = None,
        cache: bool | None = None,
        cache_dir: Path | None = None,
        licence_mode: str | None = None,
        env: Mapping[str, str] | None = None,
        verify_seed: int | None = None,
        build_number: int | None = None,
        distribution: str | None = None,
        lock_wait: float | None = None,
        jobs: Any = None,
    ) -> BuildOptions:
        """Flags (non-None arguments) override the environment, which overrides config."""
        from .sandbox import SandboxPolicy

        env = os.environ if env is None else env
        origins: dict[str, str] = {}

        def pick(name: str, flag: Any, env_name: str | None, configured: Any, default: Any):
            if flag is not None:
                origins[name] = "flag"
                return flag
            if env_name and env.get(env_name, "") != "":
                origins[name] = f"env {env_name}"
                return parse_bool(env[env_name], env_name)
            if configured is not None:
                origins[name] = getattr(settings, "origins", {}).get(configured[0], "config")
                return configured[1]
            origins[name] = "default"
            return default

        is_release = bool(pick("release", release, RELEASE_ENV, None, False))
        isolation = bool(require_isolation) or bool(settings["sandbox.require-isolation"])
        origins["require_isolation"] = (
            "flag"
            if require_isolation
            else getattr(settings, "origins", {}).get("sandbox.require-isolation", "default")
        )
        use_cache = not parse_bool(env.get(NO_CACHE_ENV, ""), NO_CACHE_ENV)
        origins["use_cache"] = f"env {NO_CACHE_ENV}" if not use_cache else "default"
        if cache is not None:
            use_cache, origins["use_cache"] = bool(cache), "flag"
        if is_release and use_cache:  # a release build never reuses a cached binary
            use_cache, origins["use_cache"] = False, "release"
        mode = licence_mode or "licensed"
        origins["licence_mode"] = "flag" if licence_mode else "default"
        if is_release and mode != "licensed":
            raise ConfigError(
                f"--release refuses the {mode!r} licence mode: a release build needs a licence "
                "issued by the licensor (pyvorin licence activate)"
            )
        weakenings = tuple(getattr(settings, "weakenings", ()))
        if is_release and weakenings:
            raise ConfigError(
                "--release refuses weakened verification from the project: " + "; ".join(weakenings)
            )
        policy = SandboxPolicy.from_settings(settings, require_isolation=isolation)
        if build_number is not None:
            origins["build_number"] = "flag"
        else:
            build_number = settings["signing.build-number"]
            origins["build_number"] = getattr(settings, "origins", {}).get(
                "signing.build-number", "default"
            )
        from pyvorin_runtime.builds import is_build_number, is_distribution, normalize_distribution

        if build_number is not None and not (is_build_number(build_number) and build_number >= 1):
            raise ConfigError(f"build number: expected an integer >= 1, found {build_number!r}")
        if distribution is not None:
            name = normalize_distribution(str(distribution))
            if not is_distribution(name):
                raise ConfigError(f"distribution name {distribution!r} is not a valid name")
            distribution = name
        wait = lock_timeout(lock_wait, env)
        origins["lock_timeout"] = (
            "flag"
            if lock_wait is not None
            else (f"env {LOCK_TIMEOUT_ENV}" if env.get(LOCK_TIMEOUT_ENV, "").strip() else "default")
        )
        if jobs is not None:
            jobs, origins["jobs"] = parse_jobs(jobs, "-j/--jobs"), "flag"
        else:
            origin = getattr(settings, "origins", {}).get("jobs", "default")
            name = origin[len("env ") :] if origin.startswith("env ") else "tool.pyvorin.jobs"
            jobs, origins["jobs"] = parse_jobs(settings["jobs"], name), origin
        return cls(
            command=command,
            release=is_release,
            keep_c=Path(keep_c) if keep_c is not None else None,
            require_isolation=isolation,
            use_cache=use_cache,
            cache_dir=Path(cache_dir) if cache_dir is not None else None,
            licence_mode=mode,
            sandbox=policy,
            origins=dict(origins),
            verify_seed=verify_seed,
            build_number=build_number,
            distribution=distribution,
            lock_timeout=wait,
            jobs=jobs,
        )

    def manifest_record(self) -> dict[str, Any]:
        """What a manifest records about the run's effective settings."""
        return {
            "command": self.command,
            "release": self.release,
            "licence_mode": self.licence_mode,
            "require_isolation": self.require_isolation,
            "cache": self.use_cache,
            "sandbox": dict(
                self.sandbox.limits(), read_only_paths=list(self.sandbox.read_only_paths)
            ),
        }

"""The one call every packaging adapter makes: compile a project's modules for a wheel.

The setuptools backend, the hatch build hook, the pytest plugin, the release entry point
and ``pyvorin demo`` hold no pipeline logic of their own. They translate their host's
configuration into :func:`build_project` and put the files it returns into their
archive. This module is where "never ship a module left interpreted" and "verify the
signature before distribution" are enforced, once, for all of them:

* the whole pipeline runs (licence gate where installed, check, sandboxed compile,
  verification against CPython, signing); any failure raises :class:`BuildFailed` with
  the exit code of the failing stage, the stage's message and every diagnostic;
* a module whose verify or sign stage is not installed is refused: an unverified or
  unsigned binary is never handed to a packager;
* the artifacts are checked with :func:`verify_artifacts` before they are returned, and
  adapters check the wheel they wrote with it, with the configured modules, before they
  report success: every module present, compiled and covered by a verifying manifest,
  and nothing from the source tree shadowing a loader stub;
* the pipeline writes into a staging directory and moves the artifacts into ``out_dir``
  only once every module is signed (:mod:`pyvorin.outputs`); :func:`project_lock`
  serialises two adapter builds of one project.

The manifests carry the distribution's build number (:mod:`pyvorin.signing.builds`):
adapters pass their host's project name as ``distribution``; ``PYVORIN_BUILD_NUMBER``
(or ``build_number``) sets the number, as CI release pipelines do.

The returned :class:`WheelFiles` maps archive paths (``pkg/mod.py``) to files: the
binary, the loader stub (which takes the source's place) and the signed manifest of
every module, plus ``pkg/mod.py.src`` when the project opts to ship the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import artifacts
from .config import ROOT, Settings, load_settings
from .diagnostics import render
from .errors import ConfigError, PyvorinError, SignatureError, VerificationError
from .exitcodes import ExitCode
from .model import ModuleSpec, PipelineResult
from .options import RELEASE_ENV

SOURCE_SUFFIX = ".src"
"""Suffix of the original source shipped beside a compiled module (``mod.py.src``)."""

# What a compiled wheel needs at import time: the verifying loader. ``pyvorin`` itself
# (which depends on it) also satisfies a project's requirement.
RUNTIME_REQUIREMENT = "pyvorin-runtime"
RUNTIME_PROVIDERS = ("pyvorin-runtime", "pyvorin")
"""The distribution a wheel of compiled modules depends on: it verifies them at import."""


class BuildFailed(PyvorinError):
    """The pipeline refused a module; carries the failing stage's exit code."""

    def __init__(self, message: str, exit_code: ExitCode, result: PipelineResult | None = None):
        super().__init__(message)
        self.exit_code = exit_code
        self.result = result


@dataclass
class WheelFiles:
    """What a packager puts in a wheel for the compiled modules of one project.

    ``files`` maps an archive path (POSIX, relative to the wheel's root) to a file on
    disk. ``replaced_sources`` are the archive paths of the original ``.py`` files: the
    packager must not ship them under that name (the loader stub takes their place).
    ``source_files`` are the original sources, by archive path, for packagers that
    exclude them by file.
    """

    settings: Settings
    modules: list[ModuleSpec]
    result: PipelineResult
    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    replaced_sources: list[str] = field(default_factory=list)
    source_files: dict[str, Path] = field(default_factory=dict)
    include_source: bool = False


def archive_base(module: ModuleSpec) -> str:
    """``pkg/mod`` for ``pkg.mod``: the archive path of a module without suffix."""
    return "/".join(module.name.split("."))


def describe_failure(result: PipelineResult) -> str:
    """One message for a failed run: every failed stage and every error diagnostic."""
    lines: list[str] = []
    if result.licence.status == "failed":
        lines.append(f"licence refused: {result.licence.detail}")
    for module_result in result.modules:
        for outcome in module_result.stages:
            if outcome.status == "failed":
                lines.append(
                    f"{module_result.module.name} ({module_result.module.path}): "
                    f"{outcome.stage} failed: {outcome.detail}"
                )
        errors = [d for d in module_result.diagnostics if d.severity == "error"]
        if errors:
            lines.append(render(errors, "text").rstrip("\n"))
    return "\n".join(lines) or "the pipeline failed"


def _require_complete(result: PipelineResult) -> None:
    """Refuse modules whose verification or signing stage did not run."""
    for module_result in result.modules:
        by_stage = {o.stage: o for o in module_result.stages}
        name = module_result.module.name
        for stage, error in (("verify", VerificationError), ("sign", SignatureError)):
            outcome = by_stage.get(stage)
            if outcome is None or outcome.status != "ok":
                detail = outcome.detail if outcome is not None else "did not run"
                missing = outcome is not None and outcome.status == "not-installed"
                state = "is not installed" if missing else "did not pass"
                raise BuildFailed(
                    f"{name}: the {stage} stage is required before packaging and {state}"
                    f" ({detail}); refusing to package it",
                    error.exit_code,
                    result,
                )


def _member_names(path: Path) -> tuple[set[str], str]:
    """The files of a wheel or directory as archive names, and how to name one of them."""
    import os
    import zipfile

    if path.is_dir():
        names = set()
        for dirpath, _, filenames in os.walk(path):
            for filename in filenames:
                names.add(Path(dirpath, filename).relative_to(path).as_posix())
        return names, f"{path}/"
    try:
        with zipfile.ZipFile(path) as archive:
            return {i.filename for i in archive.infolist() if not i.is_dir()}, f"{path}!"
    except (zipfile.BadZipFile, OSError):
        return set(), f"{path}!"  # verify_path reports the unreadable file itself


def verify_artifacts(path: Path, modules: list[ModuleSpec] | None = None) -> None:
    """Check what a packager is about to ship (a directory, artifact or wheel) before it
    reports success; the one check every adapter calls.

    * every manifest under ``path`` verifies (signatures, the binary's and the loader
      stub's sha256), every compiled binary is covered by its module's manifest, and no
      extension module, package or bytecode beside a loader stub would be imported in its
      place (:func:`pyvorin.signing.verify_path`);
    * with ``modules`` (the project's configured modules), each one is present compiled:
      its binary, its loader stub and its signed manifest are all in ``path`` (a wheel
      that lost its package files, or a module left as plain source, is refused).

    Raises :class:`~pyvorin.errors.SignatureError` (exit 5) listing every failure.
    """
    from .signing import VerificationKeys, verify_path

    path = Path(path)
    # the build checks its own output; the signing key (a CI key) need not be in this
    # machine's trust store: trust is decided where the artifact is used
    failures = [failure.line() for failure in verify_path(path, VerificationKeys(strict=False))]
    if modules and path.exists():
        names, prefix = _member_names(path)
        for module in modules:
            base = archive_base(module)
            for arcname, what in (
                (base + artifacts.BINARY_SUFFIX, "compiled binary"),
                (base + ".py", "loader stub"),
                (base + artifacts.MANIFEST_SUFFIX, "signed manifest"),
            ):
                if arcname not in names:
                    failures.append(
                        f"{prefix}{arcname}: missing: the {what} of the configured module "
                        f"{module.name} is not there, so it would not be shipped compiled"
                    )
    if failures:
        incomplete = any(": missing: the " in failure for failure in failures)
        what = "incomplete or does not verify" if incomplete else "signature verification failed"
        raise SignatureError(f"{path}: {what}:\n" + "\n".join(f"  {f}" for f in failures))


def project_lock_path(project_dir: Path) -> Path:
    """The lock file of a project's adapter builds: ``$PYVORIN_HOME/locks/project-<sha>``
    (keyed by the project directory's real path; nothing is written into the project)."""
    import hashlib
    import os

    from .home import state_dir

    key = hashlib.sha256(os.path.realpath(project_dir).encode()).hexdigest()[:32]
    return state_dir("locks") / f"project-{key}.lock"


def project_lock(project_dir: Path, *, say: Callable[[str], None], until_exit: bool = False) -> Any:
    """Serialise the adapters' builds of one project (two ``python -m build`` in one
    directory share ``build/`` and ``dist/``): wait, saying so, for the lock timeout
    (``PYVORIN_LOCK_TIMEOUT``, default 600 s), then refuse with exit 8.

    Returns a context manager; with ``until_exit`` the lock is taken now and held until
    the process ends (a PEP 517 backend process builds one thing and exits).
    """
    from . import outputs
    from .options import lock_timeout

    what = f"the project {Path(project_dir).resolve()}"
    path = project_lock_path(project_dir)
    timeout = lock_timeout()
    if until_exit:
        outputs.hold_until_exit(path, what=what, timeout=timeout, say=say)
        return None
    return outputs.exclusive_lock(path, what=what, timeout=timeout, say=say)


def _bool_option(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"option {name}: expected true or false, found {value!r}")


# Libraries whose INFO lines ("HTTP Request: POST .../v1/refresh") reach a build's output
# when the host tool sets the root logger to INFO (setuptools does).
LIBRARY_LOGGERS = ("httpx", "httpcore", "hpack", "urllib3")
ENV_VERBOSE = "PYVORIN_VERBOSE"


def quiet_library_logging(env: Mapping[str, str] | None = None) -> bool:
    """Raise the libraries' loggers to WARNING unless ``PYVORIN_VERBOSE`` is set.

    Returns whether they were silenced. Pyvorin's own progress lines do not go through
    logging, so they are unaffected.
    """
    import logging
    import os

    env = os.environ if env is None else env
    if env.get(ENV_VERBOSE, "").strip().lower() not in ("", "0", "false", "no", "off"):
        return False
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)
    return True


def build_project(
    project_dir: Path,
    out_dir: Path,
    *,
    actor: str,
    progress: Callable[[str], None] | None = None,
    include_source: Any = None,
    settings: Settings | None = None,
    modules: list[ModuleSpec] | None = None,
    verify_signatures: bool = True,
    release: Any = None,
    distribution: str | None = None,
    build_number: int | None = None,
) -> WheelFiles:
    """Run the whole pipeline for the project's ``[tool.pyvorin] modules`` into ``out_dir``.

    ``include_source`` overrides ``[tool.pyvorin.wheel] include-source`` (``None`` keeps
    the configured value). ``release`` (default: the ``PYVORIN_RELEASE`` environment
    variable) makes it a release build: signing refuses the per-installation key.
    ``distribution`` is the project's name as the host knows it (default: the
    ``[project] name``); ``build_number`` overrides ``PYVORIN_BUILD_NUMBER`` and the
    signing installation's counter.
    Raises :class:`BuildFailed` (or another :class:`~pyvorin.errors.PyvorinError`) with
    the right exit code on any refusal.
    """
    from .pipeline import make_context, run
    from .project import resolve_modules

    quiet_library_logging()
    project_dir = Path(project_dir)
    settings = settings if settings is not None else load_settings(project_dir)
    if modules is None:
        modules = resolve_modules(settings)
    if not modules:
        where = settings.file or project_dir / "pyproject.toml"
        raise ConfigError(f"{where}: {ROOT}.modules: no modules configured; nothing to compile")
    for module in modules:
        if module.path.name == "__init__.py":
            raise ConfigError(
                f"{module.path}: {ROOT}.modules: a package's __init__.py cannot be packaged "
                f"as a compiled module; move the code of {module.name!r} into a submodule"
            )
    if include_source is None:
        include = bool(settings["wheel.include-source"])
    else:
        include = _bool_option(include_source, "include-source")

    from .options import BuildOptions

    options = BuildOptions.resolve(
        settings,
        command="adapter",
        release=None if release is None else _bool_option(release, RELEASE_ENV),
        build_number=build_number,
        distribution=distribution,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ctx = make_context(settings, out_dir, actor=actor, progress=progress, options=options)
    # the Python API's counterpart of the CLI's per-command access event
    ctx.audit("access", command="build_project", api=True, project=str(project_dir))
    result = run(ctx, modules)
    if result.exit_code != ExitCode.OK:
        raise BuildFailed(describe_failure(result), result.exit_code, result)
    _require_complete(result)
    if verify_signatures:
        verify_artifacts(out_dir)

    wheel = WheelFiles(settings, list(modules), result, out_dir, include_source=include)
    for module_result in result.modules:
        module = module_result.module
        base = archive_base(module)
        expected = {
            base + artifacts.BINARY_SUFFIX: artifacts.binary_path(out_dir, module.name),
            base + ".py": artifacts.loader_path(out_dir, module.name),
            base + artifacts.MANIFEST_SUFFIX: artifacts.manifest_path(out_dir, module.name),
        }
        for arcname, path in expected.items():
            if not path.is_file():
                raise BuildFailed(
                    f"{module.name}: the pipeline passed but {path} is missing; "
                    "refusing to package an incomplete module",
                    ExitCode.INTERNAL,
                    result,
                )
            wheel.files[arcname] = path
        compiled = module_result.compiled
        for extra in compiled.extra_files if compiled else []:
            extra = Path(extra)
            try:
                relative = extra.resolve().relative_to(out_dir.resolve())
            except ValueError:
                continue
            wheel.files.setdefault(relative.as_posix(), extra)
        wheel.replaced_sources.append(base + ".py")
        wheel.source_files[base + ".py"] = module.path
        if include:
            wheel.files[base + ".py" + SOURCE_SUFFIX] = module.path
    return wheel


def fail_build(exc: BaseException) -> None:
    """Report a refusal inside a host's build and stop it with Pyvorin's exit code.

    Build frontends show the backend's output but replace its exit code with their own,
    so the code is also printed as ``pyvorin: exit code N`` (``pyvorin demo`` and
    ``python -m pyvorin.release`` read it back).
    """
    import sys

    code = int(exc.exit_code) if isinstance(exc, PyvorinError) else int(ExitCode.INTERNAL)
    for line in str(exc).splitlines():
        print(f"pyvorin: error: {line}", file=sys.stderr, flush=True)
    print(
        "pyvorin: the wheel was not built: no module is ever shipped interpreted "
        "in place of its compiled form",
        file=sys.stderr,
        flush=True,
    )
    print(f"pyvorin: exit code {code}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def has_runtime_requirement(requirements: list[str] | tuple[str, ...]) -> bool:
    """Whether ``requirements`` (PEP 508 strings) name ``pyvorin-runtime`` (or ``pyvorin``)."""
    import re

    for raw in requirements:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(raw))
        if match and re.sub(r"[-_.]+", "-", match.group(1)).lower() in RUNTIME_PROVIDERS:
            return True
    return False


def option(options: Mapping[str, Any] | None, *names: str) -> Any:
    """The first of ``names`` set in ``options`` (config_settings or a hook table)."""
    for name in names:
        if options and name in options:
            return options[name]
    return None


def verification_reports(out_dir: Path, modules: list[ModuleSpec]) -> dict[str, dict[str, Any]]:
    """The verification report of each module written under ``out_dir`` (if any)."""
    import json

    from .verify.report import report_path

    reports: dict[str, dict[str, Any]] = {}
    for module in modules:
        path = report_path(Path(out_dir), module.name)
        if path.is_file():
            reports[module.name] = json.loads(path.read_text(encoding="utf-8"))
    return reports


class CompiledModuleFinder:
    """An import hook that imports the named modules from their compiled artifacts.

    ``import pkg.mod`` finds the loader stub ``OUT/pkg/mod.py`` written by the sign stage,
    which verifies the signed manifest and loads the binary (or raises ImportError), while
    the rest of ``pkg`` comes from wherever it normally does. Insert it at the front of
    ``sys.meta_path`` before the modules are first imported.
    """

    def __init__(self, out_dir: Path, names: list[str]) -> None:
        self.out_dir = Path(out_dir)
        self.names = set(names)
        self.loaded: set[str] = set()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.names:
            return None
        import importlib.util

        stub = artifacts.loader_path(self.out_dir, fullname)
        if not stub.is_file():
            raise ImportError(f"{stub}: the compiled loader of {fullname} is missing")
        self.loaded.add(fullname)
        return importlib.util.spec_from_file_location(fullname, stub)

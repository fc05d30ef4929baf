"""The ``setuptools.finalize_distribution_options`` plugin.

setuptools calls :func:`finalize_distribution_options` for every distribution it builds,
before it reads ``pyproject.toml`` (the way setuptools-rust hooks in). The plugin reads
``pyproject.toml`` itself and stays out of the way unless the project opted in: it has a
``[tool.pyvorin]`` table and names ``pyvorin-setuptools`` in ``[build-system] requires``
(or uses the ``pyvorin_setuptools.build_meta`` backend). Then it

* replaces ``build_py`` by :class:`PyvorinBuildPy`, which copies the package as usual,
  puts the pipeline's artifacts in place of each configured module's source and then
  checks the result as ``pyvorin signature verify`` does (a stale extension module or
  package copied from the source tree beside a stub would be imported instead of it);
* replaces ``bdist_wheel`` by :class:`PyvorinBdistWheel`, which checks the wheel it
  wrote (every configured module present, compiled and covered by a verifying
  manifest) before the build reports success, and deletes a wheel that fails;
* takes the project's build lock (:func:`pyvorin.build_api.project_lock`) for the
  life of the backend process: a second build of the same directory waits (or, after
  the lock timeout, refuses with exit 8) instead of sharing ``build/`` with it;
* marks the distribution as having extension modules, so the wheel is platform-tagged
  (``cp311-cp311-linux_x86_64``) and installs into platlib.

All pipeline logic lives in :func:`pyvorin.build_api.build_project`.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools.command.bdist_wheel import bdist_wheel as _setuptools_bdist_wheel
from setuptools.command.build_py import build_py as _setuptools_build_py

ADAPTER = "pyvorin-setuptools"
BACKEND = "pyvorin_setuptools.build_meta"

# PEP 517 config_settings handed over by pyvorin_setuptools.build_meta (same process).
OPTIONS: dict[str, Any] = {}


def _log(message: str) -> None:
    print(f"pyvorin: {message}", file=sys.stderr, flush=True)


def _read_pyproject(root: Path) -> dict[str, Any]:
    from pyvorin.config import read_pyproject

    file = root / "pyproject.toml"
    return read_pyproject(file) if file.is_file() else {}


def opted_in(document: dict[str, Any]) -> bool:
    """Whether a parsed pyproject.toml asks for this adapter."""
    tool = document.get("tool")
    if not isinstance(tool, dict) or "pyvorin" not in tool:
        return False
    system = document.get("build-system")
    if not isinstance(system, dict):
        return False
    if system.get("build-backend") == BACKEND:
        return True
    for requirement in system.get("requires") or []:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", str(requirement))
        if match and re.sub(r"[-_.]+", "-", match.group(1)).lower() == ADAPTER:
            return True
    return False


class PyvorinBuildPy(_setuptools_build_py):
    """``build_py`` that replaces configured modules by their compiled artifacts."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            _log(
                "editable install: the modules in [tool.pyvorin] modules run as interpreted "
                "source in this development install; build a wheel to get compiled modules"
            )
            return
        self.compile_with_pyvorin()

    def compile_with_pyvorin(self) -> None:
        from pyvorin.build_api import (
            build_project,
            fail_build,
            has_runtime_requirement,
            option,
            verify_artifacts,
        )
        from pyvorin.errors import ConfigError, PyvorinError

        root = Path.cwd()
        build_temp = Path(self.get_finalized_command("build").build_temp)
        out_dir = build_temp / "pyvorin"
        if out_dir.exists():
            shutil.rmtree(out_dir)
        try:
            requirements = list(self.distribution.install_requires or [])
            if not has_runtime_requirement(requirements):
                raise ConfigError(
                    f"{root / 'pyproject.toml'}: [project] dependencies must include "
                    "'pyvorin-runtime': compiled modules verify their signature at import "
                    "through it"
                )
            name = self.distribution.get_name()
            wheel = build_project(
                root,
                out_dir,
                actor="setuptools",
                progress=_log,
                include_source=option(OPTIONS, "pyvorin-include-source", "include-source"),
                distribution=name if name and name != "UNKNOWN" else None,
            )
            build_lib = Path(self.build_lib)
            for arcname, path in sorted(wheel.files.items()):
                target = build_lib / arcname
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            # what the wheel will hold, sources' leftovers too
            verify_artifacts(build_lib, wheel.modules)
        except PyvorinError as exc:
            fail_build(exc)
            return
        # bdist_wheel checks the wheel it writes against these (PyvorinBdistWheel)
        self.distribution.pyvorin_modules = list(wheel.modules)
        _log(
            f"compiled {len(wheel.modules)} module(s) into {build_lib}: "
            + ", ".join(m.name for m in wheel.modules)
        )


class PyvorinBdistWheel(_setuptools_bdist_wheel):
    """``bdist_wheel`` that checks the wheel it wrote before the build reports success:
    every configured module present, compiled and covered by a verifying manifest
    (:func:`pyvorin.build_api.verify_artifacts`); a wheel that fails is deleted."""

    def run(self) -> None:
        super().run()
        modules = getattr(self.distribution, "pyvorin_modules", None)
        if not modules:
            return  # nothing compiled (an editable build, or not opted in)
        from pyvorin.build_api import fail_build, verify_artifacts
        from pyvorin.errors import PyvorinError

        wheels = [Path(f[2]) for f in self.distribution.dist_files if f[0] == "bdist_wheel"]
        if not wheels:
            fail_build(PyvorinError("bdist_wheel reported no wheel to check"))
        wheel = wheels[-1]
        try:
            verify_artifacts(wheel, modules)
        except PyvorinError as exc:
            wheel.unlink(missing_ok=True)
            fail_build(exc)
        _log(
            f"packaged {len(modules)} compiled module(s) into {wheel.name}: "
            + ", ".join(m.name for m in modules)
            + " (checked: each one compiled, its manifest verifying)"
        )


def _replace_command(dist: Any, name: str, ours: type, default: type) -> None:
    base = dist.cmdclass.get(name, default)
    if isinstance(base, type) and issubclass(base, ours):
        return
    if base is default:
        dist.cmdclass[name] = ours
    else:
        dist.cmdclass[name] = type(ours.__name__, (ours, base), {})


def finalize_distribution_options(dist: Any) -> None:
    """Entry point: opt the distribution in when its pyproject.toml asks for Pyvorin."""
    try:
        document = _read_pyproject(Path.cwd())
    except Exception as exc:  # a broken pyproject.toml: let setuptools report it
        _log(f"not enabled: cannot read pyproject.toml ({exc})")
        return
    if not opted_in(document):
        return
    from pyvorin.build_api import fail_build, project_lock
    from pyvorin.errors import PyvorinError

    try:
        # two builds of one project share build/ and dist/: one waits for the other.
        # A PEP 517 backend process runs one hook and exits, which releases the lock.
        project_lock(Path.cwd(), say=_log, until_exit=True)
    except PyvorinError as exc:
        fail_build(exc)
    _replace_command(dist, "build_py", PyvorinBuildPy, _setuptools_build_py)
    _replace_command(dist, "bdist_wheel", PyvorinBdistWheel, _setuptools_bdist_wheel)
    # A wheel of compiled modules is platform-specific: bdist_wheel tags it for this
    # interpreter and platform, and install puts it into platlib.
    dist.has_ext_modules = lambda: True

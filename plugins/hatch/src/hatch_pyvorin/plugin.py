"""The ``pyvorin`` hatch build hook.

Enable it in the project::

    [build-system]
    requires = ["hatchling", "hatch-pyvorin"]
    build-backend = "hatchling.build"

    [tool.hatch.build.targets.wheel.hooks.pyvorin]
    # include-source = false

The modules and every pipeline setting come from ``[tool.pyvorin]`` (hatchling passes
no ``config_settings`` to hooks). For a wheel the hook makes one call of
:func:`pyvorin.build_api.build_project` and then

* force-includes each module's binary, loader stub and signed manifest; the stub is
  force-included at the source's own path, so the original ``.py`` is not shipped
  (``include-source = true`` adds it as ``mod.py.src``);
* sets ``pure_python = False`` and ``infer_tag = True``: the wheel is tagged for this
  interpreter and platform;
* adds ``pyvorin`` (the runtime that verifies the modules at import) to the wheel's
  dependencies;
* once hatchling wrote the wheel, checks it with
  :func:`pyvorin.build_api.verify_artifacts` before saying it packaged anything: every
  configured module present, compiled and covered by a verifying manifest, no stale
  extension module or package from the source tree beside a loader stub; a wheel that
  fails is deleted;
* holds the project's build lock (:func:`pyvorin.build_api.project_lock`) from
  ``initialize`` to ``finalize``: a second build of the same directory waits (or, after
  the lock timeout, refuses with exit 8).

sdists are left alone: they carry the sources. Editable wheels keep the source
interpreted (a development install) and say so.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

HOOK_OPTIONS = ("include-source",)
# Keys hatchling itself reads from every build hook's table.
HATCHLING_HOOK_KEYS = (
    "dependencies",
    "require-runtime-dependencies",
    "require-runtime-features",
    "enable-by-default",
)


class PyvorinBuildHook(BuildHookInterface):
    PLUGIN_NAME = "pyvorin"

    def _say(self, message: str) -> None:
        print(f"pyvorin: {message}", file=sys.stderr, flush=True)

    def _check_options(self) -> None:
        from pyvorin.errors import ConfigError

        for key in self.config:
            if key in HATCHLING_HOOK_KEYS:
                continue
            if key not in HOOK_OPTIONS:
                raise ConfigError(
                    f"{Path(self.root) / 'pyproject.toml'}: "
                    f"tool.hatch.build.targets.{self.target_name}.hooks.pyvorin.{key}: "
                    f"unknown option (known: {', '.join(HOOK_OPTIONS)})"
                )

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        from pyvorin.build_api import (
            RUNTIME_REQUIREMENT,
            build_project,
            fail_build,
            has_runtime_requirement,
        )
        from pyvorin.errors import PyvorinError

        try:
            self._check_options()
        except PyvorinError as exc:
            fail_build(exc)
        if version == "editable":
            self._say(
                "editable install: the modules in [tool.pyvorin] modules run as interpreted "
                "source in this development install; build a wheel to get compiled modules"
            )
            return
        from pyvorin.build_api import project_lock

        # two builds of one project share dist/: one waits for the other (until finalize)
        self._out_dir = Path(tempfile.mkdtemp(prefix="hatch-pyvorin-"))
        try:
            lock = project_lock(Path(self.root), say=self._say)
            lock.__enter__()
            self._lock = lock  # entered: _cleanup releases it
            wheel = build_project(
                Path(self.root),
                self._out_dir,
                actor="hatch",
                progress=self._say,
                include_source=self.config.get("include-source"),
                distribution=self.metadata.name,
            )
        except PyvorinError as exc:
            self._cleanup()
            fail_build(exc)
            return
        except BaseException:
            self._cleanup()
            raise
        self._modules = list(wheel.modules)
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        dependencies = build_data.setdefault("dependencies", [])
        if not has_runtime_requirement(list(self.metadata.core.dependencies) + dependencies):
            dependencies.append(RUNTIME_REQUIREMENT)
        force_include = build_data.setdefault("force_include", {})
        for arcname, path in sorted(wheel.files.items()):
            force_include[str(path)] = arcname
        self._say(
            f"compiled {len(wheel.modules)} module(s): " + ", ".join(m.name for m in wheel.modules)
        )

    def _cleanup(self) -> None:
        out_dir = getattr(self, "_out_dir", None)
        if out_dir is not None:
            shutil.rmtree(out_dir, ignore_errors=True)
            self._out_dir = None
        lock = getattr(self, "_lock", None)
        if lock is not None:
            self._lock = None
            lock.__exit__(None, None, None)

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if getattr(self, "_out_dir", None) is None:
            return
        self._cleanup()
        from pyvorin.build_api import fail_build, verify_artifacts
        from pyvorin.errors import PyvorinError

        modules = self._modules
        try:
            # the wheel as written: every module compiled and signed, no source leftovers
            verify_artifacts(Path(artifact_path), modules)
        except PyvorinError as exc:
            Path(artifact_path).unlink(missing_ok=True)
            fail_build(exc)
        self._say(
            f"packaged {len(modules)} compiled module(s) into {Path(artifact_path).name}: "
            + ", ".join(m.name for m in modules)
            + " (checked: each one compiled, its manifest verifying)"
        )

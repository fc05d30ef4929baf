"""Artifact names: the one place that says which file of a compiled module is which.

For a module ``pkg.mod`` compiled into ``OUT``:

* ``OUT/pkg/mod.pyvorin<EXT_SUFFIX>``: the extension binary. Its name deliberately
  does not match what the import system looks for, so it can only be loaded through
  the verifying loader;
* ``OUT/pkg/mod.py``: the small loader stub that verifies the manifest and then loads
  the binary (written by the sign stage, see :mod:`pyvorin_runtime.loader`);
* ``OUT/pkg/mod.pyvorin.json``: the signed manifest.

While a build runs, ``OUT/.pyvorin.lock`` is its lock and ``OUT/.pyvorin-staging-*/``
its staging directory (:mod:`pyvorin.outputs`); neither is ever part of the output
(a staging directory's name cannot be imported, and checks of ``OUT`` skip it).
"""

from __future__ import annotations

from pathlib import Path

# The names themselves are defined once, by the runtime that loads these files.
from pyvorin_runtime.names import BINARY_SUFFIX, EXT_SUFFIX, MANIFEST_SUFFIX

LOCK_NAME = ".pyvorin.lock"
STAGING_PREFIX = ".pyvorin-staging-"

__all__ = [
    "BINARY_SUFFIX",
    "EXT_SUFFIX",
    "LOCK_NAME",
    "MANIFEST_SUFFIX",
    "STAGING_PREFIX",
    "binary_path",
    "loader_path",
    "manifest_path",
]


def _base(out_dir: Path, module_name: str) -> Path:
    return Path(out_dir).joinpath(*module_name.split("."))


def binary_path(out_dir: Path, module_name: str) -> Path:
    base = _base(out_dir, module_name)
    return base.with_name(base.name + BINARY_SUFFIX)


def manifest_path(out_dir: Path, module_name: str) -> Path:
    base = _base(out_dir, module_name)
    return base.with_name(base.name + MANIFEST_SUFFIX)


def loader_path(out_dir: Path, module_name: str) -> Path:
    base = _base(out_dir, module_name)
    return base.with_name(base.name + ".py")

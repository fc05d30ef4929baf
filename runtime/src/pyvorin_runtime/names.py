"""Artifact names: which file of a compiled module is which (used by the compiler too).

For a module ``pkg.mod`` the compiler writes, in ``pkg/``:

* ``mod.pyvorin<EXT_SUFFIX>``: the extension binary. Its name deliberately does not
  match what the import system looks for, so it can only be loaded through the
  verifying loader;
* ``mod.py``: the small loader stub that verifies the manifest and then loads the
  binary (see :func:`pyvorin_runtime.loader.loader_source`);
* ``mod.pyvorin.json``: the signed manifest (:mod:`pyvorin_runtime.manifest`).

The recognisers below are plain string functions (no ``re`` at import time); as
patterns, with ``LEAF = [A-Za-z_][A-Za-z0-9_]*`` and ``EXT = (\\.[^/\\\\]+)?\\.(so|pyd)``:
binary ``LEAF.pyvorinEXT``, any extension module ``LEAF EXT``, manifest
``LEAF.pyvorin.json`` (``tests/runtime/test_names.py`` checks them against these).
"""

from __future__ import annotations

try:
    # What importlib.machinery re-exports, taken from the import system's own frozen
    # modules (always loaded): importing the importlib package also imports warnings,
    # a cost every process that imports a compiled module would pay.
    # (ModuleSpec, the loaders and PathFinder are re-exported for the loader and the guard)
    from _frozen_importlib import ModuleSpec
    from _frozen_importlib_external import (
        EXTENSION_SUFFIXES,
        ExtensionFileLoader,
        PathFinder,
        SourceFileLoader,
    )
except ImportError:  # an interpreter without the frozen bootstrap modules
    from importlib.machinery import (  # noqa: F401
        EXTENSION_SUFFIXES,
        ExtensionFileLoader,
        ModuleSpec,
        PathFinder,
        SourceFileLoader,
    )

# The interpreter's own extension suffix (sysconfig's EXT_SUFFIX, without importing
# sysconfig: the import system lists it first).
EXT_SUFFIX: str = EXTENSION_SUFFIXES[0] if EXTENSION_SUFFIXES else ".so"
BINARY_SUFFIX = ".pyvorin" + EXT_SUFFIX
MANIFEST_SUFFIX = ".pyvorin.json"


def is_leaf(name: str) -> bool:
    """``[A-Za-z_][A-Za-z0-9_]*``: one component of a module name."""
    return name.isascii() and name.isidentifier()


def _is_extension_suffix(ext: str) -> bool:
    """``(\\.[^/\\\\]+)?\\.(so|pyd)``: .so, .pyd, .cpython-312-x86_64-linux-gnu.so, .abi3.so..."""
    if "/" in ext or "\\" in ext:
        return False
    if ext.endswith(".so"):
        middle = ext[:-3]
    elif ext.endswith(".pyd"):
        middle = ext[:-4]
    else:
        return False
    return middle == "" or (middle.startswith(".") and len(middle) >= 2)


def binary_leaf(filename: str) -> str | None:
    """The module leaf of a compiled binary's file name (``mod.pyvorin<EXT>``), else None."""
    leaf, dot, rest = filename.partition(".")
    if not dot or not is_leaf(leaf) or not rest.startswith("pyvorin"):
        return None
    return leaf if _is_extension_suffix(rest[len("pyvorin") :]) else None


def extension_leaf(filename: str) -> str | None:
    """The leaf of any extension module file name (it would shadow a stub ``leaf.py``)."""
    leaf, dot, rest = filename.partition(".")
    if not dot or not is_leaf(leaf):
        return None
    return leaf if _is_extension_suffix("." + rest) else None


def manifest_leaf(filename: str) -> str | None:
    """The module leaf of a manifest's file name (``mod.pyvorin.json``), else None."""
    if not filename.endswith(MANIFEST_SUFFIX):
        return None
    leaf = filename[: -len(MANIFEST_SUFFIX)]
    return leaf if is_leaf(leaf) else None

"""Only the verifying stub may be imported under a compiled module's name.

For a name ``mod`` in a directory, CPython's path finder (``FileFinder``) tries a package
``mod/`` (``mod/__init__`` with any importable suffix) first, then the extension
modules ``mod<suffix>`` for every suffix in ``importlib.machinery.EXTENSION_SUFFIXES``
(``.cpython-312-x86_64-linux-gnu.so``, ``.abi3.so``, ``.so``), and only then ``mod.py``.
So an extension module or a package placed beside a Pyvorin loader stub ``mod.py`` is
imported *instead of* the stub: the stub never runs and nothing is verified. The
binary's own name (``mod.pyvorin<EXT_SUFFIX>``) is never one of those.

Two defences:

* :func:`shadows` lists the entries of a directory that would be imported in place of
  one of its compiled modules (any extension-module name for a compiled module's leaf,
  for this interpreter's ABI or another one, other than the Pyvorin binary name, and
  any package directory of that leaf). The loader refuses to load a compiled module
  from a directory that has one, naming it: the first compiled module of a package to
  load notices a shadow of any of its siblings.
* :class:`ShadowGuard` (in the top-level module :mod:`_pyvorin_guard`, re-exported
  here), a meta path finder just before ``PathFinder`` that refuses
  (``RefusedImport``) an extension module, package or bytecode found under the name of
  a compiled module whose manifest (``mod.pyvorin.json``) sits beside it. It is
  installed at interpreter start-up by ``pyvorin-shadow-guard.pth``, which
  pyvorin-runtime installs in ``site-packages``, and by importing
  :mod:`pyvorin_runtime` where it is not installed yet. So a shadowing file is refused
  even when it is the very first thing a process imports.

A shadowing file still runs where no ``.pth`` file of pyvorin-runtime is processed and
nothing has imported :mod:`pyvorin_runtime` yet: under ``python -S``, with the runtime
on ``PYTHONPATH`` instead of installed, and for imports made by ``.pth`` files that
:mod:`site` processes before this one (docs/security.md says what that means).
``pyvorin signature verify`` and the build adapters refuse such files before
distribution.
"""

from __future__ import annotations

import os

from _pyvorin_guard import ShadowGuard, install

from .names import binary_leaf, extension_leaf, manifest_leaf

__all__ = ["ShadowGuard", "describe_shadows", "install", "shadows"]

_PACKAGE_INIT = "__init__."


def _is_package_dir(path: str) -> bool:
    """Whether ``path`` is a directory the import system would import as a package."""
    try:
        return any(name.startswith(_PACKAGE_INIT) for name in os.listdir(path))
    except OSError:  # not a directory, or unreadable (then it cannot be imported either)
        return False


def shadows(directory: str) -> list[str]:
    """Entries of ``directory`` that would be imported instead of a compiled module's stub.

    An entry shadows the compiled module ``leaf`` (the directory has ``leaf.pyvorin.json``)
    when it is an extension-module file named for ``leaf`` that is not a Pyvorin binary
    name, or a package directory ``leaf/``. Sorted paths; a package directory ends in
    ``os.sep``.
    """
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    compiled = {leaf for leaf in map(manifest_leaf, names) if leaf}
    if not compiled:
        return []
    found = []
    for name in sorted(names):
        if extension_leaf(name) in compiled and binary_leaf(name) is None:
            found.append(os.path.join(directory, name))
        elif name in compiled and _is_package_dir(os.path.join(directory, name)):
            found.append(os.path.join(directory, name) + os.sep)
    return found


def describe_shadows(paths: list[str]) -> str:
    """The refusal reason for ``paths`` (from :func:`shadows`)."""
    things = []
    for path in paths:
        if path.endswith(os.sep):
            leaf = os.path.basename(path[: -len(os.sep)])
            things.append(f"the package directory {path} (shadows {leaf}.py)")
        else:
            things.append(f"{path} (shadows {extension_leaf(os.path.basename(path))}.py)")
    return (
        f"{'; '.join(things)}: not covered by any manifest, and the import system would "
        "import it instead of the verifying loader stub of a compiled module (it tries "
        "packages and extension modules before .py files). Remove it, or reinstall the "
        "package"
    )

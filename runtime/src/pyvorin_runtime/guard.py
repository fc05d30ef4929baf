"""Only the verifying stub may be imported under a compiled module's name.

For a name ``mod`` in a directory, CPython's path finder (``FileFinder``) tries a package
``mod/`` (``mod/__init__`` with any importable suffix) first, then the extension
modules ``mod<suffix>`` for every suffix in ``importlib.machinery.EXTENSION_SUFFIXES``
(``.cpython-312-x86_64-linux-gnu.so``, ``.abi3.so``, ``.so``), and only then ``mod.py``.
So an extension module or a package placed beside a Pyvorin loader stub ``mod.py`` is
imported *instead of* the stub: the stub never runs and nothing is verified. The
binary's own name (``mod.pyvorin<EXT_SUFFIX>``) is never one of those.

Two defences, both here:

* :func:`shadows` lists the entries of a directory that would be imported in place of
  one of its compiled modules (any extension-module name for a compiled module's leaf,
  for this interpreter's ABI or another one, other than the Pyvorin binary name, and
  any package directory of that leaf). The loader refuses to load a compiled module
  from a directory that has one, naming it: the first compiled module of a package to
  load notices a shadow of any of its siblings.
* :class:`ShadowGuard`, a meta path finder that :func:`install` puts just before
  ``PathFinder`` when :mod:`pyvorin_runtime` is first imported. It asks ``PathFinder``
  and refuses (``RefusedImport``) a spec found for a name whose directory holds that
  name's manifest (``mod.pyvorin.json``) unless the spec is the stub ``mod.py`` itself.
  From then on, in that process, a shadowing file is refused even when it is the first
  thing imported from its package.

What no code in this runtime can do is refuse an import that happens before
``pyvorin_runtime`` is first imported: if the very first compiled module a process
imports is shadowed, the shadowing file runs. ``pyvorin signature verify`` and the
build adapters refuse such files before distribution; docs/security.md says exactly
what holds.
"""

from __future__ import annotations

import os
import sys

from .names import (
    MANIFEST_SUFFIX,
    PathFinder,
    SourceFileLoader,
    binary_leaf,
    extension_leaf,
    manifest_leaf,
)

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


def _shadowing(fullname: str, spec) -> tuple[str, str] | None:
    """(the entry ``spec`` would import in place of a compiled module's stub, that
    module's manifest), or None when ``spec`` is not such an entry."""
    origin = getattr(spec, "origin", None)
    if not isinstance(origin, str) or not getattr(spec, "has_location", False):
        return None  # built-in, frozen or namespace: nothing loads from a file
    leaf = fullname.rpartition(".")[2]
    locations = spec.submodule_search_locations
    if locations:  # a package: mod/__init__.* beside mod.py
        entry = os.path.dirname(origin)
        directory = os.path.dirname(entry)
        found = entry + os.sep
    else:
        directory = os.path.dirname(origin)
        found = origin
        if isinstance(spec.loader, SourceFileLoader) and origin == os.path.join(
            directory, leaf + ".py"
        ):
            return None  # the stub itself (or any plain module): it runs load_verified
    manifest = os.path.join(directory, leaf + MANIFEST_SUFFIX)
    return (found, manifest) if os.path.isfile(manifest) else None


class ShadowGuard:
    """Refuses what would be imported instead of a compiled module's stub (see above)."""

    _pyvorin_shadow_guard = True

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        spec = PathFinder.find_spec(fullname, path, target)
        if spec is None:
            return None
        shadowing = _shadowing(fullname, spec)
        if shadowing is not None:
            from .loader import refuse

            found, manifest = shadowing
            raise refuse(fullname, manifest, describe_shadows([found]))
        return spec

    @classmethod
    def invalidate_caches(cls) -> None:
        """Nothing cached here; ``PathFinder`` invalidates its own caches."""


def install() -> bool:
    """Put :class:`ShadowGuard` just before ``PathFinder`` in ``sys.meta_path`` (once).

    Returns whether it is installed. Without ``PathFinder`` on the meta path there is
    nothing to guard, and it is not installed.
    """
    finders = sys.meta_path
    if any(getattr(finder, "_pyvorin_shadow_guard", False) for finder in finders):
        return True
    for index, finder in enumerate(finders):
        if finder is PathFinder:
            finders.insert(index, ShadowGuard)
            return True
    return False

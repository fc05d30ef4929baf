"""The import hook that refuses what Python would import instead of a loader stub.

:class:`ShadowGuard` is a meta path finder that :func:`install` puts just before
``PathFinder``. It asks ``PathFinder`` and refuses (``RefusedImport``) a spec found for a
name whose directory holds that name's manifest (``mod.pyvorin.json``) unless the spec
is the stub ``mod.py`` itself: an extension module, a package or bytecode found under
the name of a compiled module (see :mod:`pyvorin_runtime.guard` for why they would be
imported instead of the stub).

Two things call :func:`install`: the line of ``pyvorin-shadow-guard.pth``, which
pyvorin-runtime installs in ``site-packages`` and :mod:`site` runs at interpreter
start-up, and importing :mod:`pyvorin_runtime`. This is a top-level module of its own,
as setuptools' ``_distutils_hack`` is for its ``distutils-precedence.pth``, so that
start-up imports nothing else: it uses only ``os``, ``sys`` and the import system's
frozen modules (all loaded before ``site`` runs), and imports :mod:`pyvorin_runtime`
only to refuse an import.
"""

# (no ``from __future__ import annotations``: it would import the __future__ module)
import os
import sys

try:
    from _frozen_importlib_external import PathFinder, SourceFileLoader
except ImportError:  # an interpreter without the frozen bootstrap modules
    from importlib.machinery import PathFinder, SourceFileLoader

# pyvorin_runtime.names.MANIFEST_SUFFIX (tests/runtime/test_builds.py holds them equal)
MANIFEST_SUFFIX = ".pyvorin.json"


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
            # the runtime words the refusal and audits it; should it be gone, the
            # ImportError of importing it refuses just as well
            from pyvorin_runtime.guard import describe_shadows
            from pyvorin_runtime.loader import refuse

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

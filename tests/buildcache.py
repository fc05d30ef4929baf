"""The C runtime's object files, compiled once per test session instead of once per test.

A generic-tier module is linked with the C runtime (``pyvorin/compiler/runtime/*.c``). The
build cache keeps the runtime's object files under ``PYVORIN_HOME/cache/native/objects``,
MAC'd with the home's secret (``cache/native.mac-key``), so a user compiles them once per
installation and toolchain (``pyvorin.compiler.cache.ObjectCache``). Every test has a
fresh home, though, so without help every test that builds a generic-tier module through
its home's cache compiled the whole runtime again: about 2 CPU seconds each.

:func:`warm_cache_home` compiles one small generic-tier module into a session's template
home; :func:`seed_home` copies that home's ``cache/`` (secret and objects, 0600/0700 kept)
into a test's new home, as if the test ran on an installation that had built before. The
objects are the same bytes the test would have compiled (same sources, headers and
toolchain: the key covers them), and they are read through the same MAC check. Each home
gets its own copy, so a test that tampers with its cache harms no other test. A test whose
toolchain or flags differ gets a key that misses and compiles as before; the cold path
itself is tested with explicit cache directories (tests/compiler/test_object_cache.py).
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import pytest

# classes put a module in the generic tier, which links the whole C runtime
WARMUP_SOURCE = """\
class Point:
    def __init__(self, x: int) -> None:
        self.x = x


def xs(n: int) -> list:
    return [Point(i).x for i in range(n)]
"""


def objects_dir(home: Path) -> Path:
    return Path(home) / "cache" / "native" / "objects"


def warm_cache_home(home: Path) -> Path | None:
    """``home`` with the C runtime's objects in its build cache; None (and a warning) when
    the warm-up build fails: tests then compile the runtime themselves, as before."""
    from pyvorin.compiler import compile_module
    from pyvorin.model import ModuleSpec

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    with (
        tempfile.TemporaryDirectory(prefix="pyvorin-warmup-") as tmp,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setenv("PYVORIN_HOME", str(home))
        source = Path(tmp) / "pyvorin_warmup.py"
        source.write_text(WARMUP_SOURCE, encoding="utf-8")
        try:
            compile_module(
                ModuleSpec("pyvorin_warmup", source), Path(tmp) / "out", workdir=Path(tmp) / "w"
            )
        except Exception as exc:
            warnings.warn(f"no shared C runtime objects for the session: {exc}", stacklevel=1)
            return None
    if not any(objects_dir(home).rglob("*.so")):
        warnings.warn("the warm-up build stored no C runtime objects", stacklevel=1)
        return None
    # only the objects are shared: the warm-up module's own cache entry is not
    for entry in (home / "cache" / "native").iterdir():
        if entry.name != "objects":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    return home


def seed_home(template: Path | None, home: Path) -> None:
    """Copy the template's build cache (secret and runtime objects) into ``home``."""
    if template is not None:
        shutil.copytree(Path(template) / "cache", Path(home) / "cache", dirs_exist_ok=True)

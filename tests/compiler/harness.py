"""Helpers for the compiler tests: compile a source file for real and load both versions."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import importlib.machinery
import importlib.util
import io
import math
import os
import struct
import tempfile
from pathlib import Path
from types import ModuleType

from pyvorin.compiler import compile_module
from pyvorin.model import ModuleSpec

HERE = Path(__file__).parent
CONFORMANCE = HERE / "conformance"


def load_python(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_extension(path: Path, name: str) -> ModuleType:
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def shared_cache(tmp_path_factory) -> Path:
    """The session's build cache for the conformance modules. Entries are keyed by each
    module's source and MAC'd: sharing it only means the generic tier's C runtime objects
    are compiled once per session instead of once per module (tests/buildcache.py)."""
    return tmp_path_factory.getbasetemp() / "compiler-build-cache"


def _session_root(tmp_path_factory) -> Path:
    """The directory every process of this test session shares: under pytest-xdist each
    worker's base temporary directory is ``<session root>/popen-gwN``."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def compile_and_load(source: Path, name: str, tmp_path_factory) -> ModuleType:
    """``source`` compiled (for real, sandboxed, as ``pyvorin compile`` does) as module
    ``name`` and loaded.

    Each (name, source text) is compiled once per test session, not once per xdist
    worker: the first worker to need it compiles it into the session's shared directory
    under a lock, and every worker loads that extension file. The conformance modules are
    large (``generic/matching.py`` is 20,000 lines of C, about 15 CPU s of ``gcc -O2``),
    and the tests of one module are spread over the workers."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    shared = _session_root(tmp_path_factory) / "compiled-modules" / f"{name}-{digest}"
    shared.mkdir(parents=True, exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        record = shared / "artifact"
        if record.exists():
            artifact = Path(record.read_text(encoding="utf-8"))
        else:
            with tempfile.TemporaryDirectory() as work:
                result = compile_module(
                    ModuleSpec(name, source.resolve()),
                    shared / "out",
                    workdir=Path(work),
                    cache_dir=shared_cache(tmp_path_factory),
                )
            artifact = Path(result.artifact)
            record.write_text(str(artifact), encoding="utf-8")
    return load_extension(artifact, name)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same(a: object, b: object) -> bool:
    """Equal by value and type; floats bit for bit (so -0.0 != 0.0, nan == same nan)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        assert isinstance(b, float)
        return bits(a) == bits(b) or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple))
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=False))
    return a == b


def outcome(fn, args: tuple, kwargs: dict | None = None) -> tuple:
    """Call fn on deep copies; return (kind, value-or-exception, mutated args, stdout)."""
    args = copy.deepcopy(args)
    kwargs = copy.deepcopy(kwargs or {})
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            value = fn(*args, **kwargs)
    except Exception as exc:  # the exception itself is the result being compared
        return ("raise", (type(exc), str(exc)), args, out.getvalue())
    return ("return", value, args, out.getvalue())


def assert_conforms(py_fn, native_fn, args: tuple, kwargs: dict | None = None) -> None:
    expected = outcome(py_fn, args, kwargs)
    got = outcome(native_fn, args, kwargs)
    assert expected[0] == got[0], f"CPython: {expected[:2]!r}\ncompiled: {got[:2]!r}"
    if expected[0] == "raise":
        assert expected[1] == got[1], f"exception differs: {expected[1]} vs {got[1]}"
    else:
        assert same(expected[1], got[1]), f"value differs: {expected[1]!r} vs {got[1]!r}"
    assert same(expected[2], got[2]), f"argument mutation differs: {expected[2]} vs {got[2]}"
    assert expected[3] == got[3], f"printed output differs: {expected[3]!r} vs {got[3]!r}"


def python_and_compiled(tmp_path_factory, source: Path) -> tuple[ModuleType, ModuleType]:
    """``source`` (named by its stem) as plain Python and compiled, for module fixtures
    that compare the two."""
    name = source.stem
    return load_python(source, name), compile_and_load(source, name, tmp_path_factory)

"""Helpers for the compiler tests: compile a source file for real and load both versions."""

from __future__ import annotations

import contextlib
import copy
import importlib.machinery
import importlib.util
import io
import math
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


def compile_and_load(source: Path, name: str, out: Path, cache: Path) -> ModuleType:
    with tempfile.TemporaryDirectory() as work:
        result = compile_module(
            ModuleSpec(name, source.resolve()), out, workdir=Path(work), cache_dir=cache
        )
    return load_extension(result.artifact, name)


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
    root = tmp_path_factory.mktemp(name)
    return load_python(source, name), compile_and_load(
        source, name, root / "out", shared_cache(tmp_path_factory)
    )

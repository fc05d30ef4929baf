"""The benchmark kernels: conventions, subset discipline and known-good results."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest

from pyvorin import bench
from tests.helpers import REPO

KERNELS_DIR = REPO / "benchmarks" / "kernels"
KERNEL_FILES = sorted(KERNELS_DIR.glob("*.py"))
REQUIRED = {"intloop", "nbody", "spectralnorm", "mandelbrot", "sieve", "fannkuch"}

FORBIDDEN = (
    ast.ClassDef,
    ast.Lambda,
    ast.Try,
    ast.Raise,
    ast.With,
    ast.Global,
    ast.Nonlocal,
    ast.Dict,
    ast.Set,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
    ast.Yield,
    ast.YieldFrom,
    ast.AsyncFunctionDef,
    ast.JoinedStr,
    ast.Starred,
)
ALLOWED_BUILTINS = {
    "abs", "min", "max", "len", "int", "float", "bool", "round", "divmod", "range", "print",
}  # fmt: skip


def test_required_kernels_exist() -> None:
    names = {k.name for k in bench.discover_kernels(KERNELS_DIR)}
    assert names >= REQUIRED, f"missing kernels: {REQUIRED - names}"
    assert len(names) >= 6


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: p.stem)
def test_kernel_stays_in_the_subset(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_funcs = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for node in ast.walk(tree):
        assert not isinstance(node, FORBIDDEN), f"{path}:{node.lineno}: {type(node).__name__}"
        if isinstance(node, ast.Import):
            assert [a.name for a in node.names] == ["math"], f"{path}:{node.lineno}"
        if isinstance(node, ast.ImportFrom):
            assert node.module in {"math", "typing", "__future__"}, f"{path}:{node.lineno}"
        if isinstance(node, ast.FunctionDef):
            assert node.decorator_list == [], f"{path}:{node.lineno}: decorator"
            assert node.returns is not None, f"{path}:{node.lineno}: no return annotation"
            for arg in node.args.args:
                assert arg.annotation is not None, f"{path}:{node.lineno}: {arg.arg}"
            assert not node.args.vararg and not node.args.kwarg
            # no nested functions
            inner = [n for n in ast.walk(node) if isinstance(n, ast.FunctionDef) and n is not node]
            assert not inner, f"{path}:{node.lineno}: nested function"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            assert name in ALLOWED_BUILTINS | module_funcs, f"{path}:{node.lineno}: {name}()"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            base = node.func.value
            ok = (isinstance(base, ast.Name) and base.id == "math") or node.func.attr in {
                "append",
                "pop",
            }
            assert ok, f"{path}:{node.lineno}: .{node.func.attr}()"


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda p: p.stem)
def test_kernel_conventions_and_determinism(path: Path) -> None:
    kernel = bench.load_kernel(path)
    assert kernel.quick_size < kernel.size
    ns = runpy.run_path(str(path))
    first = ns["main"](kernel.quick_size)
    again = runpy.run_path(str(path))["main"](kernel.quick_size)
    assert repr(first) == repr(again)
    assert type(first) in (int, float, tuple)


# Published reference outputs (benchmarks game) and independently known values.
def _main(name: str):
    return runpy.run_path(str(KERNELS_DIR / f"{name}.py"))["main"]


def test_fannkuch_matches_the_benchmarks_game() -> None:
    assert _main("fannkuch")(7) == (228, 16)


def test_nbody_matches_the_benchmarks_game() -> None:
    assert f"{_main('nbody')(1000):.9f}" == "-0.169087605"


def test_spectralnorm_matches_the_benchmarks_game() -> None:
    assert f"{_main('spectralnorm')(100):.9f}" == "1.274219991"


def test_sieve_counts_primes() -> None:
    assert _main("sieve")(100) == (25, 1060)
    assert _main("sieve")(2) == (0, 0)


def test_fib_and_intloop_small_values() -> None:
    assert _main("fib")(20) == 6765
    # Collatz stopping times of 1..10: 0 1 7 2 5 8 16 3 19 6 -> total 67, longest 19
    assert _main("intloop")(10) == 67 * 1000 + 19


def test_mandelbrot_counts_points_inside() -> None:
    # the grid point c = -1.5 + 2x/n ... with n = 2: (-1.5,-1), (-0.5,-1), (-1.5,0), (-0.5,0)
    value = _main("mandelbrot")(2)
    inside = value // 1000000007
    assert inside == 2  # -1.5+0j and -0.5+0j stay bounded; the two with ci=-1 escape

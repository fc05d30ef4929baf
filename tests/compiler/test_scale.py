"""Build speed and scale: a module as several C units compiled in parallel, sandbox limit
hits inside the C compiler reported as exit 7 naming the limit and its setting.

Everything here runs the real C compiler; the limit tests run it in the real sandbox with
a tiny limit. ``PYVORIN_C_UNIT_LINES`` makes small modules split (1: a unit per function).
"""

from __future__ import annotations

import ctypes
import importlib.machinery
import importlib.util
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyvorin.artifacts import binary_path
from pyvorin.compiler import compile_module, generate_c, generate_units, toolchain, units
from pyvorin.compiler.ccdriver import limit_of
from pyvorin.errors import ConfigError, SandboxLimitError, ToolchainError
from pyvorin.model import ModuleSpec
from pyvorin.sandbox import SandboxPolicy, tool_runner
from tests.helpers import run_cli

from .harness import load_python

RUN = toolchain.default_run_command  # direct toolchain calls here run the compiler unsandboxed

SCALEMOD = '''\
"""A module compiled as several C units in the tests."""

import math

BIG = 10**30
NAME = "scale"
RATE = 0.5
ON = True


def is_even(n: int) -> bool:
    if n == 0:
        return True
    return is_odd(n - 1)


def is_odd(n: int) -> bool:
    if n == 0:
        return False
    return is_even(n - 1)


def hyp(a: float, b: float) -> float:
    return math.sqrt(a * a + b * b) + math.atan2(a, b)


def rounded(x: float) -> int:
    return round(x * RATE)


def checked(n: int) -> int:
    assert n >= 0, "negative"
    return n * BIG


def shout(n: int) -> int:
    print(NAME, n, sep="-")
    return n + 1


def total(xs: list[float]) -> float:
    s = 0.0
    for x in xs:
        s += hyp(x, RATE)
    return s
'''


def chain_source(n: int) -> str:
    """n typed functions, each calling the one before (one call-graph component)."""
    parts = []
    for i in range(n):
        call = f"f{i - 1}(n // 2, x)" if i else "1.0"
        parts.append(
            f"def f{i}(n: int, x: float) -> float:\n"
            f"    acc = {i % 7}\n"
            "    t = 0.0\n"
            "    for k in range(n):\n"
            f"        acc = (acc * 31 + k * {i % 13 + 1}) % 1000003\n"
            "        if acc % 3 == 0:\n"
            "            t += x * k\n"
            "        else:\n"
            "            t -= acc / (k + 1)\n"
            f"    t = t + {call} if n > 1 else t\n"
            "    return t\n"
        )
    return "\n\n".join(parts)


def load(path: Path, name: str, flags: int | None = None):
    old = sys.getdlopenflags()
    if flags is not None:
        sys.setdlopenflags(flags)
    try:
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
        mod = importlib.util.module_from_spec(spec)
        loader.exec_module(mod)
        return mod
    finally:
        sys.setdlopenflags(old)


def write(tmp_path: Path, name: str, source: str) -> Path:
    src = tmp_path / "src" / f"{name}.py"
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(source)
    return src


def same(a, b) -> bool:
    if isinstance(a, float):
        return type(b) is float and a.hex() == b.hex()
    return type(a) is type(b) and a == b


# -- how a module is cut ---------------------------------------------------------------------
def test_partition_keeps_callers_with_callees_and_balances_sizes() -> None:
    sizes = [("a", 100), ("b", 100), ("c", 100), ("d", 100), ("e", 100), ("f", 100)]
    calls = {"a": {"d"}, "b": {"e"}, "c": {"f"}}  # three pairs: a-d, b-e, c-f
    groups = units.partition(sizes, calls, lines=200)
    assert sorted(map(sorted, groups)) == [["a", "d"], ["b", "e"], ["c", "f"]]
    # a component larger than a unit is cut, in source order, into near-equal units
    chain = [(f"g{i}", 10 + i % 3) for i in range(100)]
    chain_calls = {f"g{i}": {f"g{i - 1}"} for i in range(1, 100)}
    groups = units.partition(chain, chain_calls, lines=250)
    assert [n for g in groups for n in g] == [n for n, _ in chain]
    total = sum(s for _, s in chain)
    assert len(groups) == math.ceil(total / 250)
    size = dict(chain)
    loads = [sum(size[n] for n in g) for g in groups]
    assert max(loads) - min(loads) <= 2 * max(size.values()), loads
    # two functions always make two units; unknown callees (builtins) are ignored
    assert units.partition([("x", 5), ("y", 5)], {"x": {"print", "y"}}, 10**6) == [["x"], ["y"]]


def test_symbol_prefix_is_unique_per_module_and_a_c_identifier() -> None:
    a, b = units.symbol_prefix("pkg_a.mod"), units.symbol_prefix("pkg_b.mod")
    assert a != b and a.startswith("pvm_mod_") and b.startswith("pvm_mod_")
    uni = units.symbol_prefix("paquet.données")
    assert uni.isascii() and uni.replace("_", "a").isalnum()


def test_small_modules_stay_one_unit_and_large_ones_split(tmp_path: Path, monkeypatch) -> None:
    small = ModuleSpec("small", write(tmp_path, "small", chain_source(3)))
    assert [name for name, _ in generate_units(small)] == ["small.c"]
    assert generate_units(small)[0][1] == generate_c(small)  # the one-unit C is unchanged
    big = ModuleSpec("pkg.big", write(tmp_path, "big", chain_source(60)))
    names = [name for name, _ in generate_units(big)]
    assert names[:2] == ["big.c", "big__pv.h"] and len(names) >= 4
    assert all(n.startswith("big__") and n.endswith(".c") for n in names[2:])
    monkeypatch.setenv(units.ENV_LINES, "1")  # a unit per function
    assert len(generate_units(small)) == 2 + 3
    monkeypatch.setenv(units.ENV_LINES, "many")
    with pytest.raises(ConfigError, match="PYVORIN_C_UNIT_LINES='many'"):
        generate_units(small)


# -- several units, compiled and run ---------------------------------------------------------
def test_split_module_behaves_like_cpython(tmp_path: Path, monkeypatch, capfd) -> None:
    src = write(tmp_path, "scalemod", SCALEMOD)
    monkeypatch.setenv(units.ENV_LINES, "1")
    keep = tmp_path / "keep"
    result = compile_module(
        ModuleSpec("pkg.scalemod", src),
        tmp_path / "out",
        workdir=tmp_path / "work",
        cache_dir=tmp_path / "cache",
        keep_c=keep,
    )
    assert result.facts["c_units"] == 1 + 7  # the module unit and one per function
    assert sorted(p.name for p in keep.iterdir()) == sorted(
        ["scalemod.c", "scalemod__pv.h", "pyvorin_rt.h"] + [f"scalemod__{i}.c" for i in range(1, 8)]
    )
    assert list((tmp_path / "work").iterdir()) == []  # nothing left behind
    # is_even and is_odd call each other from different units: direct C calls
    even_unit = next(p for p in keep.glob("scalemod__*.c") if "_f_is_even(PvInt" in p.read_text())
    assert "_f_is_odd(" in even_unit.read_text() and "_f_is_odd(PvInt" not in even_unit.read_text()
    py = load_python(src, "py_scalemod")
    pv = load(result.artifact, "pkg.scalemod")
    assert (pv.BIG, pv.NAME, pv.RATE, pv.ON) == (py.BIG, py.NAME, py.RATE, py.ON)
    cases = [
        ("is_even", (10,)), ("is_odd", (7,)), ("is_even", (0,)),
        ("hyp", (3.0, 4.0)), ("hyp", (-0.0, 1e308)), ("rounded", (2.5,)), ("rounded", (7.0,)),
        ("checked", (3,)), ("checked", (-1,)), ("total", ([0.5, 1.5, -2.0],)),
        ("rounded", (float("nan"),)), ("rounded", (float("inf"),)),
    ]  # fmt: skip
    for name, args in cases:
        outcomes = []
        for mod in (py, pv):
            try:
                outcomes.append(("ok", getattr(mod, name)(*args)))
            except Exception as exc:  # compared by type and message
                outcomes.append((type(exc).__name__, str(exc)))
        (kind_py, val_py), (kind_pv, val_pv) = outcomes
        assert kind_py == kind_pv and same(val_py, val_pv), (name, args, outcomes)
    with pytest.raises(RecursionError):  # the recursion guard holds across units
        pv.is_even(10**6)
    capfd.readouterr()
    assert pv.shout(4) == py.shout(4) == 5
    assert capfd.readouterr().out == "scale-4\nscale-4\n"


def test_two_split_modules_with_one_leaf_name_do_not_clash(tmp_path: Path, monkeypatch) -> None:
    """Same leaf, same function names, loaded RTLD_GLOBAL into one process: each module
    still calls its own functions, and only PyInit is exported."""
    monkeypatch.setenv(units.ENV_LINES, "1")
    mods = {}
    for pkg, bias in (("pkg_a", 1), ("pkg_b", 1000)):
        src = write(tmp_path / pkg, "mod", f"def g(n: int) -> int:\n    return n + {bias}\n\n\n"
                    "def f(n: int) -> int:\n    return g(n) * 2\n")  # fmt: skip
        result = compile_module(
            ModuleSpec(f"{pkg}.mod", src), tmp_path / "out", workdir=tmp_path / "w",
            cache_dir=tmp_path / "c",
        )  # fmt: skip
        assert result.facts["c_units"] == 3
        mods[pkg] = load(result.artifact, f"{pkg}.mod", os.RTLD_NOW | os.RTLD_GLOBAL)
        lib = ctypes.CDLL(str(result.artifact))
        prefix = units.symbol_prefix(f"{pkg}.mod")
        for hidden in ("f_f", "f_g", "w_f", "unit1_init", "optimize"):
            with pytest.raises(AttributeError):
                getattr(lib, prefix + hidden)
        assert lib.PyInit_mod  # the one exported symbol
    assert (mods["pkg_a"].f(1), mods["pkg_b"].f(1)) == (4, 2002)


def test_parallel_and_serial_builds_give_the_same_binary(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(units.ENV_LINES, "1")
    spec = ModuleSpec("scalemod", write(tmp_path, "scalemod", SCALEMOD))
    c_units = generate_units(spec)
    tc = toolchain.find_toolchain(RUN)
    one = toolchain.build(c_units, "scalemod", tmp_path / "w", tmp_path / "1.so", tc, RUN, jobs=1)
    two = toolchain.build(c_units, "scalemod", tmp_path / "w", tmp_path / "2.so", tc, RUN, jobs=2)
    assert (one.jobs, two.jobs, one.units, two.units) == (1, 2, 8, 8)
    assert one.link is not None and "<unit>.c" in one.compile
    # the driver measured every unit's compiler (cc1 included) and the link
    assert sorted(two.unit_cpu) == sorted([n for n, _ in c_units if n.endswith(".c")] + ["link"])
    assert all(0 < seconds < 60 for seconds in two.unit_cpu.values()), two.unit_cpu
    assert (tmp_path / "1.so").read_bytes() == (tmp_path / "2.so").read_bytes()


def test_runtime_sources_are_compiled_linked_and_keyed(tmp_path: Path) -> None:
    rt = tmp_path / "rt"
    rt.mkdir()
    (rt / "pv_extra.h").write_text("long pv_extra_twice(long x);\n")
    (rt / "pv_extra.c").write_text('#include "pv_extra.h"\nlong pv_extra_twice(long x) '
                                   "{ return 2 * x; }\n")  # fmt: skip
    unit = textwrap.dedent(
        """
        #include "pyvorin_rt.h"
        #include "pv_extra.h"
        static PyObject *twice(PyObject *self, PyObject *arg) {
            long v = PyLong_AsLong(arg);
            if (v == -1 && PyErr_Occurred()) return NULL;
            return PyLong_FromLong(pv_extra_twice(v));
        }
        static PyMethodDef methods[] = {{"twice", twice, METH_O, NULL}, {NULL, NULL, 0, NULL}};
        static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "extra", NULL, -1, methods};
        PyMODINIT_FUNC PyInit_extra(void) { return PyModule_Create(&def); }
        """
    )
    tc = toolchain.find_toolchain(RUN)
    sources = [rt / "pv_extra.c", rt / "pv_extra.h"]
    info = toolchain.build([("extra.c", unit)], "extra", tmp_path / "w", tmp_path / "extra.so",
                           tc, RUN, runtime_sources=sources, keep_c=tmp_path / "keep")  # fmt: skip
    assert info.units == 2
    assert load(tmp_path / "extra.so", "extra").twice(21) == 42
    assert (tmp_path / "keep" / "pv_extra.c").is_file()
    key = toolchain.cache_key([("extra.c", unit)], "0" * 64, tc, sources)
    assert key == toolchain.cache_key([("extra.c", unit)], "0" * 64, tc, sources)
    assert key != toolchain.cache_key([("extra.c", unit + " ")], "0" * 64, tc, sources)
    assert key != toolchain.cache_key([("other.c", unit)], "0" * 64, tc, sources)
    (rt / "pv_extra.c").write_text((rt / "pv_extra.c").read_text().replace("2 *", "3 *"))
    assert key != toolchain.cache_key([("extra.c", unit)], "0" * 64, tc, sources)


def test_a_failing_unit_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    tc = toolchain.find_toolchain(RUN)
    good = '#include "pyvorin_rt.h"\nint pv_ok(void) { return 1; }\n'
    bad = '#include "pyvorin_rt.h"\nint pv_bad(void) { return undeclared_name; }\n'
    with pytest.raises(ToolchainError) as info:
        toolchain.build([("m.c", good), ("m__1.c", good.replace("ok", "ok2")), ("m__2.c", bad)],
                        "m", tmp_path / "w", tmp_path / "m.so", tc, RUN, label="pkg.m")  # fmt: skip
    text = str(info.value)
    assert "the C compiler failed" in text and "building pkg.m" in text
    assert "m__2.c: " in text and "undeclared_name" in text
    assert not (tmp_path / "m.so").exists() and list((tmp_path / "w").iterdir()) == []
    with pytest.raises(ToolchainError, match="refusing C unit name"):
        toolchain.build([("../evil.c", good)], "m", tmp_path / "w", tmp_path / "m.so", tc, RUN)
    with pytest.raises(ToolchainError, match="distinct"):
        toolchain.build(
            [("m.c", good), ("m.c", good)], "m", tmp_path / "w", tmp_path / "m.so", tc, RUN
        )


def test_single_source_call_still_works(tmp_path: Path) -> None:
    spec = ModuleSpec("tri", write(tmp_path, "tri", chain_source(2)))
    info = toolchain.build(generate_c(spec), "tri", tmp_path / "w", tmp_path / "tri.so",
                           toolchain.find_toolchain(RUN), RUN)  # fmt: skip
    assert info.link is None and info.units == 1
    assert load(tmp_path / "tri.so", "tri").f1(4, 1.0) == load_python(spec.path, "py_tri").f1(
        4, 1.0
    )


# -- sandbox limits inside the compiler ------------------------------------------------------
def test_limit_of_reads_compiler_failures() -> None:
    ice = "gcc: internal compiler error: CPU time limit exceeded signal terminated program cc1"
    assert limit_of(4, ice) == "cpu"
    assert limit_of(-24, "") == "cpu"  # SIGXCPU
    assert limit_of(1, "cc1: out of memory allocating 65536 bytes after a total of 1") == "memory"
    assert limit_of(1, "gcc: fatal error: cannot execute 'cc1': vfork: Resource temporarily "
                    "unavailable") == "processes"  # fmt: skip
    assert limit_of(1, "m.c:2:30: error: 'x' undeclared") is None


@pytest.mark.parametrize("split", [False, True], ids=["one-unit", "units"])
@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ({"cpu_seconds": 1}, "CPU time limit of 1 s hit during compilation of pkg.big: "
                             "raise [tool.pyvorin.sandbox] cpu-seconds (now 1)"),
        ({"memory_mb": 64}, "memory limit of 64 MB hit during compilation of pkg.big: "
                            "raise [tool.pyvorin.sandbox] memory-mb (now 64)"),
        ({"max_processes": 1}, "process limit of 1 processes hit during compilation of "
                               "pkg.big: raise [tool.pyvorin.sandbox] max-processes (now 1)"),
    ],
    ids=["cpu", "memory", "processes"],
)  # fmt: skip
def test_a_limit_hit_in_the_compiler_is_exit_7_naming_the_setting(
    tmp_path: Path, monkeypatch, split: bool, limit: dict, message: str
) -> None:
    # Each C unit must take several CPU seconds on a fast machine for the 1 s limit to hit
    # reliably: split builds compile two ~12000-line units (measured ~4 s of CPU each here),
    # the one-unit build one ~8000-line unit (~2.8 s).
    monkeypatch.setenv(units.ENV_LINES, "20000" if split else "1000000")
    spec = ModuleSpec("pkg.big", write(tmp_path, "big", chain_source(120 if split else 40)))
    assert (len(generate_units(spec)) > 1) == split
    reports: list[dict] = []
    runner = tool_runner(SandboxPolicy(**limit), "compilation of pkg.big", reports)
    with pytest.raises(SandboxLimitError) as info:
        compile_module(spec, tmp_path / "out", workdir=tmp_path / "w", cache_dir=tmp_path / "c",
                       run_command=runner)  # fmt: skip
    assert info.value.exit_code == 7
    assert str(info.value) == message
    assert "internal compiler error" not in str(info.value)
    assert not binary_path(tmp_path / "out", "pkg.big").exists()
    assert list((tmp_path / "w").iterdir()) == []


def test_cli_compile_hitting_the_cpu_limit_exits_7(tmp_path: Path) -> None:
    src = tmp_path / "big.py"
    src.write_text(chain_source(40))
    (tmp_path / "pyproject.toml").write_text("[tool.pyvorin.sandbox]\ncpu-seconds = 1\n")
    res = run_cli("compile", str(src), "-o", str(tmp_path / "out"), "--project", str(tmp_path))
    assert res.returncode == 7, res.stderr
    assert "CPU time limit of 1 s hit during compilation of big" in res.stderr
    assert "raise [tool.pyvorin.sandbox] cpu-seconds (now 1)" in res.stderr
    assert "internal compiler error" not in res.stderr and "Traceback" not in res.stderr


def test_ccdriver_alone_reports_usage_and_exit_codes(tmp_path: Path) -> None:
    driver = [sys.executable, "-I", "-S", str(toolchain.CCDRIVER)]
    usage = subprocess.run(driver, capture_output=True, text=True, cwd=tmp_path)
    assert usage.returncode == 2 and "usage" in usage.stderr
    plan = tmp_path / "plan.json"
    plan.write_text('{"jobs": 2, "compile": [{"unit": "a.c", "argv": ["/bin/sh", "-c", '
                    '"echo warning from a"]}, {"unit": "b.c", "argv": ["/bin/sh", "-c", '
                    '"echo broken >&2; exit 3"]}], "link": ["/bin/true"]}')  # fmt: skip
    res = subprocess.run([*driver, str(plan)], capture_output=True, text=True, cwd=tmp_path)
    assert res.returncode == 3
    assert "b.c: broken" in res.stderr and "b.c: failed (exit 3)" in res.stderr
    assert "link" not in res.stdout + res.stderr  # no link after a failed unit
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # logs removed

"""The kernels with classes, dicts and strings (benchmarks/kernels/objects/, issue 11).

Reference values computed independently of the kernels, the conventions of the runner,
the verification examples in benchmarks/pyvorin_examples.toml, and what ``pyvorin bench``
reports for them: a result equal to CPython's or, while the compiler cannot compile a
kernel, a clear ``rejected`` with its PV codes (exit 3), never a crash.
"""

from __future__ import annotations

import ast
import collections
import inspect
import json
import re
import runpy
import sys
from pathlib import Path

import pytest

from pyvorin import bench
from pyvorin.verify.examples import from_toml
from tests.helpers import REPO, run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

OBJECTS = REPO / "benchmarks" / "kernels" / "objects"
NAMES = ("richards", "deltablue", "wordfreq", "treewalk")
EXAMPLES = tomllib.loads((REPO / "benchmarks" / "pyvorin_examples.toml").read_text())
# Functions whose parameters are objects of the kernel's classes or dicts: TOML cannot
# write them; they are reached through the functions that call them.
NOT_WRITABLE = {
    "deltablue": {"run_plan", "change"},
    "wordfreq": {"top_words"},
    "treewalk": {"walk"},
}


def _module(name: str) -> dict:
    return runpy.run_path(str(OBJECTS / f"{name}.py"))


def test_the_suite_is_discovered_with_the_numeric_kernels() -> None:
    kernels = bench.discover_kernels(REPO / "benchmarks" / "kernels")
    suites = {k.name: k.suite for k in kernels}
    for name in NAMES:
        assert suites[name] == "objects"
    assert suites["nbody"] == "" and suites["fib"] == ""
    assert [k.name for k in kernels][:8] == sorted(k.name for k in kernels if not k.suite)


@pytest.mark.parametrize("name", NAMES)
def test_kernel_conventions_and_determinism(name: str) -> None:
    kernel = bench.load_kernel(OBJECTS / f"{name}.py")
    assert 0 < kernel.quick_size < kernel.size
    first = _module(name)["main"](kernel.quick_size)
    assert repr(first) == repr(_module(name)["main"](kernel.quick_size))
    assert type(first) is tuple


@pytest.mark.parametrize(
    ("name", "construct"),
    [
        ("richards", ast.ClassDef),
        ("deltablue", ast.ClassDef),
        ("wordfreq", ast.Dict),
        ("treewalk", ast.Dict),
    ],
)
def test_kernels_use_classes_dicts_and_strings(name: str, construct: type) -> None:
    tree = ast.parse((OBJECTS / f"{name}.py").read_text())
    assert sum(isinstance(node, construct) for node in ast.walk(tree)) >= 1
    if name in ("wordfreq", "treewalk"):
        methods = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        assert {"join"} <= methods
        assert any(isinstance(node, ast.JoinedStr | ast.Constant) for node in ast.walk(tree))


def test_richards_reproduces_the_published_counts() -> None:
    # Richards' benchmark: one run ends with holdCount 9297 and qpktCount 23246.
    assert _module("richards")["main"](1) == (1, 9297 * 100000 + 23246)
    assert _module("richards")["main"](3) == (3, 9297 * 100000 + 23246)


def test_deltablue_chain_and_projection() -> None:
    module = _module("deltablue")
    # the chain copies 0..99 from its first to its last variable
    assert module["chain_test"](50) == sum(range(100))
    # n pairs: dst_i = 5 i + 2000 after the edits; src = 5 and dst = 2025 for the last pair
    for n in (2, 20, 300):
        expected = sum(i * 5 + 2000 for i in range(n - 1)) + 5 + 2025
        assert module["projection_test"](n) == expected
    with pytest.raises(RuntimeError, match="projection test 1 failed"):
        module["projection_test"](0)


def test_wordfreq_counts_like_a_counter() -> None:
    module = _module("wordfreq")
    text = module["make_text"](3000)
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    assert module["count_words"](text) == dict(collections.Counter(words))
    distinct, total, _length, first = module["main"](3000)
    assert total == len(words)
    assert distinct // 1000 == len(set(words))
    top = collections.Counter(words).most_common()
    best = max(count for _, count in top)
    assert first == min(word for word, count in top if count == best)


def test_treewalk_serialises_like_json_and_counts_every_node() -> None:
    module = _module("treewalk")
    seed = 7
    nodes = 0
    for _ in range(5):
        doc, seed = module["build"](6, seed)
        assert module["dumps"](doc) == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        text = json.dumps(doc)
        stats = dict.fromkeys(
            ("nodes", "depth", "null", "bool", "number", "string", "array", "object", "chars"), 0
        )
        module["walk"](doc, 0, stats)
        nodes += stats["nodes"]
        assert stats["null"] == text.count("null") - sum(s.count("null") for s in _strings(doc))
    assert nodes > 100


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [k, *_strings(v)]]
    return []


@pytest.mark.parametrize("name", NAMES)
def test_examples_cover_the_kernel_and_match_its_signatures(name: str) -> None:
    module = _module(name)
    tree = ast.parse((OBJECTS / f"{name}.py").read_text())
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    prefix = f"kernels.objects.{name}:"
    keys = {k.removeprefix(prefix) for k in EXAMPLES if k.startswith(prefix)}
    assert keys == set(functions) - NOT_WRITABLE.get(name, set())
    for function in keys:
        signature = inspect.signature(module[function])
        entries = EXAMPLES[prefix + function]
        assert entries
        for entry in entries:
            args = [from_toml(a, prefix + function) for a in entry.get("args", [])]
            signature.bind(*args)
    assert any(e.get("name") == "QUICK_SIZE" for e in EXAMPLES[prefix + "main"])


@pytest.mark.slow  # a real `pyvorin bench` of every object kernel
def test_the_bench_reports_each_kernel_compiled_or_clearly_rejected(tmp_path: Path) -> None:
    """``pyvorin bench`` on the suite: CPython's result, or ``rejected`` with PV codes."""
    args = ["bench", "--quick", "--contender", "pyvorin", "--format", "json"]
    for name in NAMES:
        args += ["--kernel", name]
    proc = run_cli(*args, cwd=REPO, timeout=900)
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    statuses = {}
    for kernel in data["kernels"]:
        assert kernel["suite"] == "objects"
        outcome = kernel["contenders"]["pyvorin"]
        statuses[kernel["name"]] = outcome["status"]
        assert kernel["contenders"]["cpython"]["status"] == "ok"
        if outcome["status"] == bench.OK:
            assert outcome["result"] == kernel["expected"]
        else:
            assert outcome["status"] == bench.REJECTED, outcome["detail"]
            assert re.search(r":\d+:\d+: error PV\d{3}: ", outcome["detail"]), outcome["detail"]
    assert set(statuses) == set(NAMES)
    if all(status == bench.OK for status in statuses.values()):
        assert proc.returncode == 0
    else:
        assert proc.returncode == 3
        assert "benchmark incomplete: rejected:" in proc.stderr


KERNEL = '''\
"""A kernel."""

BENCH_SIZE = 10
QUICK_SIZE = 2


def main(n: int) -> int:
    return n
'''


def test_suites_are_subdirectories_and_names_stay_unique(tmp_path: Path) -> None:
    (tmp_path / "objects").mkdir()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "top.py").write_text(KERNEL)
    (tmp_path / "objects" / "inner.py").write_text(KERNEL)
    (tmp_path / "__pycache__" / "skipped.py").write_text(KERNEL)
    kernels = bench.discover_kernels(tmp_path)
    assert [(k.name, k.suite) for k in kernels] == [("top", ""), ("inner", "objects")]
    (tmp_path / "objects" / "top.py").write_text(KERNEL)
    with pytest.raises(bench.KernelError, match="kernel name 'top' is already used by"):
        bench.discover_kernels(tmp_path)


def test_geomean_per_suite_in_the_report() -> None:
    results = []
    for name, suite, speed in (("a", "", 2.0), ("b", "", 8.0), ("c", "objects", 3.0)):
        kernel = bench.Kernel(name, Path(f"{name}.py"), 10, 1, suite=suite)
        outcomes = {
            "cpython": bench.Outcome("cpython", "CPython", bench.OK, samples=[1.0]),
            "pyvorin": bench.Outcome("pyvorin", "Pyvorin", bench.OK, samples=[1.0 / speed]),
        }
        outcomes["pyvorin"].speedup = speed
        results.append(bench.KernelResult(kernel, 10, outcomes, "1"))
    results.append(
        bench.KernelResult(
            bench.Kernel("d", Path("d.py"), 10, 1, suite="objects"),
            10,
            {
                "cpython": bench.Outcome("cpython", "CPython", bench.OK, samples=[1.0]),
                "pyvorin": bench.Outcome("pyvorin", "Pyvorin", bench.REJECTED, detail="PV101"),
            },
        )
    )
    contenders = [("cpython", "CPython", "3"), ("pyvorin", "Pyvorin", "0")]
    report = bench.BenchReport(results, contenders, 5, False, dict.fromkeys(
        ("cpu", "cores", "os", "python", "cc", "load"), "x"
    ))  # fmt: skip
    assert report.geomean("pyvorin", "")[0] == pytest.approx(4.0)
    assert report.geomean("pyvorin", "objects") == (pytest.approx(3.0), 1)
    text = bench.render_text(report)
    assert "  numeric kernels: 4.00x (2 of 2)" in text
    assert "  objects kernels: 3.00x (1 of 2)" in text
    data = report.to_json()
    assert data["geomean_speedup_by_suite"]["objects"]["pyvorin"] == pytest.approx(3.0)
    assert [k["suite"] for k in data["kernels"]] == ["", "", "objects", "objects"]

"""The benchmark runner on tiny kernels: structure, correctness checks, peers, errors.

Timings are never asserted; only that they exist, are positive and are medians of the
recorded samples.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

import pytest

from pyvorin import bench
from pyvorin.errors import PyvorinError, UnsupportedError, UsageError, VerificationError
from pyvorin.exitcodes import ExitCode
from tests.helpers import REPO, run_cli

TINY = '''\
"""Tiny float kernel for the runner tests."""

from __future__ import annotations

BENCH_SIZE = 3000
QUICK_SIZE = 300


def step(i: int) -> float:
    return i * 0.5 - 1.0 / (i + 1)


def main(n: int) -> float:
    total = 0.0
    for i in range(n):
        total += step(i)
    return total
'''

TINY_INT = '''\
"""Tiny int kernel."""

from __future__ import annotations

BENCH_SIZE = 5000
QUICK_SIZE = 500


def main(n: int) -> tuple[int, int]:
    acc = 1
    for i in range(1, n):
        acc = (acc * 31 + i) % 1000003
    return (acc, n * n * n * n * n)
'''


def write_kernels(directory: Path, **sources: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in sources.items():
        (directory / f"{name}.py").write_text(text)
    return directory


@pytest.fixture
def kernels_dir(tmp_path: Path) -> Path:
    return write_kernels(tmp_path / "kernels", tiny=TINY, tinyint=TINY_INT)


class Rewritten(bench.Contender):
    """A contender that runs an edited copy of the kernel source as plain Python.

    It stands for a compiler that got something wrong: the harness really runs it in a
    fresh process and must catch the difference.
    """

    def __init__(self, name: str, *edits: tuple[str, str]) -> None:
        self.name = name
        self.label = name
        self.edits = edits

    def prepare(self, kernel: bench.Kernel, workdir: Path) -> Path:
        workdir.mkdir(parents=True, exist_ok=True)
        source = kernel.path.read_text()
        for old, new in self.edits:
            source = source.replace(old, new)
        target = workdir / f"{kernel.name}.py"
        target.write_text(source)
        return target


def _check_ok(outcome: bench.Outcome, repeat: int) -> None:
    assert outcome.status == bench.OK, outcome.detail
    assert len(outcome.samples) == repeat
    assert all(s > 0 for s in outcome.samples)
    assert outcome.median == statistics.median(outcome.samples)


# --------------------------------------------------------------------------- API level


def test_report_structure_and_speedups(kernels_dir: Path) -> None:
    kernels = bench.discover_kernels(kernels_dir)
    messages: list[str] = []
    contenders = [bench.CPython(), Rewritten("same", ("total = 0.0", "total = 0.0  # same"))]
    report = bench.run_bench(kernels, contenders, repeat=5, quick=True, progress=messages.append)
    assert [kr.kernel.name for kr in report.kernels] == ["tiny", "tinyint"]
    for kr in report.kernels:
        assert kr.size == kr.kernel.quick_size
        _check_ok(kr.outcomes["cpython"], 5)
        assert kr.outcomes["cpython"].speedup == pytest.approx(1.0)
    tiny = report.kernels[0]
    _check_ok(tiny.outcomes["same"], 5)
    ref = tiny.outcomes["cpython"].median
    assert tiny.outcomes["same"].speedup == pytest.approx(ref / tiny.outcomes["same"].median)
    assert any("[tiny] CPython run 5/5" in m for m in messages)
    assert any("building with same" in m for m in messages)
    # interleaved rounds: CPython's run 2 comes after the contender's run 1
    i_cpy2 = messages.index(next(m for m in messages if m.startswith("[tiny] CPython run 2/5")))
    i_same1 = messages.index(next(m for m in messages if m.startswith("[tiny] same run 1/5")))
    assert i_same1 < i_cpy2
    value, count = report.geomean("same")
    speedups = [kr.outcomes["same"].speedup for kr in report.kernels]
    assert count == 2
    assert value == pytest.approx(math.sqrt(speedups[0] * speedups[1]))
    text = bench.render_text(report)
    assert "geometric-mean speedup over CPython: same" in text
    data = json.loads(bench.render_json(report))
    assert data["repeat"] == 5 and data["quick"] is True
    assert (
        data["kernels"][0]["contenders"]["cpython"]["samples"] == tiny.outcomes["cpython"].samples
    )
    assert set(data["environment"]) >= {
        "cpu", "cores", "os", "python", "cc", "mypy", "cython", "load",
    }  # fmt: skip


def test_expected_value_is_cpythons(kernels_dir: Path) -> None:
    kernels = bench.select_kernels(bench.discover_kernels(kernels_dir), ["tiny"])
    report = bench.run_bench(kernels, [bench.CPython()], repeat=5, quick=True)
    expected = 0.0
    for i in range(300):
        expected += i * 0.5 - 1.0 / (i + 1)
    assert report.kernels[0].expected == repr(expected)


def test_wrong_result_is_flagged_and_not_timed(kernels_dir: Path) -> None:
    kernels = bench.discover_kernels(kernels_dir)
    messages: list[str] = []
    wrong = Rewritten("broken", ("i * 0.5 - 1.0", "i * 0.5 + 1.0"))
    report = bench.run_bench(
        kernels[:1], [bench.CPython(), wrong], repeat=5, quick=True, progress=messages.append
    )
    outcome = report.kernels[0].outcomes["broken"]
    assert outcome.status == bench.WRONG
    assert outcome.samples == [] and outcome.median is None and outcome.speedup is None
    assert "CPython returned" in outcome.detail and report.kernels[0].expected in outcome.detail
    # it ran once (the check) and never again
    assert not any(m.startswith("[tiny] broken run") for m in messages)
    assert any("WRONG RESULT" in m for m in messages)
    assert report.geomean("broken") == (None, 0)
    text = bench.render_text(report)
    assert "wrong result" in text and "problems:" in text
    assert (
        json.loads(bench.render_json(report))["kernels"][0]["contenders"]["broken"]["status"]
        == "wrong result"
    )


def test_int_instead_of_float_is_wrong(tmp_path: Path) -> None:
    source = TINY.replace("total += step(i)", "total += 2.0")
    directory = write_kernels(tmp_path / "k", typed=source)
    wrong = Rewritten("ints", ("total = 0.0", "total = 0"), ("total += 2.0", "total += 2"))
    report = bench.run_bench(bench.discover_kernels(directory), [bench.CPython(), wrong])
    kr = report.kernels[0]
    assert kr.expected == "6000.0"
    assert kr.outcomes["ints"].status == bench.WRONG
    assert kr.outcomes["ints"].result == "6000"


def test_last_bit_of_a_float_counts(kernels_dir: Path) -> None:
    wrong = Rewritten("ulp", ("return total\n", "return total + abs(total) * 2.0**-52\n"))
    kernels = bench.select_kernels(bench.discover_kernels(kernels_dir), ["tiny"])
    report = bench.run_bench(kernels, [bench.CPython(), wrong], quick=True)
    outcome = report.kernels[0].outcomes["ulp"]
    assert outcome.status == bench.WRONG
    assert float(outcome.result) != float(report.kernels[0].expected)


def test_canonical_comparison_in_the_harness(tmp_path: Path) -> None:
    values = {
        "negzero": "-0.0",
        "zero": "0.0",
        "nan": "float('nan')",
        "one": "1",
        "onef": "1.0",
        "true": "True",
        "big": "2**4000 + 1",
        "nested": "(1, [2.0, -0.0], [[3]])",
    }
    canon = {}
    for name, expr in values.items():
        path = tmp_path / f"k_{name}.py"
        path.write_text(f"def main(n):\n    return {expr}\n")
        canon[name] = bench.run_once(path, f"k_{name}", 1, scratch=tmp_path).canon
    assert canon["negzero"] != canon["zero"]
    assert canon["one"] != canon["onef"] != canon["true"] and canon["one"] != canon["true"]
    again = tmp_path / "k_nan2.py"
    again.write_text("def main(n):\n    return float('inf') - float('inf')\n")
    assert bench.run_once(again, "k_nan2", 1, scratch=tmp_path).canon == canon["nan"]
    assert canon["big"] == ["int", hex(2**4000 + 1)]
    assert canon["nested"][0] == "tuple"


def test_runtime_error_is_reported(kernels_dir: Path) -> None:
    kernels = bench.discover_kernels(kernels_dir)
    crash = Rewritten("crash", ("1.0 / (i + 1)", "1.0 / (i - i)"))
    report = bench.run_bench(kernels[:1], [bench.CPython(), crash], repeat=5, quick=True)
    outcome = report.kernels[0].outcomes["crash"]
    assert outcome.status == bench.ERROR
    assert "ZeroDivisionError" in outcome.detail
    assert outcome.samples == []
    _check_ok(report.kernels[0].outcomes["cpython"], 5)


def test_run_timeout_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "slow.py"
    path.write_text("def main(n):\n    while True:\n        pass\n")
    with pytest.raises(bench.RunFailed, match="did not finish within 1 s"):
        bench.run_once(path, "slow", 1, scratch=tmp_path, timeout=1)


def test_repeat_below_five_is_refused(kernels_dir: Path) -> None:
    with pytest.raises(UsageError, match="at least 5"):
        bench.run_bench(bench.discover_kernels(kernels_dir), [bench.CPython()], repeat=4)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def main(n: int) -> int:\n    return n\n", "no module-level BENCH_SIZE"),
        ("BENCH_SIZE = 10\nQUICK_SIZE = 'x'\ndef main(n: int) -> int:\n    return n\n",
         "QUICK_SIZE must be a positive int literal"),
        ("BENCH_SIZE = 10\nQUICK_SIZE = 1\n", "no entry function main"),
        ("BENCH_SIZE = 10\nQUICK_SIZE = 1\ndef main(a: int, b: int) -> int:\n    return a\n",
         "exactly one parameter"),
        ("def main(:\n", "not valid Python"),
    ],
)  # fmt: skip
def test_bad_kernel_files_are_named(tmp_path: Path, source: str, message: str) -> None:
    path = tmp_path / "bad.py"
    path.write_text(source)
    with pytest.raises(bench.KernelError) as info:
        bench.load_kernel(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert info.value.exit_code == ExitCode.USAGE


def _report_with(status: str) -> bench.BenchReport:
    kernel = bench.Kernel("k", Path("k.py"), 10, 1)
    outcomes = {
        "cpython": bench.Outcome("cpython", "CPython", bench.OK, samples=[1.0] * 5),
        "pyvorin": bench.Outcome("pyvorin", "Pyvorin", status, detail="why"),
    }
    return bench.BenchReport([bench.KernelResult(kernel, 10, outcomes)], [], 5, False, {})


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (bench.WRONG, VerificationError),
        (bench.REJECTED, UnsupportedError),
        (bench.BUILD_FAILED, PyvorinError),
        (bench.ERROR, PyvorinError),
        (bench.UNAVAILABLE, PyvorinError),
    ],
)
def test_exit_status_follows_pyvorins_outcome(status: str, error: type) -> None:
    from pyvorin.cli.bench_cmd import _raise_for_pyvorin

    with pytest.raises(error, match=f"{status}: k") as info:
        _raise_for_pyvorin(_report_with(status))
    assert type(info.value) is error
    _raise_for_pyvorin(bench.BenchReport([], [], 5, False, {}))  # nothing ran wrong: no error


# --------------------------------------------------------------------------- real peers


def test_mypyc_and_cython_on_the_same_source(kernels_dir: Path) -> None:
    """Real builds with mypyc and Cython; results checked equal to CPython's."""
    proc = run_cli(
        "bench", "--quick", "--kernel", "tiny", "--contender", "mypyc", "--contender", "cython",
        "--kernels-dir", str(kernels_dir), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    versions = {c["name"]: c["version"] for c in data["contenders"]}
    assert list(versions) == ["cpython", "mypyc", "cython"]
    (kernel,) = data["kernels"]
    for name in ("mypyc", "cython"):
        outcome = kernel["contenders"][name]
        assert outcome["status"] == "ok", outcome["detail"]
        assert outcome["result"] == kernel["expected"]
        assert len(outcome["samples"]) == 5
        assert outcome["speedup"] > 0
        assert versions[name] and versions[name][0].isdigit()
    assert "opt_level=" in kernel["contenders"]["mypyc"]["build"]
    assert "cythonize" in kernel["contenders"]["cython"]["build"]
    assert "[tiny] building with mypyc" in proc.stderr
    assert "[tiny] Cython run 5/5" in proc.stderr


def test_peer_build_failure_is_reported(tmp_path: Path) -> None:
    """mypy rejects this (str returned as int) though CPython runs it: mypyc build fails."""
    src = TINY.replace("    return total\n", "    return str(total)\n")
    directory = write_kernels(tmp_path / "k", oddly=src)
    kernels = bench.discover_kernels(directory)
    report = bench.run_bench(kernels, [bench.CPython(), bench.Mypyc()], repeat=5, quick=True)
    outcome = report.kernels[0].outcomes["mypyc"]
    assert outcome.status == bench.BUILD_FAILED
    assert "Incompatible return value type" in outcome.detail
    _check_ok(report.kernels[0].outcomes["cpython"], 5)


def test_missing_peers_are_reported_not_installed(kernels_dir: Path) -> None:
    """Run the real CLI in an interpreter where mypyc and Cython cannot be imported."""
    import subprocess

    code = (
        "import sys; sys.modules['mypyc'] = None; sys.modules['Cython'] = None\n"
        "from pyvorin.cli import main\n"
        "sys.argv[0] = 'pyvorin'\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "bench", "--quick", "--kernel", "tinyint",
         "--contender", "mypyc", "--contender", "cython", "--kernels-dir", str(kernels_dir)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("tinyint"))
    assert row.count("not installed") == 2
    assert "mypyc: not installed" in proc.stderr and "Cython: not installed" in proc.stderr
    assert "problems:" not in proc.stdout


def test_pyvorin_compiles_and_matches(kernels_dir: Path, tmp_path: Path) -> None:
    """The native compiler is a contender like the others (needs pyvorin.compiler)."""
    keep = tmp_path / "c"
    proc = run_cli(
        "bench", "--quick", "--contender", "pyvorin", "--kernels-dir", str(kernels_dir),
        "--format", "json", "--keep-c", str(keep),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    for kernel in data["kernels"]:
        outcome = kernel["contenders"]["pyvorin"]
        assert outcome["status"] == "ok", outcome["detail"]
        assert outcome["result"] == kernel["expected"]
        assert len(outcome["samples"]) == 5
    assert data["geomean_speedup"]["pyvorin"] > 0
    assert "-ffp-contract=off" in data["kernels"][0]["contenders"]["pyvorin"]["build"]
    assert any(keep.rglob("*.c")), "--keep-c kept no generated C"


# --------------------------------------------------------------------------- CLI


def test_cli_text_output_file(kernels_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "bench.txt"
    proc = run_cli(
        "bench", "--quick", "--contender", "cpython", "--kernels-dir", str(kernels_dir),
        "--output", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert f"wrote {out}" in proc.stderr
    text = out.read_text()
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("kernel"))
    assert header.split() == ["kernel", "size", "CPython"]
    assert any(line.startswith("tiny ") and line.split()[1] == "300" for line in lines)
    assert any(line.startswith("tinyint ") for line in lines)
    assert "median of 5 runs" in text


def test_cli_repeat_and_json(kernels_dir: Path) -> None:
    proc = run_cli(
        "bench", "--quick", "--repeat", "6", "--kernel", "tinyint", "--contender", "cpython",
        "--kernels-dir", str(kernels_dir), "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    (kernel,) = data["kernels"]
    assert kernel["name"] == "tinyint" and kernel["size"] == 500
    acc = 1
    for i in range(1, 500):
        acc = (acc * 31 + i) % 1000003
    assert kernel["expected"] == repr((acc, 500**5))
    assert len(kernel["contenders"]["cpython"]["samples"]) == 6
    assert data["repeat"] == 6


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--repeat", "3"], "3 is not in the range x>=5"),
        (["--kernel", "nope"], "unknown kernel 'nope'; available: tiny, tinyint"),
        (["--format", "xml"], "'xml' is not one of"),
    ],
)
def test_cli_usage_errors(kernels_dir: Path, args: list[str], message: str) -> None:
    proc = run_cli("bench", "--kernels-dir", str(kernels_dir), *args)
    assert proc.returncode == ExitCode.USAGE
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_bad_kernel_dir(tmp_path: Path) -> None:
    proc = run_cli("bench", "--kernels-dir", str(tmp_path / "missing"))
    assert proc.returncode == ExitCode.USAGE
    assert f"{tmp_path / 'missing'}: kernel directory does not exist" in proc.stderr
    bad = write_kernels(tmp_path / "bad", broken="def main(n: int) -> int:\n    return n\n")
    proc = run_cli("bench", "--kernels-dir", str(bad))
    assert proc.returncode == ExitCode.USAGE
    assert f"{bad / 'broken.py'}: kernel has no module-level BENCH_SIZE" in proc.stderr


def test_cli_finds_the_repository_kernels(tmp_path: Path) -> None:
    """From the checkout, every real kernel runs in the harness at its quick size."""
    proc = run_cli("bench", "--quick", "--contender", "cpython", "--format", "json", cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    names = [k["name"] for k in data["kernels"]]
    assert {"intloop", "nbody", "spectralnorm", "mandelbrot", "sieve", "fannkuch"} <= set(names)
    for kernel in data["kernels"]:
        assert kernel["contenders"]["cpython"]["status"] == "ok"
        assert kernel["expected"]
    # also found from a subdirectory of the checkout
    proc = run_cli(
        "bench", "--quick", "--kernel", "fib", "--contender", "cpython", cwd=REPO / "docs"
    )
    assert proc.returncode == 0, proc.stderr


def test_temporary_build_dirs_are_removed(kernels_dir: Path, tmp_path: Path) -> None:
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("pyvorin-bench-*"))
    bench.run_bench(bench.discover_kernels(kernels_dir)[:1], [bench.CPython()], quick=True)
    after = set(Path(tempfile.gettempdir()).glob("pyvorin-bench-*"))
    assert after <= before


def test_geomean_math() -> None:
    kernel = bench.Kernel("k", Path("k.py"), 10, 1)
    krs = []
    for speed in (2.0, 8.0):
        outcomes = {
            "cpython": bench.Outcome("cpython", "CPython", bench.OK, speedup=1.0),
            "x": bench.Outcome("x", "X", bench.OK, speedup=speed),
        }
        krs.append(bench.KernelResult(kernel, 10, outcomes))
    report = bench.BenchReport(krs, [], 5, False, {})
    value, count = report.geomean("x")
    assert count == 2 and math.isclose(value, 4.0)


class Exploding(bench.Contender):
    """A backend with a bug: its build step raises an unexpected exception."""

    name = "exploding"
    label = "Exploding"

    def prepare(self, kernel: bench.Kernel, workdir: Path) -> Path:
        raise RuntimeError("backend bug")


def test_crashing_backend_is_reported_and_the_rest_still_runs(kernels_dir: Path) -> None:
    kernels = bench.discover_kernels(kernels_dir)
    report = bench.run_bench(kernels, [bench.CPython(), Exploding()], quick=True)
    for kr in report.kernels:
        outcome = kr.outcomes["exploding"]
        assert outcome.status == bench.BUILD_FAILED
        assert outcome.detail == "internal error: RuntimeError: backend bug"
        _check_ok(kr.outcomes["cpython"], 5)


def test_kernel_outside_the_subset_is_rejected_with_exit_3(tmp_path: Path) -> None:
    """Pyvorin refuses eval (neither tier compiles it); the report says so, CPython still
    ran, exit status 3."""
    source = TINY.replace("    total = 0.0\n", "    total = 0.0\n    seen = eval('{0: 1.0}')\n")
    directory = write_kernels(tmp_path / "k", withdict=source)
    proc = run_cli(
        "bench", "--quick", "--contender", "pyvorin", "--kernels-dir", str(directory)
    )  # fmt: skip
    assert proc.returncode == ExitCode.UNSUPPORTED, proc.stdout + proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("withdict"))
    assert "rejected" in row
    problems = proc.stdout.split("problems:", 1)[1]
    assert "withdict / Pyvorin: rejected" in problems
    assert f"{directory / 'withdict.py'}:15:12: error PV401" in problems  # where eval is
    assert "pyvorin: error: benchmark incomplete: rejected: withdict" in proc.stderr

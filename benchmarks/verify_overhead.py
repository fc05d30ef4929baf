"""Verification overhead: what verifying a compiled module costs beyond the calls.

    python benchmarks/verify_overhead.py [--runs 3] [--json] [--backend native|copy]
    python benchmarks/verify_overhead.py --kernels [--json]   # needs a licensed PYVORIN_HOME

Builds a module of 10 typed functions, compiles it with the native backend (``copy``
uses the source itself as the "compiled" artifact, for machines without a C compiler),
and verifies it with ``min-inputs = 100`` (1000 inputs per side, 2000 calls). Reports
the median over the runs of:

* ``total``: the whole verification stage (input gathering with hypothesis, both
  sandboxed workers, comparison, report);
* ``calls``: the time spent inside the calls themselves, CPython side plus compiled side,
  as measured by the workers around each call;
* ``overhead = total - calls`` and its parts (gathering inputs, running the workers
  beyond the calls, comparing and writing the report).

Each run starts with an empty verification cache (cold); ``cached_total`` is a second
verification of the unchanged module right after (every function's outcome reused).

The target: ``overhead`` under 5 s. Exit status 1 when the target is missed.

``--kernels`` measures the benchmark kernels instead: ``pyvorin build benchmarks/`` twice
through the CLI (the whole pipeline), first with an empty verification cache, then again
unchanged; per kernel it reports the verify stage's seconds as the CLI prints them, and
the wall time of both builds.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from pyvorin.config import load_settings
from pyvorin.model import CompileResult, ModuleSpec
from pyvorin.pipeline import make_context
from pyvorin.verify.verifier import verify_module

TARGET_SECONDS = 5.0

MODULE = """
def dot(xs: list[float], ys: list[float]) -> float:
    total = 0.0
    for i in range(min(len(xs), len(ys))):
        total += xs[i] * ys[i]
    return total


def poly(x: float, n: int) -> float:
    acc = 0.0
    for k in range(n % 16):
        acc = acc * x + 1.0
    return acc


def gcd(a: int, b: int) -> int:
    while b != 0:
        a, b = b, a % b
    return a


def clamp(x: float, lo: float, hi: float) -> float:
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


def count_positive(xs: list[int]) -> int:
    n = 0
    for x in xs:
        if x > 0:
            n += 1
    return n


def reverse_in_place(xs: list[int]) -> None:
    i = 0
    j = len(xs) - 1
    while i < j:
        xs[i], xs[j] = xs[j], xs[i]
        i += 1
        j -= 1


def minmax(xs: list[float]) -> tuple[float, float]:
    lo = 0.0
    hi = 0.0
    for x in xs:
        if x < lo:
            lo = x
        if x > hi:
            hi = x
    return (lo, hi)


def bits(n: int) -> int:
    c = 0
    while n > 0:
        c += n & 1
        n >>= 1
    return c


def is_sorted(xs: list[int]) -> bool:
    for i in range(1, len(xs)):
        if xs[i - 1] > xs[i]:
            return False
    return True


def mix(a: int, b: float, flag: bool) -> float:
    if flag:
        return a * 0.5 + b
    return b - a
"""


def build(root: Path, backend: str) -> tuple[object, ModuleSpec, CompileResult]:
    root.mkdir(parents=True, exist_ok=True)
    source = root / "bench_mod.py"
    source.write_text(MODULE, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["bench_mod.py"]\n[tool.pyvorin.verify]\nmin-inputs = 100\n',
        encoding="utf-8",
    )
    settings = load_settings(root)
    ctx = make_context(settings, root / "out")
    module = ModuleSpec("bench_mod", source.resolve())
    (root / "out").mkdir(exist_ok=True)
    if backend == "native":
        from pyvorin.compiler import compile_module

        work = root / "work"
        work.mkdir(exist_ok=True)
        compiled = compile_module(module, root / "out", workdir=work)
    else:
        artifact = root / "out" / "bench_mod.copy.py"
        shutil.copyfile(source, artifact)
        compiled = CompileResult(module, "copy", artifact)
    return ctx, module, compiled


def _clear_cache() -> None:
    from pyvorin.home import state_dir

    shutil.rmtree(state_dir("cache") / "verify", ignore_errors=True)


def measure(runs: int, backend: str) -> dict:
    samples = []
    with tempfile.TemporaryDirectory(prefix="pyvorin-verify-bench-") as tmp:
        ctx, module, compiled = build(Path(tmp), backend)
        for _ in range(runs):
            _clear_cache()
            result, report, stats = verify_module(ctx, module, compiled)
            cached_started = time.perf_counter()
            again, _, cached_stats = verify_module(ctx, module, compiled)
            cached_total = time.perf_counter() - cached_started
            if not again.passed or cached_stats.reused != len(report["functions"]):
                raise SystemExit("the unchanged module was not reused from the cache")
            if not result.passed:
                raise SystemExit(f"verification unexpectedly failed:\n{result.message}")
            calls = stats.cpython_call_seconds + stats.compiled_call_seconds
            samples.append(
                {
                    "total": stats.total_seconds,
                    "calls": calls,
                    "overhead": stats.total_seconds - calls,
                    "gather_inputs": stats.gather_seconds,
                    "workers_beyond_calls": stats.run_seconds - calls,
                    "compare_and_report": stats.total_seconds
                    - stats.gather_seconds
                    - stats.run_seconds,
                    "cached_total": cached_total,
                    "calls_run": stats.calls * 2,
                    "functions": len(report["functions"]),
                    "inputs_per_function": min(f["conclusive"] for f in report["functions"]),
                }
            )
    median = {
        key: statistics.median(s[key] for s in samples)
        for key in samples[0]
        if isinstance(samples[0][key], float)
    }
    return {
        "backend": backend,
        "runs": runs,
        "functions": samples[0]["functions"],
        "inputs_per_function_min": samples[0]["inputs_per_function"],
        "calls_run": samples[0]["calls_run"],
        "median_seconds": {k: round(v, 4) for k, v in median.items()},
        "target_overhead_seconds": TARGET_SECONDS,
        "meets_target": median["overhead"] < TARGET_SECONDS,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def measure_kernels(benchmarks: Path | None = None) -> dict:
    """Build the benchmark kernels twice through the CLI: cold cache, then unchanged."""
    import os
    import re
    import subprocess

    benchmarks = benchmarks or Path(__file__).resolve().parent
    result: dict = {"kernels": {}, "python": platform.python_version()}
    _clear_cache()
    with tempfile.TemporaryDirectory(prefix="pyvorin-kernels-bench-") as tmp:
        for phase in ("cold", "cached"):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "pyvorin", "build", str(benchmarks), "-o", tmp],
                capture_output=True, text=True, env=dict(os.environ), timeout=3600,
            )  # fmt: skip
            result[f"{phase}_build_seconds"] = round(time.perf_counter() - started, 2)
            result[f"{phase}_exit_code"] = proc.returncode
            for name, status, seconds in re.findall(
                r"^kernels\.(\w+): check .*?verify (ok|failed) ([0-9.]+)s", proc.stderr, re.M
            ):
                entry = result["kernels"].setdefault(name, {})
                entry[phase] = float(seconds)
                entry[f"{phase}_status"] = status
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--backend", choices=("native", "copy"), default="native")
    parser.add_argument("--kernels", action="store_true")
    options = parser.parse_args(argv)
    if options.kernels:
        kernels = measure_kernels()
        if options.json:
            print(json.dumps(kernels, indent=2))
        else:
            print("| kernel | verify cold (s) | verify cached (s) |\n|---|---|---|")
            for name, entry in kernels["kernels"].items():
                print(f"| {name} | {entry.get('cold', '-')} | {entry.get('cached', '-')} |")
            print(
                f"whole build: cold {kernels['cold_build_seconds']} s, "
                f"cached {kernels['cached_build_seconds']} s"
            )
        return 0
    result = measure(options.runs, options.backend)
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        m = result["median_seconds"]
        print(
            f"verify overhead ({result['backend']} backend, {result['functions']} functions x "
            f">= {result['inputs_per_function_min']} inputs, {result['calls_run']} calls, "
            f"median of {result['runs']}):"
        )
        print(f"  total {m['total']:.3f} s, calls themselves {m['calls']:.4f} s")
        print(f"  unchanged module again (all reused): {m['cached_total']:.3f} s")
        print(
            f"  overhead {m['overhead']:.3f} s (gathering inputs {m['gather_inputs']:.3f} s, "
            f"workers beyond the calls {m['workers_beyond_calls']:.3f} s, comparing and "
            f"report {m['compare_and_report']:.3f} s); target < {TARGET_SECONDS:g} s: "
            + ("met" if result["meets_target"] else "MISSED")
        )
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())

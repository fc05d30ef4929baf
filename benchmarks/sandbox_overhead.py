"""Sandbox overhead: worker start + teardown, against a plain subprocess, in one run.

    python benchmarks/sandbox_overhead.py [--runs 30] [--json]

For a trivial command (``/bin/true``) and a trivial Python worker (``python -c pass``),
measures the wall time of ``pyvorin.sandbox.run_command`` / ``run_python`` (every layer
this machine offers, with and without the audit-log write) and of ``subprocess.run`` of the
same command. Reports medians, 90th percentiles and the sandbox-minus-plain overhead;
the target is a median sandboxed start + teardown under 50 ms for the trivial command.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyvorin.sandbox import SandboxPolicy, probe, run_command, run_python

TARGET_MS = 50.0


def _time(fn, runs: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 2),
        "min_ms": round(ordered[0], 2),
    }


def measure(runs: int) -> dict:
    policy = SandboxPolicy()
    with tempfile.TemporaryDirectory(prefix="pyvorin-bench-") as tmp:
        work = Path(tmp)

        def sandboxed(argv, python=False, audit=False):
            def go():
                runner = run_python if python else run_command
                result = runner(argv, workdir=work, policy=policy, purpose="bench", audit=audit)
                assert result.returncode == 0, result.stderr

            return go

        def plain(argv):
            return lambda: subprocess.run(argv, cwd=work, check=True, capture_output=True)

        cases = {
            "true/plain-subprocess": plain(["/bin/true"]),
            "true/sandbox": sandboxed(["/bin/true"]),
            "true/sandbox+audit": sandboxed(["/bin/true"], audit=True),
            "python/plain-subprocess": plain([sys.executable, "-c", "pass"]),
            "python/sandbox": sandboxed(["-c", "pass"], python=True),
        }
        results = {name: _summary(_time(fn, runs)) for name, fn in cases.items()}
    for kind in ("true", "python"):
        base = results[f"{kind}/plain-subprocess"]["median_ms"]
        sand = results[f"{kind}/sandbox"]["median_ms"]
        results[f"{kind}/overhead"] = {
            "median_ms": round(sand - base, 2),
            "ratio": round(sand / base, 2) if base else None,
        }
    active = [layer.name for layer in probe() if layer.active]
    return {
        "runs": runs,
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "layers_active": active,
        "target_ms": TARGET_MS,
        "meets_target": results["true/sandbox"]["median_ms"] < TARGET_MS,
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = measure(args.runs)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"{data['machine']}, Python {data['python']}, {args.runs} runs each")
    print(f"layers active: {len(data['layers_active'])}: {', '.join(data['layers_active'])}")
    for name, row in data["results"].items():
        if "p90_ms" in row:
            print(f"  {name:<26} median {row['median_ms']:8.2f} ms   p90 {row['p90_ms']:8.2f} ms")
        else:
            print(f"  {name:<26} +{row['median_ms']:.2f} ms over plain (x{row['ratio']})")
    verdict = "meets" if data["meets_target"] else "MISSES"
    print(f"sandboxed /bin/true median {data['results']['true/sandbox']['median_ms']} ms "
          f"{verdict} the {TARGET_MS:.0f} ms target")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

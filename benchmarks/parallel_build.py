"""``pyvorin build benchmarks/ -j N`` against ``-j 1``: the speedup of parallel builds.

    python benchmarks/parallel_build.py [--jobs 2] [--runs 3] [--json]

Starts a local licence server on 127.0.0.1, activates a licensed home for it and makes
its signing key once; then, ``--runs`` times, builds the eight kernels with ``-j 1`` and
with ``-j N`` in turn (pairing keeps the ratio meaningful on a machine whose load
drifts). Every build is cold: a fresh copy of that home (no compile or verification
cache) and a fresh output directory. Reports the median wall seconds of each and the
median of the per-pair ratios, with the load average before and after (the
docs/performance.md figures were taken with ``farm-bench`` pairing the same two
commands). ``PYVORIN_ALLOW_PROJECT_WEAKENING=1`` is set for ``fannkuch``'s
``[exhaustive]`` declaration.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _build(home: Path, work: Path, jobs: int) -> float:
    run_home = Path(tempfile.mkdtemp(prefix="home-", dir=work))
    shutil.copytree(home, run_home, symlinks=True, dirs_exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
    env = dict(os.environ, PYVORIN_HOME=str(run_home), PYVORIN_ALLOW_PROJECT_WEAKENING="1")
    command = [sys.executable, "-m", "pyvorin", "build", str(HERE), "-o", str(out / "o")]
    started = time.monotonic()
    proc = subprocess.run(
        [*command, "-j", str(jobs), "-q"], env=env, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    shutil.rmtree(run_home, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    if proc.returncode != 0:
        sys.exit(f"-j {jobs}: exit {proc.returncode}\n{proc.stderr[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from pyvorin_server.local import LicenceServer, activate_into

    with tempfile.TemporaryDirectory(prefix="pyvorin-parallel-") as tmp:
        work = Path(tmp)
        home = work / "home"
        with LicenceServer(work / "server") as server:
            activate_into(home, server, licensee="bench", plan="enterprise", seats=1)
            seed = work / "seed"
            seed.mkdir()
            (seed / "z.py").write_text("def z(x: int) -> int:\n    return x + 1\n")
            (seed / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["z"]\n')
            made = subprocess.run(
                [sys.executable, "-m", "pyvorin", "build", str(seed), "-q"],
                env=dict(os.environ, PYVORIN_HOME=str(home)),
                capture_output=True,
                text=True,
            )  # makes the signing key once, so no run pays for it
            if made.returncode != 0:
                sys.exit(made.stderr)
            shutil.rmtree(home / "cache", ignore_errors=True)
            load_before = os.getloadavg()
            serial, parallel = [], []
            for _ in range(args.runs):
                serial.append(_build(home, work, 1))
                parallel.append(_build(home, work, args.jobs))
            load_after = os.getloadavg()
    ratios = [p / s for s, p in zip(serial, parallel, strict=True)]
    result = {
        "jobs": args.jobs,
        "runs": args.runs,
        "serial_wall_s": round(statistics.median(serial), 2),
        "parallel_wall_s": round(statistics.median(parallel), 2),
        "ratio": round(statistics.median(ratios), 3),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"-j 1: {result['serial_wall_s']} s, -j {args.jobs}: {result['parallel_wall_s']} s "
        f"(median of {args.runs}); -j {args.jobs} / -j 1 = {result['ratio']} pair by pair; "
        f"load {result['load_before']} -> {result['load_after']}, {result['cores']} cores"
    )


if __name__ == "__main__":
    main()

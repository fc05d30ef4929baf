"""Benchmark: what pyvorin-shadow-guard.pth costs every Python process of a venv.

    python benchmarks/startup_guard.py [--repeat 200] [--json] [--keep DIR]

Builds the pyvorin-runtime wheel from ``runtime/`` and installs it without dependencies
into a fresh venv (its ``.pth`` installs the import hook at start-up), beside a second
fresh venv without it. Then, alternating between the two so that the machine's load
hits both alike:

* ``python -c pass``: CPU time (user + system, from ``wait4``) and wall clock of the
  whole process, ``--repeat`` runs each;
* ``python -X importtime -c pass``: the self time of importing ``_pyvorin_guard``;
* importing 200 standard-library modules (the first 200 of
  ``sys.stdlib_module_names`` that import cleanly, with the modules they import),
  timed inside fresh interpreters, ``--repeat / 4`` runs each;
* in one interpreter of the runtime venv, a lookup through the hook against
  ``PathFinder`` alone: ``find_spec`` of those 200 names (found) and of 200 names that
  do not exist (a miss is looked up by the hook, then again by ``PathFinder``).

Reports medians (and the fastest run) in ms. Wall-clock numbers depend on the load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runtime_import import runtime_venv

SKIP = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "ensurepip"}
PROBE = (
    "import sys, json, io, contextlib\n"
    "ok = []\n"
    "for name in sorted(sys.stdlib_module_names):\n"
    "    if name.startswith('_') or name in SKIP or len(ok) == 200:\n"
    "        continue\n"
    "    try:\n"
    "        with contextlib.redirect_stdout(io.StringIO()):\n"
    "            __import__(name)\n"
    "    except Exception:\n"
    "        continue\n"
    "    ok.append(name)\n"
    "print(json.dumps(ok))\n"
)
IMPORT_MANY = (
    "import sys, time\n"
    "names = sys.argv[1].split(',')\n"
    "before = len(sys.modules)\n"
    "t = time.perf_counter()\n"
    "for name in names:\n"
    "    __import__(name)\n"
    "print((time.perf_counter() - t) * 1000, len(sys.modules) - before)\n"
)
LOOKUPS = (
    "import sys, time, _pyvorin_guard as g\n"
    "found = sys.argv[1].split(',')\n"
    "missing = ['pyvorin_no_such_module_%d' % i for i in range(len(found))]\n"
    "P = g.PathFinder\n"
    "def best(finder, names):\n"
    "    times = []\n"
    "    for _ in range(25):\n"
    "        t = time.perf_counter()\n"
    "        for name in names:\n"
    "            finder.find_spec(name)\n"
    "        times.append(time.perf_counter() - t)\n"
    "    return min(times) * 1000\n"
    "# a miss goes through the hook, then through PathFinder again\n"
    "print(best(P, found), best(g.ShadowGuard, found), best(P, missing),\n"
    "      best(g.ShadowGuard, missing) + best(P, missing))\n"
)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def _run(python: Path, *args: str, env: dict[str, str]) -> tuple[float, float]:
    """(CPU ms, wall ms) of one process ``python ARGS`` (its output discarded)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
        started = time.perf_counter()
        pid = os.posix_spawn(str(python), [str(python), *args], env, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = (time.perf_counter() - started) * 1000
    finally:
        os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{python} {' '.join(args)} failed")
    return (usage.ru_utime + usage.ru_stime) * 1000, wall


def _output(python: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(python), *args], capture_output=True, text=True, env=env, check=True, timeout=300
    )
    return proc.stdout + proc.stderr


def _guard_import_us(python: Path, env: dict[str, str]) -> float:
    """Self time (µs) of importing _pyvorin_guard, from ``-X importtime``."""
    for line in _output(python, "-X", "importtime", "-c", "pass", env=env).splitlines():
        if line.rstrip().endswith("_pyvorin_guard"):
            return float(line.split(":")[1].split("|")[0])
    raise SystemExit("_pyvorin_guard was not imported at start-up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    args = parser.parse_args()

    # pip must not take runtime/src on PYTHONPATH (with an in-tree build's egg-info) for an
    # installed runtime; the venvs run without any PYTHON* variable
    os.environ.pop("PYTHONPATH", None)
    work = args.keep or Path(tempfile.mkdtemp(prefix="pyvorin-pth-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        guarded = runtime_venv(work)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", work / "bare"], check=True)
        bare = work / "bare" / "bin" / "python"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        hooked = "ShadowGuard" in _output(
            guarded, "-c", "import sys; print(sys.meta_path)", env=env
        )
        if not hooked or "ShadowGuard" in _output(
            bare, "-c", "import sys; print(sys.meta_path)", env=env
        ):
            raise SystemExit("the hook is not installed in exactly the runtime venv")

        names = json.loads(
            _output(bare, "-W", "ignore", "-c", f"SKIP = {SKIP!r}\n" + PROBE, env=env)
        )
        joined = ",".join(names)
        start = {"bare": ([], []), "guarded": ([], [])}
        many = {"bare": [], "guarded": []}
        loaded = 0
        for run in range(args.repeat):
            for label, python in (("bare", bare), ("guarded", guarded)):
                cpu, wall = _run(python, "-c", "pass", env=env)
                start[label][0].append(cpu)
                start[label][1].append(wall)
                if run % 4 == 0:
                    ms, loaded = _output(
                        python, "-W", "ignore", "-c", IMPORT_MANY, joined, env=env
                    ).split()[:2]
                    many[label].append(float(ms))
        importtime = [_guard_import_us(guarded, env) for _ in range(min(args.repeat, 50))]
        lookups = [float(x) for x in _output(guarded, "-c", LOOKUPS, joined, env=env).split()]

        report = {
            "python": sys.version.split()[0],
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "repeat": args.repeat,
            "startup_cpu_ms": {k: _median(v[0]) for k, v in start.items()},
            "startup_cpu_min_ms": {k: round(min(v[0]), 3) for k, v in start.items()},
            "startup_wall_ms": {k: _median(v[1]) for k, v in start.items()},
            "startup_wall_min_ms": {k: round(min(v[1]), 3) for k, v in start.items()},
            "guard_import_self_us": {"median": _median(importtime), "min": min(importtime)},
            "import_200_stdlib_ms": {k: _median(v) for k, v in many.items()},
            "import_200_stdlib_min_ms": {k: round(min(v), 3) for k, v in many.items()},
            "modules_loaded_by_those_imports": int(loaded),
            "find_spec_200_found_ms": {"PathFinder": lookups[0], "ShadowGuard": lookups[1]},
            "find_spec_200_missing_ms": {"PathFinder": lookups[2], "with the hook": lookups[3]},
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()

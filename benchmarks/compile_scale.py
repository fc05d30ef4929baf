"""Compile time and module size: one C unit (before) vs split units in parallel (after),
with mypyc on the very same modules, in one run.

    python benchmarks/compile_scale.py [--sizes 10,50,200,1000] [--no-mypyc]
                                       [--before-cpu-seconds N] [--json FILE]

For each size N it writes a module of N ten-line typed functions (each calls the one
before it, so the call graph is one chain and calls cross unit boundaries), then:

- **before**: the module as ONE C translation unit (``ModuleGen(split=False)``, the only
  form before this change), compiled by one ``cc`` in the sandbox with the default limits
  (``[tool.pyvorin.sandbox]`` defaults: 60 s CPU per process, 600 s wall). A limit hit is
  recorded as such (exit 7). ``--before-cpu-seconds N`` raises the CPU limit to get the
  time it would have needed.
- **after**: the module as ``compile_module`` now cuts it (several units when large),
  compiled by the parallel driver in the sandbox with the default limits and the default
  number of jobs (the available cores).
- **mypyc**: ``mypyc scaleN.py`` (its defaults: one C module, opt level 3), unsandboxed.

Every build is checked by importing it and comparing one call with CPython. Reported per
size: wall and CPU seconds (CPU includes the compiler's child processes), milliseconds of
wall time per function, and the growth of that per-function time relative to the smallest
size (1.0 = linear). Frontend + C generation time is reported separately.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyvorin import __version__
from pyvorin.compiler import frontend, ncodegen, toolchain
from pyvorin.errors import SandboxLimitError
from pyvorin.sandbox import SandboxPolicy, tool_runner


def function_source(i: int) -> str:
    call = f"f{i - 1}(n // 2, x)" if i else "1.0"
    return (
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


def module_source(n: int) -> str:
    return "\n\n".join(function_source(i) for i in range(n))


def _load(path: Path, name: str):
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def _check(artifact: Path, name: str, n: int, expected: float) -> None:
    got = getattr(_load(artifact, name), f"f{n - 1}")(40, 1.5)
    if got.hex() != expected.hex():
        raise SystemExit(f"{artifact}: f{n - 1}(40, 1.5) = {got!r}, CPython says {expected!r}")


def _sandboxed_build(c_units, leaf, work, out, tc, policy, jobs=None) -> dict:
    reports: list[dict] = []
    runner = tool_runner(policy, f"compilation of {leaf}", reports)
    started = time.perf_counter()
    try:
        info = toolchain.build(c_units, leaf, work, out, tc, runner, jobs=jobs)
    except SandboxLimitError as exc:
        return {"ok": False, "wall": time.perf_counter() - started, "error": str(exc)}
    wall = time.perf_counter() - started
    result = {
        "ok": True,
        "wall": wall,
        "cpu": reports[-1]["cpu_seconds"] if reports else None,
        "units": info.units,
        "jobs": info.jobs,
    }
    if info.unit_cpu:  # several units: what each compiler process used, and the ideal wall
        unit_cpu = {u: s for u, s in info.unit_cpu.items() if u != "link"}
        result["max_unit_cpu"] = max(unit_cpu.values())
        result["idle_wall"] = ideal_wall(list(unit_cpu.values()), info.jobs) + info.unit_cpu.get(
            "link", 0.0
        )
    return result


def ideal_wall(cpu_seconds: list[float], jobs: int) -> float:
    """The makespan of the units' measured CPU times on ``jobs`` idle cores, largest first
    (as the driver orders them): the wall time the build needs when nothing else runs."""
    lanes = [0.0] * max(1, jobs)
    for seconds in sorted(cpu_seconds, reverse=True):
        lanes[lanes.index(min(lanes))] += seconds
    return max(lanes)


def _mypyc(src: Path, n: int, expected: float) -> dict:
    work = Path(tempfile.mkdtemp(prefix="pyvorin-scale-mypyc-"))
    try:
        shutil.copyfile(src, work / src.name)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "mypyc", src.name], cwd=work, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            return {"ok": False, "wall": wall, "error": (proc.stdout + proc.stderr)[-500:]}
        built = next(p for p in work.glob(f"{src.stem}.*") if p.suffix in (".so", ".pyd"))
        sys.path.insert(0, str(work))  # the module imports mypyc's shared runtime library
        try:
            _check(built, src.stem, n, expected)
        finally:
            sys.path.remove(str(work))
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return {"ok": True, "wall": wall, "cpu": round(cpu, 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    tc = toolchain.find_toolchain(toolchain.default_run_command)
    try:
        from mypy.version import __version__ as mypy_version
    except ImportError:
        mypy_version = None
    return {
        "cpu": model,
        "cores": toolchain.default_jobs(),
        "load_average": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "cc": tc.identity,
        "mypy": mypy_version,
        "pyvorin": __version__,
    }


def measure(
    sizes: list[int], with_mypyc: bool, before_cpu: int | None, wall: int | None = None
) -> dict:
    tc = toolchain.find_toolchain(toolchain.default_run_command)
    # the defaults of [tool.pyvorin.sandbox] (a raised wall clock only when asked for)
    policy = SandboxPolicy(wall_seconds=wall) if wall else SandboxPolicy()
    before_policy = policy
    if before_cpu:
        before_policy = SandboxPolicy(cpu_seconds=before_cpu, wall_seconds=policy.wall_seconds)
    rows = []
    facts = machine()
    tmp = Path(tempfile.mkdtemp(prefix="pyvorin-scale-"))
    try:
        for n in sizes:
            leaf = f"scale{n}"
            src = tmp / f"{leaf}.py"
            src.write_text(module_source(n))
            namespace: dict = {}
            exec(compile(src.read_text(), str(src), "exec"), namespace)
            expected = namespace[f"f{n - 1}"](40, 1.5)
            started = time.perf_counter()
            mod, diags = frontend.analyse_file(src, leaf)
            assert mod is not None, diags
            split_units = ncodegen.ModuleGen(mod, leaf).generate_units()
            gen_seconds = time.perf_counter() - started
            one_unit = ncodegen.ModuleGen(mod, leaf, split=False).generate_units()
            row: dict = {
                "functions": n,
                "c_lines": sum(t.count("\n") for _, t in one_unit),
                "codegen_seconds": round(gen_seconds, 2),
            }
            print(f"[{n} functions] before (one unit)...", file=sys.stderr, flush=True)
            out = tmp / "before" / f"{leaf}.so"
            row["before"] = _sandboxed_build(one_unit, leaf, tmp / "w", out, tc, before_policy, 1)
            if row["before"]["ok"]:
                _check(out, leaf, n, expected)
            print(f"[{n} functions] after (units, parallel)...", file=sys.stderr, flush=True)
            out = tmp / "after" / f"{leaf}.so"
            row["after"] = _sandboxed_build(split_units, leaf, tmp / "w", out, tc, policy)
            if row["after"]["ok"]:
                _check(out, leaf, n, expected)
            if with_mypyc:
                print(f"[{n} functions] mypyc...", file=sys.stderr, flush=True)
                row["mypyc"] = _mypyc(src, n, expected)
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    facts["load_average_end"] = os.getloadavg()
    return {"machine": facts, "sandbox": policy.limits(), "rows": rows}


def _cell(entry: dict | None, n: int, base: float | None) -> list[str]:
    """wall s, CPU s, CPU ms per function, growth of that per-function CPU time."""
    if entry is None:
        return ["-", "-", "-", "-"]
    if not entry["ok"]:
        limit = entry["error"].split(" hit ")[0]
        return [f"{limit} hit after {entry['wall']:.0f} s (exit 7)", "-", "-", "-"]
    per_fn = entry["cpu"] / n * 1000
    growth = f"{per_fn / base:.2f}" if base else "1.00"
    return [f"{entry['wall']:.1f}", f"{entry['cpu']:.1f}", f"{per_fn:.0f}", growth]


def report(data: dict) -> str:
    m = data["machine"]
    lines = [
        f"machine: {m['cpu']}, {m['cores']} cores usable; load average at start "
        f"{m['load_average'][0]:.1f}, at end {m['load_average_end'][0]:.1f}",
        f"python {m['python']}, {m['cc']}, mypy {m['mypy']}, pyvorin {m['pyvorin']}",
        "",
        "| functions | C lines | frontend + C s "
        "| before: wall s | CPU s | CPU ms/fn | growth "
        "| after: units | wall s | CPU s | CPU ms/fn | growth | largest unit CPU s | idle wall s "
        "| mypyc: wall s | CPU s | CPU ms/fn | growth |",
        "|" + "---:|" * 18,
    ]
    bases: dict[str, float | None] = {"before": None, "after": None, "mypyc": None}
    for row in data["rows"]:
        n = row["functions"]
        cells = [str(n), f"{row['c_lines']:,}", f"{row['codegen_seconds']:.1f}"]
        for key in ("before", "after", "mypyc"):
            entry = row.get(key)
            if key == "after":
                cells.append(str((entry or {}).get("units", "-")))
            cells += _cell(entry, n, bases[key])
            if key == "after":
                for extra in ("max_unit_cpu", "idle_wall"):
                    value = (entry or {}).get(extra)
                    cells.append(f"{value:.1f}" if value is not None else "-")
            if entry and entry["ok"] and entry.get("cpu") and bases[key] is None:
                bases[key] = entry["cpu"] / n * 1000
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200,1000")
    parser.add_argument("--no-mypyc", action="store_true")
    parser.add_argument("--before-cpu-seconds", type=int, default=None)
    parser.add_argument(
        "--wall-seconds", type=int, default=None, help="raise the sandbox's wall-clock limit"
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    with_mypyc = not args.no_mypyc and importlib.util.find_spec("mypyc") is not None
    data = measure(sizes, with_mypyc, args.before_cpu_seconds, args.wall_seconds)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2))
    print(report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())

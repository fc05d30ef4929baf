"""Benchmark: the first import of a compiled module in a venv that has only pyvorin-runtime.

    python benchmarks/runtime_import.py [--repeat 21] [--json] [--keep DIR]

Compiles a small module with the whole pipeline (``pyvorin compile``: licence, sandboxed
compile, verification, signing; licensed by a local licence server on 127.0.0.1 in a
private home unless ``--licensed-home`` says the current ``PYVORIN_HOME`` already holds
a licence), builds the ``pyvorin-runtime`` wheel from ``runtime/`` and installs it,
without dependencies, into a fresh virtual environment. Then, in fresh interpreters of
that venv, it times the first ``import kern`` of the compiled module (loader stub ->
manifest and signature check -> sealed copy -> dlopen) against ``import kern`` of the
same source as plain Python (byte-compiled beforehand), both measured inside the
interpreter, and the whole ``python -c "import kern"`` process. Reports medians (ms),
the Ed25519 implementation used, what the runtime imported, and the install size of
the runtime and of its one declared dependency (cryptography, with cffi).
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
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE = '''"""A small kernel for the runtime import benchmark."""


def mix(n: int) -> int:
    total = 0
    for i in range(n):
        total = (total * 31 + i) % 1000003
    return total
'''
TIMED = (
    "import time, sys\n"
    "t, c = time.perf_counter(), time.process_time()\n"
    "import kern\n"
    "elapsed, cpu = time.perf_counter() - t, time.process_time() - c\n"
    "import json\n"
    "print(json.dumps({'ms': elapsed * 1000, 'cpu_ms': cpu * 1000, 'mix': kern.mix(1000),\n"
    "  'file': kern.__file__,\n"
    "  'modules': sorted(m for m in sys.modules if m.split('.')[0] in\n"
    "    ('pyvorin', 'pyvorin_runtime', 'cryptography', 'cffi', 'ctypes'))}))\n"
)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def _tree_bytes(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def installed_bytes(distribution: str) -> int:
    """Bytes on disk of an installed distribution (its RECORD), 0 when not installed."""
    try:
        dist = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return 0
    total = 0
    for file in dist.files or []:
        path = Path(dist.locate_file(file))
        if path.is_file():
            total += path.stat().st_size
    return total


def compile_module(work: Path, licensed_home: bool) -> Path:
    """``pyvorin compile kern.py -o out`` under a licence; returns ``out``."""
    src = work / "src"
    src.mkdir()
    (src / "kern.py").write_text(SOURCE)
    (src / "pyproject.toml").write_text("[tool.pyvorin]\nmodules = ['kern']\n")
    out = work / "out"
    env = dict(os.environ)
    server = None
    if not licensed_home:
        from pyvorin_server.local import LicenceServer, activate_into

        home = work / "home"
        server = LicenceServer(work / "licence-server").start()
        activate_into(home, server, licensee="runtime benchmark", plan="team", seats=1, days=1)
        env["PYVORIN_HOME"] = str(home)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pyvorin", "compile", "kern.py", "-o", str(out)],
            cwd=src,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode == 0:  # the publisher's public key, for the end user to trust
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pyvorin",
                    "keys",
                    "export-public",
                    "--output",
                    str(work / "publisher.pem"),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
    finally:
        if server is not None:
            server.stop()
    if proc.returncode != 0:
        raise SystemExit(f"pyvorin compile failed ({proc.returncode}):\n{proc.stderr}")
    return out


def runtime_venv(work: Path) -> Path:
    """A fresh venv with only the pyvorin-runtime wheel (no dependencies); its python."""
    wheels = work / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(REPO / "runtime"),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = wheels.glob("pyvorin_runtime-*.whl")
    venv = work / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return python


def measure(python: Path, cwd: Path, repeat: int, env: dict[str, str]) -> dict:
    inside, cpu, whole, last = [], [], [], {}
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.run(
            [str(python), "-c", TIMED], cwd=cwd, env=env, capture_output=True, text=True
        )
        whole.append((time.perf_counter() - started) * 1000)
        if proc.returncode != 0:
            raise SystemExit(f"import kern failed in {cwd}:\n{proc.stderr}")
        last = json.loads(proc.stdout)
        inside.append(last["ms"])
        cpu.append(last["cpu_ms"])
    return {
        "import_ms": _median(inside),
        "import_min_ms": round(min(inside), 2),
        "import_cpu_ms": _median(cpu),
        "process_ms": _median(whole),
        "process_min_ms": round(min(whole), 2),
        "last": last,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--keep", type=Path, help="work in DIR and keep it")
    parser.add_argument(
        "--licensed-home", action="store_true", help="PYVORIN_HOME already holds a licence"
    )
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="pyvorin-rt-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        out = compile_module(work, args.licensed_home)
        python = runtime_venv(work)
        source_dir = work / "src"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        # an end user: a home of their own that trusts the publisher's key (strict trust)
        env["PYVORIN_HOME"] = str(work / "end-user-home")
        env["PYVORIN_TRUSTED_KEYS"] = str(work / "publisher.pem")
        subprocess.run(
            [str(python), "-m", "compileall", "-q", str(source_dir / "kern.py")], check=True
        )
        measure(python, out, 2, env)  # warm the page cache
        compiled = measure(python, out, args.repeat, env)
        plain = measure(python, source_dir, args.repeat, env)
        site = Path(
            subprocess.run(
                [str(python), "-c", "import pyvorin_runtime, os; print(pyvorin_runtime.__file__)"],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            ).stdout.strip()
        ).parent.parent
        runtime_bytes = _tree_bytes(
            [site / "pyvorin_runtime", *site.glob("pyvorin_runtime-*.dist-info")]
        )
        backend = subprocess.run(
            [str(python), "-c", "import pyvorin_runtime.ed25519 as e; print(e.backend())"],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.strip()
        report = {
            "python": sys.version.split()[0],
            "repeat": args.repeat,
            "ed25519_backend": backend,
            "compiled_import_ms": compiled["import_ms"],
            "source_import_ms": plain["import_ms"],
            "import_overhead_ms": round(compiled["import_ms"] - plain["import_ms"], 2),
            "compiled_import_min_ms": compiled["import_min_ms"],
            "source_import_min_ms": plain["import_min_ms"],
            "import_overhead_min_ms": round(compiled["import_min_ms"] - plain["import_min_ms"], 2),
            "compiled_import_cpu_ms": compiled["import_cpu_ms"],
            "source_import_cpu_ms": plain["import_cpu_ms"],
            "compiled_process_min_ms": compiled["process_min_ms"],
            "source_process_min_ms": plain["process_min_ms"],
            "load_average": os.getloadavg()[0],
            "compiled_process_ms": compiled["process_ms"],
            "source_process_ms": plain["process_ms"],
            "process_overhead_ms": round(compiled["process_ms"] - plain["process_ms"], 2),
            "target_overhead_ms": 10.0,
            "compiled_file": compiled["last"]["file"],
            "results_equal": compiled["last"]["mix"] == plain["last"]["mix"],
            "modules_after_compiled_import": compiled["last"]["modules"],
            "runtime_install_bytes": runtime_bytes,
            "cryptography_install_bytes": installed_bytes("cryptography")
            + installed_bytes("cffi")
            + installed_bytes("pycparser"),
            "venv": str(python.parent.parent),
            "compiled_dir": str(out),
        }
        report["within_target"] = report["import_overhead_ms"] <= report["target_overhead_ms"]
        report["within_target_min"] = (
            report["import_overhead_min_ms"] <= report["target_overhead_ms"]
        )
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"fresh venv with only pyvorin-runtime; {args.repeat} runs each (medians)")
            print(f"  Ed25519 through:                    {backend}")
            print(f"  first import of the compiled module: {report['compiled_import_ms']} ms")
            print(f"  import of the same .py:              {report['source_import_ms']} ms")
            print(f"  difference:                          {report['import_overhead_ms']} ms")
            print(
                f"  fastest runs (min), compiled vs .py: {report['compiled_import_min_ms']} ms vs "
                f"{report['source_import_min_ms']} ms"
            )
            print(
                f"  CPU time (median), compiled vs .py:  {report['compiled_import_cpu_ms']} ms vs "
                f"{report['source_import_cpu_ms']} ms"
            )
            print(f"  load average during the run:         {report['load_average']:.1f}")
            print(
                f"  whole process, compiled vs .py:      {report['compiled_process_ms']} ms vs "
                f"{report['source_process_ms']} ms"
            )
            print(f"  pyvorin-runtime installed:           {runtime_bytes / 1024:.0f} KiB")
            print(
                "  cryptography + cffi + pycparser:     "
                f"{report['cryptography_install_bytes'] / 1024 / 1024:.1f} MiB"
            )
            verdict = "within" if report["within_target"] else "OVER"
            print(f"  target: within {report['target_overhead_ms']} ms of the .py: {verdict}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: what verify-before-load costs when importing a 1 MB compiled module.

Builds a real CPython extension padded to the requested size with the system C compiler,
signs it with the built-in sign stage (in a throw-away ``PYVORIN_HOME``), then measures:

* ``check``: :func:`pyvorin_runtime.loader.verify_for_import` - read the manifest and binary once,
  SHA-256 of the binary, Ed25519 signature, trust store and revocation lookup, stub hash;
* ``check+copy``: the above plus writing the verified bytes into a sealed memfd (what
  is loaded);
* ``import``: ``import pkg.big`` through the loader stub in a fresh interpreter, timed
  inside that interpreter after ``pyvorin_runtime`` and its Ed25519 binding are loaded
  (so the check, copy and ``dlopen``), against importing the same binary directly without
  any check (the baseline: the unverified ``dlopen``);
* ``cold``: the one-off cost of importing ``pyvorin_runtime`` + binding Ed25519.

Reports medians (ms). Usage::

    python benchmarks/import_check.py [--size-mb 1] [--repeat 50] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

C_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
__attribute__((used)) static const char padding[PAD] = {1, 2, 3, 4, 5, 6, 7, 8};
static PyObject *pad_size(PyObject *self, PyObject *args) {
    return PyLong_FromSsize_t((Py_ssize_t)sizeof(padding) + padding[PAD - 1]);
}
static PyMethodDef methods[] = {{"pad_size", pad_size, METH_NOARGS, ""}, {NULL}};
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "pkg.big", NULL, -1, methods};
PyMODINIT_FUNC PyInit_big(void) { return PyModule_Create(&def); }
"""


def build(dest: Path, size: int) -> None:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        sys.exit("import_check: no C compiler (cc/gcc) found")
    source = dest.with_suffix(".c")
    source.write_text(C_SOURCE.replace("PAD", str(size)))
    include = sysconfig.get_paths()["include"]
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O1", f"-I{include}", str(source), "-o", str(dest)], check=True
    )
    source.unlink()


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="pyvorin-bench-"))
    os.environ["PYVORIN_HOME"] = str(work / "home")
    for name in ("PYVORIN_SIGNING_KEY", "PYVORIN_HMAC_KEY", "PYVORIN_TRUSTED_KEYS"):
        os.environ.pop(name, None)
    try:
        from pyvorin.artifacts import binary_path, loader_path
        from pyvorin.config import load_settings
        from pyvorin.model import CompileResult, LicenceDecision, ModuleSpec, VerificationResult
        from pyvorin.pipeline import make_context
        from pyvorin_runtime.loader import _private_copy, verify_for_import

        out = work / "out"
        binary = binary_path(out, "pkg.big")
        binary.parent.mkdir(parents=True)
        (out / "pkg" / "__init__.py").write_text("")
        build(binary, int(args.size_mb * 1024 * 1024))
        project = work / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text("[tool.pyvorin]\n")
        source = project / "big.py"
        source.write_text("def pad_size() -> int:\n    return 0\n")
        ctx = make_context(load_settings(project), out, progress=lambda m: None)
        # a synthetic binary, signed only to time the import check; no licence involved
        ctx.licence = LicenceDecision(True, "import-check benchmark (synthetic artifact)")
        compiled = CompileResult(ModuleSpec("pkg.big", source), "native", binary)
        # the loader refuses an artifact without a passed verification record
        record = VerificationResult(True, {"result": "passed", "verifier": "import-check bench"})
        ctx.hook.pyvorin_sign(
            ctx=ctx, module=compiled.module, compiled=compiled, verification=record
        )
        stub = str(loader_path(out, "pkg.big"))
        size = binary.stat().st_size

        verify_for_import("pkg.big", stub)  # warm the page cache and lazy imports
        check, copy = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            data, _, _ = verify_for_import("pkg.big", stub)
            middle = time.perf_counter()
            _, fd, _ = _private_copy(data, binary.name)
            ended = time.perf_counter()
            if fd is not None:
                os.close(fd)
            check.append(middle - started)
            copy.append(ended - started)

        timed_import = (
            "import time, sys, pyvorin_runtime, pyvorin_runtime.ed25519 as e\n"
            "e.backend()\n"
            "t = time.perf_counter()\n"
            "{stmt}\n"
            "print(time.perf_counter() - t)\n"
        )
        verified_stmt = "import pkg.big"
        direct_stmt = (
            "import importlib.machinery, importlib.util\n"
            f"l = importlib.machinery.ExtensionFileLoader('pkg.big', {str(binary)!r})\n"
            "s = importlib.util.spec_from_file_location('pkg.big', l.path, loader=l)\n"
            "m = importlib.util.module_from_spec(s); l.exec_module(m)"
        )
        runs = max(5, min(args.repeat, 15))
        imports: dict[str, list[float]] = {"verified": [], "unverified": []}
        for _ in range(runs):
            for label, stmt in (("verified", verified_stmt), ("unverified", direct_stmt)):
                proc = subprocess.run(
                    [sys.executable, "-c", timed_import.format(stmt=stmt)],
                    cwd=out,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                imports[label].append(float(proc.stdout.strip().splitlines()[-1]))
        cold = []
        for _ in range(runs):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import time; t = time.perf_counter(); import pyvorin_runtime, "
                    "pyvorin_runtime.ed25519 as e; e.backend(); "
                    "print(time.perf_counter() - t)",
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            cold.append(float(proc.stdout.strip()))

        report = {
            "artifact_bytes": size,
            "repeat": args.repeat,
            "check_ms": median_ms(check),
            "check_and_copy_ms": median_ms(copy),
            "import_verified_ms": median_ms(imports["verified"]),
            "import_unverified_ms": median_ms(imports["unverified"]),
            "import_overhead_ms": round(
                median_ms(imports["verified"]) - median_ms(imports["unverified"]), 3
            ),
            "cold_runtime_import_ms": median_ms(cold),
            "target_ms": 5.0,
        }
        report["within_target"] = report["check_and_copy_ms"] < report["target_ms"]
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            print(f"artifact: {size} bytes, {args.repeat} runs (medians)")
            print(f"  check (read + sha256 + Ed25519 + trust): {report['check_ms']} ms")
            print(f"  check + sealed private copy:             {report['check_and_copy_ms']} ms")
            print(f"  import via verifying loader:             {report['import_verified_ms']} ms")
            print(f"  import of the same binary, unverified:   {report['import_unverified_ms']} ms")
            print(
                f"  one-off import of the runtime + Ed25519: {report['cold_runtime_import_ms']} ms"
            )
            verdict = "within" if report["within_target"] else "OVER"
            print(f"  target < {report['target_ms']} ms for the check: {verdict}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

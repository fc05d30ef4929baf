"""Building a str with ``+=`` (and ``s = s + c``): CPython vs generic tier vs native tier.

    python benchmarks/str_append_bench.py [--repeat 7]

The same loop is compiled three ways in this process: the generic tier (an unannotated
module), the generic tier *before* the in-place append (the ``+=`` lowered to the plain
PyNumber_InPlaceAdd, by turning the IR builder's choice off), and the native tier (the
same functions annotated ``str``: a module the native tier takes whole). Each time is the
best of ``--repeat`` rounds, the variants interleaved in every round; docs/performance.md
records the results.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import sys
import tempfile
import textwrap
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pyvorin.compiler.irbuild import statements  # noqa: E402
from tests.compiler.harness import compile_and_load, load_python  # noqa: E402

GENERIC = """
def build(text):
    out = ""
    for c in text:
        out += c
    return out


def build_plus(text):
    out = ""
    for c in text:
        out = out + c
    return out
"""
NATIVE = """
def build(text: str) -> str:
    out: str = ""
    for c in text:
        out += c
    return out


def build_plus(text: str) -> str:
    out: str = ""
    for c in text:
        out = out + c
    return out
"""


class _Factory:
    """What compile_and_load needs of pytest's tmp_path_factory."""

    def __init__(self, root: Path):
        self.root = root

    def getbasetemp(self) -> Path:
        return self.root


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "strbench_generic.py").write_text(textwrap.dedent(GENERIC))
        (root / "strbench_before.py").write_text(textwrap.dedent(GENERIC))
        (root / "strbench_native.py").write_text(textwrap.dedent(NATIVE))
        factory = _Factory(root)
        variants = {"cpython": load_python(root / "strbench_generic.py", "strbench_py")}
        variants["generic"] = compile_and_load(
            root / "strbench_generic.py", "strbench_generic", factory
        )
        choice = statements._may_append_str
        statements._may_append_str = lambda value: False  # the plain lowering
        try:
            variants["before"] = compile_and_load(
                root / "strbench_before.py", "strbench_before", factory
            )
        finally:
            statements._may_append_str = choice
        variants["native"] = compile_and_load(
            root / "strbench_native.py", "strbench_native", factory
        )
        for k in ("generic", "before"):
            variants[k].build("abc")
            appends = ctypes.CDLL(variants[k].__file__).pyvorin_str_appends
            appends.restype, appends.argtypes = ctypes.c_longlong, [ctypes.c_int]
            assert (appends(0) > 0) == (k == "generic"), (k, appends(0))
        print(
            f"CPython {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} CPUs, {platform.platform()}"
        )
        for n in (10**4, 10**5):
            text = "".join(chr(97 + i % 26) for i in range(n))
            number = max(1, 200_000 // n)
            for fn in ("build", "build_plus"):
                calls = {k: getattr(m, fn) for k, m in variants.items()}
                for f in calls.values():
                    assert f(text) == text
                best = dict.fromkeys(calls, float("inf"))
                for _ in range(opts.repeat):
                    for k, f in calls.items():
                        t = timeit.timeit(lambda f=f, s=text: f(s), number=number) / number
                        best[k] = min(best[k], t)
                cells = "  ".join(f"{k} {v * 1e3:9.3f} ms" for k, v in best.items())
                print(
                    f"n={n:>6} {fn:10s} {cells}  generic/native "
                    f"{best['generic'] / best['native']:.2f}  before/generic "
                    f"{best['before'] / best['generic']:.1f}  cpython/generic "
                    f"{best['cpython'] / best['generic']:.2f}"
                )


if __name__ == "__main__":
    main()

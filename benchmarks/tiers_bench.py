"""Per-function native versions in generic-tier modules: time before/after vs CPython.

    python benchmarks/tiers_bench.py [--repeat 7]

For each case, the same source is compiled twice in this process (``after``: as the
compiler does now, the typed functions with a native version; ``before``: with the
per-function selection emptied, i.e. the whole module in the generic tier, as before
per-function tiering), and loaded next to the source run by CPython. Each measurement is
the best of ``--repeat`` runs of the call, the three variants interleaved in every round
so that load on the machine hits them alike; the ratios are CPython time / compiled time
(higher is faster). docs/performance.md records the results.
"""

from __future__ import annotations

import argparse
import platform
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "corpus" / "support"))  # `benchmarking`, imported

from pyvorin.compiler import tiering  # noqa: E402
from tests.compiler.harness import compile_and_load, load_python  # noqa: E402

CORPUS = REPO / "tests" / "corpus" / "files"
TIERS = REPO / "tests" / "compiler" / "generic" / "tiers.py"


def spectral(m):
    u = [1] * 130
    for _ in range(2):
        v = m.eval_AtA_times_u(u)
        u = m.eval_AtA_times_u(v)
    return u


def sieve(m):
    return m.prime_sieve(200_000)


def heap(m):
    return m.heap_sort([(i * 7919) % 10007 for i in range(20_000)])


def shell(m):
    return m.shell_sort([(i * 7919) % 10007 for i in range(20_000)])


def nbody(m):
    m.advance(0.01, 2_000)


CASES = [
    (
        "mypycb_spectral_norm.py: eval_AtA_times_u x4 (eval_A native)",
        CORPUS / "mypycb_spectral_norm.py",
        spectral,
    ),
    (
        "algo_sieve_of_eratosthenes.py: prime_sieve(200000)",
        CORPUS / "algo_sieve_of_eratosthenes.py",
        sieve,
    ),
    ("algo_heap_sort.py: heap_sort(20000 ints)", CORPUS / "algo_heap_sort.py", heap),
    ("algo_shell_sort.py: shell_sort(20000 ints)", CORPUS / "algo_shell_sort.py", shell),
    ("pyperf_nbody.py: advance(0.01, 2000)", CORPUS / "pyperf_nbody.py", nbody),
    ("tests/compiler/generic/tiers.py: kernel(200000)", TIERS, lambda m: m.kernel(200_000)),
    ("tests/compiler/generic/tiers.py: fib(24)", TIERS, lambda m: m.fib(24)),
    (
        "tests/compiler/generic/tiers.py: hypot(3.0, 4.0) x100000 (boundary cost)",
        TIERS,
        lambda m: [m.hypot(3.0, 4.0) for _ in range(100_000)],
    ),
]


def _without_native(*args, **kwargs):
    part = _select(*args, **kwargs)
    part.module.functions = []
    part.deps = {}
    return part


_select = tiering.select_functions


def build(source: Path, native: bool, root: Path):
    tiering.select_functions = _select if native else _without_native
    try:
        tag = "after" if native else "before"
        return compile_and_load(source, source.stem, root / tag / "out", root / tag / "cache")
    finally:
        tiering.select_functions = _select


def once(fn, module) -> float:
    start = time.perf_counter()
    fn(module)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(
        f"CPython {platform.python_version()} on {platform.machine()}, "
        f"{platform.platform()}; CC {sysconfig.get_config_var('CC')}"
    )
    print("| case | CPython s | before s | after s | before x | after x |")
    print("|---|---|---|---|---|---|")
    built: dict[Path, tuple] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, source, fn in CASES:
            if source not in built:
                root = Path(tmp) / source.stem
                py = load_python(source, source.stem + "_py")
                before = build(source, False, root)
                after = build(source, True, root)
                built[source] = (py, before, after)
            mods = built[source]
            times = [float("inf")] * 3
            for _ in range(args.repeat):
                for i, m in enumerate(mods):
                    times[i] = min(times[i], once(fn, m))
            py_t, before_t, after_t = times
            print(
                f"| {label} | {py_t:.4f} | {before_t:.4f} | {after_t:.4f} | "
                f"{py_t / before_t:.2f} | {py_t / after_t:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

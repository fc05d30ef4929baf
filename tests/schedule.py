"""The order of the collected tests under ``pytest -n N --dist worksteal``: longest first.

pytest-xdist's ``worksteal`` scheduler gives worker *i* the *i*-th contiguous slice of the
collection (``N // workers`` tests each, in collection order); a worker that runs out
steals the tail of another's queue. A long test near the end of a slice therefore starts
late, often in the last minutes of the run, while the other workers idle: the wall time is
then its start time plus its length, not the total CPU time divided by the cores.

:func:`order` moves the modules holding ``slow`` tests (the long end-to-end ones, whose
CPU seconds ``tests/cputime.py`` measures) to the **front** of the slices: the heaviest
module first to the lightest slice (longest-processing-time first), heaviest first within
a slice; a module's tests stay together and in their order (module-scoped fixtures run
once per worker). The other tests fill the slices in collection order; slices keep their
sizes, so the workers' slices are exactly those the scheduler cuts. Only the order
changes: every test runs, under the same fixtures. Without xdist (``-n 0``) the
collection order is kept.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

# CPU seconds of a module's slow tests, measured with tests/cputime.py (2 cores, Dec 2026);
# a module with slow tests not listed here counts DEFAULT_SLOW_SECONDS per slow test.
MODULE_SECONDS = {
    "tests/mutation/test_mutation_suite.py": 290.0,
    "tests/mypyc_run/test_mypyc_run.py": 265.0,
    "tests/corpus/test_corpus.py": 450.0,
    "tests/verify/test_benchmark_kernels.py": 35.0,
}
DEFAULT_SLOW_SECONDS = 10.0


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::", 1)[0]


def slices(total: int, workers: int) -> list[int]:
    """The slice sizes xdist's worksteal scheduler cuts (``remaining // workers left``)."""
    sizes, remaining = [], total
    for left in range(workers, 0, -1):
        sizes.append(remaining // left)
        remaining -= sizes[-1]
    return sizes


def order(items: Sequence[pytest.Item], workers: int) -> list[pytest.Item]:
    """``items`` reordered for ``workers`` worksteal workers (see the module docstring)."""
    if workers < 2:
        return list(items)
    by_module: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_module.setdefault(_module(item), []).append(item)
    weights = {}
    for module, tests in by_module.items():
        slow = sum(1 for t in tests if t.get_closest_marker("slow") is not None)
        if slow:
            weights[module] = MODULE_SECONDS.get(module, DEFAULT_SLOW_SECONDS * slow)
    sizes = slices(len(items), workers)
    load = [0.0] * workers
    count = [0] * workers
    heavy: list[list[str]] = [[] for _ in range(workers)]
    for module in sorted(weights, key=lambda m: -weights[m]):
        fits = [w for w in range(workers) if count[w] + len(by_module[module]) <= sizes[w]]
        if not fits:
            continue  # stays in the collection order with the light tests
        target = min(fits, key=lambda w: load[w])
        heavy[target].append(module)
        load[target] += weights[module]
        count[target] += len(by_module[module])
    placed = {m for modules in heavy for m in modules}
    rest = iter([item for item in items if _module(item) not in placed])
    result: list[pytest.Item] = []
    for worker in range(workers):
        front = [t for m in heavy[worker] for t in by_module[m]]  # heaviest first
        result += front
        result += [next(rest) for _ in range(sizes[worker] - len(front))]
    assert len(result) == len(items)
    return result


def workers(config: pytest.Config) -> int:
    """The number of xdist workers of this run (0 outside an xdist worker). The slices are
    worksteal's, pyproject's ``--dist``; under another scheduler the long modules still
    come first. (A worker cannot tell: xdist sets its own ``dist`` option to ``no``.)"""
    workerinput = getattr(config, "workerinput", None)
    return 0 if workerinput is None else int(workerinput.get("workercount", 0))


# workers per core for ``-n auto`` when the slow tests are deselected (see auto_workers),
# and at most this many more workers than cores (each worker starts its own licence server
# and PostgreSQL cluster: on a large machine more would cost more than they fill)
FAST_WORKERS_PER_CORE = 2
FAST_EXTRA_WORKERS_MAX = 8


def slow_deselected(markexpr: str) -> bool:
    """Whether ``-m markexpr`` is README command 2's ``not slow`` (spacing aside)."""
    return " ".join(markexpr.split()) == "not slow"


def auto_workers(markexpr: str, environ: dict[str, str] | os._Environ[str]) -> int | None:
    """``-n auto``'s worker count, or None for xdist's own (one per core).

    The tests left by ``-m "not slow"`` wait more than they compute: a server process
    answering, a throwaway PostgreSQL, a sandbox's wall limit, verification workers
    started and stopped. Measured with tests/cputime.py on 2 cores, they used 726 CPU s
    in 645 s of wall time: the workers were busy with tests 620 s each, and a test
    computed only 58 % of that time. Two workers per core fill the waits. The slow tests
    (verification and ``gcc -O2``) keep one worker per core: they compute nearly all the
    time, and their verification budgets are wall-clock seconds, which more processes
    than cores would only stretch. At most FAST_EXTRA_WORKERS_MAX workers more than
    cores. PYTEST_XDIST_AUTO_NUM_WORKERS (xdist's own setting) still decides when set.
    """
    if environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or not slow_deselected(markexpr):
        return None
    cores = len(os.sched_getaffinity(0))
    return min(FAST_WORKERS_PER_CORE * cores, cores + FAST_EXTRA_WORKERS_MAX)

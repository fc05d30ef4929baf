"""The benchmark runner behind ``pyvorin bench``.

Each kernel is a plain typed Python module (``benchmarks/kernels/*.py``) with an entry
function ``main(n)`` and two module-level int constants, ``BENCH_SIZE`` and
``QUICK_SIZE``. Every contender (CPython, Pyvorin, and mypyc and Cython when they are
installed) is built from the *same* source file in a temporary directory before any timing
starts. Timing then uses one harness for all of them: every run is a fresh interpreter
process that loads the module from its file, calls ``main(n)`` once under
``time.perf_counter`` and reports the elapsed time and the result. Rounds are interleaved
(CPython, Pyvorin, mypyc, Cython, then again), so a noisy neighbour slows every contender
alike, and each contender's time is the median of its runs.

Every result is compared with CPython's by type and value (floats bit for bit). A contender
that returns something else is reported as ``wrong result`` and is not timed further.

Layout: :mod:`.kernels` (finding and checking kernels), :mod:`.contenders` (building a
kernel with CPython, Pyvorin, mypyc, Cython), :mod:`.runner` (timing and comparing),
:mod:`.environment` (the machine), :mod:`.render` (text and JSON reports), :mod:`.common`
(statuses and defaults).
"""

from __future__ import annotations

from .common import (
    BUILD_FAILED,
    DEFAULT_TIMEOUT,
    ENTRY,
    ERROR,
    MIN_REPEAT,
    NOT_INSTALLED,
    OK,
    REJECTED,
    UNAVAILABLE,
    WRONG,
    format_seconds,
)
from .contenders import (
    CONTENDER_NAMES,
    BuildFailed,
    Contender,
    CPython,
    Cython,
    Mypyc,
    Pyvorin,
    default_contenders,
)
from .environment import environment_info
from .kernels import (
    Kernel,
    KernelError,
    default_kernels_dir,
    discover_kernels,
    load_kernel,
    select_kernels,
)
from .render import render_json, render_text
from .runner import (
    WORKER,
    BenchReport,
    KernelResult,
    Outcome,
    RunFailed,
    Sample,
    run_bench,
    run_once,
)

__all__ = [
    "BUILD_FAILED",
    "CONTENDER_NAMES",
    "DEFAULT_TIMEOUT",
    "ENTRY",
    "ERROR",
    "MIN_REPEAT",
    "NOT_INSTALLED",
    "OK",
    "REJECTED",
    "UNAVAILABLE",
    "WORKER",
    "WRONG",
    "BenchReport",
    "BuildFailed",
    "CPython",
    "Contender",
    "Cython",
    "Kernel",
    "KernelError",
    "KernelResult",
    "Mypyc",
    "Outcome",
    "Pyvorin",
    "RunFailed",
    "Sample",
    "default_contenders",
    "default_kernels_dir",
    "discover_kernels",
    "environment_info",
    "format_seconds",
    "load_kernel",
    "render_json",
    "render_text",
    "run_bench",
    "run_once",
    "select_kernels",
]

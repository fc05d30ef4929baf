"""The memory a leak test counts: tracemalloc's traced blocks, less pytest-xdist's own.

``tracemalloc.get_traced_memory()`` counts every thread. Under xdist a worker's execnet
thread receives the controller's messages while a test runs (with ``--dist worksteal``,
new work arrives as lists of test indices, about 100 KiB for a few thousand), and those
objects were counted as the compiled code's growth: a leak test failed once with 97,601
bytes between its two readings. :func:`traced_bytes` sums the traced blocks whose
allocating frame is not in execnet or xdist. What compiled code allocates has no Python
frame of its own and is charged to its caller's line (the test), so it is still counted.
Call it while tracemalloc is tracing, as ``get_traced_memory()[0]`` was.
"""

from __future__ import annotations

import tracemalloc

_OTHERS = (
    tracemalloc.Filter(False, "*/execnet/*"),
    tracemalloc.Filter(False, "*/xdist/*"),
)


def traced_bytes() -> int:
    """Bytes in traced blocks allocated outside execnet and xdist (see the module)."""
    snapshot = tracemalloc.take_snapshot().filter_traces(_OTHERS)
    return sum(stat.size for stat in snapshot.statistics("filename"))

"""Deep recursion in compiled code (tests/compiler/test_deep_recursion.py)."""

import sys
import threading


def depth(n):
    if n == 0:
        return 0
    return 1 + depth(n - 1)


def chain(n):
    if n == 0:
        yield 0
        return
    yield from chain(n - 1)


def under_limit(limit, n):
    """depth(n) with the recursion limit set to ``limit``: a number or the error's type."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        return depth(n)
    except RecursionError as exc:
        return type(exc).__name__
    finally:
        sys.setrecursionlimit(old)


def in_thread(stack_size, limit, n):
    """under_limit in a thread with a small C stack."""
    result = []
    old = threading.stack_size(stack_size)
    try:
        worker = threading.Thread(target=lambda: result.append(under_limit(limit, n)))
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old)
    return result[0]

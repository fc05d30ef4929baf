"""Deep recursion in compiled code (tests/compiler/test_deep_recursion.py)."""

import functools
import io
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


# Recursions through calls of builtins. On 3.11 a call of a builtin counts a level of the
# recursion limit unless the warm interpreter's specialised call skips it (pv_call in
# pv_generic.h); test_deep_recursion.py compares the deepest n that returns.


class Items(list):
    pass


def min_of_generator(n):
    # min (METH_VARARGS) counts a level; the generator's frame another
    return 0 if n == 0 else min(min_of_generator(k) for k in range(n - 1, n)) + 1


def sum_of_generator(n):
    # sum (METH_FASTCALL | METH_KEYWORDS) counts none when specialised
    return 0 if n == 0 else sum(sum_of_generator(k) for k in (n - 1,)) + 1


def sorted_key(n):
    # sorted counts none; the list.sort it calls does, and the key lambda's frame
    if n == 0:
        return 0
    return sorted([n], key=lambda k: sorted_key(k - 1))[0] - n + 1 + sorted_key(0)


_memo: dict = {}


def memoised_min(n):
    if n in _memo:
        return _memo[n]
    r = 0 if n == 0 else min(memoised_min(n - 1) + 1, 10**9)
    _memo[n] = r
    return r


def matrix_chain(n):
    """matrix_chain_order's recursion: a cached function, min over a generator."""
    dims = [1] + [2] * (n + 1)

    @functools.cache
    def dp(i, j):
        if i == j:
            return 0
        return min(dp(i, k) + dp(k + 1, j) + dims[i - 1] * dims[k] * dims[j] for k in range(i, j))

    return dp(1, n + 1)


def _leaf(call):
    """A recursion of depth n whose deepest frame makes ``call``."""

    def f(n, xs, items, d, out):
        if n == 0:
            call(xs, items, d, out, n)
            return 0
        return f(n - 1, xs, items, d, out) + 1

    return f


LEAVES = {
    # not counted by the warm 3.11 interpreter (specialised calls):
    "len": lambda xs, items, d, out, n: len(xs),
    "isinstance": lambda xs, items, d, out, n: isinstance(n, int),
    "list_index": lambda xs, items, d, out, n: xs.index(0),
    "dict_get": lambda xs, items, d, out, n: d.get(n),
    "str": lambda xs, items, d, out, n: str(n),
    "print_end": lambda xs, items, d, out, n: print("(", end=" ", file=out),
    # counted:
    "abs": lambda xs, items, d, out, n: abs(n),
    "append_unbound": lambda xs, items, d, out, n: list.append(xs, n),
    "subclass_index": lambda xs, items, d, out, n: items.index(0),
    "sort_keyword": lambda xs, items, d, out, n: xs.sort(key=None),
    "str_join": lambda xs, items, d, out, n: "".join(()),
}


def _append(xs, items, d, out, n):
    xs.append(n)  # a statement: 3.11 specialises list.append only where the result is popped


def _append_subclass(xs, items, d, out, n):
    items.append(n)


def _append_value(xs, items, d, out, n):
    return xs.append(n)


LEAVES["list_append"] = _append
LEAVES["subclass_append"] = _append_subclass
LEAVES["append_value"] = _append_value


def _leaf_call(name):
    return lambda n: _leaf(LEAVES[name])(n, [0, 1], Items([0]), {1: 2}, io.StringIO())


def print_parenthesised(out, i, j):
    """print_optimal_solution of TheAlgorithms' matrix_chain_order.py on a bad input: it
    recurses without end, printing before each call."""
    if i == j:
        print("A" + str(i), end=" ", file=out)
    else:
        print("(", end=" ", file=out)
        print_parenthesised(out, i, j)


def printed_until_recursion_error(limit):
    out = io.StringIO()
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        print_parenthesised(out, 0, 1)
    except RecursionError as exc:
        return str(exc).startswith("maximum recursion depth exceeded"), len(out.getvalue())
    finally:
        sys.setrecursionlimit(old)
    return None


def deepest(name, limit):
    """The largest n for which case ``name`` returns under ``limit`` (RecursionError from
    n + 1 on, with CPython's message prefix), and the value it returns there."""
    fn = globals()[name] if name in globals() else _leaf_call(name)
    best = None
    old = sys.getrecursionlimit()
    for n in range(limit):
        _memo.clear()
        sys.setrecursionlimit(limit)
        try:
            value = fn(n)
        except RecursionError as exc:
            assert str(exc).startswith("maximum recursion depth exceeded"), exc
            return best
        finally:
            sys.setrecursionlimit(old)
        best = (n, value)
    return best

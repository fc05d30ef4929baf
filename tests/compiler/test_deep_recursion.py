"""Deep recursion in compiled generic-tier code: the interpreter's recursion limit applies as
to Python frames, and a recursion deeper than the C stack can hold raises RecursionError
instead of crashing the process (CPython 3.11+ keeps Python frames off the C stack, so
``sys.setrecursionlimit(10**6)`` and a 200,000-deep recursion run there; compiled frames are
C frames and used to overflow the stack with a segmentation fault)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .harness import python_and_compiled

SOURCE = Path(__file__).parent / "generic" / "recursion.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    return python_and_compiled(tmp_path_factory, SOURCE)


@pytest.mark.parametrize(("limit", "n"), [(200, 150), (200, 250), (5000, 4000)])
def test_the_recursion_limit_applies_as_in_cpython(modules, limit, n) -> None:
    py, native = modules
    assert native.under_limit(limit, n) == py.under_limit(limit, n)


RUN_DEEP = textwrap.dedent(
    """
    import importlib.machinery, importlib.util, sys
    path, name, what = sys.argv[1:4]
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    if what == "function":
        print(module.under_limit(10**6, 200_000))
    elif what == "generator":
        sys.setrecursionlimit(10**6)
        try:
            print(list(module.chain(100_000)))
        except RecursionError as exc:
            print(type(exc).__name__)
    else:
        print(module.in_thread(512 * 1024, 10**6, 100_000))
    print(module.under_limit(1000, 100))  # the interpreter is still usable afterwards
    """
)


@pytest.mark.parametrize("what", ["function", "generator", "thread"])
def test_a_recursion_deeper_than_the_c_stack_raises_instead_of_crashing(modules, what) -> None:
    _, native = modules
    proc = subprocess.run(
        [sys.executable, "-c", RUN_DEEP, native.__file__, native.__name__, what],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stdout.split() == ["RecursionError", "100"]


# A recursion through calls of builtins: as deep compiled as interpreted. On 3.11 the warm
# interpreter's specialised calls of some builtins count no level of the recursion limit
# where their vectorcall does (pv_call in pv_generic.h); compiled code skips the same ones.
THROUGH_BUILTINS = [
    "min_of_generator",
    "sum_of_generator",
    "sorted_key",
    "memoised_min",
    "matrix_chain",
    "len",
    "isinstance",
    "list_append",
    "subclass_append",
    "list_index",
    "dict_get",
    "str",
    "print_end",
    "abs",
    "append_unbound",
    "append_value",
    "subclass_index",
    "sort_keyword",
    "str_join",
]


@pytest.mark.parametrize("case", THROUGH_BUILTINS)
def test_a_recursion_through_builtins_is_as_deep_as_in_cpython(modules, case) -> None:
    py, native = modules
    expected = py.deepest(case, 200)
    assert expected is not None
    assert native.deepest(case, 200) == expected


def test_the_specialised_calls_count_no_level_in_cpython(modules) -> None:
    """The cases above differ: CPython 3.11 counts abs(n) (METH_O) and not len(xs)."""
    py, _ = modules
    extra = 1 if sys.version_info[:2] == (3, 11) else 0
    assert py.deepest("len", 200)[0] == py.deepest("abs", 200)[0] + extra


@pytest.mark.parametrize("limit", [100, 200, 1000])
def test_an_endless_recursion_printing_stops_where_cpython_stops(modules, limit) -> None:
    """TheAlgorithms' print_optimal_solution on a bad input: the same output before the
    same RecursionError."""
    py, native = modules
    assert native.printed_until_recursion_error(limit) == py.printed_until_recursion_error(limit)

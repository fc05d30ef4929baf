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

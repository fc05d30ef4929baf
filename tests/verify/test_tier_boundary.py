"""The verifier calls CPython with what each tier's compiled code really sees.

The native tier converts at its call boundary (an ``int`` for a ``float`` parameter is
read as the float, docs/subset.md), so CPython is called with the converted value. The
generic tier converts nothing, like the interpreter: CPython must get the arguments
exactly as given, or a correct generic-tier module is reported as differing (an int
result where CPython, handed a float, returned a float).
"""

from __future__ import annotations

from pathlib import Path

from pyvorin.compiler import compile_module
from pyvorin.verify.running import converts_at_boundary
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, make_context, make_project

SOURCE = """\
def scaled(base: float, times: int) -> float:
    result: int | float = 1
    for _ in range(times):
        result = result * base
    return result


def keys(table):
    return sorted(table)  # unannotated: the module goes to the generic tier
"""

NATIVE_SOURCE = """\
def scaled(base: float, times: int) -> float:
    result = 1.0
    for _ in range(times):
        result = result * base
    return result
"""


def _verify(root: Path, source: str):
    module = make_project(root, source=source, min_inputs=30)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    result, report, _ = verify_module(ctx, module, compiled)
    return compiled, result, report


def test_generic_tier_gets_int_arguments_for_float_parameters_unchanged(tmp_path: Path):
    compiled, result, report = _verify(tmp_path / "p", SOURCE)
    assert compiled.facts["tier"] == "generic"
    assert not converts_at_boundary(compiled)
    assert result.passed, result.message
    [scaled] = [f for f in report["functions"] if f["name"] == "scaled"]
    assert scaled["result"] == "passed" and scaled["conclusive"] >= 30


def test_native_tier_conversion_is_still_what_cpython_is_called_with(tmp_path: Path):
    compiled, result, _ = _verify(tmp_path / "p", NATIVE_SOURCE)
    assert compiled.facts["tier"] == "native"
    assert converts_at_boundary(compiled)  # scaled(3, 2) is compared with CPython's scaled(3.0, 2)
    assert result.passed, result.message


def test_examples_of_a_function_declared_interpreted_are_not_an_error(tmp_path: Path):
    """A project declares a function interpreted that its examples file still lists (it had
    examples before): its examples are not run, and they do not stop the verification."""
    import dataclasses

    root = tmp_path / "p"
    source = NATIVE_SOURCE + "\n\ndef elapsed(n: int) -> float:\n    return n * 0.5\n"
    examples = '"kernels:elapsed" = [{ args = [1] }]\n"kernels:scaled" = [{ args = [2.0, 3] }]\n'
    module = make_project(root, source=source, min_inputs=30, examples=examples)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    compiled = dataclasses.replace(compiled, interpreted=["elapsed"])
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    assert [f["name"] for f in report["functions"]] == ["scaled"]
    assert report["interpreted"] == [{"name": "elapsed", "result": "interpreted (declared)"}]

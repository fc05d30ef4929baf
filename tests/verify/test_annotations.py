"""Annotations the generator follows: bare containers, aliases, abstract types, dicts, unions.

Each form gets values of its type (the generic tier does not enforce annotations, but the
generator follows them); dict inputs round-trip exactly through the tagged encoding; an
annotation the verifier cannot generate (a class, ``Callable``) stays ``unknown`` with
the existing message.
"""

from __future__ import annotations

import ast
import math
import textwrap
from pathlib import Path

import pytest

from pyvorin.verify.generate import generate
from pyvorin.verify.signature import TypeSpec, coerce, parse_annotation, parse_functions
from pyvorin.verify.values import ValueFormatError, decode, dumps, encode, key, show

HEADER = """
import collections.abc
import typing
from typing import Callable, Dict, Iterable, List, Optional, Sequence, TypeAlias, Union

Matrix = list[list[int]]
Grid: TypeAlias = list[list[float]]
Names = "dict[str, int]"
SIZE = 9
"""


def _param_types(tmp_path: Path, signature: str) -> list[TypeSpec]:
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(HEADER) + f"\n\ndef f({signature}):\n    return 0\n")
    (function,) = parse_functions("mod", path)
    return [p.type for p in function.params]


@pytest.mark.parametrize(
    ("annotation", "expected"),
    [
        ("list", "list[any]"),
        ("tuple", "tuple[any, ...]"),
        ("dict", "dict[any, any]"),
        ("List", "list[any]"),
        ("typing.Dict", "dict[any, any]"),
        ("Matrix", "list[list[int]]"),
        ("Grid", "list[list[float]]"),
        ("Sequence[int]", "list[int]"),
        ("Iterable[int]", "list[int]"),
        ("collections.abc.Sequence[float]", "list[float]"),
        ("typing.Mapping[str, int]", "dict[str, int]"),
        ("dict[str, int]", "dict[str, int]"),
        ("Dict[str, List[int]]", "dict[str, list[int]]"),
        ("str", "str"),
        ("Optional[int]", "int | None"),
        ("int | None", "int | None"),
        ("Union[int, str, None]", "int | str | None"),
        ("'Matrix | None'", "list[list[int]] | None"),
        ("Optional[typing.Any]", "any"),
        ("Callable", "Callable"),  # the module's functions and a few builtins, by name
        ("Callable[[int], int]", "Callable"),
        ("Widget", "unknown"),  # a class from elsewhere
        ("SIZE", "unknown"),  # a module constant is not a type alias
    ],
)
def test_annotation_forms(tmp_path: Path, annotation: str, expected: str):
    (spec,) = _param_types(tmp_path, f"x: {annotation}")
    assert str(spec) == expected
    assert spec.generatable == (expected != "unknown")


def test_an_alias_cycle_is_unknown_not_a_crash():
    tree = ast.parse("A = list[B]\nB = list[A]\n")
    from pyvorin.verify.signature import type_aliases

    spec = parse_annotation(ast.parse("A", mode="eval").body, type_aliases(tree))
    assert not spec.generatable


def _values(tmp_path: Path, annotation: str, count: int = 60) -> list:
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(HEADER) + f"\n\ndef f(x: {annotation}):\n    return 0\n")
    (function,) = parse_functions("mod", path)
    cases = generate(function, count, seed=1)
    assert len(cases) >= count
    return [case.args[0] if case.args else case.kwargs["x"] for case in cases]


def test_generated_values_follow_the_annotation(tmp_path: Path):
    matrices = _values(tmp_path, "Matrix")
    assert all(type(m) is list and all(type(r) is list for r in m) for m in matrices)
    assert all(type(v) is int for m in matrices for r in m for v in r)
    assert any(len(m) >= 3 and all(len(r) >= 1 for r in m) for m in matrices)

    sequences = _values(tmp_path, "Sequence[int]")
    assert all(type(s) is list and all(isinstance(v, int) for v in s) for s in sequences)

    bare = _values(tmp_path, "list")
    assert all(type(v) is list for v in bare)
    assert {type(item) for v in bare for item in v} >= {int, float, str}

    tuples = _values(tmp_path, "tuple")
    assert all(isinstance(v, tuple) for v in tuples)

    strings = _values(tmp_path, "str")
    assert all(type(v) is str for v in strings) and "" in strings

    optional = _values(tmp_path, "Optional[int]")
    assert None in optional
    assert all(v is None or isinstance(v, int) for v in optional)
    assert sum(type(v) is int for v in optional) > len(optional) // 2

    union = _values(tmp_path, "int | str | None")
    assert {type(v) for v in union} >= {int, str, type(None)}


def test_generated_dicts_follow_the_annotation(tmp_path: Path):
    dicts = _values(tmp_path, "dict[str, int]")
    assert all(type(d) is dict for d in dicts)
    assert all(type(k) is str and isinstance(v, int) for d in dicts for k, v in d.items())
    assert {} in dicts
    assert any(len(d) >= 3 for d in dicts)
    assert any(len(d) == 1 for d in dicts)
    anything = _values(tmp_path, "dict")
    assert all(type(d) is dict for d in anything)
    assert {type(k) for d in anything for k in d} >= {int, str}
    for d in dicts + anything:
        assert coerce(d, parse_annotation(ast.parse("dict", mode="eval").body)) == d


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"a": 1, "b": -(2**70)},
        {2: "x", 1: "y"},  # insertion order is kept, not sorted
        {-0.0: [1.5, -0.0], 0.5: (1, None)},
        {math.nan: 1, (1, "a"): {"inner": True}},
        {None: False, True: 2},
    ],
)
def test_dict_inputs_round_trip_exactly(value: dict):
    encoded = encode(value)
    decoded = decode(encoded)
    assert type(decoded) is dict
    assert list(map(key, decoded)) == list(map(key, value))
    assert dumps(encode(decoded)) == dumps(encoded)
    assert show(decoded) == show(value)


def test_show_of_a_dict_input():
    assert show({"a": 1, -0.0: [2.5]}) == "{'a': 1, -0.0: [2.5]}"
    assert show({"n": float("nan")}) == "{'n': nan}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"dict": [[{"list": []}, None]]}, "unhashable"),
        ({"dict": [[{"int": "1"}, None], [{"int": "1"}, True]]}, "given twice"),
        ({"dict": [[{"int": "1"}]]}, "expected [key, value]"),
    ],
)
def test_malformed_dicts_are_refused(data, message):
    with pytest.raises(ValueFormatError, match=message.replace("[", r"\[")):
        decode(data)


IS_SAFE = """
Matrix = list[list[int]]


def is_safe(grid: Matrix, row: int, column: int, n: int) -> bool:
    for i in range(9):
        if n in {grid[row][i], grid[i][column]}:
            return False
    for i in range(3):
        for j in range(3):
            if grid[(row - row % 3) + i][(column - column % 3) + j] == n:
                return False
    return True
"""


def test_a_corpus_like_function_over_a_matrix_alias_verifies(verify_run):
    result, report, _ = verify_run(source=IS_SAFE, min_inputs=100)
    (function,) = report["functions"]
    assert function["signature"] == "is_safe(grid: list[list[int]], row: int, column: int, n: int)"
    assert function["conclusive"] >= function["required"] == 100
    assert function["inputs"]["generated"] >= 100
    assert result.passed, result.message


def test_dict_examples_and_recorded_dicts(tmp_path: Path):
    from pyvorin.errors import ConfigError
    from pyvorin.verify.examples import from_toml
    from pyvorin.verify.recorder import _recordable

    value = from_toml({"dict": [["b", 2], [{"int": "1"}, [1.5]]]}, "here")
    assert value == {"b": 2, 1: [1.5]} and list(value) == ["b", 1]
    with pytest.raises(ConfigError, match="given twice"):
        from_toml({"dict": [["a", 1], ["a", 2]]}, "here")
    with pytest.raises(ConfigError, match="unhashable"):
        from_toml({"dict": [[[1], 2]]}, "here")
    assert _recordable({"a": [1, 2.5], (1, "x"): None})
    assert not _recordable({"a": object()})

"""Objects as inputs: instances of the module's own classes and callables (verify/objects.py).

A function that takes an instance of its module's class gets generated instances, built
by calling the class with generated ``__init__`` arguments on each side from its own
module; results and mutated arguments that are instances are compared by type and
attributes, recursively. A callable parameter gets the module's functions by name.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pyvorin.errors import ConfigError
from pyvorin.verify import generate
from pyvorin.verify.signature import parse_functions
from pyvorin.verify.values import Construct, Ref, decode, dumps, encode, show_encoded

SHAPES = """\
from typing import Callable


class Vec:
    def __init__(self, x: float, y: float) -> None:
        self.x = x
        self.y = y

    def scaled(self, k: float) -> "Vec":
        return Vec(self.x * k, self.y * k)


class Box:
    def __init__(self, low: Vec, high: Vec, label: str = "box") -> None:
        self.low = low
        self.high = high
        self.label = label


def area(box: Box) -> float:
    return (box.high.x - box.low.x) * (box.high.y - box.low.y)


def grow(v: Vec, k: float) -> Vec:
    return v.scaled(k)


def keep(v: Vec) -> Vec:
    return v


def shift(v, d: float) -> None:
    v.x = v.x + d


def double(n: int) -> int:
    return 2 * n


def apply(f: Callable[[int], int], n: int) -> int:
    return f(n)
"""


def _functions(tmp_path: Path, source: str = SHAPES) -> dict:
    path = tmp_path / "kernels.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return {f.name: f for f in parse_functions("kernels", path)}


def _verify(verify_run, mutations=(), **project):
    result, report, _ = verify_run(mutations, source=SHAPES, min_inputs=30, **project)
    return result, {f["name"]: f for f in report["functions"]}


def test_parameters_of_the_modules_classes_and_callables_get_recipes(tmp_path: Path):
    functions = _functions(tmp_path)
    assert str(functions["area"].params[0].type) == "Box"
    assert str(functions["apply"].params[0].type) == "Callable"
    # unannotated, but the body uses .x on it: Vec is the one class with an attribute x
    assert str(functions["shift"].params[0].type) == "Vec | any"
    boxes = [(*c.args, *c.kwargs.values())[0] for c in generate.generate(functions["area"], 30, 0)]
    assert all(type(b) is Construct and b.target == "kernels:Box" for b in boxes)
    nested = boxes[0].args[0]
    assert type(nested) is Construct and nested.target == "kernels:Vec"
    assert any(len(b.args) == 2 for b in boxes)  # the default label left out too
    refs = {(*c.args, *c.kwargs.values())[0] for c in generate.generate(functions["apply"], 30, 0)}
    assert Ref("kernels:double") in refs and Ref("builtins:abs") in refs
    # the same description on every build: seeded like every other input
    again = [c.key for c in generate.generate(functions["area"], 30, seed=0)]
    assert again == [c.key for c in generate.generate(functions["area"], 30, seed=0)]


def test_a_function_of_an_instance_verifies_on_generated_instances(verify_run):
    result, entries = _verify(verify_run)
    assert result.passed, result.message
    for name in ("area", "grow", "keep", "shift", "apply"):
        assert entries[name]["result"] == "passed", entries[name]
        assert entries[name]["inputs"]["generated"] >= 30, entries[name]
        assert "by_coverage" not in entries[name]


def test_a_miscompiled_method_reached_only_through_an_instance_is_caught(verify_run):
    # Vec.scaled is no top-level function: only grow's generated Vec instances reach it
    result, entries = _verify(
        verify_run, [("Vec(self.x * k, self.y * k)", "Vec(self.x * k, self.y)")]
    )
    assert not result.passed
    grow = entries["grow"]
    assert grow["result"] == "mismatch"
    finding = grow["findings"][0]
    assert "kernels.Vec(" in finding["input"]["call"]
    assert finding["differences"][0]["what"] == "return value"
    assert "kernels.Vec object" in finding["differences"][0]["cpython"]
    # shrunk by the recipe's constructor arguments: still a Vec, smaller numbers
    shrunk = finding["shrunk"]
    assert "kernels.Vec(" in shrunk["input"]["call"] and shrunk["candidates_tried"] > 0


def test_a_mutated_instance_argument_is_compared_by_its_attributes(verify_run):
    result, entries = _verify(verify_run, [("v.x = v.x + d", "v.x = v.x - d")])
    assert not result.passed
    whats = {d["what"] for f in entries["shift"]["findings"] for d in f["differences"]}
    assert "argument mutation" in whats


def test_returning_a_copy_of_an_instance_argument_is_caught(verify_run):
    # equal attributes, but CPython returns the argument itself: identity is compared
    result, entries = _verify(verify_run, [("    return v\n", "    return Vec(v.x, v.y)\n")])
    assert not result.passed
    differences = entries["keep"]["findings"][0]["differences"]
    assert [d["what"] for d in differences] == ["result identity"]
    assert differences[0]["cpython"] == "result is argument 0"


def test_a_miscompiled_callee_passed_as_a_callable_is_caught_and_named(verify_run):
    # double's own inputs catch it too; apply's findings name the callable it was given
    result, entries = _verify(verify_run, [("return 2 * n", "return n + n + 1")])
    assert not result.passed
    calls = [f["input"]["call"] for f in entries["apply"]["findings"]]
    assert calls and all("kernels.double" in call for call in calls)


class _Node:
    def __init__(self, value: float) -> None:
        self.value = value
        self.next: _Node | None = None


def test_structure_tells_apart_one_nested_float_bit():
    a, b = _Node(1.0), _Node(1.0)
    a.next, b.next = _Node(0.1), _Node(0.1)
    assert dumps(encode(a)) == dumps(encode(b))
    b.next.value = 0.30000000000000004 - 0.2  # one ulp away from 0.1
    assert b.next.value != 0.1
    assert dumps(encode(a)) != dumps(encode(b))
    b.next.value = 0.1
    a.value, b.value = 0.0, -0.0  # equal under ==, not bit for bit
    assert dumps(encode(a)) != dumps(encode(b))


def test_cycles_encode_finitely_and_where_they_close_is_compared():
    a, b = _Node(1.0), _Node(2.0)
    a.next, b.next = b, a  # a -> b -> a
    data = encode(a)
    assert data["attrs"][1][1]["attrs"][1][1] == {"cycle": 2}
    assert "cycle" in show_encoded(data)
    c, d = _Node(1.0), _Node(2.0)
    c.next, d.next = d, d  # c -> d -> d: closes one level later
    assert dumps(encode(c)) != dumps(data)
    items: list = [1]
    items.append(items)
    assert encode(items) == {"list": [{"int": "1"}, {"cycle": 1}]}
    shared = _Node(3.0)
    pair = [shared, shared]  # shared, not cyclic: encoded twice, no marker
    assert "cycle" not in dumps(encode(pair))


def test_refs_and_recipes_round_trip_through_the_tagged_encoding():
    recipe = Construct(
        "kernels:Box", (Construct("kernels:Vec", (1.0, -0.0)), Ref("kernels:double"))
    )
    assert decode(encode(recipe)) == recipe
    assert decode({"ref": "builtins:len"}) == Ref("builtins:len")
    with pytest.raises(ValueError, match="bad function reference"):
        decode({"ref": "not a target"})


def test_examples_give_instances_and_callables(tmp_path: Path, verify_run):
    examples = """\
    "kernels:apply" = [{ args = [{ ref = "kernels:double" }, 21] }]
    "kernels:area" = [
        { args = [{ new = "kernels:Box", args = [
            { new = "kernels:Vec", args = [0, 0] }, { new = "kernels:Vec", args = [2, 3] },
        ] }] },
    ]
    """
    result, entries = _verify(verify_run, examples=examples)
    assert result.passed, result.message
    assert entries["apply"]["inputs"]["examples"] == 1
    assert entries["area"]["inputs"]["examples"] == 1


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '{ args = [{ ref = "kernels:dubble" }, 1] }',
            r"defines no top-level class or function 'dubble'",
        ),
        ('{ args = [{ ref = "kernels:double", x = 1 }, 1] }', r"ref: unknown field\(s\) 'x'"),
        ('{ args = [{ ref = "no target" }, 1] }', r"bad function reference 'no target'"),
    ],
)
def test_bad_object_examples_name_the_file_and_example(tmp_path: Path, entry: str, message: str):
    from pyvorin.verify.examples import cases_for

    functions = _functions(tmp_path)
    path = tmp_path / "examples.toml"
    path.write_text(f'"kernels:apply" = [{entry}]\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"examples\.toml: \[\[\"kernels:apply\"\]\] example 1: .*" + message
    ):
        cases_for(path, functions["apply"])


MAIN_ONLY = """\
def lookup(i: int) -> int:
    if table[i] < 0:
        return 0
    return table[i]


if __name__ == "__main__":
    table = [1, 2, 3]
    print(lookup(1))
"""


def test_a_global_defined_only_under_main_is_named_with_its_line(verify_run):
    result, report, _ = verify_run(source=MAIN_ONLY, min_inputs=10)
    assert not result.passed
    [lookup] = report["functions"]
    problem = lookup["problem"]
    assert "reads the global 'table'" in problem
    assert 'only in its `if __name__ == "__main__":` block (line 7)' in problem
    assert "Fix: assign 'table' at the module's top level" in problem


def test_doctests_may_name_module_constants(tmp_path: Path):
    from pyvorin.verify.doctests import cases_for

    source = '''\
    GRID = [[1, 0], [0, 1]]
    LATER = [1]
    LATER = [2]


    def trace(grid: list[list[int]]) -> int:
        """
        >>> trace(GRID)
        2
        >>> trace(GRID) is None
        False
        >>> trace(LATER)
        """
        return grid[0][0] + grid[1][1]
    '''
    [trace] = _functions(tmp_path, source).values()
    cases = cases_for(trace)
    # GRID is bound once to a literal; LATER is rebound, so it is no constant
    assert [c.args for c in cases] == [([[1, 0], [0, 1]],), ([[1, 0], [0, 1]],)]


def test_imports_from_main_are_explained_not_asked_for_more_inputs():
    from pyvorin.verify.hints import main_import_hint

    message = "cannot import name 'levenshtein' from '__main__' (/venv/worker.py)"
    hint = main_import_hint("benchmark", [message, message])
    assert hint is not None and "imports 'levenshtein' from `__main__`" in hint
    assert "declare benchmark interpreted" in hint
    # any other ImportError among them: no claim about why
    assert main_import_hint("benchmark", [message, "No module named 'numpy'"]) is None


GUARDED = """\
def integrate(function, a: float, b: float) -> float:
    assert callable(function), f"the function parameter must be callable: {function}"
    return (b - a) * (function(a) + function(b)) / 2


def square(x: float) -> float:
    return x * x


def describe(thing) -> str:
    return repr(callable(thing)) + str(thing)
"""


def test_a_parameter_tested_with_callable_then_called_gets_the_callables(tmp_path: Path):
    functions = _functions(tmp_path, GUARDED)
    # every use of `function` is a call or the guard callable(function): callables too
    assert str(functions["integrate"].params[0].type) == "Callable | any"
    refs = [
        (*c.args, *c.kwargs.values())[0] for c in generate.generate(functions["integrate"], 40, 0)
    ]
    assert Ref("kernels:square") in refs and Ref("builtins:abs") in refs
    # used otherwise as well (here: printed), it keeps its generic values only
    assert str(functions["describe"].params[0].type) == "any"


def test_a_callable_guarded_function_verifies_past_its_guard(verify_run):
    result, report, _ = verify_run(source=GUARDED, min_inputs=30)
    entries = {f["name"]: f for f in report["functions"]}
    assert result.passed, result.message
    # calls with square or abs got past the assert: the body ran, and was compared
    assert entries["integrate"]["result"] == "passed"
    coverage = entries["integrate"]["coverage"]
    assert coverage["covered"] == coverage["lines"] == 2

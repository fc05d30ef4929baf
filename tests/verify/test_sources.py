"""The four input sources: examples file, doctests, recorded corpus, generation."""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyvorin.errors import ConfigError
from pyvorin.verify import corpus, doctests, examples, generate
from pyvorin.verify.inputs import InputCase
from pyvorin.verify.planning import gather_inputs
from pyvorin.verify.recorder import Recorder
from pyvorin.verify.signature import parse_functions

from .backend import MutantBackend, make_context, make_project

SOURCE = '''
def f(a: int, x: float, t: tuple[int, float] = (1, 2.0), *, flag: bool = False) -> float:
    """Scale.

    >>> f(2, 1.5)
    3.0
    >>> f(-1, float('nan'), (3, -0.0), flag=True)
    nan
    >>> f(math.inf, 1.0)   # not an int: left out
    >>> y = f(1, 2.0)      # not an expression: left out
    >>> f(len([]), 1.0)    # not literal: left out
    """
    return a * x


def g(xs) -> int:
    return len(xs)
'''


@pytest.fixture
def functions(tmp_path: Path):
    path = tmp_path / "mod.py"
    path.write_text(SOURCE)
    return {f.name: f for f in parse_functions("pkg.mod", path)}


def test_signature_types_from_annotations(functions):
    f = functions["f"]
    assert f.signature_text() == "f(a: int, x: float, t: tuple[int, float], flag: bool)"
    assert f.params[2].has_default and f.params[2].default == (1, 2.0)
    assert f.params[3].keyword_only
    assert functions["g"].generatable  # unannotated: values of several types
    assert not functions["g"].params[0].type.annotated


def test_examples_file_format(tmp_path: Path, functions):
    file = tmp_path / "ex.toml"
    file.write_text(
        textwrap.dedent(
            """
            [["pkg.mod:f"]]
            args = [3, 2]
            name = "int for float"

            [["pkg.mod:f"]]
            args = [{ int = "123456789012345678901234567890" }, nan, [7, -0.0]]
            kwargs = { flag = true }

            [["pkg.mod:f"]]
            args = [-1, { float = "0x0.0000000000001p-1022" }]
            kwargs = { t = { tuple = [1, inf] } }

            [["other.mod:h"]]
            args = ["ignored: another module"]
            """
        )
    )
    cases = examples.cases_for(file, functions["f"])
    assert [c.source for c in cases] == ["examples"] * 3
    assert cases[0].args == (3, 2.0) and type(cases[0].args[1]) is float
    assert "(int for float)" in cases[0].origin
    assert cases[1].args[0] == 123456789012345678901234567890
    assert math.isnan(cases[1].args[1])
    assert cases[1].args[2] == (7, -0.0) and math.copysign(1, cases[1].args[2][1]) < 0
    assert cases[1].kwargs == {"flag": True}
    assert cases[2].args[1] == 5e-324
    assert cases[2].kwargs["t"] == (1, math.inf)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[["pkg.mod:f"]]\nargs = ["x", 1.0]\n', "argument 'a': expected int"),
        ('[["pkg.mod:f"]]\nargs = [1]\n', "missing argument(s) 'x'"),
        ('[["pkg.mod:f"]]\nargs = [1, 1.0]\nkwarg = {}\n', "unknown field(s) 'kwarg'"),
        ('[["pkg.mod:f"]]\nargs = [1, 1.0]\nkwargs = { z = 1 }\n', "no parameter 'z'"),
        ('[["pkg.mod.f"]]\nargs = []\n', 'expected "module:function"'),
        ('[["pkg.mod:f"]]\nargs = [{ int = "0xZZ" }, 1.0]\n', "bad int"),
        ("[[x\n", "invalid TOML"),
    ],
)
def test_bad_examples_name_the_file_and_entry(tmp_path: Path, functions, text, message):
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(ConfigError) as info:
        examples.cases_for(file, functions["f"])
    assert str(file) in str(info.value)
    assert message in str(info.value)


def test_examples_for_a_missing_function_are_an_error(tmp_path: Path, functions):
    from pyvorin.model import ModuleSpec

    file = tmp_path / "ex.toml"
    file.write_text('[["pkg.mod:nope"]]\nargs = []\n')
    with pytest.raises(ConfigError, match=r"pkg\.mod has no top-level function 'nope'"):
        examples.check_keys(
            file, ModuleSpec("pkg.mod", tmp_path / "mod.py"), list(functions.values())
        )


def test_doctest_calls_with_literal_arguments(functions):
    cases = doctests.cases_for(functions["f"])
    assert len(cases) == 2
    assert cases[0].args == (2, 1.5)
    assert cases[1].args[0] == -1 and math.isnan(cases[1].args[1])
    assert cases[1].args[2] == (3, -0.0) and cases[1].kwargs == {"flag": True}
    assert all(c.source == "doctests" and "mod.py:" in c.origin for c in cases)


def _calls(function, cases):
    """Every generated case as {parameter name: value} (positional and keyword alike)."""
    out = []
    for case in cases:
        bound = function.bind(case.args, case.kwargs, convert=False)
        assert not isinstance(bound, str), (case, bound)
        args, kwargs = bound
        names = [p.name for p in function.params if not p.keyword_only]
        out.append(dict(zip(names, args, strict=False)) | kwargs)
    return out


def test_generation_targeted_set_is_fixed_and_seeded_set_follows_the_seed(functions):
    f = functions["f"]
    first = generate.generate(f, 100, seed=5)
    again = generate.generate(f, 100, seed=5)
    other = generate.generate(f, 100, seed=6)
    assert [c.key for c in first] == [c.key for c in again]
    assert [c.key for c in first] != [c.key for c in other]
    fixed = generate.targeted(f)
    assert [c.key for c in first[: len(fixed)]] == [c.key for c in fixed]
    assert [c.key for c in other[: len(fixed)]] == [c.key for c in fixed]
    assert len(first) == len(fixed) + 100 and len({c.key for c in first}) == len(first)


def test_generation_reaches_every_representation_boundary(functions):
    from pyvorin.verify.boundaries import header_facts

    facts = header_facts()
    short_max = facts["short"][0]
    assert short_max == 2**62 - 1 and facts["small"] == [-5, 256] and 4e18 in facts["floats"]
    calls = _calls(functions["f"], generate.generate(functions["f"], 100, seed=0))
    ints = {c["a"] for c in calls if "a" in c and type(c["a"]) is int}
    floats = [c["x"] for c in calls if "x" in c and type(c["x"]) is float]
    for edge in (
        0, 1, -1, -5, -6, 256, 257, 2**31, -(2**31), 2**53 + 1, -(2**53) - 1, 2**61,
        -(2**61), short_max, short_max + 1, -short_max - 1, -short_max - 2,
        4 * 10**18, 2**63 - 1, 2**63, -(2**63), 2**64 - 1, 2**64 + 1, -(2**64),
    ):  # fmt: skip
        assert edge in ints, edge
    assert any(v.bit_length() > 100 for v in ints)
    bits = {struct.pack("<d", x) for x in floats}
    for edge in (-0.0, 5e-324, 2.0**53, 2.0**62, -(2.0**62), 4e18, math.nextafter(4e18, 0)):
        assert struct.pack("<d", edge) in bits, edge
    nans = {struct.pack("<d", x) for x in floats if math.isnan(x)}
    assert len(nans) == 3  # positive, negative, and with a payload
    assert math.inf in floats and -math.inf in floats
    # ordinary values are common: moderate floats with a fractional part
    ordinary = [x for x in floats if 1.0 < abs(x) < 100.0 and x != int(x)]
    assert len(ordinary) >= 30


def test_generation_pairs_edge_classes_of_two_parameters(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text("def cmp(a: int, b: float) -> bool:\n    return a < b\n")
    (cmp,) = parse_functions("m", path)
    calls = _calls(cmp, generate.targeted(cmp))
    pairs = {(c["a"], struct.pack("<d", c["b"])) for c in calls if type(c["b"]) is float}
    assert (2**53 + 1, struct.pack("<d", 2.0**53)) in pairs  # same class: all combinations
    assert (0, struct.pack("<d", -0.0)) in pairs
    # every class of a meets every class of b
    from pyvorin.verify.boundaries import float_classes, int_classes

    def classes_of(value, classes):
        same = (
            (lambda v: struct.pack("<d", v) == struct.pack("<d", value))
            if isinstance(value, float)
            else (lambda v: v == value)
        )
        return {name for name, values in classes.items() if any(same(v) for v in values)}

    met = {
        (a_class, b_class)
        for c in calls
        if type(c["a"]) is int and type(c["b"]) is float
        for a_class in classes_of(c["a"], int_classes())
        for b_class in classes_of(c["b"], float_classes())
    }
    for a_class in int_classes():
        for b_class in float_classes():
            assert (a_class, b_class) in met, (a_class, b_class)


def test_unknown_annotations_are_not_generated_unannotated_ones_are(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text(
        "from pathlib import PurePath\n\n\n"
        "def run(tasks: list[PurePath], n: int) -> int:\n    return n\n\n\n"
        "def anything(x, y: object, s: str) -> int:\n    return 0\n"
    )
    run, anything = parse_functions("m", path)
    assert not run.generatable and generate.generate(run, 50, seed=0) == []
    assert anything.generatable
    calls = _calls(anything, generate.generate(anything, 50, seed=0))
    assert {type(c["x"]) for c in calls} >= {int, float, str, list, tuple, type(None)}
    assert all(type(c["s"]) is str for c in calls)
    assert "" in {c["s"] for c in calls} and "日本語" in {c["s"] for c in calls}


def test_generation_makes_calls_as_users_make_them(tmp_path: Path):
    from pyvorin.verify.values import PvFloat, PvInt

    path = tmp_path / "m.py"
    path.write_text(
        "def f(n: int, x: float, k: int = 2, *, flag: bool = False) -> float:\n    return n * x\n"
    )
    (f,) = parse_functions("m", path)
    cases = generate.generate(f, 100, seed=0)
    assert any(c.kwargs.get("n") is not None for c in cases)  # a keyword call
    assert any("k" not in c.kwargs and len(c.args) < 3 for c in cases)  # default omitted
    assert all(len(c.args) <= 3 for c in cases)  # flag is keyword-only
    calls = _calls(f, cases)
    assert any(c["n"] is True for c in calls)  # bool for int
    assert any(type(c["x"]) is int for c in calls)  # int for float
    assert any(type(c["n"]) is PvInt for c in calls) and any(type(c["x"]) is PvFloat for c in calls)
    # the reference call CPython gets is what the call boundary converts the values to
    bool_case = next(c for c in cases if c.args[:1] == (True,))
    ref_args, _ = f.reference(bool_case.args, bool_case.kwargs)
    assert type(ref_args[0]) is int and ref_args[0] == 1


def test_generation_of_lists_includes_empty_and_single(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text("def h(xs: list[list[int]], b: bool) -> int:\n    return 0\n")
    (h,) = parse_functions("m", path)
    cases = generate.generate(h, 60, seed=0)
    bound = [h.bind(c.args, c.kwargs, convert=False) for c in cases]
    lengths = {len(args[0]) if args else len(kwargs["xs"]) for args, kwargs in bound}
    assert 0 in lengths and 1 in lengths
    assert max(lengths) <= generate.MAX_LIST
    assert all(isinstance((c.args[1:] or [c.kwargs.get("b", False)])[0], bool) for c in cases)


def test_finite_input_space_is_covered_exactly(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text("def k(a: bool, b: tuple[bool, bool]) -> bool:\n    return a\n")
    (k,) = parse_functions("m", path)
    cases = generate.generate(k, 100, seed=0)
    assert len(cases) == 8 == k.input_space()


def test_corpus_round_trip_and_stale_entries(tmp_path: Path, functions):
    file = tmp_path / "corpus.json"
    corpus.write_corpus(
        file,
        {
            "pkg.mod:f": [
                {"args": [{"int": "5"}, {"float": "-0x0.0p+0"}], "kwargs": {}},
                {"args": [{"str": "stale"}, {"float": "0x1.0p+0"}], "kwargs": {}},
                {"args": "garbage"},
            ]
        },
    )
    document = json.loads(file.read_text())
    assert document["format"] == "pyvorin-corpus" and document["version"] == 1
    cases, stale = corpus.cases_for(file, functions["f"])
    assert stale == 2
    assert len(cases) == 1 and cases[0].args[0] == 5
    assert math.copysign(1, cases[0].args[1]) < 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable pyvorin corpus"),
        ('{"format": "pickle"}', "not a pyvorin corpus"),
        ('{"format": "pyvorin-corpus", "version": 99, "functions": {}}', "version 99"),
    ],
)
def test_bad_corpus_files_name_the_file(tmp_path: Path, content, message):
    file = tmp_path / "c.json"
    file.write_text(content)
    with pytest.raises(ConfigError) as info:
        corpus.read_corpus(file)
    assert str(file) in str(info.value) and message in str(info.value)


RECORDED = """
def push(xs: list[int], x: int) -> int:
    xs.append(x)
    return len(xs)


def scale(x: float, k: float = 2.0) -> float:
    return x * k
"""


def test_recorder_captures_real_calls_before_mutation(tmp_path: Path):
    """Runs a real test session in a subprocess: import, calls, save, then read back."""
    (tmp_path / "recmod.py").write_text(RECORDED)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from pathlib import Path
        from pyvorin.verify.recorder import Recorder
        recorder = Recorder(["recmod"], corpus=Path({str(tmp_path / "corpus.json")!r}))
        recorder.start()
        from recmod import push, scale      # imported after start: wrapped on import
        data = [1, 2]
        assert push(data, 3) == 3 and data == [1, 2, 3]
        push(data, 3)
        scale(-0.0)
        scale(1.5, k=float("nan"))
        scale(1.5, k=float("nan"))          # duplicate: recorded once
        scale("not a float", k=1)           # wrong type: recorded (strings are values)
        try:
            scale(1.0, k=object())          # not a verifiable value: not recorded
        except TypeError:
            pass
        assert recorder.skipped == 1
        recorder.stop()
        import recmod
        assert not hasattr(recmod.push, "__pyvorin_recorder__")
        push([], 9)                          # reference taken while recording: still wrapped
        recorder.stop()
        recorder.save()
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=tmp_path)
    functions = json.loads((tmp_path / "corpus.json").read_text())["functions"]
    push_calls = functions["recmod:push"]
    # arguments as they were passed: the list before append, each call once
    assert push_calls[0] == {
        "args": [{"list": [{"int": "1"}, {"int": "2"}]}, {"int": "3"}],
        "kwargs": {},
    }
    assert push_calls[1]["args"][0] == {"list": [{"int": "1"}, {"int": "2"}, {"int": "3"}]}
    scale_calls = functions["recmod:scale"]
    assert scale_calls[0]["args"] == [{"float": "-0x0.0p+0"}]
    assert scale_calls[1] == {
        "args": [{"float": "0x1.8000000000000p+0"}],
        "kwargs": {"k": {"float": "nan"}},
    }
    assert len(scale_calls) == 3


def test_recorder_wraps_already_imported_modules_and_merges(tmp_path: Path):
    (tmp_path / "recmod2.py").write_text(RECORDED)
    sys.path.insert(0, str(tmp_path))
    try:
        import recmod2

        file = tmp_path / "corpus.json"
        corpus.write_corpus(
            file, {"recmod2:scale": [{"args": [{"float": "0x1.0p+0"}], "kwargs": {}}]}
        )
        with Recorder(["recmod2"], corpus=file) as recorder:
            recmod2.scale(1.0)
            recmod2.scale(3.0)
        assert recmod2.scale.__name__ == "scale" and not hasattr(
            recmod2.scale, "__pyvorin_recorder__"
        )
        recorder.save()
        calls = corpus.read_corpus(file)["recmod2:scale"]
        assert [c["args"][0]["float"] for c in calls] == ["0x1.0p+0", "0x1.8000000000000p+1"]
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("recmod2", None)


def test_sources_merge_in_order_without_duplicates(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(
        root,
        examples='[["kernels:total"]]\nargs = [[1, 2, 3]]\n\n[["kernels:total"]]\nargs = [[4]]\n',
    )
    (root / ".pyvorin").mkdir()
    corpus.write_corpus(
        root / ".pyvorin" / "corpus.json",
        {"kernels:total": [{"args": [{"list": [{"int": "9"}]}], "kwargs": {}}]},
    )
    ctx = make_context(root, MutantBackend())
    (total,) = [f for f in parse_functions("kernels", module.path) if f.name == "total"]
    cases, notes = gather_inputs(ctx, module, total)
    sources = [c.source for c in cases]
    assert sources[:3] == ["examples", "examples", "corpus"]  # the doctest repeats example 1
    assert "doctests" not in sources
    assert set(sources[3:]) == {"generated"}
    assert notes == []
    assert len({c.key for c in cases}) == len(cases)


def test_third_party_source_contributes_in_order(tmp_path: Path):
    from pyvorin.hookspecs import hookimpl

    class Source:
        @hookimpl
        def pyvorin_generate_inputs(self, ctx, module, function):
            if function.name != "negate":
                return []
            return [
                InputCase((2.5,), {}, "fuzzer", "fuzz #1"),
                InputCase(("bad",), {}, "fuzzer", "#2"),
            ]

    root = tmp_path / "p"
    module = make_project(root)
    ctx = make_context(root, MutantBackend(), extra=[Source()])
    negate = next(f for f in parse_functions("kernels", module.path) if f.name == "negate")
    cases, notes = gather_inputs(ctx, module, negate)
    assert cases[0].source == "fuzzer" and cases[0].args == (2.5,)
    assert notes == ["fuzzer input #2 left out: argument 'x': expected float, found 'bad'"]

"""Match statements (PEP 634) in compiled code behave exactly as in the running CPython:
which case matches, what is bound (and when: a failed guard leaves the names bound, a
failed pattern binds nothing), the order of every observable step (``==``, ``len()``,
``get``, ``__getitem__``, ``isinstance``, attribute reads), the exceptions and their
messages, the order of stores into a namespace, and the traceback lines of errors raised
while matching. Matching neither leaks nor over-releases objects."""

from __future__ import annotations

import gc
import sys
import traceback
import tracemalloc
from pathlib import Path

import pytest

from tests.compiler.leakcheck import traced_bytes

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "matching.py"


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


KINDS = [
    "int",
    "true",
    "false",
    "none",
    "zero",
    "neg",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "list",
    "list2",
    "empty",
    "tuple",
    "tuple1",
    "range",
    "memoryview",
    "array",
    "deque",
    "iterator",
    "set",
    "frozenset",
    "dict",
    "dict1",
    "emptydict",
    "ordered",
    "defaultdict",
    "proxy",
    "point",
    "point0",
    "pair",
    "color",
    "myint",
    "mystr",
    "registered",
    "object",
    "nested",
]

BY_KIND = [
    "literals",
    "singletons_use_is",
    "value_patterns",
    "sequences",
    "star_positions",
    "star_wildcard_items",
    "mappings",
    "mapping_rest_only",
    "mapping_value_keys",
    "classes",
    "nested_data",
]

CASES = [(name, (kind,)) for name in BY_KIND for kind in KINDS] + [
    ("eq_order", (1,)),
    ("eq_order", ("a",)),
    ("eq_order", (2,)),
    ("eq_errors", ("eq",)),
    ("eq_errors", ("bool",)),
    *[("sequence_calls", (n,)) for n in (0, 1, 2, 3, 5)],
    *[("lying_sequence", (w,)) for w in ("unpack", "star", "subscript")],
    ("bad_len", ()),
    *[("nested_from", (i,)) for i in range(5)],
    *[("mapping_calls", (w,)) for w in ("keys", "rest", "short")],
    *[("duplicate_keys", (w,)) for w in ("dup", "missing-first", "unhashable")],
    *[
        ("mapping_oddities", (w,))
        for w in (
            "defaultdict",
            "missing",
            "getdict",
            "everything",
            "everything-rest",
            "nokeys",
            "badget",
            "proxy",
        )
    ],
    *[
        ("class_errors", (w,))
        for w in (
            "not-a-class",
            "too-many",
            "too-many-self",
            "too-many-static",
            "nested-name",
            "list-args",
            "int-args",
            "repeated",
            "raising-attr",
            "no-isinstance",
        )
    ],
    ("class_attribute_order", ("ac",)),
    ("class_attribute_order", ("x",)),
    ("instancecheck", (3,)),
    ("instancecheck", ("s",)),
    ("dataclass_args", (1, 2)),
    ("dataclass_args", (0, [2, 3])),
    ("dataclass_args", ([1, 2], 0)),
    ("dataclass_args", ("s", 0)),
    ("guard_leaves_names_bound", ([1, 2],)),
    ("guard_leaves_names_bound", ([5, 1],)),
    ("guard_leaves_names_bound", ([3],)),
    ("guard_leaves_names_bound", ("x",)),
    ("partial_match_binds_nothing", ([1, 2],)),
    ("partial_match_binds_nothing", ([1, 3],)),
    *[("guard_sees_captures", (x, y, limit)) for x, y in ((1, 2), (3, 4)) for limit in (0, 2, 10)],
    ("guard_raises", ([0],)),
    ("guard_raises", ([1],)),
    ("guard_raises", ([1, 2],)),
    ("default_with_guard", (1, False)),
    ("default_with_guard", (2, True)),
    ("default_with_guard", (2, False)),
    *[
        ("or_patterns", (v,))
        for v in (0, 2, [5, 1], [1, 7], (3, 2, 2), {"k": 9}, [0, 0, 0, 8], "s", b"", 3.5)
    ],
    *[("as_patterns", (v,)) for v in ([1, 3], [1, 4], [2, 2], 7, 7.5, "x")],
    ("no_case_matches", (3,)),
    ("no_case_matches", ([2],)),
    ("subject_once", ()),
    ("in_loop", ([1, 2, "skip", [1, 2], 3, "stop", 4],)),
    ("in_loop", ([1, (), 6],)),
    ("closure_over_capture", ([1, 2],)),
    ("closure_over_capture", ([1],)),
    ("loop_failures", (3,)),
    ("gen_match", ([[1, 2], {"k": 3}, 4],)),
    ("name_kinds", ([1, 2, 3],)),
    ("name_kinds", ([1, 2],)),
    ("module_level", ()),
    ("class_level", ()),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_match_conforms(modules, case) -> None:
    py, compiled = modules
    name, args = case
    assert outcome(getattr(compiled, name), args, {}) == outcome(getattr(py, name), args, {})


TRACEBACKS = [
    ("tb_short_sequence", ()),
    ("tb_rest_after_values", ()),
    ("tb_guard", ()),
    ("tb_class", ()),
    ("tb_or_alternatives", ()),
    ("tb_value_compare", ()),
    ("tb_subject", ()),
    ("bad_len", ()),
    ("lying_sequence", ("unpack",)),
    ("duplicate_keys", ("dup",)),
    ("class_errors", ("too-many",)),
    ("guard_leaves_names_bound", ("x",)),
]


def _raised_at(fn, args) -> tuple[str, list[tuple[str, int]]]:
    try:
        fn(*args)
    except Exception as exc:  # the traceback is what is compared
        entries = traceback.extract_tb(exc.__traceback__)
        return type(exc).__name__, [
            (e.name, e.lineno) for e in entries if Path(e.filename).resolve() == SOURCE.resolve()
        ]
    raise AssertionError(f"{fn.__name__}{args} raised nothing")


@pytest.mark.parametrize("case", TRACEBACKS, ids=[c[0] for c in TRACEBACKS])
def test_traceback_lines_conform(modules, case) -> None:
    """An error raised while matching is reported at the line CPython reports (3.10 and
    3.11: the last sub-pattern compiled before the failing step; 3.12+: the pattern's)."""
    py, compiled = modules
    name, args = case
    expected = _raised_at(getattr(py, name), args)
    assert expected[1], "the interpreted traceback has entries in the source"
    assert _raised_at(getattr(compiled, name), args) == expected


def _match_calls(m):
    return [
        *[(getattr(m, name), (kind,)) for name in BY_KIND for kind in KINDS],
        (m.mapping_calls, ("rest",)),
        (m.duplicate_keys, ("dup",)),
        (m.duplicate_keys, ("unhashable",)),
        (m.mapping_oddities, ("everything-rest",)),
        (m.mapping_oddities, ("nokeys",)),
        (m.mapping_oddities, ("getdict",)),
        (m.class_errors, ("too-many",)),
        (m.class_errors, ("repeated",)),
        (m.class_errors, ("raising-attr",)),
        (m.class_attribute_order, ("x",)),
        (m.lying_sequence, ("unpack",)),
        (m.lying_sequence, ("subscript",)),
        (m.guard_leaves_names_bound, ([1, 2],)),
        (m.guard_leaves_names_bound, ("x",)),
        (m.guard_raises, ([0],)),
        (m.or_patterns, ([1, 7],)),
        (m.or_patterns, ((3, 2, 2),)),
        (m.as_patterns, ([1, 3],)),
        (m.in_loop, ([1, 2, "skip", [1, 2], 3, "stop"],)),
        (m.gen_match, ([[1, 2], {"k": 3}, 4],)),
        (m.closure_over_capture, ([1, 2],)),
        (m.loop_failures, (20,)),
        (m.tb_short_sequence, ()),
        (m.tb_rest_after_values, ()),
        (m.tb_class, ()),
    ]


def test_no_memory_growth(modules, capsys: pytest.CaptureFixture[str]) -> None:
    """Every kind of pattern, matching or not, and its error paths, called over and over
    (about 10^5 calls): the memory traced stays flat (a leaked temporary, capture or
    subject per call would add megabytes)."""
    _, m = modules
    calls = _match_calls(m)

    def run(n: int) -> None:
        for _ in range(n):
            for fn, args in calls:
                try:
                    fn(*args)
                except Exception:  # the error paths must release everything too
                    pass

    rounds = max(1, 100_000 // len(calls))
    run(20)
    gc.collect()
    tracemalloc.start()
    try:
        run(rounds // 10)
        gc.collect()
        first = traced_bytes()
        run(rounds)
        gc.collect()
        second = traced_bytes()
    finally:
        tracemalloc.stop()
    capsys.readouterr()  # what the logging subjects printed
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes"


def test_subject_and_value_refcounts_unchanged(modules, capsys) -> None:
    """The subject, its items and the captured values keep their reference counts over
    many matches (no reference kept, none released twice)."""
    _, m = modules
    point = m.Point([1], [2])
    text, big = "".join(["a", "b"]), 10**30  # made here: not shared with anything else
    items = [point, (point, big), [1, point], {"a": point, "b": [point]}, text, big]
    watched = [point, point.x, point.y, *items]
    calls = [
        m.as_patterns,
        m.or_patterns,
        m.guard_leaves_names_bound,
        m.closure_over_capture,
        m.no_case_matches,
        m.partial_match_binds_nothing,
    ]

    def run() -> None:
        for _ in range(200):
            for fn in calls:
                for v in items:
                    try:
                        fn(v)
                    except Exception:
                        pass

    gc.collect()
    before = [sys.getrefcount(o) for o in watched]
    run()
    gc.collect()
    capsys.readouterr()
    assert [sys.getrefcount(o) for o in watched] == before

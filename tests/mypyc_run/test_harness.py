"""The mypyc run-test harness on small .test texts written here (real CPython, real compiler)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.mypyc_run import harness

SAMPLE = """\
-- a comment of the .test format
[case testAdd]
def add(a: int, b: int) -> int:
    return a + b
[file driver.py]
from native import add
print(add(2, 3))
print(add(10**20, 1))
[out]
5
100000000000000000001

[case testWhereIsIt]
def one() -> int:
    return 1
[file driver.py]
import native
print(native.__file__.endswith(".py"))
[out]
True

[case testDefaultDriver]
def test_sum() -> None:
    total = 0
    for i in range(4):
        total += i
    assert total == 6
[typing fixtures/typing-full.pyi]

[case testNative]
from mypy_extensions import i64
def f(x: i64) -> i64:
    return x  # i64 is a mypyc-only type
[file driver.py]
from native import f
print(f(1))

[case testCommentMention]
def g(x: int) -> int:
    return x  # works like a trait would
[file other.py]
VALUE = 1
[file driver.py]
from native import g
import other
print(g(other.VALUE))
[out]
1

[case testSkipped-skip]
def h() -> None:
    pass

[case testNewPython_python9_99]
def k() -> None:
    pass

[case testNativeOnlySemantics]
def need_int(x: int) -> int:
    return x
[file driver.py]
from native import need_int
need_int("not an int")  # mypyc raises TypeError here; CPython returns the str
[out]
Traceback (most recent call last):
  File "driver.py", line 2, in <module>
TypeError: int object expected; got str

[case testUsesTestutil]
from testutil import assertRaises
def test_raises() -> None:
    with assertRaises(ZeroDivisionError):
        1 // 0

[case testRejected]
def run(source: str) -> int:
    return eval(source)
[file driver.py]
from native import run
print(run("1 + 1"))
[out]
2
"""


@pytest.fixture
def sample(tmp_path: Path) -> list[harness.Case]:
    path = tmp_path / "run-sample.test"
    path.write_text(SAMPLE, encoding="utf-8")
    return harness.parse(path)


def test_parse_reads_every_section(sample: list[harness.Case]) -> None:
    names = [case.name for case in sample]
    assert names == [
        "testAdd", "testWhereIsIt", "testDefaultDriver", "testNative", "testCommentMention",
        "testSkipped-skip", "testNewPython_python9_99", "testNativeOnlySemantics",
        "testUsesTestutil", "testRejected",
    ]  # fmt: skip
    add = sample[0]
    assert add.native == "def add(a: int, b: int) -> int:\n    return a + b\n"
    assert add.files["driver.py"].startswith("from native import add\n")
    assert add.out == ["5", "100000000000000000001"]
    assert add.line == 2 and add.id == "run-sample.test::testAdd"
    default = sample[2]
    assert "driver.py" not in default.files and default.out is None
    assert default.sections == ["typing fixtures/typing-full.pyi"]
    assert set(sample[4].files) == {"other.py", "driver.py"}


def test_static_exclusions_give_reasons(sample: list[harness.Case]) -> None:
    reasons = {case.name: case.static_exclusion() for case in sample}
    assert reasons["testNative"] == "mypyc-only feature: mypy_extensions"
    assert reasons["testSkipped-skip"] == "marked skip by mypyc"
    assert reasons["testNewPython_python9_99"] == "needs Python 9.99"
    assert reasons["testCommentMention"] is None  # "trait" only in a comment
    assert reasons["testAdd"] is None


def test_out_for_a_newer_python_replaces_the_plain_one(tmp_path: Path) -> None:
    path = tmp_path / "run-v.test"
    path.write_text(
        "[case testV]\nx = 1\n[out]\nold\n[out version>=3.10]\nnew\n[out version>=9.0]\nfuture\n"
    )
    (case,) = harness.parse(path)
    assert case.out == ["new"] and sys.version_info >= (3, 10)


def test_run_cases_end_to_end(sample: list[harness.Case], tmp_path: Path) -> None:
    results = {r.case.name: r for r in harness.run_cases(sample, tmp_path, full=True)}
    assert results["testAdd"].status == harness.PASS, results["testAdd"].detail
    assert results["testDefaultDriver"].status == harness.PASS, results["testDefaultDriver"].detail
    # the driver sees a difference (the module is an extension, not a .py): reported as fail
    where = results["testWhereIsIt"]
    assert where.status == harness.FAIL
    assert "True" in where.detail and "False" in where.detail
    assert results["testNative"].status == harness.EXCLUDED
    native_only = results["testNativeOnlySemantics"]
    assert native_only.status == harness.EXCLUDED
    assert native_only.detail.startswith("does not pass under CPython")
    # mypyc's support library is beside the driver, as in mypyc's own runner
    assert results["testUsesTestutil"].status in (harness.PASS, harness.REJECTED)
    rejected = results["testRejected"]
    assert rejected.status == harness.REJECTED and rejected.codes
    passed = harness.passes_by_file(results.values())
    expected = ["testAdd", "testCommentMention", "testDefaultDriver"]
    if results["testUsesTestutil"].status == harness.PASS:  # compiles in the generic tier
        expected = sorted([*expected, "testUsesTestutil"])
    assert passed["run-sample.test"] == expected


def test_expected_file_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "expected.toml"
    path.write_text(harness.render_expected({"run-a.test": ["t2", "t1"], "run-b.test": []}))
    assert harness.load_expected(path) == {"run-a.test": ["t1", "t2"], "run-b.test": []}
    path.write_text("[passed]\n'run-a.test' = 't1'\n")
    with pytest.raises(harness.corpus_harness.CorpusError, match=r"passed\.run-a\.test"):
        harness.load_expected(path)
    path.write_text("[other]\n")
    with pytest.raises(harness.corpus_harness.CorpusError, match=r"a \[passed\] table"):
        harness.load_expected(path)

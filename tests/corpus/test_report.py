"""benchmarks/corpus_report.py: rendering, the docs section, the mypyc comparison."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

import pytest

from tests.corpus import harness
from tests.helpers import REPO
from tests.mypyc_run import harness as mypyc_run


def _report_module():
    spec = importlib.util.spec_from_file_location(
        "corpus_report", REPO / "benchmarks" / "corpus_report.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_report"] = module
    spec.loader.exec_module(module)
    return module


report = _report_module()
ENV = {
    "date": "2026-12-01 05:00 UTC", "machine": "cpu, 2 cores", "os": "Linux", "python": "3.11",
    "cc": "gcc", "pyvorin": "0.1.0", "mypy": "2.4.1", "load": "1.00 1.00 1.00",
}  # fmt: skip


def _case(file: str, name: str) -> mypyc_run.Case:
    return mypyc_run.Case(file, name, 1, "x = 1\n")


def test_render_counts_rates_and_reasons() -> None:
    outcomes = [
        harness.Outcome("a", harness.REJECTED, ["PV101", "PV112"], functions=3, functions_clean=1),
        harness.Outcome("b", harness.REJECTED, ["PV112"], functions=2, functions_clean=0),
        harness.Outcome("c", harness.VERIFIED, functions=4, functions_clean=4),
        harness.Outcome("d", harness.CHECK_CLEAN, exit=4, functions=1, functions_clean=1),
    ]
    mypyc = {"a": (True, ""), "b": (False, "b.py:3: error: bad | thing"), "c": (True, ""),
             "d": (True, "")}  # fmt: skip
    result = mypyc_run.CaseResult
    cases = [
        result(_case("run-x.test", "t1"), mypyc_run.PASS),
        result(_case("run-x.test", "t2"), mypyc_run.REJECTED, codes=["PV101"]),
        result(_case("run-x.test", "t3"), mypyc_run.EXCLUDED, "mypyc-only feature: i64"),
        result(
            _case("run-y.test", "t4"), mypyc_run.FAIL, "CPython (0, '1', ''); Pyvorin (1, '', 'E')"
        ),
    ]
    text = report.render(ENV, {"outcomes": outcomes, "mypyc": mypyc}, cases)
    assert "| `pyvorin check` accepts unchanged | 2 | 50 % |" in text
    assert "| of those, compile and verify (whole pipeline) | 1 | 50 % |" in text
    assert "| top-level functions with no diagnostic | 6 of 10 | 60 % |" in text
    assert "| mypyc compiles as written (same files, same run) | 3 | 75 % |" in text
    assert "| PV112 | 2 |" in text and "| PV101 | 1 |" in text
    assert "| `b` | rejected with PV112 | 0 of 2 | fails: b.py:3: error: bad \\| thing |" in text
    assert "| `run-x.test` | 3 | 1 | 2 | 1 | 1 | 0 | 50 % |" in text
    assert "| **all** | 4 | 1 | 3 | 1 | 1 | 1 | 33 % |" in text
    assert "| mypyc-only feature: i64 | 1 |" in text
    assert "`run-y.test::t4`: CPython (0, '1', '')" in text
    assert "Passing cases (1): `run-x.test::t1`" in text
    data = report.to_json(ENV, {"outcomes": outcomes, "mypyc": mypyc}, cases)
    assert data["corpus"][1] == {
        "file": "b", "outcome": "rejected", "codes": ["PV112"], "exit": None,
        "functions": 2, "functions_clean": 0, "mypyc": False,
    }  # fmt: skip


def test_render_splits_the_files_developed_against_from_the_unseen_ones() -> None:
    outcomes = [
        harness.Outcome("old1", harness.VERIFIED),
        harness.Outcome("old2", harness.CHECK_CLEAN, exit=4),
        harness.Outcome("new1", harness.VERIFIED),
        harness.Outcome("new2", harness.VERIFIED),
        harness.Outcome("new3", harness.REJECTED, ["PV101"]),
    ]
    tests = {"old1": "pipeline", "new1": "check", "new2": "check", "new3": "check"}
    text = report.render(ENV, {"outcomes": outcomes, "mypyc": {}, "tests": tests}, [])
    assert "| developed against | 2 | 2 | 1 | 50 % |" in text  # old2 has no entry: pipeline
    assert "| unseen | 3 | 2 | 2 | 100 % |" in text
    # one group only (no expectations given): no split table
    alone = report.render(ENV, {"outcomes": outcomes[:2], "mypyc": {}}, [])
    assert "| developed against |" not in alone


def test_the_jobs_option_refuses_what_is_not_a_count() -> None:
    for bad in ("0", "-1", "two"):
        with pytest.raises(SystemExit):
            report.main(["--jobs", bad])
    given = argparse.Namespace(
        jobs=2, no_mypyc=True, docs=Path("x.md"), json=Path("r.json"), write_expected=True
    )
    assert report._command(given) == "python benchmarks/corpus_report.py --no-mypyc -j 2"
    defaults = argparse.Namespace(jobs=1, no_mypyc=False, docs=None, json=None)
    assert report._command(defaults) == "python benchmarks/corpus_report.py"


def test_write_docs_replaces_only_the_marked_section(tmp_path: Path) -> None:
    page = tmp_path / "corpus.md"
    page.write_text(f"# Title\nintro\n{report.START}\nold\n{report.END}\nafter\n")
    report.write_docs(page, "new table\n")
    assert page.read_text() == f"# Title\nintro\n{report.START}\nnew table\n{report.END}\nafter\n"
    page.write_text("no markers\n")
    with pytest.raises(SystemExit, match="no <!-- corpus-report:start -->"):
        report.write_docs(page, "x\n")


def test_the_docs_page_has_the_markers() -> None:
    text = (REPO / "docs" / "corpus.md").read_text()
    assert text.count(report.START) == 1 and text.count(report.END) == 1


@pytest.mark.slow
def test_mypyc_comparison_builds_and_imports_for_real(tmp_path: Path) -> None:
    good = tmp_path / "good_mod.py"
    good.write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    assert report.mypyc_compiles(good, tmp_path / "w1") == (True, "")
    bad = tmp_path / "bad_mod.py"
    bad.write_text("def add(a: int, b: int) -> int:\n    return str(a + b)\n")
    ok, why = report.mypyc_compiles(bad, tmp_path / "w2")
    assert not ok and "bad_mod.py:2: error: Incompatible return value type" in why

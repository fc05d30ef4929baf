"""tests/cputime.py: the per-test CPU records and the report over them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import cputime
from tests.helpers import REPO


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_report_ranks_tests_and_sums_directories_and_files(tmp_path: Path) -> None:
    data = _write(
        tmp_path / "cpu.jsonl",
        [
            {
                "test": "tests/a/test_x.py::t1",
                "self": 1.0,
                "children": 4.0,
                "wall": 6.0,
                "worker": "gw0",
            },
            {
                "test": "tests/a/test_y.py::t2",
                "self": 0.5,
                "children": 0.0,
                "wall": 0.6,
                "worker": "gw1",
            },
            {
                "test": "tests/b/test_z.py::t3",
                "self": 2.0,
                "children": 1.0,
                "wall": 3.5,
                "worker": "gw1",
            },
            {"test": "<process>", "self": 10.0, "children": 20.0, "worker": "main"},
            {"test": "<process>", "self": 3.0, "children": 5.0, "worker": "gw0"},
            {"test": "<process>", "self": 2.0, "children": 1.5, "worker": "gw1"},
        ],
    )
    text = cputime.report([data], top=2)
    lines = text.splitlines()
    assert lines[0] == "3 tests, 8.5 CPU s in tests"
    # the controller's children are its workers: only its own 10 s count
    assert lines[1].startswith("3 process(es), 21.5 CPU s in all (13.0 s start-up")
    top = lines[lines.index("top 2 tests (CPU s = self + children; wall s)") + 1 :][:2]
    assert top[0].split()[0] == "5.0" and top[0].endswith("tests/a/test_x.py::t1")
    assert top[1].split()[0] == "3.0" and top[1].endswith("tests/b/test_z.py::t3")
    assert "     5.5     2  tests/a" in lines
    assert "     3.0     1  tests/b" in lines
    assert "     0.5     1  tests/a/test_y.py" in lines


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    data = tmp_path / "cpu.jsonl"
    data.write_text('{"test": "x", "self": 1, "children": 0, "wall": 1}\nnot json\n')
    with pytest.raises(SystemExit, match=r"cpu\.jsonl:2: not a JSON line"):
        cputime.load([data])


@pytest.mark.slow  # a nested pytest run
def test_the_plugin_records_every_test_of_a_real_run(tmp_path: Path) -> None:
    data = tmp_path / "cpu.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "0", "-q", "-p", "no:cacheprovider",
         "tests/suite/test_cputime.py::test_a_bad_line_is_named"],
        cwd=REPO, env={**__import__("os").environ, "PYVORIN_TEST_CPU": str(data)},
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tests, processes = cputime.load([data])
    assert [t["test"] for t in tests] == ["tests/suite/test_cputime.py::test_a_bad_line_is_named"]
    assert tests[0]["self"] >= 0 and tests[0]["children"] >= 0 and tests[0]["wall"] > 0
    assert len(processes) == 1 and processes[0]["self"] > 0

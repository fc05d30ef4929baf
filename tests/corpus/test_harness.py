"""The corpus harness itself, on small files written here, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.corpus import harness

IN_SUBSET = '''\
def scale(x: float, k: int) -> float:
    """Multiply.

    >>> scale(2.5, 3)
    7.5
    """
    return x * k


def count_up(n: int) -> int:
    total = 0
    for i in range(n % 1000):
        total += i
    return total
'''

# eval of a run-time string stays outside what can be compiled exactly (issue 11), so
# this file stays rejected as the compiler grows; the PV codes themselves may change.
REJECTED = """\
def ok(n: int) -> int:
    return n + 1


def dynamic(source: str) -> int:
    return eval(source)
"""

# Checks clean, but CPython never finishes a call: no conclusive input, verification fails.
NEVER_ENDS = """\
def spin(n: int) -> int:
    while True:
        n += 1
    return n
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_groups_diagnostics_per_file(tmp_path: Path) -> None:
    good = write(tmp_path, "good_mod", IN_SUBSET)
    bad = write(tmp_path, "bad_mod", REJECTED)
    broken = write(tmp_path, "broken_mod", "def f(:\n")
    checks = harness.run_check([good, bad, broken])
    assert checks["good_mod"].clean and checks["good_mod"].codes == []
    bad_check = checks["bad_mod"]
    assert bad_check.exit == 3 and bad_check.diagnostics
    assert bad_check.codes == sorted({d["code"] for d in bad_check.diagnostics})
    assert all(code.startswith("PV") for code in bad_check.codes)
    assert {d["line"] for d in bad_check.diagnostics} <= {5, 6}  # all inside dynamic()
    assert checks["broken_mod"].codes == ["PV100"]
    # one of the two top-level functions (ok) has no diagnostic inside it
    assert bad_check.functions() == (2, 1)
    outcome = harness.outcome_from(bad_check)
    assert outcome.outcome == harness.REJECTED and outcome.codes == bad_check.codes
    with pytest.raises(ValueError, match="good_mod: checks clean"):
        harness.outcome_from(checks["good_mod"])


def test_a_failing_check_call_falls_back_to_one_file_at_a_time(tmp_path: Path) -> None:
    good = write(tmp_path, "fine_mod", IN_SUBSET)
    missing = tmp_path / "missing_mod.py"
    checks = harness.run_check([good, missing])
    assert checks["fine_mod"].clean
    assert checks["missing_mod"].exit == 2
    assert "missing_mod.py" in checks["missing_mod"].detail


def test_pipeline_verifies_a_file_in_the_subset(tmp_path: Path) -> None:
    path = write(tmp_path / "src", "scale_mod", IN_SUBSET)
    (tmp_path / "src" / "scale_mod.examples.toml").write_text(
        '"scale_mod:count_up" = [ { args = [5] }, { args = [999] } ]\n', encoding="utf-8"
    )
    result = harness.run_pipeline(path, tmp_path / "work")
    assert result.exit == 0, result.output
    functions = {f["name"]: f for f in result.report["functions"]}
    assert set(functions) == {"scale", "count_up"}
    assert (tmp_path / "work" / "project" / "examples.toml").is_file()
    assert "examples = " in (tmp_path / "work" / "project" / "pyproject.toml").read_text()
    checks = harness.run_check([path])
    outcome = harness.outcome_from(checks["scale_mod"], result)
    assert outcome.outcome == harness.VERIFIED and outcome.key() == ("verified",)


def test_evaluate_runs_pipelines_in_parallel_and_keeps_the_order(tmp_path: Path) -> None:
    files = [
        write(tmp_path / "src", "first_mod", IN_SUBSET),
        write(tmp_path / "src", "refused_mod", REJECTED),
        write(tmp_path / "src", "second_mod", IN_SUBSET.replace("scale", "times")),
    ]
    said: list[str] = []
    outcomes = harness.evaluate(files, tmp_path / "work", progress=said.append, jobs=2)
    assert [o.name for o in outcomes] == ["first_mod", "refused_mod", "second_mod"]
    assert [o.outcome for o in outcomes] == [harness.VERIFIED, harness.REJECTED, harness.VERIFIED]
    assert sorted(m for m in said if not m.endswith("running the pipeline")) == sorted(
        ["first_mod: verified", "second_mod: verified", "refused_mod: " + outcomes[1].describe()]
    )
    assert (tmp_path / "work" / "first_mod").is_dir() and (
        tmp_path / "work" / "second_mod"
    ).is_dir()
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        harness.evaluate(files[1:2], tmp_path / "work", jobs=0)


@pytest.mark.slow
def test_pipeline_failure_is_check_clean_with_its_exit_code(tmp_path: Path) -> None:
    path = write(tmp_path / "src", "spin_mod", NEVER_ENDS)
    result = harness.run_pipeline(path, tmp_path / "work")
    assert result.exit == 4, result.output
    outcome = harness.outcome_from(harness.run_check([path])["spin_mod"], result)
    assert outcome.key() == (harness.CHECK_CLEAN, 4)
    assert "not enough inputs" in outcome.detail


def _expected(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "expected.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[files.a]\noutcome = 'compiled'\n", "files.a.outcome: expected one of"),
        ("[files.a]\noutcome = 'rejected'\n", "files.a.codes: a rejection lists its PV codes"),
        ("[files.a]\noutcome = 'rejected'\ncodes = ['E1']\n", "files.a.codes"),
        ("[files.a]\noutcome = 'verified'\ncodes = ['PV101']\n", "only a rejected file"),
        ("[files.a]\noutcome = 'check-clean'\n", "files.a.exit: a non-zero pipeline exit"),
        ("[files.a]\noutcome = 'check-clean'\nexit = 0\n", "files.a.exit"),
        ("[files.a]\noutcome = 'verified'\nexit = 4\n", "only a check-clean file"),
        ("[files.a]\noutcome = 'verified'\ncolour = 1\n", "files.a: unknown key(s): colour"),
        ("[files.a]\noutcome = 'verified'\ntests = 'some'\n", "files.a.tests: expected one of"),
        ("[files]\na = 3\n", "files.a: expected a table, found int"),
        ("[other]\n", "expected a [files.NAME] table"),
        ("[files.a\n", "not valid TOML"),
    ],
)
def test_malformed_expectations_name_the_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _expected(tmp_path, text)
    with pytest.raises(harness.CorpusError, match=r"expected\.toml") as info:
        harness.load_expected(path)
    assert message in str(info.value)


def test_mismatch_says_what_changed(tmp_path: Path) -> None:
    expected = harness.load_expected(
        _expected(
            tmp_path,
            "[files.a]\noutcome = 'rejected'\ncodes = ['PV101', 'PV112']\n"
            "[files.b]\noutcome = 'verified'\n",
        )
    )
    same = harness.Outcome("a", harness.REJECTED, ["PV101", "PV112"])
    assert harness.mismatch(same, expected["a"]) is None
    fewer = harness.Outcome("a", harness.REJECTED, ["PV112", "PV210"])
    message = harness.mismatch(fewer, expected["a"])
    assert "a: changed" in message and "no longer: PV101; new: PV210" in message
    better = harness.Outcome("a", harness.VERIFIED)
    assert "a: improved: expected rejected with PV101, PV112, got verified" in harness.mismatch(
        better, expected["a"]
    )
    worse = harness.Outcome("b", harness.CHECK_CLEAN, exit=4, detail="mismatch in f")
    message = harness.mismatch(worse, expected["b"])
    assert "b: REGRESSED: expected verified, got check-clean, pipeline exit 4" in message
    assert "mismatch in f" in message and "--write-expected" in message
    assert "no expectation recorded" in harness.mismatch(better, None)


def test_a_check_only_file_is_held_to_its_check(tmp_path: Path) -> None:
    """A file whose test runs the check only: clean for a check-clean or verified file,
    the same PV codes for a rejected one; anything else fails with what changed."""
    expected = harness.load_expected(
        _expected(
            tmp_path,
            "[files.a]\noutcome = 'verified'\ntests = 'check'\n"
            "[files.b]\noutcome = 'rejected'\ncodes = ['PV401']\ntests = 'check'\n",
        )
    )
    clean = harness.CheckResult("a", tmp_path / "a.py", 0)
    rejected = harness.CheckResult("a", tmp_path / "a.py", 3, [{"code": "PV401"}])
    assert harness.check_mismatch(clean, expected["a"]) is None
    assert "a: `pyvorin check` changed" in harness.check_mismatch(rejected, expected["a"])
    assert "rejected with PV401" in harness.check_mismatch(rejected, expected["a"])
    b_rejected = harness.CheckResult("b", tmp_path / "b.py", 3, [{"code": "PV401"}])
    b_other = harness.CheckResult("b", tmp_path / "b.py", 3, [{"code": "PV402"}])
    assert harness.check_mismatch(b_rejected, expected["b"]) is None
    assert harness.check_mismatch(b_other, expected["b"]) is not None
    b_clean = harness.CheckResult("b", tmp_path / "b.py", 0)
    assert "check clean" in harness.check_mismatch(b_clean, expected["b"])


def test_render_expected_round_trips(tmp_path: Path) -> None:
    outcomes = [
        harness.Outcome("b", harness.CHECK_CLEAN, exit=4),
        harness.Outcome("a", harness.REJECTED, ["PV101", "PV112"]),
        harness.Outcome("c", harness.VERIFIED),
    ]
    previous = {
        "c": harness.Expected("c", harness.VERIFIED, reason='kept "as" is'),
        "b": harness.Expected("b", harness.CHECK_CLEAN, exit=4, tests="check"),
    }
    path = _expected(tmp_path, harness.render_expected(outcomes, previous))
    loaded = harness.load_expected(path)
    assert [loaded[o.name].key() for o in sorted(outcomes, key=lambda o: o.name)] == [
        o.key() for o in sorted(outcomes, key=lambda o: o.name)
    ]
    assert loaded["c"].reason == 'kept "as" is'
    assert loaded["b"].tests == "check" and loaded["c"].tests == "pipeline"
    with pytest.raises(harness.CorpusError, match="cannot record"):
        harness.render_expected([harness.Outcome("d", harness.ERROR, exit=1)])


def test_declared_interpreted_functions_exist_and_reach_the_project(tmp_path):
    import ast

    declared = harness.interpreted_functions()
    assert declared, "tests/corpus/interpreted.toml declares nothing"
    for stem, names in declared.items():
        source = harness.FILES / f"{stem}.py"
        assert source.is_file(), f"interpreted.toml names no corpus file {stem}"
        tree = ast.parse(source.read_text(encoding="utf-8"))
        top = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert set(names) <= top, f"{stem}: no top-level {sorted(set(names) - top)}"
    stem, names = next(iter(declared.items()))
    harness.prepare_project(harness.FILES / f"{stem}.py", tmp_path / "p")
    pyproject = (tmp_path / "p" / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"{stem}:{names[0]}"' in pyproject

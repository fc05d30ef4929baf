"""mypyc's run tests against Pyvorin: the recorded pass set must not shrink (docs/corpus.md).

One run for all selected run-*.test files: one ``pyvorin check`` process for every case's
``native`` module, then, for each case that checks clean, the driver under CPython and
against the module compiled by Pyvorin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mypyc_run import harness

FILES = harness.test_files()
EXPECTED = harness.load_expected()


@pytest.fixture(scope="module")
def results(
    tmp_path_factory: pytest.TempPathFactory, licensed_home_template: Path
) -> dict[str, list[harness.CaseResult]]:
    # `pyvorin check` goes through the licence gate: a licensed home of the module's own
    # (the per-test home is function-scoped and not set yet when this fixture runs)
    from pyvorin_server.local import copy_licence_state

    home = tmp_path_factory.mktemp("mypyc-run-home")
    copy_licence_state(licensed_home_template, home)
    workdir = tmp_path_factory.mktemp("mypyc-run")
    grouped: dict[str, list[harness.CaseResult]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYVORIN_HOME", str(home))
        for result in harness.run_cases(harness.all_cases(FILES), workdir, full=False):
            grouped.setdefault(result.case.file, []).append(result)
    return grouped


def test_the_selection_covers_the_constructs_of_issue_11() -> None:
    names = {path.name for path in FILES}
    for topic in (
        "classes", "exceptions", "generators", "functions", "strings", "dicts", "sets",
        "tuples", "lists", "loops", "imports",
    ):  # fmt: skip
        assert f"run-{topic}.test" in names
    assert set(EXPECTED) == names, "expected.toml lists exactly the selected files"
    assert sum(len(harness.parse(path)) for path in FILES) > 300


def test_recorded_passes_name_real_cases() -> None:
    for path in FILES:
        names = {case.name for case in harness.parse(path)}
        unknown = sorted(set(EXPECTED[path.name]) - names)
        assert not unknown, f"{path.name}: no such case(s) {unknown}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pass_set_does_not_shrink(path: Path, results: dict[str, list[harness.CaseResult]]) -> None:
    ran = {r.case.name: r for r in results[path.name]}
    lost = [
        f"{name}: {ran[name].status} {ran[name].detail} {' '.join(ran[name].codes)}".strip()
        for name in EXPECTED[path.name]
        if ran[name].status != harness.PASS
    ]
    assert not lost, f"{path.name}: cases that passed before no longer pass:\n" + "\n".join(lost)

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


@pytest.mark.slow  # every case compiled and run under CPython and compiled (minutes of CPU)
def test_pass_set_does_not_shrink(
    tmp_path_factory: pytest.TempPathFactory, licensed_home_template: Path
) -> None:
    """Every case recorded as passing still passes (one run for all files: a module-scoped
    fixture would be re-run by every xdist worker that takes one of its tests)."""
    # `pyvorin check` goes through the licence gate: a licensed home of this test's own
    from pyvorin_server.local import copy_licence_state

    home = tmp_path_factory.mktemp("mypyc-run-home")
    copy_licence_state(licensed_home_template, home)
    workdir = tmp_path_factory.mktemp("mypyc-run")
    ran: dict[str, dict[str, harness.CaseResult]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYVORIN_HOME", str(home))
        for result in harness.run_cases(harness.all_cases(FILES), workdir, full=False):
            ran.setdefault(result.case.file, {})[result.case.name] = result
    lost = [
        f"{file}::{name}: {r.status} {r.detail} {' '.join(r.codes)}".strip()
        for file, names in sorted(EXPECTED.items())
        for name in names
        if (r := ran[file][name]).status != harness.PASS
    ]
    assert not lost, "cases that passed before no longer pass:\n" + "\n".join(lost)
    passed = sum(r.status == harness.PASS for results in ran.values() for r in results.values())
    recorded = sum(len(names) for names in EXPECTED.values())
    if passed > recorded:
        print(f"{passed} cases pass, {recorded} recorded: rewrite tests/mypyc_run/expected.toml")

"""Every corpus file through the real CLI; its outcome must be the one recorded.

The check runs once for all files (one ``pyvorin check --format json`` process); a file that
checks clean then goes through the whole pipeline in its own test. A file whose outcome
differs from expected.toml fails its test with what changed (improved, regressed, other PV
codes); a known rejection that stays the same passes. See docs/corpus.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.corpus import harness

FILES = harness.corpus_files()
EXPECTED = harness.load_expected()
CREDITS = (harness.CORPUS / "CREDITS.md").read_text(encoding="utf-8")
HEADER = re.compile(
    r"\A# Pyvorin test corpus file \(tests/corpus/CREDITS\.md\)\. The code below this header is\n"
    r"# unchanged from its source:\n"
    r"#   repository: (?P<repo>[\w.-]+/[\w.-]+) \(GitHub\)\n"
    r"#   path:       (?P<path>\S+)\n"
    r"#   commit:     (?P<commit>[0-9a-f]{40})\n"
    r"#   licence:    (?P<licence>MIT .+)\n"
)


def _param(path: Path):
    expected = EXPECTED.get(path.stem)
    slow = expected is not None and expected.outcome != harness.REJECTED
    return pytest.param(path, id=path.stem, marks=[pytest.mark.slow] if slow else [])


@pytest.fixture(scope="module")
def checks() -> dict[str, harness.CheckResult]:
    return harness.run_check(FILES)


def test_the_corpus_is_large_and_every_file_has_an_expectation() -> None:
    assert len(FILES) >= 30
    names = {p.stem for p in FILES}
    assert names == set(EXPECTED), (
        f"no expectation for {sorted(names - set(EXPECTED))}; "
        f"expectation without a file: {sorted(set(EXPECTED) - names)}"
    )


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_file_is_credited_and_licensed(path: Path) -> None:
    match = HEADER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name}: no credit header (repository, path, commit, licence)"
    row = f"| `{path.name}` | {match['repo']} | `{match['path']}` | `{match['commit'][:12]}` |"
    assert row in CREDITS, f"CREDITS.md has no row {row}"


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_corpus_file_outcome(
    path: Path, checks: dict[str, harness.CheckResult], tmp_path: Path
) -> None:
    check = checks[path.stem]
    pipeline = harness.run_pipeline(path, tmp_path) if check.clean else None
    outcome = harness.outcome_from(check, pipeline)
    problem = harness.mismatch(outcome, EXPECTED.get(path.stem))
    assert problem is None, problem

"""Every corpus file through the real CLI; its outcome must be the one recorded.

The check runs once for all files (one ``pyvorin check --format json`` process); a file that
checks clean then goes through the whole pipeline in its own test. A file whose outcome
differs from expected.toml fails its test with what changed (regressed, other PV codes); an
improvement is reported as a warning (outcomes near the per-call budget depend on the
machine's load); a known rejection that stays the same passes. See docs/corpus.md.
"""

from __future__ import annotations

import ast
import inspect
import re
import warnings
from pathlib import Path

import pytest

from pyvorin.verify.examples import from_toml
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
    slow = (
        expected is not None
        and expected.outcome != harness.REJECTED
        and expected.tests == "pipeline"
    )
    return pytest.param(path, id=path.stem, marks=[pytest.mark.slow] if slow else [])


@pytest.fixture(scope="module")
def checks(tmp_path_factory, licensed_home_template) -> dict[str, harness.CheckResult]:
    # `pyvorin check` goes through the licence gate: a licensed home of the module's own
    from pyvorin_server.local import copy_licence_state

    home = tmp_path_factory.mktemp("corpus-home")
    copy_licence_state(licensed_home_template, home)
    return harness.run_check(FILES, env={"PYVORIN_HOME": str(home)})


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
    expected = EXPECTED.get(path.stem)
    if expected is not None and expected.tests == "check":
        # measured code (docs/corpus.md, "Unseen code"): the suite checks it; its pipeline
        # outcome is measured by benchmarks/corpus_report.py
        problem = harness.check_mismatch(check, expected)
        assert problem is None, problem
        return
    pipeline = harness.run_pipeline(path, tmp_path) if check.clean else None
    outcome = harness.outcome_from(check, pipeline)
    # A difference from CPython is never an accepted outcome, whatever the exit code
    # recorded: either the compiled code is wrong or the verifier reports a false finding.
    assert not outcome.differing, (
        f"{path.stem}: verification found compiled functions differing from CPython:\n"
        + "\n".join(outcome.differing)
        + "\n"
        + outcome.detail
    )
    problem = harness.mismatch(outcome, EXPECTED.get(path.stem))
    if problem is not None and f"{path.stem}: improved:" in problem:
        # A file that now gets further than recorded (e.g. more of its inputs finish
        # within the per-call budget on a quiet machine) is shown, not failed: outcomes
        # near the budget depend on the machine's load. Regressions and changes fail.
        warnings.warn(problem, stacklevel=1)
        return
    assert problem is None, problem


EXAMPLE_FILES = sorted(harness.FILES.glob("*.examples.toml"))


def _signature(path: Path, name: str) -> inspect.Signature:
    """The signature of a top-level function, from the source (without importing it)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            args = node.args
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
                arg.annotation = None
            for extra in (args.vararg, args.kwarg):
                if extra is not None:
                    extra.annotation = None
            args.defaults = [ast.Constant(None) for _ in args.defaults]
            args.kw_defaults = [None if d is None else ast.Constant(None) for d in args.kw_defaults]
            namespace: dict = {}
            exec(f"def {name}({ast.unparse(args)}): pass", namespace)
            return inspect.signature(namespace[name])
    raise AssertionError(f"{path.name} has no top-level function {name}()")


@pytest.mark.parametrize("examples", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_name_real_functions_and_match_their_signatures(examples: Path) -> None:
    module = examples.name.removesuffix(".examples.toml")
    source = harness.FILES / f"{module}.py"
    assert source.is_file(), f"{examples.name}: no corpus file {source.name}"
    document = harness.tomllib.loads(examples.read_text(encoding="utf-8"))
    assert document
    for key, entries in document.items():
        prefix, _, name = key.partition(":")
        assert prefix == module, f"{examples.name}: key {key!r} names another module"
        signature = _signature(source, name)
        for number, entry in enumerate(entries, 1):
            args = [from_toml(a, key) for a in entry.get("args", [])]
            try:
                signature.bind(*args, **entry.get("kwargs", {}))
            except TypeError as exc:
                raise AssertionError(f"{examples.name}: {key} example {number}: {exc}") from None

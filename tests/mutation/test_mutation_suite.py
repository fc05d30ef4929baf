"""The mutation suite: realistic compiler bugs must each fail the default build (exit 4).

Every mutant of ``mutants.py`` is applied, one at a time, to a temporary copy of the
compiler (code generator or C runtime); the realistic modules of ``project/`` (which do
not name any mutant) are built through ``pyvorin compile`` with default settings. A
caught mutant exits 4 with a report naming the differing input; nothing is signed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import MODULES, build, check_snippet, run_all, table
from .mutants import MUTANTS, Mutant


def test_every_mutant_snippet_is_in_the_compiler_exactly_once():
    assert len(MUTANTS) >= 30
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)
    for mutant in MUTANTS:
        check_snippet(mutant)


def test_a_drifted_snippet_fails_loudly(tmp_path: Path):
    from .harness import SnippetNotFound, mutated_package

    ghost = Mutant("ghost", "ncodegen/module.py", "this text is not in the code generator", "", "")
    with pytest.raises(SnippetNotFound, match="occurs 0 times"):
        mutated_package(ghost, tmp_path)


@pytest.mark.slow
def test_unmutated_compiler_builds_the_project(tmp_path: Path):
    outcome = build(None, tmp_path)
    assert outcome.exit_code == 0, outcome.output_tail
    for module in MODULES:
        leaf = module.removesuffix(".py")
        assert (tmp_path / "project" / "out" / f"{leaf}.pyvorin.json").is_file()


@pytest.mark.slow
def test_every_mutant_is_caught_by_default():
    # one module per build, stopping at the first catch: the same verdict for about half
    # the CPU (`python -m tests.mutation.harness` builds all modules for the docs table)
    outcomes = run_all(first_catch=True)
    print(table(outcomes))
    missed = [o for o in outcomes if not o.caught]
    assert not missed, "\n\n".join(
        f"{o.mutant}: exit {o.exit_code}\n{o.output_tail}" for o in missed
    )
    for outcome in outcomes:
        assert outcome.functions, outcome.mutant
        assert outcome.first_input, outcome.mutant  # the diff names the input

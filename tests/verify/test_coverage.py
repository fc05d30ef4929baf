"""Coverage as evidence: a body the inputs never reached is not verified."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pyvorin.verify.coverage import executable_lines, function_coverage
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

GUARDED = """\
def checksum16(xs: list[int]) -> int:
    assert len(xs) == 16, "expected a 16-word block"
    total = 0
    for x in xs:
        total = (total * 31 + x) % 65521
    return total


def clamp(n: int) -> int:
    if n > 10:
        return 10
    return n
"""

RARE_BRANCH = """\
def classify(n: int) -> int:
    if n == 123456789:
        a = n * 2
        b = a + 1
        c = b - 3
        return c
    return n + 1
"""


def run(tmp_path: Path, source: str, release: bool = False, **project):
    root = tmp_path / "p"
    module = make_project(root, source=source, **project)
    ctx = make_context(root, MutantBackend([]))
    if release:
        ctx = dataclasses.replace(ctx, options=dataclasses.replace(ctx.options, release=True))
    return verify_module(ctx, module, compile_with(ctx, module, tmp_path))


def test_executable_lines_and_percentages():
    lines = executable_lines(GUARDED, "m.py")
    assert lines["checksum16"] == {2, 3, 4, 5, 6}
    assert lines["clamp"] == {10, 11, 12}
    cover = function_coverage({2, 3, 4, 5, 6}, {2})
    assert cover == {"lines": 5, "covered": 1, "percent": 20.0, "uncovered": ["3-6"]}


def test_a_body_never_reached_past_its_guard_is_not_verified(tmp_path: Path):
    result, report, _ = run(tmp_path, GUARDED, min_inputs=20)
    assert not result.passed
    by_name = {f["name"]: f for f in report["functions"]}
    guarded = by_name["checksum16"]
    assert guarded["result"] == "not-verified"
    assert guarded["mismatches"] == 0 and guarded["conclusive"] >= 20
    assert guarded["coverage"]["covered"] == 1 and guarded["coverage"]["uncovered"] == ["3-6"]
    assert "AssertionError" in guarded["problem"] and "3-6" in guarded["problem"]
    assert '[["kernels:checksum16"]]' in guarded["problem"]
    assert "kernels:checksum16: not verified" in result.message
    # the other function is fine and fully covered
    assert by_name["clamp"]["result"] == "passed"
    assert by_name["clamp"]["coverage"]["percent"] == 100.0


def test_examples_that_pass_the_guard_make_it_verified(tmp_path: Path):
    block = ", ".join(str(i * 7) for i in range(16))
    examples = f'[["kernels:checksum16"]]\nargs = [[{block}]]\n'
    result, report, _ = run(tmp_path, GUARDED, min_inputs=20, examples=examples)
    assert result.passed, result.message
    guarded = report["functions"][0]
    assert guarded["coverage"]["percent"] == 100.0


def test_release_requires_the_coverage_threshold(tmp_path: Path):
    result, report, _ = run(tmp_path, RARE_BRANCH, min_inputs=20)
    assert result.passed, result.message  # not a release: coverage is reported only
    (f,) = report["functions"]
    assert f["coverage"]["percent"] < 90 and f["coverage"]["uncovered"] == ["3-6"]

    result, report, _ = run(tmp_path / "r", RARE_BRANCH, release=True, min_inputs=20)
    assert not result.passed
    (f,) = report["functions"]
    assert f["result"] == "insufficient-coverage"
    assert "under the --release threshold of 90%" in f["problem"]

    # the threshold is configurable ([tool.pyvorin.verify] min-coverage); lowering it
    # from the project weakens verification: it needs the user's opt-in (given by this
    # folder's conftest) and --release refuses it
    import pytest

    from pyvorin.config import load_settings
    from pyvorin.errors import ConfigError
    from pyvorin.options import BuildOptions

    root = tmp_path / "l2" / "p"
    make_project(root, source=RARE_BRANCH, min_inputs=100)
    text = (root / "pyproject.toml").read_text()
    (root / "pyproject.toml").write_text(text + "min-coverage = 30\n")
    settings = load_settings(root)
    assert settings["verify.min-coverage"] == 30
    assert any("min-coverage" in w for w in settings.weakenings)
    with pytest.raises(ConfigError, match="min-coverage"):
        BuildOptions.resolve(settings, command="compile", release=True)

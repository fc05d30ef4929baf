"""Branch coverage: arcs (line -> destination) each function's inputs took under CPython."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pyvorin.verify.coverage import (
    EXIT,
    LineRecorder,
    executable_branches,
    executable_lines,
    function_coverage,
)
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

# every line runs on every input, but one direction of a branch never does:
# `always` never skips its if-body (3->5), `early` always leaves its loop by `break`
# (the loop's exhaustion 3->7 and the back edge 5->3 are never taken)
UNTAKEN = """\
def always(n: int) -> int:
    r = 0
    if n * n >= 0:
        r = n
    return r


def early(n: int) -> int:
    k = n
    for i in range(3):
        k += i
        if k == k:
            break
    return k
"""
# (the module under test starts at line 1; `early` at line 8)

BRANCHY = """\
def f(x):
    if x:
        y = 1


def g(xs):
    t = 0
    for v in xs:
        if v > 2:
            t += v
        else:
            t -= 1
    return t


def h(n):
    while n > 0:
        n -= 1
    return n


def k(a, b):
    return a and b


def w(n):
    for i in range(n):
        if i == 2:
            break
    else:
        return -1
    return i
"""


def test_the_branch_table_names_each_line_s_destinations():
    arcs = executable_branches(BRANCHY, "m.py")
    assert arcs["f"] == {(2, 3), (2, EXIT)}  # an if without else at the end: 2 -> exit
    assert arcs["g"] == {(8, 9), (8, 13), (9, 10), (9, 12)}  # loop body / exit; if / else
    assert arcs["h"] == {(17, 18), (17, 19)}  # while: body / exit
    assert arcs["k"] == set()  # `a and b` on one line is no line-to-line branch
    # the for's exhaustion goes to its else (31); the if's false side loops back (28->27)
    assert arcs["w"] == {(27, 28), (27, 31), (28, 29), (28, 27)}


def test_the_recorder_sees_the_arcs_taken(tmp_path: Path):
    """The worker's recorder (sys.settrace before 3.12, sys.monitoring after) on real calls."""
    import importlib.util
    import sys

    path = tmp_path / "branchy.py"
    path.write_text(BRANCHY)
    recorder = LineRecorder(str(path))
    previous = sys.gettrace()
    recorder.start()
    try:
        spec = importlib.util.spec_from_file_location("branchy", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.f(0)
        module.g([1, 5])
        module.h(3)
        module.w(5)
    finally:
        _stop(recorder, previous)
    arcs = executable_branches(BRANCHY, str(path))
    lines = executable_lines(BRANCHY, str(path))
    taken = {tuple(a) for a in recorder.take_arcs()}
    cover = {n: function_coverage(lines[n], recorder.seen, arcs[n], taken) for n in arcs}
    assert cover["f"]["uncovered_branches"] == ["2->3"] and cover["f"]["branch_percent"] == 50.0
    assert cover["g"]["uncovered_branches"] == [] and cover["g"]["branches"] == 4
    assert cover["h"]["branches_covered"] == 2
    # w(5) breaks out: the loop never runs out, so its else (line 31) and 27->31 never run
    assert cover["w"]["uncovered_branches"] == ["27->31"] and cover["w"]["uncovered"] == ["31"]
    assert cover["k"]["branch_percent"] == 100.0  # no branches: nothing to miss


HOT = """\
def hot(n, late):
    total = 0
    for i in range(n):
        if i == late:
            total -= 1
        total += i
    after = total * 2
    return after
"""


def test_a_hot_loop_stops_being_traced_until_the_call_ends(tmp_path: Path):
    """Under sys.settrace a code object idle for IDLE_LINE_EVENTS lines is not traced for
    the rest of the call: what runs after is not seen (coverage only comes out lower), but
    the line a frame returns from is, and the next call is traced again."""
    import importlib.util
    import sys

    from pyvorin.verify.coverage import IDLE_LINE_EVENTS

    path = tmp_path / "hot.py"
    path.write_text(HOT)
    recorder = LineRecorder(str(path))
    previous = sys.gettrace()
    recorder.start()
    try:
        spec = importlib.util.spec_from_file_location("hot", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        iterations = IDLE_LINE_EVENTS  # three lines each: idle long before the end
        module.hot(iterations, late=iterations - 1)  # the branch is taken only at the end
        first = set(recorder.take())
        recorder.settle()
        module.hot(10, late=3)
        second = set(recorder.take())
    finally:
        _stop(recorder, previous)
    assert {2, 3, 4, 6, 8} <= first  # the loop, and the return line itself
    if sys.version_info < (3, 12):  # settrace: given up before the late branch and line 7
        assert 5 not in first and 7 not in first
        assert second == {5, 7}  # traced again in the next call
    else:  # sys.monitoring reports each line once, at no cost after: nothing is given up
        assert {5, 7} <= first


def _stop(recorder: LineRecorder, previous) -> None:  # type: ignore[no-untyped-def]
    import sys

    monitoring = getattr(sys, "monitoring", None)
    if monitoring is not None:
        monitoring.set_events(4, 0)
        monitoring.free_tool_id(4)
    else:
        sys.settrace(previous)


def run(tmp_path: Path, source: str, release: bool = False, **project):
    root = tmp_path / "p"
    module = make_project(root, source=source, **project)
    ctx = make_context(root, MutantBackend([]))
    if release:
        ctx = dataclasses.replace(ctx, options=dataclasses.replace(ctx.options, release=True))
    return verify_module(ctx, module, compile_with(ctx, module, tmp_path))


def test_untaken_branches_are_reported_exactly_and_release_requires_them(tmp_path: Path):
    result, report, _ = run(tmp_path, UNTAKEN, min_inputs=20)
    assert result.passed, result.message  # not a release: reported, not enforced
    by_name = {f["name"]: f for f in report["functions"]}
    always, early = by_name["always"]["coverage"], by_name["early"]["coverage"]
    assert always["percent"] == 100.0 and always["uncovered"] == []  # every line ran
    assert always["branches"] == 2 and always["uncovered_branches"] == ["3->5"]
    assert always["branch_percent"] == 50.0
    assert early["percent"] == 100.0
    assert early["uncovered_branches"] == ["10->14", "12->10"] and early["branches"] == 4
    assert result.summary["coverage"]["branches"] == 6
    assert result.summary["coverage"]["branches_covered"] == 3
    assert result.summary["coverage"]["lowest_branch_percent"] == 50.0
    assert result.summary["settings"]["min_branch_coverage"] == 80

    result, report, _ = run(tmp_path / "r", UNTAKEN, release=True, min_inputs=20)
    assert not result.passed
    for entry in report["functions"]:
        assert entry["result"] == "insufficient-coverage"
        assert "under the --release threshold of 80%" in entry["problem"]
        assert "min-branch-coverage" in entry["problem"]
    (always,) = [f for f in report["functions"] if f["name"] == "always"]
    assert "(line->destination): 3->5." in always["problem"]
    assert "kernels:always: branch coverage 50% of 2 branches" in result.message


def test_the_branch_threshold_is_configurable_and_lowering_it_weakens(tmp_path: Path):
    # (make_project appends extra inside [tool.pyvorin.verify]); with the opt-in of this
    # folder's conftest a non-release build accepts it, --release refuses the weakening
    extra = "min-branch-coverage = 50\n"
    make_project(tmp_path / "p", source=UNTAKEN, min_inputs=100, extra=extra)
    from pyvorin.config import load_settings
    from pyvorin.errors import ConfigError
    from pyvorin.options import BuildOptions

    settings = load_settings(tmp_path / "p")
    assert settings["verify.min-branch-coverage"] == 50
    assert any("min-branch-coverage" in w for w in settings.weakenings)
    with pytest.raises(ConfigError, match="min-branch-coverage"):
        BuildOptions.resolve(settings, command="compile", release=True)
    # raising it is no weakening
    root = tmp_path / "up"
    make_project(root, source=UNTAKEN, min_inputs=100, extra="min-branch-coverage = 100\n")
    assert load_settings(root)["verify.min-branch-coverage"] == 100
    assert not load_settings(root).weakenings


@pytest.mark.slow  # real `pyvorin compile` runs (licence gate, C compiler, signing)
def test_release_cli_exit_code_and_signed_manifest_record(
    tmp_path: Path, production_licence: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from pyvorin.errors import ExitCode
    from tests.helpers import run_cli

    signing = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    env = {"PYVORIN_SIGNING_KEY": signing.decode()}
    (tmp_path / "m.py").write_text(UNTAKEN)
    released = run_cli("compile", "m.py", "-o", "rel", "--release", cwd=tmp_path, env=env)
    assert released.returncode == ExitCode.VERIFICATION == 4, released.stderr
    assert "m:always: branch coverage 50% of 2 branches" in released.stderr
    assert "3->5" in released.stderr
    assert not (tmp_path / "rel" / "m.pyvorin.json").exists()  # nothing signed

    built = run_cli("compile", "m.py", "-o", "out", cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    manifest_file = tmp_path / "out" / "m.pyvorin.json"
    manifest = json.loads(manifest_file.read_text())
    record = manifest["verification"]
    assert record["coverage"]["branches"] == 6 and record["coverage"]["branches_covered"] == 3
    assert record["coverage"]["lowest_branch_percent"] == 50.0
    assert record["settings"]["min_branch_coverage"] == 80
    report = json.loads((tmp_path / "out" / record["report"]).read_text())
    (always,) = [f for f in report["functions"] if f["name"] == "always"]
    assert always["coverage"]["uncovered_branches"] == ["3->5"]
    verified = run_cli(
        "signature", "verify", "out", cwd=tmp_path, env={"PYVORIN_REQUIRE_TRUSTED": "0"}
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # the record is under the signature: changing it breaks verification
    record["coverage"]["lowest_branch_percent"] = 100.0
    manifest_file.write_text(json.dumps(manifest))
    tampered = run_cli(
        "signature", "verify", "out", cwd=tmp_path, env={"PYVORIN_REQUIRE_TRUSTED": "0"}
    )
    assert tampered.returncode != 0

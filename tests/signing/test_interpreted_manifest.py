"""Declared interpreted functions through the whole pipeline (real compiler, verifier and
signer, via the ``pyvorin`` command): reported, listed in the signed manifest (tampering
with the list breaks the signature), audited once per function per build, and listed in
the verification report without being counted as verified."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from pyvorin.artifacts import manifest_path
from pyvorin.audit import AuditLog
from pyvorin.verify.report import report_path
from tests.helpers import run_cli

from .conftest import run_python

SOURCE = '''\
"""Kernels with two functions that need a frame, declared interpreted."""

from pyvorin_runtime import interpreted


def add(a: int, b: int) -> int:
    return a + b


@interpreted
def evaluate(expr: str) -> int:
    return eval(expr)


def configured(n: int) -> int:
    return len(locals()) + n


class Calc:
    @interpreted
    def run(self, expr):
        return eval(expr)
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("interp-project")
    pkg = root / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "calc.py").write_text(SOURCE)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "p"
            version = "0"
            [tool.pyvorin]
            modules = ["pkg.calc"]
            interpreted = ["pkg.calc:configured"]
            """
        )
    )
    return root


@pytest.fixture
def build(built: Path):
    out = built / "build" / "pyvorin"
    result = run_cli("build", str(built), "-o", str(out))
    assert result.returncode == 0, result.stderr
    return built, out, result


def test_build_reports_lists_signs_and_audits(build) -> None:
    _, out, result = build
    # compile/build report every declared function
    notes = [line for line in result.stderr.splitlines() if "note PV490" in line]
    assert len(notes) == 3, result.stderr
    assert any("configured is declared interpreted ([tool.pyvorin]" in n for n in notes)
    assert any(
        "Calc.run is declared interpreted (@pyvorin_runtime.interpreted)" in n for n in notes
    )

    manifest = json.loads(manifest_path(out, "pkg.calc").read_text())
    assert manifest["interpreted"] == ["evaluate", "configured", "Calc.run"]
    assert manifest["verification"]["interpreted"] == ["evaluate", "configured", "Calc.run"]
    assert manifest["verification"]["functions"] == 1  # only add is compiled and verified

    report = json.loads(report_path(out, "pkg.calc").read_text())
    assert [f["name"] for f in report["functions"]] == ["add"]
    assert report["interpreted"] == [
        {"name": name, "result": "interpreted (declared)"}
        for name in ("evaluate", "configured", "Calc.run")
    ]

    events = [r for r in AuditLog().records() if r["type"] == "fallback"]
    assert [(e["details"]["module"], e["details"]["function"]) for e in events] == [
        ("pkg.calc", "evaluate"),
        ("pkg.calc", "configured"),
        ("pkg.calc", "Calc.run"),
    ]
    assert all(e["details"]["reason"] == "declared interpreted" for e in events)

    verified = run_cli("signature", "verify", str(out), "--format", "json")
    assert verified.returncode == 0, verified.stderr
    (artifact,) = json.loads(verified.stdout)["artifacts"]
    assert artifact["interpreted"] == ["evaluate", "configured", "Calc.run"]
    text = run_cli("signature", "verify", str(out))
    assert "interpreted (declared): evaluate, configured, Calc.run" in text.stdout

    # the verified artifact imports and runs, interpreted parts included
    proc = run_python(
        "import types, pkg.calc as m\n"
        "print(m.add(2, 3), m.evaluate('6*7'), m.configured(1), m.Calc().run('1+1'))\n"
        "print(isinstance(m.add, types.FunctionType), type(m.evaluate) is types.FunctionType)",
        out,
    )
    assert proc.stdout.splitlines() == ["5 42 2 2", "False True"], proc.stderr


def test_tampering_with_the_list_breaks_the_signature(build) -> None:
    _, out, _ = build
    path = manifest_path(out, "pkg.calc")
    manifest = json.loads(path.read_text())
    manifest["interpreted"] = ["evaluate", "Calc.run"]  # hide one
    path.write_text(json.dumps(manifest))
    result = run_cli("signature", "verify", str(out))
    assert result.returncode == 5
    assert "FAILED" in result.stderr


def test_check_json_carries_the_note_and_does_not_fail(built: Path) -> None:
    result = run_cli("check", "--format", "json", "src/pkg/calc.py", cwd=built)
    assert result.returncode == 0, result.stdout + result.stderr
    diagnostics = json.loads(result.stdout)["diagnostics"]
    assert [(d["code"], d["severity"], d["line"]) for d in diagnostics] == [
        ("PV480", "note", 6),  # add() also gets a native version (per-function tiering)
        ("PV490", "note", 11),
        ("PV490", "note", 15),
        ("PV490", "note", 21),
    ]
    sarif = json.loads(run_cli("check", "--format", "sarif", "src/pkg/calc.py", cwd=built).stdout)
    assert {r["level"] for r in sarif["runs"][0]["results"]} == {"note"}


def test_undeclared_it_is_rejected_with_the_option_named(tmp_path: Path) -> None:
    path = tmp_path / "calc.py"
    path.write_text(re.sub(r" *@interpreted\n", "", SOURCE))
    result = run_cli("check", str(path))
    assert result.returncode == 3
    assert result.stdout.count("error PV40") == 3
    assert 'interpreted = ["calc:evaluate"]' in result.stdout
    assert 'interpreted = ["calc:Calc.run"]' in result.stdout


def test_an_entry_naming_no_function_is_exit_2(built: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / "src" / "pkg" / "calc.py").write_text(SOURCE)
    (project / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["pkg.calc"]\ninterpreted = ["pkg.calc:missing"]\n'
    )
    result = run_cli("build", str(project))
    assert result.returncode == 2, result.stderr
    assert "tool.pyvorin.interpreted: entry 'pkg.calc:missing'" in result.stderr
    assert "no top-level function 'missing'" in result.stderr
    assert str(project / "pyproject.toml") in result.stderr

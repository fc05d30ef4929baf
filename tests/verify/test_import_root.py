"""Sibling modules: the workers import from the module's import root, the staged copy wins.

A module that does ``from helper import ...`` (a module beside it in the project, as the
benchmark files of tests/corpus do) must verify: both workers have the directory the
module's imports start from on ``sys.path`` after their own work directory, and the
sandbox exposes it read-only. The module under test is always the staged copy (on the
compiled side the artifact), even for a sibling that imports it back.
"""

from __future__ import annotations

import json
from pathlib import Path

from pyvorin.verify.workers import Budget, import_root, run_side, stage_files


def test_import_root_of_a_top_level_module_and_of_a_package_module(tmp_path: Path):
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    assert import_root("mod", tmp_path / "mod.py") == tmp_path.resolve()
    assert import_root("pkg.mod", tmp_path / "pkg" / "mod.py") == tmp_path.resolve()
    assert import_root("pkg.sub.mod", tmp_path / "pkg" / "sub" / "mod.py") == tmp_path.resolve()
    assert import_root("pkg", tmp_path / "pkg" / "__init__.py") == tmp_path.resolve()


def test_a_sibling_imports_and_the_staged_copy_wins_over_the_original(tmp_path: Path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "helper.py").write_text(
        "import mod\n\ndef twice(n):\n    return 2 * n\n\ndef which():\n    return mod.WHO\n"
    )
    (project / "mod.py").write_text(
        "from helper import twice, which\nWHO = 'original'\n\n"
        "def f(n: int) -> int:\n    return twice(n)\n\ndef g():\n    return which()\n"
    )
    # the "artifact": another file, staged under another name, loaded as module ``mod``
    artifact = tmp_path / "build" / "mod.artifact.py"
    artifact.parent.mkdir()
    artifact.write_text((project / "mod.py").read_text().replace("'original'", "'staged'"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    staged = stage_files(workdir, artifact)
    requests = [
        {"id": 0, "function": "f", "args": [{"int": "21"}], "kwargs": {}},
        {"id": 1, "function": "g", "args": [], "kwargs": {}},
    ]
    budget = Budget(call_seconds=5, memory_mb=512, cpu_seconds=30)
    root = import_root("mod", project / "mod.py")
    replies = run_side("compiled", "mod", staged, requests, budget, workdir, root=root)
    assert [r["kind"] for r in replies] == ["return", "return"], replies
    assert replies[0]["value"] == {"int": "42"}
    assert replies[1]["value"] == {"str": "staged"}  # never the .py beside the helper


def test_a_module_importing_a_sibling_compiles_and_verifies(tmp_path: Path):
    from tests.helpers import run_cli

    # the project directory is created as a user's is (0755): a root caller's workers run
    # as an unprivileged uid, which cannot read pytest's 0700 tmp_path itself
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    (project / "helper.py").write_text("def scale(x: int) -> int:\n    return 3 * x\n")
    (project / "mod.py").write_text(
        "from helper import scale\n\n\ndef triple_plus(n: int) -> int:\n    return scale(n) + 1\n"
    )
    (project / "pyproject.toml").write_text("[tool.pyvorin.verify]\ncall-seconds = 2\n")
    proc = run_cli("compile", "mod.py", "-o", "out", cwd=project)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    report = json.loads((project / "out" / "mod.pyvorin-verify.json").read_text())
    (function,) = report["functions"]
    assert function["result"] == "passed" and function["mismatches"] == 0
    assert function["conclusive"] >= function["required"] >= 1

"""The plugin example in docs/architecture.md works exactly as printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pyvorin.config import load_settings
from pyvorin.exitcodes import ExitCode
from pyvorin.pipeline import make_context, run
from pyvorin.project import spec_for_file
from tests.helpers import REPO, install_fake_distribution


def _example_source() -> str:
    text = (REPO / "docs" / "architecture.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return next(block for block in blocks if block.startswith("# pyvorin_echo.py"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    # A distinct module name: sys.modules may already hold another "pyvorin_echo".
    install_fake_distribution(site, "echo", "pyvorin_echo_documented", _example_source())
    monkeypatch.syspath_prepend(str(site))
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.pyvorin]\nbackend = "echo"\nplugins = ["echo"]\n')
    return root


def test_documented_plugin_compiles(project: Path) -> None:
    source = project / "mod.py"
    source.write_text("def f(x: int) -> int:\n    return x\n")
    ctx = make_context(load_settings(project, env={}), project / "out")
    result = run(ctx, [spec_for_file(source)])
    assert result.exit_code == ExitCode.OK
    assert (project / "out" / "mod.py").read_text() == source.read_text()


def test_documented_plugin_rejects_with_a_diagnostic(project: Path) -> None:
    source = project / "bad.py"
    source.write_text("x = eval('1')\n")
    ctx = make_context(load_settings(project, env={}), project / "out")
    result = run(ctx, [spec_for_file(source)])
    assert result.exit_code == ExitCode.UNSUPPORTED
    assert result.modules[0].diagnostics[0].code == "PV999"

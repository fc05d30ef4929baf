"""`pyvorin annotate`: the HTML page shows each line's tier and the native tier's reasons."""

from __future__ import annotations

import html
from pathlib import Path

from pyvorin.compiler.annotate import annotate
from tests.helpers import run_cli


def test_generic_module_lines_carry_the_native_reason(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        "import os\n\n\ndef f(x: int) -> int:\n    return x\n\n\ndef g(xs):\n    return xs\n"
    )
    page, summary = annotate(src)
    assert summary["tier"] == "generic"
    assert "PV112" in summary["reasons"] and "PV201" in summary["reasons"]
    rows = page.split("<tr ")[1:]
    assert 'class="reason"' in rows[0] and "PV112" in rows[0]  # line 1: import os
    # f has a native version in the generic-tier module: its lines are shown native
    assert 'class="native"' in rows[4] and summary["native_functions"] == ["f"]
    assert summary["no_native_version"]["g"].startswith("PV202: ")
    assert html.escape("def g(xs):") in rows[7] and "PV201" in rows[7]


def test_native_module_is_all_native(tmp_path: Path) -> None:
    src = tmp_path / "k.py"
    src.write_text("def f(x: int) -> int:\n    return x * 2\n")
    page, summary = annotate(src)
    assert summary == {
        "tier": "native",
        "lines": 2,
        "reasons": [],
        "lines_with_reasons": 0,
        "native_functions": [],  # the per-function versions of a generic-tier module
        "no_native_version": {},
    }
    assert page.count('class="native"') == 2


def test_cli_writes_the_page_and_escapes_source(tmp_path: Path) -> None:
    src = tmp_path / "h.py"
    src.write_text("X = '<script>alert(1)</script>'\n")
    res = run_cli("annotate", str(src))
    assert res.returncode == 0, res.stderr
    out = tmp_path / "h.html"
    text = out.read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "native" in res.stdout and str(out) in res.stdout
    missing = run_cli("annotate", str(tmp_path / "nope.py"))
    assert missing.returncode == 2


def test_cli_applies_the_projects_interpreted_declarations(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["k.py"]\ninterpreted = ["k:slow"]\n'
    )
    src = tmp_path / "k.py"
    src.write_text(
        "def f(x: int) -> int:\n    return x * 2\n\n\ndef slow(x: int) -> int:\n    return x\n"
    )
    alone, _ = annotate(src)
    assert "PV490" not in alone  # without the project: a native module
    res = run_cli("annotate", str(src), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "generic" in res.stdout  # a declared function puts the module in the generic tier
    rows = (tmp_path / "k.html").read_text().split("<tr ")[1:]
    assert "PV490" in rows[4]  # line 5: def slow, declared interpreted

"""The check / compile / build commands, run as real subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

from pyvorin.artifacts import binary_path
from tests.helpers import run_cli

GOOD = '''\
"""A module in the subset."""


def add(a: int, b: int) -> int:
    """Add two ints.

    >>> add(2, 3)
    5
    """
    return a + b
'''
BAD = "import os\n\n\ndef f(x) -> int:\n    return eval(x)\n"


def _write(tmp_path: Path) -> tuple[Path, Path]:
    good, bad = tmp_path / "good.py", tmp_path / "bad.py"
    good.write_text(GOOD)
    bad.write_text(BAD)
    return good, bad


def test_check_exit_codes_and_text(tmp_path: Path) -> None:
    good, bad = _write(tmp_path)
    ok = run_cli("check", str(good))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == ""
    res = run_cli("check", str(bad))
    assert res.returncode == 3
    lines = res.stdout.splitlines()
    assert lines[0].startswith(f"{bad}:5:12: error PV401: eval() runs interpreted code")
    assert lines[1].startswith("  hint: ") and "interpreted = " in lines[1]
    assert "Traceback" not in res.stderr


def test_check_directory_json_and_sarif(tmp_path: Path) -> None:
    _write(tmp_path)
    res = run_cli("check", str(tmp_path), "--format", "json")
    assert res.returncode == 3
    data = json.loads(res.stdout)
    assert {d["code"] for d in data["diagnostics"]} == {"PV401"}
    assert all(d["path"].endswith("bad.py") for d in data["diagnostics"])
    res = run_cli("check", str(tmp_path), "--format", "sarif")
    sarif = json.loads(res.stdout)
    assert sarif["version"] == "2.1.0" and "sarif" in sarif["$schema"]
    results = sarif["runs"][0]["results"]
    assert sorted(r["ruleId"] for r in results) == ["PV401"]


def test_check_missing_path_is_usage_error(tmp_path: Path) -> None:
    res = run_cli("check", str(tmp_path / "nope.py"))
    assert res.returncode == 2 and "no such file" in res.stderr


def test_compile_then_import_in_subprocess(tmp_path: Path) -> None:
    good, _ = _write(tmp_path)
    out = tmp_path / "out"
    res = run_cli("compile", str(good), "-o", str(out))
    assert "good: check ok" in res.stderr and "compile ok" in res.stderr, res.stderr
    binary = binary_path(out, "good")
    assert binary.is_file()
    script = textwrap.dedent(
        f"""
        import importlib.machinery, importlib.util
        loader = importlib.machinery.ExtensionFileLoader("good", {str(binary)!r})
        spec = importlib.util.spec_from_file_location("good", {str(binary)!r}, loader=loader)
        m = importlib.util.module_from_spec(spec)
        loader.exec_module(m)
        print(m.add(2, 40), m.add.__doc__.splitlines()[0])
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.strip() == "42 Add two ints.", proc.stderr
    assert res.returncode == 0, res.stderr


MATCHING = """\
def describe(p):
    match p:
        case {"x": x, "y": y} if x == y:
            return f"diagonal {x}"
        case [x, *rest]:
            return f"sequence from {x}, {len(rest)} more"
        case str() | bytes() as text:
            return f"text {text!r}"
        case _:
            return "other"
"""


def test_check_and_compile_match_statements(tmp_path: Path) -> None:
    """A module with match statements checks clean and compiles (generic tier); one that
    CPython's compiler refuses (an unreachable case) is PV100 at CPython's place."""
    src = tmp_path / "shapes.py"
    src.write_text(MATCHING)
    ok = run_cli("check", str(src))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == ""
    out = tmp_path / "out"
    res = run_cli("compile", str(src), "-o", str(out))
    assert res.returncode == 0, res.stderr
    binary = binary_path(out, "shapes")
    script = textwrap.dedent(
        f"""
        import importlib.machinery, importlib.util
        loader = importlib.machinery.ExtensionFileLoader("shapes", {str(binary)!r})
        spec = importlib.util.spec_from_file_location("shapes", {str(binary)!r}, loader=loader)
        m = importlib.util.module_from_spec(spec)
        loader.exec_module(m)
        for v in ({{"x": 2, "y": 2}}, {{"x": 1, "y": 2}}, (5, 6, 7), "ab", b"c", 3):
            print(m.describe(v))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.splitlines() == [
        "diagonal 2",
        "other",
        "sequence from 5, 2 more",
        "text 'ab'",
        "text b'c'",
        "other",
    ], proc.stderr
    bad = tmp_path / "unreachable.py"
    bad.write_text(
        "def f(p):\n    match p:\n        case x:\n            pass\n        case 1:\n"
        "            pass\n"
    )
    res = run_cli("check", str(bad))
    assert res.returncode == 3, res.stdout + res.stderr
    assert res.stdout.startswith(
        f"{bad}:3:14: error PV100: the file is not valid Python: "
        "name capture 'x' makes remaining patterns unreachable"
    )
    assert "Traceback" not in res.stderr


def test_compile_keep_c(tmp_path: Path) -> None:
    good, _ = _write(tmp_path)
    keep = tmp_path / "c"
    run_cli("compile", str(good), "-o", str(tmp_path / "out"), "--keep-c", str(keep))
    assert (keep / "good.c").is_file()


def test_compile_unsupported_exits_3(tmp_path: Path) -> None:
    _, bad = _write(tmp_path)
    res = run_cli("compile", str(bad), "-o", str(tmp_path / "out"))
    assert res.returncode == 3
    assert "PV401" in res.stderr and "check failed" in res.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("bad*"))


def test_compile_without_compiler(tmp_path: Path) -> None:
    good, _ = _write(tmp_path)
    res = run_cli("compile", str(good), "-o", str(tmp_path / "out"), env={"CC": "/nonexistent/cc"})
    assert res.returncode == 9  # no working C compiler: its own exit code, not "internal"
    assert "no C compiler found" in res.stderr and "/nonexistent/cc" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def _tools_dir(tmp_path: Path, home: Path) -> Path:
    """A directory for stand-in compilers that the sandbox shows (user configuration)."""
    tools = tmp_path / "tools"
    tools.mkdir()
    (home / "config.toml").write_text(f'[sandbox]\nreadable-paths = ["{tools}"]\n')
    return tools


def test_compile_with_broken_compiler(tmp_path: Path, pyvorin_home: Path) -> None:
    """A compiler that starts but fails its --version probe is exit 9 with its output."""
    good, _ = _write(tmp_path)
    broken = _tools_dir(tmp_path, pyvorin_home) / "brokencc"
    broken.write_text("#!/bin/sh\necho 'cc: licence server unreachable' >&2\nexit 3\n")
    broken.chmod(0o755)
    res = run_cli("compile", str(good), "-o", str(tmp_path / "out"), env={"CC": str(broken)})
    assert res.returncode == 9, res.stderr
    assert "no working C compiler" in res.stderr and "exited 3" in res.stderr
    assert "licence server unreachable" in res.stderr
    assert "Traceback" not in res.stderr


def test_compile_with_compiler_hidden_by_sandbox(tmp_path: Path) -> None:
    """A CC outside what the sandbox shows is exit 9 naming the setting that shows it."""
    good, _ = _write(tmp_path)
    hidden = tmp_path / "hidden-cc"
    hidden.write_text('#!/bin/sh\nexec cc "$@"\n')
    hidden.chmod(0o755)
    res = run_cli("compile", str(good), "-o", str(tmp_path / "out"), env={"CC": str(hidden)})
    assert res.returncode == 9, res.stderr
    assert "sandbox does not show it" in res.stderr and "readable-paths" in res.stderr


def test_compile_without_python_headers(tmp_path: Path, pyvorin_home: Path) -> None:
    """A compiler that cannot find Python.h (no python3-dev) is exit 9 with the fix named."""
    good, _ = _write(tmp_path)
    include = sysconfig.get_config_var("INCLUDEPY")
    wrapper = _tools_dir(tmp_path, pyvorin_home) / "cc-without-headers"
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import os, shutil, sys\n"
        f"args = [a for a in sys.argv[1:] if a != '-I{include}']\n"
        "os.execv(shutil.which('cc'), ['cc', *args])\n"
    )
    wrapper.chmod(0o755)
    res = run_cli("compile", str(good), "-o", str(tmp_path / "out"), env={"CC": str(wrapper)})
    assert res.returncode == 9, res.stderr
    assert "cannot find Python.h" in res.stderr and "python3-dev" in res.stderr
    assert "Traceback" not in res.stderr


def test_build_project(tmp_path: Path) -> None:
    pkg = tmp_path / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "fast.py").write_text(GOOD)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "0"\n[tool.pyvorin]\nmodules = ["pkg.fast"]\n'
    )
    res = run_cli("build", str(tmp_path))
    assert "pkg.fast: check ok" in res.stderr, res.stderr
    assert binary_path(tmp_path / "build" / "pyvorin", "pkg.fast").is_file()
    assert res.returncode == 0, res.stderr


def test_pre_commit_hook_definition() -> None:
    text = (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text()
    lines = [line.strip() for line in text.splitlines()]
    assert "- id: pyvorin-check" in lines
    assert "entry: pyvorin check" in lines
    assert "language: python" in lines
    assert "types: [python]" in lines


def test_plugin_is_registered() -> None:
    from pyvorin.plugins import BUILTIN_PLUGINS, build_plugin_manager

    assert "pyvorin.compiler.plugin" in BUILTIN_PLUGINS
    pm, _ = build_plugin_manager([], env={"PYVORIN_DISABLE_PLUGIN_AUTOLOAD": "1"})
    names = [n for result in pm.hook.pyvorin_backend_names() for n in result]
    assert "native" in names

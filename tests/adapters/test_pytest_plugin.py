"""pytest-pyvorin through real ``pytest`` subprocesses on a copy of the example project."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.helpers import install_fake_distribution

from .conftest import copy_example, run, tool_env

pytestmark = pytest.mark.slow  # real builds/installs in subprocesses

# A third-party backend that compiles a subtly different source: the verifier must catch it.
WRONG_BACKEND = """
from pathlib import Path

from pyvorin.hookspecs import hookimpl
from pyvorin.model import ModuleSpec


@hookimpl
def pyvorin_backend_names():
    return ["wrong"]


@hookimpl
def pyvorin_check(ctx, module, backend):
    if backend != "wrong":
        return None
    return ctx.hook.pyvorin_check(ctx=ctx, module=module, backend="native")


@hookimpl
def pyvorin_compile(ctx, module, backend, workdir):
    if backend != "wrong":
        return None
    text = Path(module.path).read_text().replace("total += x\\n", "total += x + 1e-9\\n")
    altered = Path(workdir) / "altered" / Path(module.path).name
    altered.parent.mkdir()
    altered.write_text(text)
    return ctx.hook.pyvorin_compile(
        ctx=ctx, module=ModuleSpec(module.name, altered), backend="native", workdir=workdir
    )
"""

SWAPPED_TEST = """
import os

from numkit import kernels


def test_runs_against_the_compiled_module():
    compiled = type(kernels.spread).__name__ != "function"
    assert compiled == (os.environ.get("EXPECT_COMPILED") == "1")
"""


def _pytest(project: Path, home: Path, *args: str, **env: str):
    extra = {"PYTHONPATH": str(project / "src"), **env}
    return run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        project,
        tool_env(home, **extra),
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    project = copy_example(tmp_path)
    (project / "tests" / "test_swapped.py").write_text(SWAPPED_TEST)
    return project


def test_pyvorin_records_calls_and_checks_each_function(project, session_home):
    done = _pytest(project, session_home, "--pyvorin", "--deselect", "tests/test_swapped.py")
    out = done.stdout
    assert done.returncode == 0, out[-4000:] + done.stderr[-2000:]
    assert "recorded calls checked against the compiled modules" in out
    for name in ("dot", "mean", "horner", "collatz_steps", "gcd", "mandelbrot_escape", "spread"):
        line = next(line for line in out.splitlines() if line.startswith(f"numkit.kernels:{name}:"))
        assert ": ok on " in line, line
        corpus = int(re.search(r"corpus (\d+)", line).group(1))
        assert corpus > 0, f"the calls the tests made into {name} were not checked: {line}"
    summary = next(line for line in out.splitlines() if line.startswith("pyvorin: passed:"))
    assert "7 functions" in summary and re.search(r"(?<!\d)0 mismatches", summary), summary
    recorded = json.loads((project / ".pyvorin" / "corpus.json").read_text())
    assert recorded["functions"]["numkit.kernels:gcd"]  # the suite's calls feed the corpus


def test_a_wrong_compiled_function_fails_the_run_with_its_diff(project, session_home, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "wrong-backend", "wrong_backend", WRONG_BACKEND)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'modules = ["numkit.kernels"]',
            'modules = ["numkit.kernels"]\nbackend = "wrong"',
        )
    )
    done = _pytest(
        project,
        session_home,
        "--pyvorin",
        "--deselect",
        "tests/test_swapped.py",
        PYTHONPATH=f"{project / 'src'}:{site}",
        PYVORIN_PLUGINS="wrong-backend",  # the user allows the plugin, not the project
    )
    out = done.stdout
    assert done.returncode == 1, out[-4000:] + done.stderr[-2000:]
    assert "7 passed" in out  # the suite itself passed: the compiled code is what is wrong
    mean = next(line for line in out.splitlines() if line.startswith("numkit.kernels:mean:"))
    assert "differ from CPython" in mean, mean
    assert "differs in return value" in out
    assert "CPython:" in out and "compiled:" in out
    for name in ("dot", "horner", "spread"):
        line = next(line for line in out.splitlines() if line.startswith(f"numkit.kernels:{name}:"))
        assert ": ok on " in line, line
    summary = next(line for line in out.splitlines() if line.startswith("pyvorin: FAILED:"))
    assert not re.search(r"(?<!\d)0 mismatches", summary), summary


def test_swap_runs_the_suite_against_the_compiled_modules(project, session_home):
    done = _pytest(project, session_home, "--pyvorin-swap", EXPECT_COMPILED="1")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "8 passed" in done.stdout
    assert "numkit.kernels: compiled (signature verified at load)" in done.stdout

    # Without the flag the same test sees the interpreted source.
    plain = _pytest(project, session_home, "tests/test_swapped.py")
    assert plain.returncode == 0, plain.stdout[-2000:]


def test_flags_are_exclusive_and_configuration_errors_name_the_key(project, session_home):
    both = _pytest(project, session_home, "--pyvorin", "--pyvorin-swap")
    assert both.returncode == 4
    assert "--pyvorin and --pyvorin-swap are exclusive" in both.stderr
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('["numkit.kernels"]', '["numkit.nothere"]'))
    bad = _pytest(project, session_home, "--pyvorin")
    assert bad.returncode == 4
    assert "tool.pyvorin.modules: module 'numkit.nothere' not found" in bad.stderr

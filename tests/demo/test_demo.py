"""``pyvorin demo``: the real command, end to end, offline."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from pyvorin.artifacts import BINARY_SUFFIX
from tests.helpers import REPO, run_cli

pytestmark = pytest.mark.slow  # the demo: a real build, a fresh venv, an install

EXAMPLE = REPO / "examples" / "numkit"
FUNCTIONS = {"dot", "mean", "horner", "collatz_steps", "gcd", "mandelbrot_escape", "spread"}


@pytest.fixture(scope="module")
def demo_json(tmp_path_factory, request):
    from tests.adapters.installed import prepare_home

    home = prepare_home(request, tmp_path_factory.mktemp("demo-home"))
    done = run_cli("demo", "--format", "json", env={"PYVORIN_HOME": str(home)}, timeout=600)
    return done


def test_demo_runs_the_whole_pipeline_and_reports_every_function(demo_json):
    assert demo_json.returncode == 0, demo_json.stderr[-4000:]
    report = json.loads(demo_json.stdout)
    rows = {row["name"]: row for row in report["functions"]}
    assert set(rows) == FUNCTIONS
    for row in rows.values():
        assert row["same_result"] is True, row
        assert row["inputs_verified"] >= 100, row
        assert row["cpython_seconds"] > 0 and row["compiled_seconds"] > 0
    speedups = [row["speedup"] for row in rows.values()]
    geometric_mean = math.exp(sum(math.log(s) for s in speedups) / len(speedups))
    print("demo speedups:", {n: round(r["speedup"], 1) for n, r in rows.items()})
    assert geometric_mean > 2.0, speedups
    # Imported from the installed wheel in the fresh venv, as the compiled binary.
    assert "/venv/" in report["loaded_from"]
    assert report["loaded_from"].endswith("numkit/kernels" + BINARY_SUFFIX)
    assert report["signature"].startswith("signed by ")
    assert report["wheel"].endswith(".whl") and "-none-any" not in report["wheel"]


def test_demo_shows_progress_for_every_step(demo_json):
    for step in range(1, 6):
        assert f"[{step}/5]" in demo_json.stderr
    for stage in ("checking", "compiling", "verifying against CPython", "signing"):
        assert f"numkit.kernels: {stage}" in demo_json.stderr


def test_demo_text_table(tmp_path):
    done = run_cli("demo", "--workdir", str(tmp_path / "work"), timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    header = next(line for line in lines if line.startswith("function"))
    for column in ("inputs verified", "CPython", "compiled", "speedup", "signature"):
        assert column in header
    for name in FUNCTIONS:
        row = next(line for line in lines if line.startswith(name + " "))
        assert "verified at load" in row and "x " in row
    assert "kept in:" in done.stdout
    assert list((tmp_path / "work" / "wheels").glob("*.whl"))


def test_a_module_the_compiler_refuses_stops_the_demo_build_with_its_diagnostic(tmp_path):
    from pyvorin.demo import DemoFailed, build_wheel

    project = tmp_path / "numkit"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    kernels = project / "src" / "numkit" / "kernels.py"
    kernels.write_text(
        kernels.read_text()
        + "\n\ndef evaluate(expr: str) -> float:\n"
        + "    value = eval(expr)\n    return value\n"
    )  # eval: neither tier compiles it (PV401)
    with pytest.raises(DemoFailed) as info:
        build_wheel(project, tmp_path / "wheels", lambda message: None)
    assert info.value.exit_code == 3
    assert "PV401" in str(info.value)
    assert str(kernels) in str(info.value)
    assert not list((tmp_path / "wheels").glob("*.whl"))

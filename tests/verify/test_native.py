"""The real native backend: correct builds verify with zero findings, bugs are caught.

These tests run the real compiler (``pyvorin.compiler.compile_module``: C generation and
the system C compiler) and load the resulting extension modules in the workers.
"""

from __future__ import annotations

import json
import re
import sysconfig
from pathlib import Path

import pytest

from pyvorin.compiler import compile_module
from pyvorin.hookspecs import hookimpl
from pyvorin.model import CompileResult, ModuleSpec
from pyvorin.pipeline import run as run_pipeline
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, make_context, make_project

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXT_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


class NativeMutantBackend:
    """Backend ``native-mutant``: applies source mutations, then compiles natively."""

    def __init__(self, replacements: list[tuple[str, str]]) -> None:
        self.replacements = replacements

    @hookimpl
    def pyvorin_backend_names(self) -> list[str]:
        return ["native-mutant"]

    @hookimpl
    def pyvorin_check(self, ctx, module, backend):  # type: ignore[no-untyped-def]
        return [] if backend == "native-mutant" else None

    @hookimpl
    def pyvorin_compile(self, ctx, module, backend, workdir):  # type: ignore[no-untyped-def]
        if backend != "native-mutant":
            return None
        source = module.path.read_text(encoding="utf-8")
        for old, new in self.replacements:
            assert old in source, old
            source = source.replace(old, new)
        mutated = Path(workdir) / "src" / module.path.name
        mutated.parent.mkdir(parents=True)
        mutated.write_text(source, encoding="utf-8")
        built = compile_module(ModuleSpec(module.name, mutated), ctx.out_dir, workdir=Path(workdir))
        return CompileResult(
            module, "native-mutant", built.artifact, built.extra_files, built.facts
        )


@pytest.mark.parametrize(
    "source",
    [HERE / "native_src.py", REPO / "examples" / "numkit" / "src" / "numkit" / "kernels.py"],
    ids=["native_src", "numkit"],
)
def test_native_build_verifies_with_zero_findings(tmp_path: Path, source: Path):
    root = tmp_path / "p"
    module = make_project(root, source=source, min_inputs=100, call_seconds=10)
    ctx = make_context(root, MutantBackend())
    compiled = compile_module(module, root / "out", workdir=tmp_path)
    assert compiled.artifact.name.endswith(".pyvorin" + EXT_SUFFIX)
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    assert result.summary["mismatches"] == 0 and result.summary["inconclusive"] == 0
    for function in report["functions"]:
        assert function["findings"] == []
        assert function["conclusive"] >= function["required"] >= 1


def test_native_pipeline_records_the_verification_in_the_manifest(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=HERE / "native_src.py", min_inputs=40)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"mutant"', '"native"'))
    ctx = make_context(root, MutantBackend())
    result = run_pipeline(ctx, [module])
    stages = {s.stage: s.status for s in result.modules[0].stages}
    assert stages["verify"] == "ok", result.modules[0].stages
    assert result.modules[0].verification.summary["result"] == "passed"
    assert stages["sign"] == "ok", result.modules[0].stages
    recorded = json.loads((root / "out" / "kernels.pyvorin.json").read_text())["verification"]
    assert recorded["result"] == "passed"
    assert recorded["inputs"]["generated"] >= 7 * 40
    assert recorded["seed"] == 0 and recorded["mismatches"] == 0


def test_bugs_in_natively_compiled_code_are_caught(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=HERE / "native_src.py", min_inputs=30)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"mutant"', '"native-mutant"'))
    backend = NativeMutantBackend(
        [("return -x", "return 0.0 - x"), ("range(len(xs))", "range(len(xs) - 1)")]
    )
    ctx = make_context(root, backend)
    result = run_pipeline(ctx, [module])
    assert result.exit_code == 4
    assert result.modules[0].compiled.artifact.name.endswith(EXT_SUFFIX)
    report = json.loads((root / "out" / "kernels.pyvorin-verify.json").read_text())
    failed = {f["name"]: f for f in report["functions"] if f["result"] != "passed"}
    assert sorted(failed) == ["negate", "total"]
    negate = failed["negate"]["findings"][0]
    assert negate["input"]["call"] == "negate(0.0)"
    assert negate["cpython"] == "returned -0.0  (float -0x0.0p+0)"
    assert negate["compiled"] == "returned 0.0  (float 0x0.0p+0)"
    total = failed["total"]["findings"][0]
    assert (total["source"], total["input"]["call"]) == ("doctests", "total([1, 2, 3])")
    assert (total["cpython"], total["compiled"]) == ("returned 6", "returned 3")


def test_cli_compile_verifies_and_exits_4_when_a_function_is_short_of_inputs(tmp_path: Path):
    from tests.helpers import run_cli

    (tmp_path / "mod.py").write_text(
        "def spin(b: bool) -> int:\n    while b:\n        pass\n    return 0\n\n\n"
        "def double(n: int) -> int:\n    return n * 2\n"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.pyvorin.verify]\ncall-seconds = 1\n")
    proc = run_cli("compile", "mod.py", "-o", "out", cwd=tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 4, output
    assert "mod:spin: not enough inputs: verified on 1 conclusive input(s), 2 required" in output
    assert '[["mod:spin"]]' in output
    assert re.search(r"mod:double: ok on \d{3,} inputs", output)
    assert "Traceback" not in output
    report = json.loads((tmp_path / "out" / "mod.pyvorin-verify.json").read_text())
    spin = report["functions"][0]
    assert spin["inconclusive"][0]["input"]["call"] == "spin(True)"
    assert not (tmp_path / "out" / "mod.pyvorin.json").exists()  # nothing signed


def test_cli_compile_passes_and_signs_the_summary(tmp_path: Path):
    from tests.helpers import run_cli

    (tmp_path / "mod.py").write_text("def double(n: int) -> int:\n    return n * 2\n")
    proc = run_cli("compile", "mod.py", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((tmp_path / "out" / "mod.pyvorin.json").read_text())
    assert manifest["verification"]["result"] == "passed"
    assert manifest["verification"]["inputs"]["generated"] >= 100


def test_overhead_benchmark_runs_and_reports(tmp_path: Path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "verify_overhead", REPO / "benchmarks" / "verify_overhead.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.measure(1, "native")
    assert result["functions"] == 10 and result["inputs_per_function_min"] >= 100
    assert result["calls_run"] >= 2000
    seconds = result["median_seconds"]
    # a report, not a timing assertion: the parts add up to the whole
    parts = seconds["gather_inputs"] + seconds["workers_beyond_calls"] + seconds["calls"]
    assert abs(parts + seconds["compare_and_report"] - seconds["total"]) < 0.01

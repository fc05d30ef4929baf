"""The pipeline: stage order, outcomes mapped to the exit-code table, audit events."""

from __future__ import annotations

from pathlib import Path

import pluggy
import pytest

from pyvorin import audit, hookspecs
from pyvorin.audit import AuditLog
from pyvorin.config import load_settings
from pyvorin.diagnostics import Diagnostic
from pyvorin.errors import SandboxLimitError, SignatureError
from pyvorin.exitcodes import ExitCode
from pyvorin.home import pyvorin_home
from pyvorin.hookspecs import hookimpl
from pyvorin.licensing import gate
from pyvorin.model import (
    BuildContext,
    CompileResult,
    LicenceDecision,
    SignResult,
    VerificationResult,
)
from pyvorin.pipeline import run
from pyvorin.project import spec_for_file


class Backend:
    """A configurable in-process backend used to drive each pipeline branch."""

    def __init__(self, *, diagnostics=(), compile_error=None, crash=False):
        self.diagnostics = list(diagnostics)
        self.compile_error = compile_error
        self.crash = crash
        self.compiled: list[str] = []

    @hookimpl
    def pyvorin_backend_names(self):
        return ["test"]

    @hookimpl
    def pyvorin_check(self, ctx, module, backend):
        return self.diagnostics if backend == "test" else None

    @hookimpl
    def pyvorin_compile(self, ctx, module, backend, workdir):
        if backend != "test":
            return None
        assert workdir.is_dir()
        if self.crash:
            raise RuntimeError("backend bug")
        if self.compile_error:
            raise self.compile_error
        self.compiled.append(module.name)
        return CompileResult(module=module, backend="test", artifact=module.path)


class Verifier:
    def __init__(self, passed: bool):
        self.passed = passed

    @hookimpl
    def pyvorin_verify(self, ctx, module, compiled):
        return VerificationResult(passed=self.passed, message="f(1): 2 != 3")


class Signer:
    def __init__(self, error=None):
        self.error = error

    @hookimpl
    def pyvorin_sign(self, ctx, module, compiled, verification):
        if self.error:
            raise self.error
        return SignResult(manifest_path=module.path, key_ids=["k"])


class Gate:
    def __init__(self, allowed: bool):
        self.allowed = allowed

    @hookimpl
    def pyvorin_licence_gate(self, ctx):
        return LicenceDecision(allowed=self.allowed, reason="licence revoked")


@pytest.fixture
def project(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nbackend = "test"\n')
    sources = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.py"
        path.write_text("def f(x: int) -> int:\n    return x\n")
        sources.append(spec_for_file(path))
    return tmp_path, sources


def _run(project, *plugins, builtin_gate: bool = True):
    """Run the pipeline with the audit sink, the built-in licence gate and ``plugins``.

    The other built-in stages are left out on purpose, so each test controls them.
    """
    root, modules = project
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(audit)
    if builtin_gate:
        pm.register(gate, name="pyvorin.licensing.gate")
    for plugin in plugins:
        pm.register(plugin)
    ctx = BuildContext(
        settings=load_settings(root, env={}),
        hook=pm.hook,
        home=pyvorin_home(),
        out_dir=root / "out",
    )
    return run(ctx, modules)


def test_all_stages_ok(project) -> None:
    backend = Backend()
    result = _run(project, backend, Verifier(True), Signer(), Gate(True))
    assert result.exit_code == ExitCode.OK
    assert backend.compiled == ["a", "b"]
    assert result.licence.status == "ok"
    assert [m.stages_run for m in result.modules] == [["check", "compile", "verify", "sign"]] * 2


def test_missing_verify_or_sign_stage_refuses_the_module(project) -> None:
    result = _run(project, Backend())
    assert result.exit_code == ExitCode.VERIFICATION
    assert result.licence.status == "ok"
    verify = result.modules[0].stages[-1]
    assert (verify.stage, verify.status) == ("verify", "failed")
    assert "no verify plugin is registered" in verify.detail
    assert result.modules[0].stages_run == ["check", "compile", "verify"]

    result = _run(project, Backend(), Verifier(True))
    assert result.exit_code == ExitCode.SIGNATURE
    sign = result.modules[0].stages[-1]
    assert (sign.stage, sign.status) == ("sign", "failed")
    assert "no sign plugin is registered" in sign.detail


def test_a_run_without_the_builtin_gate_fails_closed(project) -> None:
    backend = Backend()
    result = _run(project, backend, Verifier(True), Signer(), Gate(True), builtin_gate=False)
    assert result.exit_code == ExitCode.LICENCE
    assert "built-in licence gate (pyvorin.licensing.gate) is not registered" in (
        result.licence.detail
    )
    assert result.modules == [] and backend.compiled == []
    refusals = [r for r in AuditLog().records() if r["type"] == "refusal"]
    assert refusals and refusals[-1]["details"]["stage"] == "licence"


def test_a_plugin_cannot_answer_the_gate_in_its_place(project, tmp_path, monkeypatch) -> None:
    """Finding 3: a plugin that allows everything does not pre-empt a refusing gate."""
    monkeypatch.setenv("PYVORIN_HOME", str(tmp_path / "unlicensed-home"))
    backend = Backend()
    result = _run(project, backend, Verifier(True), Signer(), Gate(True))
    assert result.exit_code == ExitCode.LICENCE
    assert result.modules == [] and backend.compiled == []
    assert "licence" in result.licence.detail.lower()


def test_unsupported_construct_is_exit_3_and_not_compiled(project) -> None:
    diag = Diagnostic("a.py", 2, 5, "PV101", "classes are not supported", "use functions")
    backend = Backend(diagnostics=[diag])
    result = _run(project, backend)
    assert result.exit_code == ExitCode.UNSUPPORTED
    assert backend.compiled == []
    assert result.modules[0].diagnostics == [diag]


def test_warnings_do_not_block(project) -> None:
    warning = Diagnostic("a.py", 1, 1, "PV900", "note", severity="warning")
    result = _run(project, Backend(diagnostics=[warning]), Verifier(True), Signer())
    assert result.exit_code == ExitCode.OK


@pytest.mark.parametrize(
    ("plugins", "code"),
    [
        ((Backend(compile_error=SandboxLimitError("compile exceeded the memory limit")),), 7),
        ((Backend(), Verifier(False)), 4),
        ((Backend(), Verifier(True), Signer(SignatureError("no key"))), 5),
        ((Backend(), Gate(False)), 6),
        ((Backend(crash=True),), 1),
    ],
    ids=["sandbox", "verify", "sign", "licence", "internal"],
)
def test_outcomes_map_to_exit_codes(project, plugins, code) -> None:
    result = _run(project, *plugins)
    assert int(result.exit_code) == code


def test_licence_refusal_stops_before_any_module(project) -> None:
    backend = Backend()
    result = _run(project, backend, Gate(False))
    assert result.modules == [] and backend.compiled == []
    assert result.licence.detail.endswith("refused: licence revoked")


def test_every_stage_and_refusal_is_audited(project) -> None:
    _run(project, Backend(), Verifier(False))
    events = [(r["type"], r["details"].get("stage")) for r in AuditLog().records()]
    types = [t for t, _ in events]
    assert types[0] == "build" and types[-1] == "build"
    assert ("refusal", "verify") in events
    assert types.count("compile") == 2 and types.count("check") == 2


def test_artifacts_of_a_module_failing_verification_are_removed(project) -> None:
    root, modules = project
    out = root / "out"

    class WritingBackend(Backend):
        @hookimpl
        def pyvorin_compile(self, ctx, module, backend, workdir):
            artifact = ctx.out_dir / f"{module.name}.pyvorin.so"  # the run's staging dir
            artifact.write_bytes(b"binary")
            return CompileResult(module=module, backend="test", artifact=artifact)

    result = _run(project, WritingBackend(), Verifier(False))
    assert result.exit_code == ExitCode.VERIFICATION
    assert result.committed is False
    assert not out.exists()  # it did not exist before the failed run: it does not now
    assert all(m.path.is_file() for m in modules), "sources are never touched"
    discarded = [r for r in AuditLog().records() if r["details"].get("phase") == "discarded"]
    assert len(discarded) == 2


class StagingBackend(Backend):
    """Writes its artifact where a backend must: into ``ctx.out_dir`` (the staging dir)."""

    @hookimpl
    def pyvorin_compile(self, ctx, module, backend, workdir):
        assert ctx.out_dir.name.startswith(".pyvorin-staging-")
        assert ctx.out_dir.parent == ctx.output_dir
        artifact = ctx.out_dir / f"{module.name}.pyvorin.so"
        artifact.write_bytes(b"new " + module.name.encode())
        return CompileResult(module=module, backend="test", artifact=artifact)


class ReportingVerifier:
    """Writes a verification report as the built-in verifier does; fails ``failing``."""

    def __init__(self, failing: str = ""):
        self.failing = failing

    @hookimpl
    def pyvorin_verify(self, ctx, module, compiled):
        from pyvorin.verify.report import report_path

        path = report_path(ctx.out_dir, module.name)
        path.write_text(f"report of {module.name}")
        return VerificationResult(passed=module.name != self.failing, report_path=path)


def test_a_passing_run_moves_its_files_into_the_output_directory(project) -> None:
    root, _ = project
    out = root / "out"
    result = _run(project, StagingBackend(), ReportingVerifier(), Signer(), Gate(True))
    assert result.exit_code == ExitCode.OK and result.committed is True
    assert sorted(p.name for p in out.iterdir()) == [
        "a.pyvorin-verify.json",
        "a.pyvorin.so",
        "b.pyvorin-verify.json",
        "b.pyvorin.so",
    ]
    # the results name the files where they are now, not in the removed staging directory
    assert result.modules[0].compiled.artifact == out / "a.pyvorin.so"
    assert result.modules[1].verification.report_path == out / "b.pyvorin-verify.json"


def test_a_failed_verification_commits_its_report_and_nothing_else(project) -> None:
    root, _ = project
    out = root / "out"
    out.mkdir()
    (out / "a.pyvorin.so").write_bytes(b"old a")
    (out / "notes.txt").write_text("the user's own file")
    result = _run(project, StagingBackend(), ReportingVerifier("b"), Signer(), Gate(True))
    assert result.exit_code == ExitCode.VERIFICATION and result.committed is False
    # a passed, but the run failed: its new binary and report are not written
    assert (out / "a.pyvorin.so").read_bytes() == b"old a"
    assert sorted(p.name for p in out.iterdir()) == [
        "a.pyvorin.so",
        "b.pyvorin-verify.json",  # the report that explains the failure
        "notes.txt",
    ]
    assert (out / "b.pyvorin-verify.json").read_text() == "report of b"

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
from pyvorin.hookspecs import hookimpl
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


def _run(project, *plugins):
    """Run the pipeline with only the audit sink and ``plugins`` registered.

    The built-in stages are left out on purpose, so each test controls every stage.
    """
    root, modules = project
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(audit)
    for plugin in plugins:
        pm.register(plugin)
    ctx = BuildContext(
        settings=load_settings(root, env={}), hook=pm.hook, home=root, out_dir=root / "out"
    )
    return run(ctx, modules)


def test_all_stages_ok(project) -> None:
    backend = Backend()
    result = _run(project, backend, Verifier(True), Signer(), Gate(True))
    assert result.exit_code == ExitCode.OK
    assert backend.compiled == ["a", "b"]
    assert result.licence.status == "ok"
    assert [m.stages_run for m in result.modules] == [["check", "compile", "verify", "sign"]] * 2


def test_missing_stages_are_reported_not_pretended(project) -> None:
    result = _run(project, Backend())
    assert result.exit_code == ExitCode.OK
    assert result.licence.status == "not-installed"
    statuses = {o.stage: o.status for o in result.modules[0].stages}
    assert statuses["verify"] == "not-installed"
    assert statuses["sign"] == "not-installed"
    assert result.modules[0].stages_run == ["check", "compile"]


def test_unsupported_construct_is_exit_3_and_not_compiled(project) -> None:
    diag = Diagnostic("a.py", 2, 5, "PV101", "classes are not supported", "use functions")
    backend = Backend(diagnostics=[diag])
    result = _run(project, backend)
    assert result.exit_code == ExitCode.UNSUPPORTED
    assert backend.compiled == []
    assert result.modules[0].diagnostics == [diag]


def test_warnings_do_not_block(project) -> None:
    warning = Diagnostic("a.py", 1, 1, "PV900", "note", severity="warning")
    result = _run(project, Backend(diagnostics=[warning]))
    assert result.exit_code == ExitCode.OK


@pytest.mark.parametrize(
    ("plugins", "code"),
    [
        ((Backend(compile_error=SandboxLimitError("compile exceeded the memory limit")),), 7),
        ((Backend(), Verifier(False)), 4),
        ((Backend(), Signer(SignatureError("no key"))), 5),
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
    assert result.licence.detail == "licence revoked"


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
            out.mkdir(exist_ok=True)
            artifact = out / f"{module.name}.pyvorin.so"
            artifact.write_bytes(b"binary")
            return CompileResult(module=module, backend="test", artifact=artifact)

    result = _run(project, WritingBackend(), Verifier(False))
    assert result.exit_code == ExitCode.VERIFICATION
    assert list(out.iterdir()) == []
    assert all(m.path.is_file() for m in modules), "sources are never touched"
    discarded = [r for r in AuditLog().records() if r["details"].get("phase") == "discarded"]
    assert len(discarded) == 2

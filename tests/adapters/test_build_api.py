"""The one core call the adapters share: refusals, requirements, option parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyvorin import build_api
from pyvorin.diagnostics import Diagnostic
from pyvorin.errors import ConfigError, SignatureError
from pyvorin.exitcodes import ExitCode
from pyvorin.model import ModuleResult, ModuleSpec, PipelineResult, StageOutcome


def _project(tmp_path: Path, modules: str, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\nversion = "1"\n[tool.pyvorin]\nmodules = {modules}\n'
    )
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        (["pyvorin-runtime"], True),
        (["pyvorin_runtime>=0.1; python_version >= '3.10'"], True),
        (["pyvorin"], True),
        (["pyvorin>=0.1; python_version >= '3.10'"], True),
        (["  PyVorin[extra] ==1.0"], True),
        (["pyvorin-setuptools"], False),
        (["pyvorinx", "numpy"], False),
        ([], False),
    ],
)
def test_runtime_requirement_is_recognised_by_name(requirements, expected):
    assert build_api.has_runtime_requirement(requirements) is expected


def test_no_modules_is_a_configuration_error_naming_the_key(tmp_path):
    project = _project(tmp_path, "[]", {})
    with pytest.raises(ConfigError) as info:
        build_api.build_project(project, tmp_path / "out", actor="test")
    assert "tool.pyvorin.modules" in str(info.value)
    assert str(project / "pyproject.toml") in str(info.value)
    assert info.value.exit_code == ExitCode.USAGE


def test_package_init_cannot_be_packaged_as_compiled(tmp_path):
    init = {"pkg/__init__.py": "def f(x: int) -> int:\n    return x\n"}
    project = _project(tmp_path, '["pkg"]', init)
    with pytest.raises(ConfigError, match=r"__init__\.py cannot be packaged"):
        build_api.build_project(project, tmp_path / "out", actor="test")


def test_include_source_option_must_be_a_boolean(tmp_path):
    project = _project(tmp_path, '["m"]', {"m.py": "def f(x: int) -> int:\n    return x\n"})
    with pytest.raises(ConfigError, match="include-source: expected true or false, found 'maybe'"):
        build_api.build_project(project, tmp_path / "out", actor="test", include_source="maybe")


def _result(*outcomes: StageOutcome) -> PipelineResult:
    module = ModuleResult(ModuleSpec("pkg.mod", Path("/src/pkg/mod.py")), stages=list(outcomes))
    return PipelineResult(licence=StageOutcome("licence", "ok"), modules=[module])


@pytest.mark.parametrize(
    ("missing", "code"), [("verify", ExitCode.VERIFICATION), ("sign", ExitCode.SIGNATURE)]
)
def test_a_module_without_verification_or_signature_is_never_packaged(missing, code):
    stages = [StageOutcome(s, "ok") for s in ("check", "compile", "verify", "sign")]
    stages = [
        StageOutcome(missing, "not-installed", detail=f"no {missing} plugin registered")
        if s.stage == missing
        else s
        for s in stages
    ]
    with pytest.raises(build_api.BuildFailed) as info:
        build_api._require_complete(_result(*stages))
    assert info.value.exit_code == code
    assert f"pkg.mod: the {missing} stage is required before packaging" in str(info.value)
    assert "not installed" in str(info.value)


def test_failure_message_names_module_stage_and_every_diagnostic():
    result = _result(
        StageOutcome("check", "failed", 0.0, "2 unsupported constructs; not compiled", 3)
    )
    result.modules[0].diagnostics = [
        Diagnostic(Path("/src/pkg/mod.py"), 3, 5, "PV101", "eval() is not supported", "x"),
        Diagnostic(Path("/src/pkg/mod.py"), 9, 1, "PV102", "async def is not supported", "y"),
    ]
    text = build_api.describe_failure(result)
    assert "pkg.mod (/src/pkg/mod.py): check failed: 2 unsupported constructs" in text
    assert "/src/pkg/mod.py:3:5: error PV101: eval() is not supported" in text
    assert "/src/pkg/mod.py:9:1: error PV102: async def is not supported" in text


def test_verify_artifacts_refuses_a_directory_without_signed_artifacts(tmp_path):
    with pytest.raises(SignatureError, match="no Pyvorin-compiled artifact found"):
        build_api.verify_artifacts(tmp_path)


def test_verify_artifacts_refuses_a_binary_without_manifest(tmp_path):
    from pyvorin.artifacts import BINARY_SUFFIX

    (tmp_path / ("mod" + BINARY_SUFFIX)).write_bytes(b"\x7fELF not really")
    with pytest.raises(SignatureError, match="without a manifest"):
        build_api.verify_artifacts(tmp_path)


def test_library_info_logging_is_silenced_unless_verbose(caplog, monkeypatch):
    import logging

    caplog.set_level(logging.INFO)  # what setuptools does to the root logger
    for name in build_api.LIBRARY_LOGGERS:
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    monkeypatch.setenv(build_api.ENV_VERBOSE, "1")
    assert build_api.quiet_library_logging() is False
    logging.getLogger("httpx").info("HTTP Request: POST http://127.0.0.1/v1/refresh")
    assert "HTTP Request" in caplog.text
    caplog.clear()
    monkeypatch.delenv(build_api.ENV_VERBOSE)
    assert build_api.quiet_library_logging() is True
    logging.getLogger("httpx").info("HTTP Request: POST http://127.0.0.1/v1/refresh")
    logging.getLogger("httpx").warning("a real problem")
    assert "HTTP Request" not in caplog.text
    assert "a real problem" in caplog.text

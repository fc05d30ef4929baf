"""The wheel of each adapter (setuptools, hatch): layout, signatures, install, tampering."""

from __future__ import annotations

import sys
import zipfile

import pytest

from pyvorin.artifacts import BINARY_SUFFIX, MANIFEST_SUFFIX

from .conftest import (
    EXAMPLE,
    build_hatch,
    build_setuptools,
    copy_example,
    require_tools,
    wheel_names,
)
from .installed import assert_installed_and_faster, assert_tamper_refused, verify_as_user

pytestmark = pytest.mark.slow  # real builds/installs in subprocesses

SOURCE = (EXAMPLE / "src" / "numkit" / "kernels.py").read_text()


@pytest.fixture(params=["setuptools", "hatch"])
def wheel(request):
    """The example's wheel built by each adapter (built once per session)."""
    return request.getfixturevalue(f"{request.param}_wheel")


def test_wheel_is_platform_tagged_and_carries_binary_stub_and_manifest(wheel):
    names = wheel_names(wheel)
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    assert f"-{tag}-{tag}-" in wheel.name, wheel.name
    assert not wheel.name.endswith("-none-any.whl")
    assert "numkit/kernels" + BINARY_SUFFIX in names
    assert "numkit/kernels" + MANIFEST_SUFFIX in names
    assert "numkit/__init__.py" in names
    assert "numkit/kernels.py.src" not in names
    with zipfile.ZipFile(wheel) as archive:
        entries = [n for n in archive.namelist() if n == "numkit/kernels.py"]
        assert entries == ["numkit/kernels.py"], "the stub must replace the source"
        stub = archive.read("numkit/kernels.py").decode()
        metadata = archive.read(
            next(n for n in names if n.endswith(".dist-info/METADATA"))
        ).decode()
        wheel_info = archive.read(next(n for n in names if n.endswith(".dist-info/WHEEL")))
    assert stub != SOURCE, "the original source must not be shipped as the module"
    assert "def spread" not in stub
    assert "Requires-Dist: pyvorin" in metadata
    assert b"Root-Is-Purelib: false" in wheel_info


def test_wheel_passes_signature_verify(wheel, session_home, tmp_path):
    verified = verify_as_user(session_home, tmp_path, wheel)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_wheel_installs_imports_and_runs_faster_than_the_source(wheel, session_home, tmp_path):
    assert_installed_and_faster(wheel, session_home, tmp_path)


def test_tampered_wheel_is_refused_at_verify_and_at_import(wheel, session_home, tmp_path):
    assert_tamper_refused(wheel, session_home, tmp_path)


@pytest.mark.parametrize("backend", ["setuptools", "hatch"])
def test_unsupported_construct_fails_the_build_with_its_diagnostic(backend, tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path, backend)
    kernels = project / "src" / "numkit" / "kernels.py"
    kernels.write_text(
        kernels.read_text()
        + "\n\ndef evaluate(expr: str) -> float:\n"
        + "    value = eval(expr)\n    return value\n"
    )  # eval: neither tier compiles it (PV401)
    built = (build_hatch if backend == "hatch" else build_setuptools)(project, session_home)
    assert built.returncode != 0
    line = next(i for i, text in enumerate(kernels.read_text().splitlines(), 1) if "eval(" in text)
    assert f"{kernels}:{line}:13: error PV401: eval()" in built.stderr, built.stderr[-3000:]
    assert "hint:" in built.stderr
    assert "the wheel was not built" in built.stderr
    assert "pyvorin: exit code 3" in built.stderr
    assert not list(project.glob("dist/*.whl")), "no wheel with the module left interpreted"

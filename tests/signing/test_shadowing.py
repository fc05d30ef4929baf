"""What the import system would load instead of a loader stub is refused.

CPython's FileFinder tries a package directory ``mod/`` and the extension modules
``mod<suffix>`` (every suffix of ``importlib.machinery.EXTENSION_SUFFIXES``) before
``mod.py``: an unsigned file under such a name beside a stub is imported *instead of*
the stub. The attacks are reproduced here with a real, unsigned extension module.
"""

from __future__ import annotations

import shutil
import zipfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from pyvorin.artifacts import manifest_path
from pyvorin.build_api import verify_artifacts
from pyvorin.errors import SignatureError
from pyvorin.signing import check_path, verify_path

from ..helpers import run_cli
from .conftest import build_extension, run_python

# every name this interpreter would import for "mod" (FileFinder precedence over mod.py)
IMPORTABLE = [f"mod{suffix}" for suffix in EXTENSION_SUFFIXES]
# names another interpreter would import (not this one: the stub runs and looks around)
OTHER_ABI = ["mod.cpython-39-s390x-linux-gnu.so", "mod.cp312-win_amd64.pyd"]

PROBE = "import {first}\nimport pkg.mod\n"


@pytest.fixture
def unsigned(tmp_path: Path) -> Path:
    """A real extension module for pkg.mod that no manifest covers (the attacker's)."""
    return build_extension("pkg.mod", tmp_path / "evil.so")


def _refusal(proc) -> str:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("pyvorin_runtime.loader.RefusedImport: "), last
    return last


@pytest.mark.parametrize("name", IMPORTABLE)
def test_an_importable_extension_beside_the_stub_is_refused_once_the_runtime_runs(
    signed_out: Path, unsigned: Path, name: str
) -> None:
    shadow = signed_out / "pkg" / name
    shutil.copyfile(unsigned, shadow)
    manifest = manifest_path(signed_out, "pkg.mod")

    # a sibling compiled module loads first: its load scans the package directory
    last = _refusal(run_python("import pkg.other", signed_out))
    assert (
        f"refused to load pkg.other: {shadow} (shadows mod.py): not covered by any manifest" in last
    )

    # the runtime's import hook (installed by any import of pyvorin_runtime, or at start-up
    # by its .pth file) refuses the shadowing file itself, even as the first compiled
    # module imported
    last = _refusal(run_python(PROBE.format(first="pyvorin_runtime"), signed_out))
    assert f"{manifest}: refused to load pkg.mod: {shadow} (shadows mod.py)" in last

    # where no .pth file runs (python -S), nothing of Pyvorin runs before the first compiled
    # import, and nothing can refuse it (docs/security.md): the file is imported and the
    # stub never runs. test_startup_guard.py shows the installed runtime's .pth refusing it.
    proc = run_python("import pkg.mod as m; print(m.__file__)", signed_out, options=("-S",))
    assert proc.returncode == 0 and proc.stdout.strip() == str(shadow)

    verify = run_cli("signature", "verify", str(signed_out))
    assert verify.returncode == 5
    assert f"FAILED {shadow}: unsigned extension module would be imported instead" in verify.stderr


@pytest.mark.parametrize("name", OTHER_ABI)
def test_an_extension_named_for_another_interpreter_is_refused_by_the_stub(
    signed_out: Path, unsigned: Path, name: str
) -> None:
    shadow = signed_out / "pkg" / name
    shutil.copyfile(unsigned, shadow)
    last = _refusal(run_python("import pkg.mod", signed_out))
    assert f"refused to load pkg.mod: {shadow} (shadows mod.py)" in last
    assert [f.location for f in verify_path(signed_out)] == [str(shadow)]


def test_a_package_directory_beside_the_stub_is_refused(signed_out: Path) -> None:
    package = signed_out / "pkg" / "mod"
    package.mkdir()
    (package / "__init__.py").write_text("print('unverified code ran')\n")
    last = _refusal(run_python(PROBE.format(first="pyvorin_runtime"), signed_out))
    assert f"the package directory {package}/ (shadows mod.py)" in last
    last = _refusal(run_python("import pkg.other", signed_out))
    assert "the package directory" in last
    for target in (signed_out, manifest_path(signed_out, "pkg.mod")):
        [failure] = verify_path(target)
        assert failure.location == str(package / "__init__.py")
        assert "package mod/ would be imported instead of the verifying loader mod.py" in (
            failure.reason
        )
    # a directory of the same name without __init__ is not imported as a package
    (package / "__init__.py").unlink()
    proc = run_python("import pkg.other, pkg.mod as m; print(m.answer())", signed_out)
    assert proc.returncode == 0, proc.stderr


def test_unrelated_extension_modules_and_directories_are_left_alone(
    signed_out: Path, unsigned: Path
) -> None:
    # another module's extension (not a compiled module's name) is not Pyvorin's to refuse
    shutil.copyfile(unsigned, signed_out / "pkg" / ("helper" + EXTENSION_SUFFIXES[0]))
    (signed_out / "pkg" / "data").mkdir()
    (signed_out / "pkg" / "data" / "__init__.py").write_text("")
    proc = run_python(
        "import pyvorin_runtime, pkg.data, pkg.mod as m; print(m.answer())", signed_out
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "compiled mod"
    assert verify_path(signed_out) == []


def _wheel(out: Path, wheel: Path, extra: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in sorted(out.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.writestr(path.relative_to(out).as_posix(), path.read_bytes())
        for name, data in extra.items():
            archive.writestr(name, data)
        archive.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\n")
    return wheel


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        (f"pkg/{IMPORTABLE[0]}", "unsigned extension module would be imported instead"),
        ("pkg/mod.abi3.so", "unsigned extension module would be imported instead"),
        ("pkg/mod/__init__.py", "package mod/ would be imported instead"),
        ("pkg/__pycache__/mod.cpython-311.pyc", "bytecode of the loader stub mod.py"),
    ],
)
def test_wheels_with_a_shadowing_member_fail_the_adapters_check_and_verify(
    signed_out: Path, tmp_path: Path, member: str, expected: str
) -> None:
    wheel = _wheel(signed_out, tmp_path / "demo-1.0-cp311-cp311-linux_x86_64.whl", {member: b"x"})
    [failure] = verify_path(wheel)
    assert failure.location == f"{wheel}!{member}" and expected in failure.reason
    # what the setuptools and hatch adapters call on what they packaged
    with pytest.raises(SignatureError, match="signature verification failed"):
        verify_artifacts(wheel)
    proc = run_cli("signature", "verify", str(wheel))
    assert proc.returncode == 5 and expected in proc.stderr
    clean = _wheel(signed_out, tmp_path / "clean.whl", {})
    assert [r.ok for r in check_path(clean)] == [True, True]

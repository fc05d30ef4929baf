"""Verify-before-load: untouched artifacts import on every path; tampered ones do not."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pyvorin.artifacts import binary_path, loader_path, manifest_path
from pyvorin.audit import AuditLog

from .conftest import run_python

IMPORT = "import pkg.mod as m; print(m.answer())"


def test_plain_import_loads_the_verified_extension(signed_out: Path) -> None:
    code = (
        "import sys, pkg.mod, pkg\n"
        "m = sys.modules['pkg.mod']\n"
        "print(m.answer(), type(m).__name__, m.__file__)\n"
        "print(pkg.mod is m, hasattr(m, '__pyvorin_manifest__'))\n"
        "print(m.__spec__.loader.__class__.__name__)\n"
        "print(m.__spec__.origin, m.__spec__.loader.path.startswith('/proc/self/fd/'))\n"
    )
    proc = run_python(code, signed_out)
    assert proc.returncode == 0, proc.stderr
    first, second, third, fourth = proc.stdout.splitlines()
    assert first.split()[:3] == ["compiled", "mod", "module"]
    assert first.split()[3] == str(binary_path(signed_out, "pkg.mod"))
    assert second == "True True"
    assert third == "ExtensionFileLoader"
    # The spec names the real file; the loader holds the sealed, verified copy.
    assert fourth == f"{binary_path(signed_out, 'pkg.mod')} True"


def test_importlib_import_module_loads_it_too(signed_out: Path) -> None:
    code = (
        "import importlib\n"
        "m = importlib.import_module('pkg.other')\n"
        "print(m.answer())\n"
        "print(importlib.import_module('pkg.other') is m)\n"
    )
    proc = run_python(code, signed_out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["compiled other", "True"]


def _refused(out: Path, expected: str, module: str = "pkg.mod", env=None) -> str:
    code = (
        "import importlib\n"
        "try:\n"
        f"    importlib.import_module({module!r})\n"
        "except ImportError as exc:\n"
        "    print('REFUSED', type(exc).__name__, exc.name)\n"
        "    print(exc)\n"
        "else:\n"
        "    print('LOADED')\n"
    )
    proc = run_python(code, out, env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == f"REFUSED RefusedImport {module}", proc.stdout
    message = lines[1]
    assert f"refused to load {module}" in message
    assert expected in message, message
    return message


def test_flipped_byte_is_refused_and_audited(signed_out: Path) -> None:
    binary = binary_path(signed_out, "pkg.mod")
    data = bytearray(binary.read_bytes())
    data[len(data) // 2] ^= 0x01
    binary.write_bytes(bytes(data))
    message = _refused(signed_out, "was modified: sha256")
    assert str(binary) in message
    refusals = AuditLog().show(types=("refusal",))
    assert refusals[-1]["actor"] == "runtime"
    assert refusals[-1]["details"]["module"] == "pkg.mod"
    assert "was modified" in refusals[-1]["details"]["reason"]


def test_truncated_binary_is_refused(signed_out: Path) -> None:
    binary = binary_path(signed_out, "pkg.mod")
    binary.write_bytes(binary.read_bytes()[:-100])
    _refused(signed_out, "is truncated")


def test_binary_of_another_module_swapped_in_is_refused(signed_out: Path) -> None:
    shutil.copyfile(binary_path(signed_out, "pkg.other"), binary_path(signed_out, "pkg.mod"))
    _refused(signed_out, "binary of another module was swapped in")


def test_manifest_and_binary_of_another_module_swapped_in_is_refused(signed_out: Path) -> None:
    shutil.copyfile(binary_path(signed_out, "pkg.other"), binary_path(signed_out, "pkg.mod"))
    shutil.copyfile(manifest_path(signed_out, "pkg.other"), manifest_path(signed_out, "pkg.mod"))
    _refused(signed_out, "the manifest is for module 'pkg.other', not 'pkg.mod'")


def test_missing_manifest_is_refused(signed_out: Path) -> None:
    manifest_path(signed_out, "pkg.mod").unlink()
    message = _refused(signed_out, "manifest missing")
    assert str(manifest_path(signed_out, "pkg.mod")) in message


def test_edited_manifest_field_is_refused(signed_out: Path) -> None:
    path = manifest_path(signed_out, "pkg.mod")
    manifest = json.loads(path.read_text())
    manifest["verification"] = {"result": "passed", "inputs": 100000}
    path.write_text(json.dumps(manifest))
    _refused(signed_out, "signature by key")
    _refused(signed_out, "does not verify: the manifest or its signature was altered")


@pytest.mark.parametrize("record", [{}, {"result": "failed"}], ids=["none", "failed"])
def test_artifact_without_a_passed_verification_record_is_refused(
    tmp_path: Path, sign_module, record: dict
) -> None:
    # the sign stage re-verifies what it wrote with the same check the loader runs:
    # a manifest without a passed verification record is refused at both places
    from pyvorin.errors import SignatureError

    out = tmp_path / "unverified"
    with pytest.raises(SignatureError, match="no passed verification record"):
        sign_module("pkg.mod", out, verification=record)


def test_removed_signature_is_refused(signed_out: Path) -> None:
    path = manifest_path(signed_out, "pkg.mod")
    manifest = json.loads(path.read_text())
    manifest["signatures"] = []
    path.write_text(json.dumps(manifest))
    _refused(signed_out, "the manifest is not signed (no signatures)")


def test_stub_without_pyvorin_runtime_check_cannot_load_the_binary(signed_out: Path) -> None:
    # The binary's name is not one the import system loads: deleting the stub does not
    # turn the module into an unverified import, it makes it not importable at all.
    loader_path(signed_out, "pkg.mod").unlink()
    proc = run_python(IMPORT, signed_out)
    assert proc.returncode == 1
    assert "ModuleNotFoundError: No module named 'pkg.mod'" in proc.stderr


def test_refusal_with_an_unwritable_audit_log_is_still_the_import_error(
    signed_out: Path, pyvorin_home: Path
) -> None:
    binary = binary_path(signed_out, "pkg.mod")
    binary.write_bytes(binary.read_bytes()[:-1])
    shutil.rmtree(pyvorin_home / "audit", ignore_errors=True)
    (pyvorin_home / "audit").write_text("a file where the audit directory should be")
    _refused(signed_out, "is truncated")


def test_refusal_with_a_home_that_cannot_exist(signed_out: Path, tmp_path: Path) -> None:
    binary = binary_path(signed_out, "pkg.mod")
    binary.write_bytes(binary.read_bytes()[:-1])
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    # the trust store stays reachable (strict by default) while the home cannot exist
    trust = Path(os.environ["PYVORIN_HOME"]) / "trust"
    env = {"PYVORIN_HOME": str(blocker / "home"), "PYVORIN_TRUSTED_KEYS": str(trust)}
    _refused(signed_out, "is truncated", env=env)


def test_wrong_abi_is_refused(signed_out: Path) -> None:
    # Rename the binary as if it had been built for another interpreter, re-signing the
    # manifest so that only the ABI differs.
    from pyvorin.keys import select_signer
    from pyvorin.signing import load_manifest, sign_manifest, write_manifest

    binary = binary_path(signed_out, "pkg.mod")
    foreign = binary.with_name("mod.pyvorin.cpython-39-s390x-linux-gnu.so")
    binary.rename(foreign)
    path = manifest_path(signed_out, "pkg.mod")
    manifest = load_manifest(path)
    manifest["artifact"]["file"] = foreign.name
    manifest["python"]["soabi"] = "cpython-39-s390x-linux-gnu"
    write_manifest(path, sign_manifest(manifest, [select_signer(None, release=False)]))
    _refused(signed_out, "built for another Python ABI (cpython-39-s390x-linux-gnu)")


def test_binary_replaced_between_check_and_load_is_not_what_loads(signed_out: Path) -> None:
    # A race cannot be scheduled reliably, so the test injects it: right after the
    # verification reads the file, the file on disk is replaced by another module's
    # binary. The loader must load the bytes it verified, not the file on disk.
    other = binary_path(signed_out, "pkg.other")
    code = (
        "import shutil, pyvorin_runtime.loader as rt\n"
        "real = rt.verify_for_import\n"
        "def racing(module, stub):\n"
        "    data, binary, manifest = real(module, stub)\n"
        f"    shutil.copyfile({str(other)!r}, binary)\n"
        "    return data, binary, manifest\n"
        "rt.verify_for_import = racing\n"
        "import pkg.mod\n"
        "print(pkg.mod.answer())\n"
    )
    proc = run_python(code, signed_out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "compiled mod"


@pytest.mark.parametrize("field", ["module", "artifact"])
def test_malformed_manifest_fields_are_named(signed_out: Path, field: str) -> None:
    path = manifest_path(signed_out, "pkg.mod")
    manifest = json.loads(path.read_text())
    del manifest[field]
    path.write_text(json.dumps(manifest))
    _refused(signed_out, f"manifest field '{field}' is missing")

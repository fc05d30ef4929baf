"""``pyvorin signature verify`` on directories, single files and wheels."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from pyvorin.artifacts import binary_path, loader_path, manifest_path
from pyvorin.signing import check_path, verify_path

from ..helpers import run_cli


def test_directory_verifies(signed_out: Path) -> None:
    proc = run_cli("signature", "verify", str(signed_out))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "2 verified, 0 failed"
    assert any("pkg.mod; signed by local-" in line for line in lines)
    assert verify_path(signed_out) == []


def test_each_failure_is_one_line_and_exit_5(signed_out: Path) -> None:
    binary = binary_path(signed_out, "pkg.mod")
    binary.write_bytes(binary.read_bytes()[:-10])
    manifest_path(signed_out, "pkg.other").unlink()
    proc = run_cli("signature", "verify", str(signed_out))
    assert proc.returncode == 5
    failed = [line for line in proc.stderr.splitlines() if line.startswith("FAILED ")]
    assert len(failed) == 2
    assert any("is truncated" in line and str(binary) in line for line in failed)
    assert any(
        "compiled binary without a manifest (other.pyvorin.json is missing)" in line
        for line in failed
    )
    assert proc.stderr.splitlines()[-1] == "0 verified, 2 failed"


def test_json_format(signed_out: Path) -> None:
    loader_path(signed_out, "pkg.other").write_text("import os  # a modified stub\n")
    proc = run_cli("signature", "verify", "--format", "json", str(signed_out))
    assert proc.returncode == 5
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["strict"] is True  # strict by default
    by_module = {a["module"]: a for a in report["artifacts"]}
    assert by_module["pkg.mod"]["ok"] is True
    assert by_module["pkg.other"]["reason"] == (
        "the loader stub other.py was modified (sha256 mismatch)"
    )


def test_single_binary_and_single_manifest(signed_out: Path) -> None:
    binary = binary_path(signed_out, "pkg.mod")
    for path in (binary, manifest_path(signed_out, "pkg.mod")):
        proc = run_cli("signature", "verify", str(path))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == "1 verified, 0 failed"
    manifest_path(signed_out, "pkg.mod").unlink()
    proc = run_cli("signature", "verify", str(binary))
    assert proc.returncode == 5
    assert "compiled binary without a manifest (mod.pyvorin.json is missing)" in proc.stderr


def test_nothing_to_verify_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = run_cli("signature", "verify", str(tmp_path / "empty"), str(tmp_path / "nope"))
    assert proc.returncode == 5
    assert "no Pyvorin-compiled artifact found" in proc.stderr
    assert "nope: no such file or directory" in proc.stderr


def _wheel(out: Path, wheel: Path, skip: tuple[str, ...] = (), edit=None) -> Path:
    """A wheel with the layout an installer unpacks into site-packages."""
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(out.rglob("*")):
            if path.is_file() and path.name not in skip and "__pycache__" not in path.parts:
                data = path.read_bytes()
                if edit and path.name == edit[0]:
                    data = edit[1](data)
                archive.writestr(path.relative_to(out).as_posix(), data)
        archive.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\n")
        archive.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: false\n")
        archive.writestr("demo-1.0.dist-info/RECORD", "")
    return wheel


def test_wheel_verifies_and_tampering_inside_is_caught(signed_out: Path, tmp_path: Path) -> None:
    good = _wheel(signed_out, tmp_path / "demo-1.0-cp3-none-any.whl")
    proc = run_cli("signature", "verify", str(good))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "2 verified, 0 failed"
    assert f"{good}!pkg/mod.pyvorin.json: ok" in proc.stdout

    leaf = binary_path(signed_out, "pkg.mod").name
    flipped = _wheel(
        signed_out,
        tmp_path / "flipped.whl",
        edit=(leaf, lambda d: d[:100] + bytes([d[100] ^ 0xFF]) + d[101:]),
    )
    [failure] = verify_path(flipped)
    assert failure.reason.startswith(f"{flipped}!pkg/{leaf} was modified")

    no_manifest = _wheel(signed_out, tmp_path / "bare.whl", skip=("mod.pyvorin.json",))
    proc = run_cli("signature", "verify", str(no_manifest))
    assert proc.returncode == 5
    assert f"{no_manifest}!pkg/{leaf}: compiled binary without a manifest" in proc.stderr


def test_manifest_moved_to_another_package_is_refused(signed_out: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    (moved / "elsewhere").mkdir(parents=True)
    for path in (signed_out / "pkg").iterdir():
        if path.is_file() and path.name.startswith("mod."):
            (moved / "elsewhere" / path.name).write_bytes(path.read_bytes())
    [result] = check_path(moved)
    assert not result.ok
    assert "the manifest is for module 'pkg.mod' but sits at elsewhere/mod" in result.reason


def test_damaged_wheel_is_a_failure(tmp_path: Path) -> None:
    bad = tmp_path / "demo-1.0-py3-none-any.whl"
    bad.write_bytes(b"PK\x03\x04 definitely not a complete zip archive")
    [failure] = verify_path(bad)
    assert failure.location == str(bad)
    assert failure.reason.startswith("not a readable wheel (zip) file")


def test_unsigned_extension_shadowing_the_stub_is_a_failure(signed_out: Path) -> None:
    # The import system tries extension suffixes before .py: such a file next to the
    # stub would be imported without any check. It is caught before distribution.
    import sysconfig

    shadow = signed_out / "pkg" / ("mod" + sysconfig.get_config_var("EXT_SUFFIX"))
    shadow.write_bytes(binary_path(signed_out, "pkg.mod").read_bytes())
    failures = verify_path(signed_out)
    assert [f.location for f in failures] == [str(shadow)]
    assert "would be imported instead of the verifying loader mod.py" in failures[0].reason

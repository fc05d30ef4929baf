"""pyvorin-runtime as a distribution of its own: one format, one home rule, small imports."""

from __future__ import annotations

import json
import subprocess
import sys

import platformdirs
import pytest

import pyvorin_runtime
from pyvorin import signing
from pyvorin_runtime import home, manifest


def test_the_compiler_reuses_the_runtimes_format_not_a_copy():
    for name in (
        "canonical",
        "body_of",
        "signed_message",
        "verify_manifest",
        "load_manifest",
        "VerificationKeys",
        "ArtifactCheck",
        "SCHEMA_ID",
    ):
        assert getattr(signing, name) is getattr(manifest, name), name
    from pyvorin import canonical, errors, exitcodes, keys, runtime
    from pyvorin_runtime import cjson

    assert canonical.canonical is cjson.canonical  # the one canonical-JSON function

    assert errors.SignatureError is pyvorin_runtime.errors.SignatureError
    assert issubclass(errors.SignatureError, errors.PyvorinError)
    # the runtime's two exit codes are the table's (it does not import enum for them)
    assert errors.PyvorinError.exit_code == exitcodes.ExitCode.INTERNAL
    assert errors.SignatureError.exit_code == exitcodes.ExitCode.SIGNATURE
    assert keys.TrustStore is pyvorin_runtime.trust.TrustStore
    assert runtime.load_verified is pyvorin_runtime.load_verified


def test_default_home_is_what_platformdirs_says(monkeypatch, tmp_path):
    monkeypatch.delenv("PYVORIN_HOME")
    for xdg in (None, str(tmp_path / "xdg"), "  "):
        if xdg is None:
            monkeypatch.delenv("XDG_DATA_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_DATA_HOME", xdg)
        assert home.home_dir() == platformdirs.user_data_dir("pyvorin")
    monkeypatch.setenv("PYVORIN_HOME", "~/elsewhere")
    assert home.home_dir().endswith("/elsewhere") and not home.home_dir().startswith("~")


def test_importing_the_runtime_loads_neither_pyvorin_nor_cryptography():
    code = (
        "import sys, json\n"
        "import pyvorin_runtime, pyvorin_runtime.ed25519 as e\n"
        "import pyvorin_runtime.manifest as m\n"
        "assert e.backend() == 'openssl'\n"
        "m.sha256(b'x'), m.hmac_sha256(b'k', b'x')\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(proc.stdout)
    heavy = [
        m
        for m in loaded
        if m.split(".")[0]
        in ("pyvorin", "cryptography", "dataclasses", "pathlib", "typing", "tempfile", "sysconfig")
        # the import-time check binds OpenSSL through _hashlib and _ctypes directly
        or m in ("ctypes", "hashlib", "hmac", "warnings")
    ]
    assert heavy == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"schema": "pyvorin.manifest/0"}', "unsupported manifest schema"),
    ],
)
def test_malformed_manifests_name_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "mod.pyvorin.json"
    path.write_text(text)
    with pytest.raises(pyvorin_runtime.errors.SignatureError) as info:
        manifest.load_manifest(path)
    assert str(info.value).startswith(f"{path}: ")
    assert problem in str(info.value)


def test_the_interpreted_decorator_is_the_identity():
    import pyvorin_runtime

    def f(x):
        return x

    assert pyvorin_runtime.interpreted(f) is f
    assert pyvorin_runtime.interpreted is pyvorin_runtime.declare.interpreted
    assert "interpreted" in pyvorin_runtime.__all__

"""The import-time check's SHA-256, HMAC and comparison match the standard library's,
with OpenSSL's ``_hashlib`` and (in a subprocess that cannot import it) without."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys

import pytest

from pyvorin_runtime import digest

CASES = [(b"", b""), (b"k", b"message"), (b"k" * 100, b"\0" * 1000), (b"\xff" * 64, b"x" * 65)]


@pytest.mark.parametrize(("key", "message"), CASES)
def test_digests_match_the_standard_library(key: bytes, message: bytes) -> None:
    assert digest.sha256_hex(message) == hashlib.sha256(message).hexdigest()
    assert digest.hmac_sha256(key, message) == hmac.new(key, message, "sha256").digest()


def test_compare_digest_is_the_constant_time_one() -> None:
    assert digest.compare_digest(b"abc", b"abc") and not digest.compare_digest(b"abc", b"abd")
    assert digest.compare_digest("ab", "ab") and not digest.compare_digest("ab", "abc")
    with pytest.raises(TypeError):
        digest.compare_digest("é", "é")  # like hmac.compare_digest: ASCII strings only


def test_without_openssl_the_builtin_sha256_is_used() -> None:
    code = (
        "import sys, json\n"
        "sys.modules['_hashlib'] = None  # as on an interpreter built without OpenSSL\n"
        "from pyvorin_runtime import digest\n"
        f"cases = {CASES!r}\n"
        "print(json.dumps({'hmac_digest': digest.hmac_digest is None,\n"
        "  'sha': [digest.sha256_hex(m) for _, m in cases],\n"
        "  'mac': [digest.hmac_sha256(k, m).hex() for k, m in cases],\n"
        "  'eq': [digest.compare_digest(b'a', b'a'), digest.compare_digest(b'a', b'b')]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    out = json.loads(proc.stdout)
    assert out["hmac_digest"] is True
    assert out["sha"] == [hashlib.sha256(m).hexdigest() for _, m in CASES]
    assert out["mac"] == [hmac.new(k, m, "sha256").hexdigest() for k, m in CASES]
    assert out["eq"] == [True, False]

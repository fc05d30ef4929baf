"""``pyvorin licence`` commands: offline key checks, trust, and user errors (real CLI)."""

from __future__ import annotations

import base64
import stat
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyvorin.exitcodes import ExitCode
from pyvorin.licensing.tokens import KEY_PREFIX, key_id, public_pem, sign_token
from pyvorin.licensing.trust import DEVELOPMENT, ENV, trusted_issuers, trusted_keys
from tests.helpers import run_cli

ISSUER = Ed25519PrivateKey.generate()
KID = key_id(ISSUER.public_key())


def key(**changes) -> str:
    now = int(time.time())
    payload = {
        "lid": "lic_cli0000000000000",
        "licensee": "CLI Test",
        "plan": "team",
        "features": ["native"],
        "seats": 2,
        "iat": now,
        "exp": now + 86400,
        "kid": KID,
    }
    payload.update(changes)
    return sign_token(KEY_PREFIX, payload, ISSUER)


def test_trust_issuer_then_verify_key(tmp_path, pyvorin_home):
    pub = tmp_path / "issuer.pub"
    pub.write_bytes(public_pem(ISSUER.public_key()))
    untrusted = run_cli("licence", "verify-key", key())
    assert untrusted.returncode == ExitCode.LICENCE
    assert f"issuer key {KID}" in untrusted.stderr and "trust-issuer" in untrusted.stderr

    trusted = run_cli("licence", "trust-issuer", str(pub))
    assert trusted.returncode == 0 and KID in trusted.stdout
    assert (pyvorin_home / "licence" / "issuers" / f"{KID}.pem").is_file()
    assert stat.S_IMODE((pyvorin_home / "licence").stat().st_mode) == 0o700

    ok = run_cli("licence", "verify-key", key())
    assert ok.returncode == 0, ok.stderr
    assert "valid licence key lic_cli0000000000000" in ok.stdout and "2 seat(s)" in ok.stdout

    expired = run_cli("licence", "verify-key", key(iat=1_600_000_000, exp=1_600_000_001))
    assert expired.returncode == ExitCode.LICENCE and "expired at" in expired.stderr

    body = key().split(".")
    forged = ".".join([body[0], body[1][:-4] + "AAAA", body[2]])
    tampered = run_cli("licence", "verify-key", forged)
    assert tampered.returncode == ExitCode.LICENCE
    assert "altered" in tampered.stderr or "malformed" in tampered.stderr

    malformed = run_cli("licence", "verify-key", "PVL1.nonsense")
    assert malformed.returncode == ExitCode.LICENCE and "malformed licence key" in malformed.stderr

    from_stdin = run_cli("licence", "verify-key", "-", input=key())
    assert from_stdin.returncode == 0, from_stdin.stderr
    for result in (untrusted, expired, tampered, malformed):
        assert "Traceback" not in result.stderr


def test_private_key_and_garbage_are_refused_as_issuer_keys(tmp_path):
    private = tmp_path / "issuer.key"
    private.write_bytes(
        ISSUER.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    refused = run_cli("licence", "trust-issuer", str(private))
    assert refused.returncode == ExitCode.USAGE and "this is a private key" in refused.stderr
    garbage = tmp_path / "garbage.pub"
    garbage.write_text("hello")
    bad = run_cli("licence", "trust-issuer", str(garbage))
    assert bad.returncode == ExitCode.USAGE and "not an Ed25519 public key" in bad.stderr
    missing = run_cli("licence", "trust-issuer", str(tmp_path / "nope.pub"))
    assert missing.returncode == ExitCode.USAGE and "nope.pub" in missing.stderr


def test_issuer_keys_from_the_environment(tmp_path, pyvorin_home):
    raw = ISSUER.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    pub = tmp_path / "issuer.pub"
    pub.write_bytes(public_pem(ISSUER.public_key()))
    assert KID in trusted_keys(pyvorin_home, {ENV: base64.b64encode(raw).decode()})
    assert KID in trusted_keys(pyvorin_home, {ENV: f" {pub} , "})
    # without the variable, nothing from the (empty) home or the environment is trusted
    # (the production issuers shipped with the installation are not the user's to change)
    user_level = trusted_issuers(pyvorin_home, {ENV: f"{pub}"})
    assert user_level[KID].mode == DEVELOPMENT
    assert [k for k, i in trusted_issuers(pyvorin_home, {}).items() if i.mode == DEVELOPMENT] == []
    assert KID not in trusted_keys(pyvorin_home, {})
    ok = run_cli("licence", "verify-key", key(), env={ENV: str(pub)})
    assert ok.returncode == 0, ok.stderr
    wrong = run_cli("licence", "verify-key", key(), env={ENV: str(tmp_path / "missing.pem")})
    assert wrong.returncode == ExitCode.USAGE and "missing.pem': no such file" in wrong.stderr


def test_usage_errors_exit_2(tmp_path, pyvorin_home):
    pub = tmp_path / "issuer.pub"
    pub.write_bytes(public_pem(ISSUER.public_key()))
    run_cli("licence", "trust-issuer", str(pub))
    no_key = run_cli("licence", "activate", "--server", "http://127.0.0.1:9")
    assert no_key.returncode == ExitCode.USAGE and "no licence key" in no_key.stderr
    bad_url = run_cli("licence", "activate", key(), "--server", "ftp://example")
    assert bad_url.returncode == ExitCode.USAGE and "expected http:// or https://" in bad_url.stderr
    bad_grace = run_cli("licence", "status", env={"PYVORIN_LICENCE_GRACE_HOURS": "soon"})
    assert (
        bad_grace.returncode == ExitCode.USAGE and "PYVORIN_LICENCE_GRACE_HOURS" in bad_grace.stderr
    )


def test_activation_against_an_unreachable_server_is_a_licence_refusal(tmp_path):
    pub = tmp_path / "issuer.pub"
    pub.write_bytes(public_pem(ISSUER.public_key()))
    run_cli("licence", "trust-issuer", str(pub))
    from tests.licensing.support import free_port

    result = run_cli("licence", "activate", key(), "--server", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == ExitCode.LICENCE
    assert "cannot reach the licence server" in result.stderr and "3 attempt(s)" in result.stderr

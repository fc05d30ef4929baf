"""Licence key and lease format: offline checks with a distinct error for each failure."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvorin.errors import ConfigError, LicenceError
from pyvorin.exitcodes import ExitCode
from pyvorin.licensing.tokens import (
    KEY_PREFIX,
    LEASE_PREFIX,
    ExpiredTokenError,
    MalformedTokenError,
    TamperedTokenError,
    WrongIssuerError,
    b64d,
    b64e,
    key_id,
    load_public_key,
    public_pem,
    sign_token,
    verify_token,
)

ISSUER = Ed25519PrivateKey.generate()
KID = key_id(ISSUER.public_key())
TRUSTED = {KID: ISSUER.public_key()}
NOW = 1_800_000_000


def payload(**changes):
    base = {
        "lid": "lic_0123456789abcdef",
        "licensee": "ACME Ltd",
        "plan": "team",
        "features": ["native", "sign"],
        "seats": 5,
        "iat": NOW - 100,
        "exp": NOW + 86400,
        "kid": KID,
    }
    base.update(changes)
    return base


def make_key(**changes) -> str:
    return sign_token(KEY_PREFIX, payload(**changes), ISSUER)


def test_round_trip_carries_every_field():
    key = make_key()
    token = verify_token(key, KEY_PREFIX, TRUSTED, now=NOW)
    assert token.payload == payload()
    assert key.startswith("PVL1.") and key.count(".") == 2
    assert all(c.isalnum() or c in "._-" for c in key)  # one copy-pasteable word


def test_line_breaks_from_copy_paste_are_tolerated():
    key = make_key()
    wrapped = "\n".join(key[i : i + 60] for i in range(0, len(key), 60))
    assert verify_token(wrapped, KEY_PREFIX, TRUSTED, now=NOW).payload["seats"] == 5


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("hello", "expected 'PVL1.<payload>.<signature>'"),
        ("PVL1.abc", "expected 'PVL1."),
        ("PVL1.!!!.abc", "does not decode"),
        ("PVL1." + b64e(b"[1]") + "." + b64e(b"x" * 64), "not a JSON object"),
        ("PVL1." + b64e(b"{}") + "." + b64e(b"x" * 10), "signature is not 64 bytes"),
        ("PVL1." + b64e(b"{}") + "." + b64e(b"x" * 64), "field 'lid' is missing"),
    ],
)
def test_malformed_keys(text, fragment):
    with pytest.raises(MalformedTokenError, match="malformed licence key") as info:
        verify_token(text, KEY_PREFIX, TRUSTED, now=NOW)
    assert fragment in str(info.value)
    assert info.value.exit_code == ExitCode.LICENCE


def test_mistyped_field_is_malformed():
    body = b64e(json.dumps(payload(seats="5")).encode())
    key = f"PVL1.{body}.{b64e(b'x' * 64)}"
    with pytest.raises(MalformedTokenError, match="'seats' is not a valid integer"):
        verify_token(key, KEY_PREFIX, TRUSTED)


def test_tampered_payload_is_detected():
    prefix, _, signature = make_key().split(".")
    forged_body = b64e(json.dumps(payload(seats=500)).encode())
    with pytest.raises(TamperedTokenError, match="has been altered"):
        verify_token(f"{prefix}.{forged_body}.{signature}", KEY_PREFIX, TRUSTED, now=NOW)


def test_wrong_issuer_names_the_key_and_the_fix():
    stranger = Ed25519PrivateKey.generate()
    key = sign_token(KEY_PREFIX, payload(kid=key_id(stranger.public_key())), stranger)
    with pytest.raises(WrongIssuerError) as info:
        verify_token(key, KEY_PREFIX, TRUSTED, now=NOW)
    assert key_id(stranger.public_key()) in str(info.value)
    assert "trust-issuer" in str(info.value)
    # a stranger claiming our key id fails the signature instead
    impostor = sign_token(KEY_PREFIX, payload(), stranger)
    with pytest.raises(TamperedTokenError):
        verify_token(impostor, KEY_PREFIX, TRUSTED, now=NOW)


def test_expired_key():
    key = make_key(exp=NOW - 1)
    with pytest.raises(ExpiredTokenError, match="expired at 2027-01-15T07:59:59Z"):
        verify_token(key, KEY_PREFIX, TRUSTED, now=NOW)
    # expiry is only judged for genuine keys: a forged expired key is "tampered"
    prefix, _, sig = key.split(".")
    forged = b64e(json.dumps(payload(exp=NOW - 1, seats=9)).encode())
    with pytest.raises(TamperedTokenError):
        verify_token(f"{prefix}.{forged}.{sig}", KEY_PREFIX, TRUSTED, now=NOW)


def test_a_key_is_not_a_lease_and_vice_versa():
    key = make_key()
    with pytest.raises(MalformedTokenError):
        verify_token(key, LEASE_PREFIX, TRUSTED)
    # even with the prefix swapped the signature (which covers the prefix) fails
    swapped = key.replace("PVL1.", "PVS1.", 1)
    lease_fields = payload(aid="act_1", fp="f" * 32, lexp=NOW + 10)
    lease = sign_token(LEASE_PREFIX, lease_fields, ISSUER)
    assert verify_token(lease, LEASE_PREFIX, TRUSTED)["aid"] == "act_1"
    forged = swapped.split(".")
    forged[1] = b64e(json.dumps(lease_fields).encode())
    with pytest.raises(TamperedTokenError):
        verify_token(".".join(forged), LEASE_PREFIX, TRUSTED)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw_-0z."))
def test_any_single_character_change_is_refused_or_harmless(position, replacement):
    key = make_key()
    position %= len(key)
    mutated = key[:position] + replacement + key[position + 1 :]
    if mutated == key:
        return
    try:
        token = verify_token(mutated, KEY_PREFIX, TRUSTED, now=NOW)
    except LicenceError:
        return
    # base64 padding bits can absorb a change without altering the decoded bytes
    assert token.payload == payload()
    assert b64d(mutated.split(".")[2]) == b64d(key.split(".")[2])


def test_public_key_loading():
    pem = public_pem(ISSUER.public_key())
    assert key_id(load_public_key(pem, "x")) == KID
    import base64

    from cryptography.hazmat.primitives import serialization

    raw = ISSUER.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    assert key_id(load_public_key(base64.b64encode(raw), "x")) == KID
    with pytest.raises(ConfigError, match="somefile: not an Ed25519 public key"):
        load_public_key(b"garbage", "somefile")

"""Ed25519 verification of the runtime: both implementations, against RFC 8032 and cryptography."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyvorin_runtime import ed25519

# RFC 8032, section 7.1: (public key, message, signature)
RFC8032 = [
    (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.fixture(params=["openssl", "cryptography"])
def backend(request, monkeypatch):
    verify = ed25519._openssl() if request.param == "openssl" else ed25519._cryptography()
    assert verify is not None, f"the {request.param} implementation is not available here"
    monkeypatch.setattr(ed25519, "_backend", (request.param, verify))
    return request.param


def test_the_interpreters_openssl_is_the_fast_path_here():
    # CPython on Linux links _hashlib against OpenSSL >= 1.1.1: this machine must take it.
    assert ed25519._openssl() is not None


@pytest.mark.parametrize(("public", "message", "signature"), RFC8032)
def test_rfc8032_vectors_verify_and_any_flipped_bit_does_not(backend, public, message, signature):
    public_b, message_b, signature_b = (bytes.fromhex(x) for x in (public, message, signature))
    assert ed25519.verify(public_b, signature_b, message_b)
    for index in (0, 31, 32, 63):
        bad = bytearray(signature_b)
        bad[index] ^= 0x01
        assert not ed25519.verify(public_b, bytes(bad), message_b)
    assert not ed25519.verify(public_b, signature_b, message_b + b"\0")
    other_key = bytearray(public_b)
    other_key[0] ^= 0x01
    assert not ed25519.verify(bytes(other_key), signature_b, message_b)


def test_agrees_with_cryptography_on_random_keys_and_messages(backend):
    for size in (0, 1, 63, 64, 65, 1000, 70_000):
        key = Ed25519PrivateKey.generate()
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        message = os.urandom(size)
        signature = key.sign(message)
        assert ed25519.verify(public, signature, message)
        # a different message (the last byte flipped: a random last byte may be any value)
        changed = message[:-1] + bytes([message[-1] ^ 0x01]) if message else b"x"
        assert not ed25519.verify(public, signature, changed)


@pytest.mark.parametrize(
    ("public", "signature"),
    [
        (b"", b"\0" * 64),
        (b"\0" * 31, b"\0" * 64),
        (b"\0" * 33, b"\0" * 64),
        (b"\xff" * 32, b"\0" * 64),  # not a curve point
        (bytes.fromhex(RFC8032[1][0]), b""),
        (bytes.fromhex(RFC8032[1][0]), b"\0" * 63),
        (bytes.fromhex(RFC8032[1][0]), b"\0" * 65),
    ],
)
def test_malformed_keys_and_signatures_do_not_verify(backend, public, signature):
    assert ed25519.verify(public, signature, b"r") is False


def test_non_canonical_s_is_refused(backend):
    # S + L (the group order) is the same scalar mod L: a malleable re-encoding of a valid
    # signature must not verify (RFC 8032 5.1.7 requires S < L).
    public, message, signature = (bytes.fromhex(x) for x in RFC8032[1])
    order = 2**252 + 27742317777372353535851937790883648493
    s = int.from_bytes(signature[32:], "little") + order
    assert s < 2**256
    forged = signature[:32] + s.to_bytes(32, "little")
    assert not ed25519.verify(public, forged, message)


def test_cryptography_can_be_chosen_explicitly(monkeypatch):
    monkeypatch.setattr(ed25519, "_backend", None)
    monkeypatch.setenv("PYVORIN_ED25519", "cryptography")
    assert ed25519.backend() == "cryptography"
    monkeypatch.setattr(ed25519, "_backend", None)
    monkeypatch.delenv("PYVORIN_ED25519")
    assert ed25519.backend() == "openssl"

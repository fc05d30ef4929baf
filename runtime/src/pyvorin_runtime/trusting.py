"""Adding a publisher's public key to this user's trust store (the one writer of ``trust/``).

``pyvorin keys trust`` and ``python -m pyvorin_runtime trust`` (for a machine with only
the runtime) both come here. A key from a manifest is trusted only when its fingerprint
is the one the user was given out of band; a revoked key is never added; an id already
holding a different key is refused. Bad input (an invalid key id, an unreadable
manifest) is a ``ValueError``, a refusal a :class:`~pyvorin_runtime.errors.SignatureError`.
"""

from __future__ import annotations

import binascii
import os

from .cjson import loads
from .digest import compare_digest
from .errors import SignatureError
from .home import atomic_write, home_dir
from .manifest import strict_b64decode
from .trust import (
    ED25519,
    ED25519_SPKI_PREFIX,
    fingerprint_ed25519,
    is_key_id,
    listed_as_revoked,
    parse_public_key,
    read_revoked,
)


def public_pem(raw_public: bytes) -> str:
    """The SubjectPublicKeyInfo PEM of a raw Ed25519 public key."""
    b64 = binascii.b2a_base64(ED25519_SPKI_PREFIX + raw_public, newline=False).decode()
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"


def public_file_text(key_id: str, raw_public: bytes) -> str:
    """A trust-store file: the id and fingerprint lines, then the PEM."""
    return (
        f"# pyvorin key-id: {key_id}\n"
        f"# fingerprint: {fingerprint_ed25519(raw_public)}\n" + public_pem(raw_public)
    )


def check_key_id(key_id: str) -> str:
    if not is_key_id(key_id):
        raise ValueError(
            f"key id {key_id!r} is not valid: use 1-64 characters from letters, digits, "
            "'.', '_' and '-', starting with a letter or digit"
        )
    return key_id


def trust_dir() -> str:
    path = os.path.join(home_dir(), "trust")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def add_trusted(key_id: str, raw_public: bytes) -> str:
    """Trust ``raw_public`` under ``key_id``; returns the file. Idempotent for the same key."""
    check_key_id(key_id)
    fingerprint = fingerprint_ed25519(raw_public)
    if listed_as_revoked(read_revoked(), key_id, fingerprint):
        raise SignatureError(f"key {key_id!r} ({fingerprint}) is revoked; not trusted")
    path = os.path.join(trust_dir(), f"{key_id}.pub")
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            _, existing = parse_public_key(handle.read(), path)
        if not compare_digest(existing, raw_public):
            raise SignatureError(
                f"{path}: the trust store already holds a different public key for id {key_id!r}"
            )
        return path
    atomic_write(path, public_file_text(key_id, raw_public).encode(), 0o644)  # not secret
    return path


def trust_from_manifest(manifest_file: str, fingerprint: str, key_id: str | None = None):
    """Trust the public key a signature in ``manifest_file`` carries, only if its
    fingerprint is ``fingerprint`` (compared with the publisher's, out of band).

    Returns (key id, raw public key, trust-store file)."""
    try:
        with open(manifest_file, "rb") as handle:
            manifest = loads(handle.read())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{manifest_file}: cannot read the manifest: {exc}") from exc
    signatures = manifest.get("signatures") if isinstance(manifest, dict) else None
    for entry in signatures if isinstance(signatures, list) else []:
        if not isinstance(entry, dict) or entry.get("alg") != ED25519:
            continue
        raw = strict_b64decode(str(entry.get("public_key", "")))
        if raw is None or len(raw) != 32:
            continue
        if compare_digest(fingerprint_ed25519(raw), fingerprint):
            chosen = check_key_id(key_id or str(entry.get("key_id")))
            return chosen, raw, add_trusted(chosen, raw)
    raise SignatureError(
        f"{manifest_file}: no Ed25519 signature with fingerprint {fingerprint}; nothing trusted"
    )

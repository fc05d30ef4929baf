"""Compact Ed25519-signed tokens: licence keys and leases.

A token is three dot-separated parts, copy-pasteable on one line::

    PVL1.<base64url(JSON payload)>.<base64url(Ed25519 signature)>     licence key
    PVS1.<base64url(JSON payload)>.<base64url(Ed25519 signature)>     lease

The signature covers the ASCII bytes ``"<prefix>.<payload part>"``, so a key can never be
replayed as a lease or the other way round. Every payload carries ``kid``, the id of the
issuer key (``pvk_`` + the first 16 hex digits of SHA-256 over the raw public key).

Checks happen offline and in a fixed order, each with its own error: malformed (not a
token of this kind, bad base64/JSON, missing or mistyped fields), wrong issuer (``kid``
not among the trusted issuer keys), tampered (the signature does not verify under the
trusted key), expired.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..canonical import canonical as canonical_json
from ..errors import LicenceError

KEY_PREFIX = "PVL1"
LEASE_PREFIX = "PVS1"
TICKET_PREFIX = "PVT1"  # a build ticket: one compile the server counted (see tickets.py)
CHECKPOINT_PREFIX = "PVC1"  # an audit checkpoint: an installation's log head, server-signed
MAX_TOKEN_CHARS = 8192
_B64 = re.compile(r"^[A-Za-z0-9_-]+$")
_KID = re.compile(r"^pvk_[0-9a-f]{16}$")


class LicenceKeyError(LicenceError):
    """A licence key or lease failed an offline check (exit 6). ``kind`` says which."""

    kind = "invalid"


class MalformedTokenError(LicenceKeyError):
    kind = "malformed"


class WrongIssuerError(LicenceKeyError):
    kind = "wrong-issuer"


class TamperedTokenError(LicenceKeyError):
    kind = "tampered"


class ExpiredTokenError(LicenceKeyError):
    kind = "expired"


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    if not _B64.match(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "pvk_" + hashlib.sha256(raw).hexdigest()[:16]


def iso(ts: int | float) -> str:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_token(prefix: str, payload: Mapping[str, Any], private_key: Ed25519PrivateKey) -> str:
    body = b64e(canonical_json(payload))
    signature = private_key.sign(f"{prefix}.{body}".encode("ascii"))
    return f"{prefix}.{body}.{b64e(signature)}"


# field name -> (type, human description)
_STR, _INT, _LIST = "string", "integer", "list of strings"
LICENCE_FIELDS = {
    "lid": _STR,  # licence id
    "licensee": _STR,
    "plan": _STR,
    "features": _LIST,
    "seats": _INT,
    "iat": _INT,  # issued at (unix seconds)
    "exp": _INT,  # licence expiry (unix seconds)
    "kid": _STR,
}
LEASE_FIELDS = {
    "lid": _STR,
    "aid": _STR,  # activation id
    "fp": _STR,  # machine fingerprint the lease is bound to
    "plan": _STR,
    "features": _LIST,
    "iat": _INT,  # issued at, server clock
    "exp": _INT,  # lease expiry: the latest moment an offline client may still compile
    "lexp": _INT,  # licence expiry
    "kid": _STR,
}
# Lease fields a server adds since issue 13 (finding 6); checked when present, required
# by the client for a lease from a server (tickets.py): the URL the activation is bound
# to and the offline quota (``qn`` builds until ``qexp``; ``qid`` names it).
LEASE_OPTIONAL = {"srv": _STR, "qid": _STR, "qn": _INT, "qexp": _INT}
TICKET_FIELDS = {
    "lid": _STR,
    "aid": _STR,
    "mod": _STR,  # the module name
    "src": _STR,  # SHA-256 of the module's source
    "n": _INT,  # the licence's ticket counter: 1, 2, 3 ... per licence, never reused
    "iat": _INT,
    "kid": _STR,
}
CHECKPOINT_FIELDS = {
    "lid": _STR,
    "aid": _STR,
    "log": _STR,  # the audit log's id (derived from its key: a new log has a new id)
    "seq": _INT,  # the audit log's last sequence number the server saw
    "hash": _STR,  # that record's hash
    "iat": _INT,
    "kid": _STR,
}
FIELDS = {
    KEY_PREFIX: (LICENCE_FIELDS, {}),
    LEASE_PREFIX: (LEASE_FIELDS, LEASE_OPTIONAL),
    TICKET_PREFIX: (TICKET_FIELDS, {}),
    # rlog/rseq: the log this one replaced, and the last seq the server saw of it
    CHECKPOINT_PREFIX: (CHECKPOINT_FIELDS, {"rlog": _STR, "rseq": _INT}),
}


def _typed(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str) and 0 < len(value) <= 256
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53
    return (
        isinstance(value, list)
        and len(value) <= 64
        and all(isinstance(v, str) and 0 < len(v) <= 64 for v in value)
    )


@dataclass(frozen=True)
class Token:
    """A verified token: its payload, prefix, and the raw text it came from."""

    prefix: str
    payload: dict[str, Any]
    text: str

    def __getitem__(self, name: str) -> Any:
        return self.payload[name]


def _what(prefix: str) -> str:
    return {
        KEY_PREFIX: "licence key",
        TICKET_PREFIX: "build ticket",
        CHECKPOINT_PREFIX: "audit checkpoint",
    }.get(prefix, "lease")


def parse_unverified(text: str, prefix: str) -> tuple[dict[str, Any], str, bytes]:
    """Split and decode a token without checking its signature (raises Malformed)."""
    what = _what(prefix)
    text = "".join(str(text).split())  # tolerate line breaks from copy-paste
    if not text:
        raise MalformedTokenError(f"malformed {what}: it is empty")
    if len(text) > MAX_TOKEN_CHARS:
        raise MalformedTokenError(f"malformed {what}: longer than {MAX_TOKEN_CHARS} characters")
    parts = text.split(".")
    if len(parts) != 3 or parts[0] != prefix:
        raise MalformedTokenError(
            f"malformed {what}: expected '{prefix}.<payload>.<signature>', "
            f"found {len(parts)} part(s) starting with {parts[0][:8]!r}"
        )
    try:
        payload = json.loads(b64d(parts[1]).decode("utf-8"))
        signature = b64d(parts[2])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise MalformedTokenError(f"malformed {what}: the payload does not decode ({exc})") from exc
    if not isinstance(payload, dict):
        raise MalformedTokenError(f"malformed {what}: the payload is not a JSON object")
    if len(signature) != 64:
        raise MalformedTokenError(f"malformed {what}: the signature is not 64 bytes")
    fields, optional = FIELDS[prefix]
    for name, kind in [*fields.items(), *optional.items()]:
        if name not in payload:
            if name in optional:
                continue
            raise MalformedTokenError(f"malformed {what}: field {name!r} is missing")
        if not _typed(payload[name], kind):
            raise MalformedTokenError(f"malformed {what}: field {name!r} is not a valid {kind}")
    if not _KID.match(payload["kid"]):
        raise MalformedTokenError(f"malformed {what}: key id {payload['kid']!r} is not valid")
    return payload, f"{prefix}.{parts[1]}", signature


def verify_token(
    text: str,
    prefix: str,
    trusted: Mapping[str, Ed25519PublicKey],
    now: float | None = None,
) -> Token:
    """Verify ``text`` against the ``trusted`` issuer keys (kid -> key).

    With ``now`` given, an expired token raises :class:`ExpiredTokenError` (checked last,
    so an expired token is reported as expired only when it is otherwise genuine).
    """
    what = _what(prefix)
    payload, signed, signature = parse_unverified(text, prefix)
    public_key = trusted.get(payload["kid"])
    if public_key is None:
        known = ", ".join(sorted(trusted)) or "none"
        raise WrongIssuerError(
            f"{what} {payload.get('lid', '?')} was signed by issuer key {payload['kid']}, "
            f"which this installation does not trust (trusted: {known}); "
            "add the issuer's public key with `pyvorin licence trust-issuer FILE` (a "
            "development issuer; production issuers come with the distribution or the "
            "administrator's /etc/pyvorin/issuers)"
        )
    try:
        public_key.verify(signature, signed.encode("ascii"))
    except InvalidSignature as exc:
        raise TamperedTokenError(
            f"{what} {payload.get('lid', '?')} has been altered: its signature does not "
            f"verify under issuer key {payload['kid']}"
        ) from exc
    if now is not None and "exp" in payload and now >= payload["exp"]:
        raise ExpiredTokenError(f"{what} {payload['lid']} expired at {iso(payload['exp'])}")
    return Token(prefix, payload, "".join(str(text).split()))


def load_public_key(data: bytes, origin: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM, or from base64 of its 32 raw bytes."""
    from ..errors import ConfigError

    stripped = data.strip()
    try:
        if stripped.startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(stripped)
        else:
            raw = base64.b64decode(stripped + b"=" * (-len(stripped) % 4), altchars=b"-_")
            key = Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ConfigError(f"{origin}: not an Ed25519 public key (PEM or base64): {exc}") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{origin}: not an Ed25519 public key ({type(key).__name__})")
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

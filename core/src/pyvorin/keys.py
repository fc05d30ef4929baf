"""Signing keys, the trust store and revocations.

Layout under ``PYVORIN_HOME``:

* ``keys/`` (0700): private keys, each 0600 from creation on —
  ``<id>.ed25519.pem`` (PKCS#8 PEM, encrypted when a passphrase was given) and
  ``<id>.hmac`` (the secret, hex). ``keys/keyring.json`` (0600) records each key's type,
  fingerprint, origin and status (``active`` signs, ``rotated`` no longer signs but still
  verifies, ``revoked`` neither), and which key of each type is active.
* ``trust/``: the trust store. ``<id>.pub`` files hold an Ed25519 public key (PEM,
  preceded by a ``# pyvorin key-id: <id>`` line). ``PYVORIN_TRUSTED_KEYS`` adds more
  files or directories (colon-separated). ``trust/revoked.json`` lists revoked key ids
  (and their fingerprints, so a revoked key cannot come back under another id).

Environment:

* ``PYVORIN_SIGNING_KEY``: path to, or PEM text of, an Ed25519 private key; signs instead
  of the keyring's active key. ``PYVORIN_SIGNING_KEY_PASSPHRASE`` decrypts it (and
  encrypted keyring keys).
* ``PYVORIN_HMAC_KEY``: an HMAC-SHA256 secret (hex or base64, at least 32 bytes), or a
  path to a file holding one. Used to sign (besides Ed25519) and to verify.

Every comparison of secrets, MACs or key material uses :func:`hmac.compare_digest`.
Heavy imports (``cryptography`` serialization) are done lazily so that the import-time
check in :mod:`pyvorin_runtime` stays cheap (the reading side lives there).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# Reading the trust store, revocations and HMAC secrets is the runtime's (it verifies at
# import time without this package); writing them, and signing, is this module's.
from pyvorin_runtime import trusting
from pyvorin_runtime.trust import (
    ED25519,
    ENV_HMAC_KEY,
    HMAC_SHA256,
    TrustedKey,
    TrustStore,
    derived_id,
    env_hmac_secret,
    fingerprint_ed25519,
    fingerprint_hmac,
    is_key_id,
    keyring_hmac_secret,
    listed_as_revoked,
    parse_keyring,
    parse_public_key,
    read_revoked,
)
from pyvorin_runtime.trusting import public_file_text

from .errors import SignatureError, UsageError
from .home import atomic_write, file_lock, pyvorin_home, write_private

KEY_TYPES = {"ed25519": ED25519, "hmac": HMAC_SHA256}

ENV_SIGNING_KEY = "PYVORIN_SIGNING_KEY"
ENV_PASSPHRASE = "PYVORIN_SIGNING_KEY_PASSPHRASE"


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def check_key_id(key_id: str, what: str = "key id") -> str:
    if not is_key_id(key_id):
        raise UsageError(
            f"{what} {key_id!r} is not valid: use 1-64 characters from letters, digits, "
            "'.', '_' and '-', starting with a letter or digit"
        )
    return key_id


# -- directories ----------------------------------------------------------------------------
def keys_dir(create: bool = True) -> Path:
    path = pyvorin_home(create) / "keys"
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def trust_dir(create: bool = True) -> Path:
    path = pyvorin_home(create) / "trust"
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


@contextmanager
def _locked() -> Iterator[None]:
    """Serialise keyring changes between processes (two first builds at once)."""
    with file_lock(keys_dir() / ".lock"):
        yield


# -- public keys ----------------------------------------------------------------------------
# -- private keys --------------------------------------------------------------------------------
def load_ed25519_private(data: bytes, source: str, passphrase: bytes | None) -> Any:
    """Parse a PEM (PKCS#8) Ed25519 private key; every failure is a clear SignatureError."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    encrypted = b"ENCRYPTED PRIVATE KEY" in data
    if b"-----BEGIN" not in data:
        raise SignatureError(
            f"{source}: not a PEM private key (corrupt or wrong format; expected "
            "'-----BEGIN PRIVATE KEY-----')"
        )
    try:
        key = serialization.load_pem_private_key(data, passphrase if encrypted else None)
    except TypeError as exc:
        raise SignatureError(
            f"{source}: the private key is encrypted; set {ENV_PASSPHRASE} to its passphrase"
        ) from exc
    except ValueError as exc:
        if encrypted:
            raise SignatureError(
                f"{source}: wrong passphrase for the encrypted private key "
                f"(from {ENV_PASSPHRASE}), or the key file is corrupt"
            ) from exc
        raise SignatureError(
            f"{source}: the private key is corrupt or not in a supported format"
        ) from exc
    except Exception as exc:  # cryptography raises its own types for some inputs
        raise SignatureError(f"{source}: the private key could not be read: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(
            f"{source}: is a {type(key).__name__} key; Pyvorin signs with Ed25519 keys only"
        )
    return key


def _passphrase(env: Mapping[str, str]) -> bytes | None:
    raw = env.get(ENV_PASSPHRASE)
    return raw.encode() if raw else None


# -- signers --------------------------------------------------------------------------------
@dataclass
class SigningKey:
    """A key that can sign: Ed25519 (``private`` is the cryptography key) or HMAC secret."""

    key_id: str
    alg: str
    fingerprint: str
    origin: str  # keyring | local | env
    source: str
    _private: Any = field(repr=False, default=None)
    public_raw: bytes | None = None

    def sign(self, message: bytes) -> bytes:
        if self.alg == ED25519:
            return self._private.sign(message)
        return hmac.new(self._private, message, hashlib.sha256).digest()

    @property
    def secret(self) -> bytes:
        if self.alg != HMAC_SHA256:
            raise AttributeError("secret")
        return self._private


def _raw_public(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def ed25519_signer(private: Any, key_id: str, origin: str, source: str) -> SigningKey:
    raw = _raw_public(private)
    return SigningKey(key_id, ED25519, fingerprint_ed25519(raw), origin, source, private, raw)


def hmac_signer(secret: bytes, key_id: str, origin: str, source: str) -> SigningKey:
    return SigningKey(key_id, HMAC_SHA256, fingerprint_hmac(secret), origin, source, secret)


# -- keyring --------------------------------------------------------------------------------
def _keyring_path() -> Path:
    return keys_dir() / "keyring.json"


def load_keyring(create: bool = True) -> dict[str, Any]:
    path = keys_dir(create) / "keyring.json"
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {"version": 1, "active": {}, "keys": {}}
    except OSError as exc:
        raise SignatureError(f"{path}: the keyring is unreadable or corrupt: {exc}") from exc
    return parse_keyring(text, str(path))


def save_keyring(data: dict[str, Any]) -> None:
    write_private(_keyring_path(), json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")


def _key_file(key_id: str, kind: str) -> Path:
    return keys_dir() / (f"{key_id}.ed25519.pem" if kind == ED25519 else f"{key_id}.hmac")


def _private_pem(private: Any, passphrase: bytes | None) -> bytes:
    from cryptography.hazmat.primitives import serialization

    encryption: Any = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


@dataclass
class NewKey:
    key_id: str
    alg: str
    fingerprint: str
    path: Path
    public_path: Path | None = None
    active: bool = False
    encrypted: bool = False


def _create(
    kind: str,
    key_id: str | None,
    passphrase: bytes | None,
    output: Path | None,
    origin: str,
    activate: str,
    hold_lock: bool = True,
) -> NewKey:
    """Create a key; ``activate`` is ``never`` | ``if-none`` | ``always`` (rotate)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if kind == ED25519:
        private = Ed25519PrivateKey.generate()
        raw = _raw_public(private)
        fingerprint = fingerprint_ed25519(raw)
        data = _private_pem(private, passphrase)
        prefix = "local" if origin == "local" else "ed25519"
    else:
        if passphrase:
            raise UsageError("--passphrase-env applies to Ed25519 keys only")
        secret = secrets.token_bytes(32)
        raw = b""
        fingerprint = fingerprint_hmac(secret)
        data = secret.hex().encode() + b"\n"
        prefix = "hmac"
    key_id = check_key_id(key_id) if key_id else derived_id(prefix, fingerprint)
    if hold_lock:
        with _locked():
            return _store(
                kind, key_id, raw, fingerprint, data, passphrase, output, origin, activate
            )
    return _store(kind, key_id, raw, fingerprint, data, passphrase, output, origin, activate)


def _store(
    kind: str,
    key_id: str,
    raw: bytes,
    fingerprint: str,
    data: bytes,
    passphrase: bytes | None,
    output: Path | None,
    origin: str,
    activate: str,
) -> NewKey:
    keyring = load_keyring()
    if key_id in keyring["keys"]:
        raise UsageError(f"a key with id {key_id!r} already exists in {keys_dir()}")
    if is_revoked(key_id, None):
        raise UsageError(f"key id {key_id!r} was revoked; choose another id")
    if output is not None:
        path = Path(output)
        if path.exists():
            raise UsageError(f"{path}: already exists; refusing to overwrite a key file")
        write_private(path, data)
        public_path = None
        if kind == ED25519:
            public_path = path.with_name(path.name + ".pub")
            atomic_write(public_path, public_file_text(key_id, raw).encode())
            add_trusted(key_id, raw)
        return NewKey(key_id, kind, fingerprint, path, public_path, False, bool(passphrase))

    path = _key_file(key_id, kind)
    if path.exists():
        raise UsageError(f"{path}: already exists; refusing to overwrite a key file")
    write_private(path, data)
    public_path = add_trusted(key_id, raw) if kind == ED25519 else None
    current = keyring["active"].get(kind)
    current_entry = keyring["keys"].get(current) if current else None
    make_active = activate == "always" or (
        activate == "if-none" and (current_entry is None or current_entry.get("origin") == "local")
    )
    if make_active and current_entry is not None:
        current_entry["status"] = "rotated"
        current_entry["rotated"] = _now()
    keyring["keys"][key_id] = {
        "type": kind,
        "file": path.name,
        "fingerprint": fingerprint,
        "created": _now(),
        "origin": origin,
        "encrypted": bool(passphrase),
        "status": "active" if make_active else "inactive",
    }
    if make_active:
        keyring["active"][kind] = key_id
    save_keyring(keyring)
    return NewKey(key_id, kind, fingerprint, path, public_path, make_active, bool(passphrase))


def generate(
    kind: str,
    key_id: str | None = None,
    passphrase: bytes | None = None,
    output: Path | None = None,
) -> NewKey:
    """``pyvorin keys generate``: becomes active when no key (or only the local one) is."""
    return _create(kind, key_id, passphrase, output, "generated", "if-none")


def rotate(kind: str = ED25519, key_id: str | None = None, passphrase: bytes | None = None):
    """A new key becomes active; the previous one is ``rotated`` (still trusted)."""
    with _locked():
        previous = load_keyring()["active"].get(kind)
    new = _create(kind, key_id, passphrase, None, "generated", "always")
    return new, previous


def revoke(key_id: str) -> dict[str, Any]:
    """Revoke ``key_id``: it no longer signs and nothing it signed verifies."""
    check_key_id(key_id)
    fingerprint: str | None = None
    with _locked():
        keyring = load_keyring()
        entry = keyring["keys"].get(key_id)
        if entry is not None:
            fingerprint = entry.get("fingerprint")
            entry["status"] = "revoked"
            entry["revoked"] = _now()
            for kind, active in list(keyring["active"].items()):
                if active == key_id:
                    keyring["active"][kind] = None
            save_keyring(keyring)
        if fingerprint is None:
            for trusted in TrustStore.load().entries:
                if trusted.key_id == key_id:
                    fingerprint = trusted.fingerprint
        known = entry is not None or fingerprint is not None
        revoked = _load_revoked()
        record = {"key_id": key_id, "fingerprint": fingerprint, "revoked": _now()}
        if not any(
            item.get("key_id") == key_id and item.get("fingerprint") == fingerprint
            for item in revoked
        ):
            revoked.append(record)
        atomic_write(
            trust_dir() / "revoked.json",
            json.dumps({"revoked": revoked}, indent=2, sort_keys=True).encode() + b"\n",
        )
    record["known"] = known
    return record


def _load_revoked(create: bool = True) -> list[dict[str, Any]]:
    if create:
        trust_dir()
    return read_revoked()


def is_revoked(key_id: str, fingerprint: str | None) -> bool:
    return listed_as_revoked(read_revoked(), key_id, fingerprint)


# -- trust store ----------------------------------------------------------------------------
def add_trusted(key_id: str, raw_public: bytes) -> Path:
    check_key_id(key_id)
    return Path(trusting.add_trusted(key_id, raw_public))


def trust_file(path: Path, key_id: str | None = None) -> TrustedKey:
    """``pyvorin keys trust FILE``: add a public key to the trust store."""
    path = Path(path)
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    file_id, raw = parse_public_key(text, str(path))
    fingerprint = fingerprint_ed25519(raw)
    chosen = check_key_id(key_id or file_id or derived_id("ed25519", fingerprint))
    stored = add_trusted(chosen, raw)
    return TrustedKey(chosen, raw, fingerprint, str(stored))


def trust_from_manifest(manifest_file: Path, fingerprint: str, key_id: str | None = None):
    """``pyvorin keys trust --from-manifest M --fingerprint FP``: trust the public key that
    a signature in ``M`` carries, only if its fingerprint is ``FP`` (compare it with the
    publisher's, out of band). The runtime does it (``python -m pyvorin_runtime trust``
    is the same for a machine without the compiler)."""
    if key_id is not None:
        check_key_id(key_id)
    try:
        chosen, raw, stored = trusting.trust_from_manifest(str(manifest_file), fingerprint, key_id)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    return TrustedKey(chosen, raw, fingerprint, stored)


# -- HMAC keys for verification -------------------------------------------------------------
def env_hmac_key(env: Mapping[str, str] | None = None) -> SigningKey | None:
    found = env_hmac_secret(_env(env))
    if found is None:
        return None
    key_id, secret, source = found
    return hmac_signer(secret, key_id, "env", source)


def _keyring_hmac(key_id: str, entry: dict[str, Any]) -> SigningKey:
    secret, path = keyring_hmac_secret(key_id, entry)
    return hmac_signer(secret, key_id, "keyring", path)


# -- choosing the signer --------------------------------------------------------------------
def _keyring_signer(key_id: str, entry: dict[str, Any], env: Mapping[str, str]) -> SigningKey:
    kind = entry.get("type")
    path = keys_dir() / str(entry.get("file", ""))
    if kind == HMAC_SHA256:
        return _keyring_hmac(key_id, entry)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SignatureError(
            f"{path}: cannot read signing key {key_id!r}: {exc.strerror or exc}"
        ) from exc
    private = load_ed25519_private(data, str(path), _passphrase(env))
    signer = ed25519_signer(private, key_id, str(entry.get("origin", "keyring")), str(path))
    recorded = str(entry.get("fingerprint", ""))
    if not hmac.compare_digest(recorded, signer.fingerprint):
        raise SignatureError(
            f"{path}: key {key_id!r} does not match the fingerprint recorded in the keyring "
            f"({recorded}); the key file was replaced"
        )
    return signer


def _env_signer(raw: str, key_id: str | None, env: Mapping[str, str]) -> SigningKey:
    if "-----BEGIN" in raw:
        data, source = raw.encode(), ENV_SIGNING_KEY
    else:
        path = Path(raw).expanduser()
        source = f"{path} (from {ENV_SIGNING_KEY})"
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SignatureError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    private = load_ed25519_private(data, source, _passphrase(env))
    raw_public = _raw_public(private)
    chosen = key_id or derived_id("ed25519", fingerprint_ed25519(raw_public))
    return ed25519_signer(private, chosen, "env", source)


def select_signer(
    key_id: str | None,
    *,
    release: bool,
    announce: Callable[[str], None] | None = None,
    env: Mapping[str, str] | None = None,
    config_origin: str = "[tool.pyvorin.signing] key-id",
) -> SigningKey:
    """The Ed25519 key that signs this build.

    Order: ``PYVORIN_SIGNING_KEY``; else the keyring key ``key_id`` (from configuration);
    else the keyring's active Ed25519 key; else (not for ``release``) a per-installation
    key created now, trusted locally and announced once through ``announce``.
    """
    env = _env(env)
    raw = env.get(ENV_SIGNING_KEY)
    if raw:
        signer = _env_signer(raw, key_id, env)
    else:
        keyring = load_keyring()
        if key_id:
            entry = keyring["keys"].get(key_id)
            if entry is None:
                raise SignatureError(
                    f"signing key {key_id!r} (from {config_origin}) is not in the keyring "
                    f"{keys_dir()}: create it with `pyvorin keys generate --id {key_id}` or "
                    f"set {ENV_SIGNING_KEY}"
                )
            if entry.get("type") != ED25519:
                raise SignatureError(
                    f"signing key {key_id!r} (from {config_origin}) is an HMAC key; "
                    f"the primary signature needs an Ed25519 key (set {ENV_HMAC_KEY} or "
                    "generate an HMAC key for the additional HMAC signature)"
                )
            signer = _keyring_signer(key_id, entry, env)
        else:
            active = keyring["active"].get(ED25519)
            if active:
                signer = _keyring_signer(active, keyring["keys"][active], env)
            elif any(e.get("type") == ED25519 for e in keyring["keys"].values()):
                raise SignatureError(
                    f"no active Ed25519 signing key in {keys_dir()} (the last one was revoked): "
                    "run `pyvorin keys rotate` or set [tool.pyvorin.signing] key-id"
                )
            elif release:
                raise SignatureError(
                    "a --release build needs a configured signing key; none is configured. "
                    f"Set {ENV_SIGNING_KEY}, or `pyvorin keys generate` and "
                    "[tool.pyvorin.signing] key-id"
                )
            else:
                signer = _create_local(announce)
    if signer.origin == "local" and release:
        raise SignatureError(
            f"a --release build refuses to sign with the per-installation key "
            f"{signer.key_id!r} (created automatically for local builds); set "
            f"{ENV_SIGNING_KEY} or [tool.pyvorin.signing] key-id to a release key"
        )
    if is_revoked(signer.key_id, signer.fingerprint):
        raise SignatureError(f"signing key {signer.key_id!r} ({signer.source}) is revoked")
    return signer


def _create_local(announce: Callable[[str], None] | None) -> SigningKey:
    with _locked():
        keyring = load_keyring()
        active = keyring["active"].get(ED25519)
        if active:  # another process created it meanwhile
            return _keyring_signer(active, keyring["keys"][active], os.environ)
        new = _create(ED25519, None, None, None, "local", "if-none", hold_lock=False)
    message = (
        f"pyvorin: created a per-installation signing key {new.key_id!r} in {new.path.parent} "
        f"({new.fingerprint}) and added its public key to the local trust store. It signs "
        "local builds only: --release builds refuse it (see docs/signing.md)."
    )
    (announce or (lambda m: print(m, file=sys.stderr)))(message)
    keyring = load_keyring()
    return _keyring_signer(new.key_id, keyring["keys"][new.key_id], os.environ)


def select_hmac(env: Mapping[str, str] | None = None) -> SigningKey | None:
    """The HMAC key that adds a second signature: ``PYVORIN_HMAC_KEY`` or the active one."""
    env = _env(env)
    key = env_hmac_key(env)
    if key is not None:
        return key
    keyring_path = pyvorin_home(create=False) / "keys" / "keyring.json"
    if not keyring_path.is_file():
        return None
    keyring = load_keyring(create=False)
    active = keyring["active"].get(HMAC_SHA256)
    if not active:
        return None
    return _keyring_hmac(active, keyring["keys"][active])


# -- listing and export ---------------------------------------------------------------------
def list_keys(env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    store = TrustStore.load(env)
    rows: list[dict[str, Any]] = []
    keyring_path = pyvorin_home(create=False) / "keys" / "keyring.json"
    keyring = load_keyring(create=False) if keyring_path.is_file() else {"keys": {}}
    seen: set[tuple[str, str]] = set()
    for key_id, entry in sorted(keyring["keys"].items()):
        status = entry.get("status", "inactive")
        if store.is_revoked(key_id, entry.get("fingerprint")):
            status = "revoked"
        rows.append(
            {
                "id": key_id,
                "type": "ed25519" if entry.get("type") == ED25519 else "hmac",
                "status": status,
                "fingerprint": entry.get("fingerprint"),
                "origin": entry.get("origin"),
                "private": True,
                "source": str(keys_dir(create=False) / str(entry.get("file", ""))),
            }
        )
        seen.add((key_id, str(entry.get("fingerprint"))))
    for trusted in store.entries:
        if (trusted.key_id, trusted.fingerprint) in seen:
            continue
        seen.add((trusted.key_id, trusted.fingerprint))
        revoked = store.is_revoked(trusted.key_id, trusted.fingerprint)
        rows.append(
            {
                "id": trusted.key_id,
                "type": "ed25519",
                "status": "revoked" if revoked else "trusted",
                "fingerprint": trusted.fingerprint,
                "origin": "trust-store",
                "private": False,
                "source": trusted.source,
            }
        )
    for item in store.revoked:
        key_id = item.get("key_id")
        if key_id and not any(r["id"] == key_id for r in rows):
            rows.append(
                {
                    "id": key_id,
                    "type": "?",
                    "status": "revoked",
                    "fingerprint": item.get("fingerprint"),
                    "origin": "revocation-list",
                    "private": False,
                    "source": str(trust_dir(create=False) / "revoked.json"),
                }
            )
    return rows


def export_public(key_id: str | None = None) -> str:
    """The public key file text (``# pyvorin key-id`` line + PEM) of a keyring key."""
    keyring = load_keyring()
    if key_id is None:
        key_id = keyring["active"].get(ED25519)
        if not key_id:
            raise UsageError(
                "no active Ed25519 key to export; name one (`pyvorin keys list`) or generate one"
            )
    entry = keyring["keys"].get(key_id)
    if entry is None:
        for trusted in TrustStore.load().entries:
            if trusted.key_id == key_id:
                return public_file_text(key_id, trusted.raw)
        raise UsageError(f"no key with id {key_id!r} in the keyring or the trust store")
    if entry.get("type") != ED25519:
        raise UsageError(f"key {key_id!r} is an HMAC key: HMAC keys have no public part")
    path = keys_dir() / f"{key_id}.pub"
    trusted_path = trust_dir() / f"{key_id}.pub"
    for candidate in (trusted_path, path):
        if candidate.is_file():
            _, raw = parse_public_key(candidate.read_text(), str(candidate))
            if hmac.compare_digest(fingerprint_ed25519(raw), str(entry.get("fingerprint"))):
                return public_file_text(key_id, raw)
    signer = _keyring_signer(key_id, entry, os.environ)
    assert signer.public_raw is not None
    return public_file_text(key_id, signer.public_raw)

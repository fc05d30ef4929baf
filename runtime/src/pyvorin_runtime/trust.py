"""Reading the trust store, the revocation list and the HMAC keys that verify signatures.

Layout under the home (:mod:`pyvorin_runtime.home`), written by ``pyvorin keys``:

* ``trust/<id>.pub``: a trusted Ed25519 public key (PEM, preceded by a
  ``# pyvorin key-id: <id>`` line). ``PYVORIN_TRUSTED_KEYS`` adds more files or
  directories (``os.pathsep``-separated).
* ``trust/revoked.json``: ``{"revoked": [{"key_id", "fingerprint", ...}]}``; a revoked
  key cannot come back under another id (its fingerprint is listed too).
* ``keys/keyring.json`` and ``keys/<id>.hmac``: HMAC-SHA256 secrets (hex), which verify
  HMAC signatures where the secret is; ``PYVORIN_HMAC_KEY`` gives one more.

Nothing here writes; everything unreadable or corrupt is reported, never ignored (a
corrupt revocation list fails every verification instead of silently un-revoking).
"""

from __future__ import annotations

import binascii
import os

from .cjson import loads
from .digest import compare_digest, sha256_hex
from .errors import SignatureError
from .home import home_dir

ED25519 = "ed25519"
HMAC_SHA256 = "hmac-sha256"
MIN_HMAC_BYTES = 32
# DER SubjectPublicKeyInfo prefix of every Ed25519 public key (RFC 8410).
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_PEM_BEGIN = "-----BEGIN PUBLIC KEY-----"
_PEM_END = "-----END PUBLIC KEY-----"
_ID_PREFIX = "pyvorin key-id:"
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_KEY_ID_CHARS = _ALNUM | frozenset("._-")
_BASE64_CHARS = _ALNUM | frozenset("+/=")
_HEX_CHARS = frozenset("0123456789abcdefABCDEF")

ENV_HMAC_KEY = "PYVORIN_HMAC_KEY"
ENV_TRUSTED = "PYVORIN_TRUSTED_KEYS"
ENV_REQUIRE_TRUSTED = "PYVORIN_REQUIRE_TRUSTED"


def require_trusted(env=None) -> bool:
    """Strict mode, the default: only ``PYVORIN_REQUIRE_TRUSTED=0`` (an explicit, loud and
    audited opt-out) accepts signatures by keys outside the trust store."""
    raw = (os.environ if env is None else env).get(ENV_REQUIRE_TRUSTED, "").strip().lower()
    return raw not in ("0", "false", "no", "off")


def is_key_id(key_id) -> bool:
    """``[A-Za-z0-9][A-Za-z0-9._-]{0,63}``: 1-64 characters, starting alphanumeric."""
    return (
        isinstance(key_id, str)
        and 1 <= len(key_id) <= 64
        and key_id[0] in _ALNUM
        and _KEY_ID_CHARS.issuperset(key_id)
    )


def fingerprint_ed25519(raw_public: bytes) -> str:
    return "sha256:" + sha256_hex(raw_public)


def fingerprint_hmac(secret: bytes) -> str:
    # Domain-separated hash of a >= 256-bit random secret: identifies it, reveals nothing.
    return "sha256:" + sha256_hex(b"pyvorin.hmac-key-fingerprint\0" + secret)


def short(fingerprint: str) -> str:
    return fingerprint.split(":", 1)[-1][:16]


def derived_id(prefix: str, fingerprint: str) -> str:
    return f"{prefix}-{short(fingerprint)}"


def _pem_public_block(text: str) -> tuple[int, str] | None:
    """(start, base64 body) of the first BEGIN/END PUBLIC KEY block whose body is base64."""
    start = text.find(_PEM_BEGIN)
    while start != -1:
        end = text.find(_PEM_END, start + len(_PEM_BEGIN))
        if end == -1:
            return None
        body = text[start + len(_PEM_BEGIN) : end]
        if body.strip() and all(c in _BASE64_CHARS or c.isspace() for c in body):
            return start, body
        start = text.find(_PEM_BEGIN, start + 1)
    return None


def _key_id_line(text: str) -> str | None:
    """The id of the first ``# pyvorin key-id: <id>`` line (None when there is none)."""
    for line in text.split("\n"):
        if not line.startswith("#"):
            continue
        rest = line[1:].strip()
        if rest.startswith(_ID_PREFIX):
            value = rest[len(_ID_PREFIX) :].strip()
            if value and not any(c.isspace() for c in value):
                return value
    return None


def parse_public_key(text: str, source: str) -> tuple[str | None, bytes]:
    """(key id from the ``# pyvorin key-id:`` line or None, raw 32-byte Ed25519 key)."""
    block = _pem_public_block(text)
    if block is None:
        raise SignatureError(f"{source}: no '-----BEGIN PUBLIC KEY-----' block found")
    start, body = block
    compact = "".join(body.split())
    try:
        der = binascii.a2b_base64(compact)
        if binascii.b2a_base64(der, newline=False).decode("ascii") != compact:
            raise ValueError("not canonical base64")
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{source}: the public key is not valid base64 ({exc})") from exc
    if len(der) != len(ED25519_SPKI_PREFIX) + 32 or not der.startswith(ED25519_SPKI_PREFIX):
        raise SignatureError(
            f"{source}: not an Ed25519 public key (Pyvorin trusts Ed25519 keys only)"
        )
    key_id = _key_id_line(text[:start])
    if key_id is not None and not is_key_id(key_id):
        raise SignatureError(f"{source}: invalid key id {key_id!r} in the key-id line")
    return key_id, der[len(ED25519_SPKI_PREFIX) :]


def parse_hmac_secret(text: str, source: str) -> bytes:
    """An HMAC secret written as hex (preferred when it is valid hex) or base64."""
    value = "".join(text.split())
    if not value:
        raise SignatureError(f"{source}: the HMAC key is empty")
    if len(value) % 2 == 0 and _HEX_CHARS.issuperset(value):
        secret = bytes.fromhex(value)
    else:
        import base64

        try:
            secret = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except (binascii.Error, ValueError) as exc:
            try:
                secret = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            except (binascii.Error, ValueError):
                raise SignatureError(f"{source}: the HMAC key is neither hex nor base64") from exc
    if len(secret) < MIN_HMAC_BYTES:
        raise SignatureError(
            f"{source}: the HMAC key is {len(secret)} bytes; at least {MIN_HMAC_BYTES} bytes "
            "(256 bits) are required"
        )
    return secret


# -- revocations ----------------------------------------------------------------------------
def revoked_path() -> str:
    return os.path.join(home_dir(), "trust", "revoked.json")


def read_revoked() -> list[dict]:
    """The entries of ``trust/revoked.json`` (empty when there is none)."""
    path = revoked_path()
    try:
        with open(path, "rb") as handle:
            data = loads(handle.read())
    except (FileNotFoundError, NotADirectoryError):
        return []
    except (OSError, ValueError) as exc:
        raise SignatureError(
            f"{path}: the revocation list is unreadable or corrupt: {exc}"
        ) from exc
    items = data.get("revoked") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise SignatureError(f"{path}: the revocation list is corrupt (no 'revoked' array)")
    return [item for item in items if isinstance(item, dict)]


def listed_as_revoked(revoked: list[dict], key_id: str, fingerprint: str | None) -> bool:
    for item in revoked:
        if item.get("key_id") == key_id:
            return True
        listed = item.get("fingerprint")
        if fingerprint and isinstance(listed, str) and compare_digest(listed, fingerprint):
            return True
    return False


# -- trust store ----------------------------------------------------------------------------
class TrustedKey:
    """A trusted Ed25519 public key: id, raw 32 bytes, fingerprint, the file it came from."""

    __slots__ = ("fingerprint", "key_id", "raw", "source")

    def __init__(self, key_id: str, raw: bytes, fingerprint: str, source: str) -> None:
        self.key_id, self.raw, self.fingerprint, self.source = key_id, raw, fingerprint, source

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrustedKey):
            return NotImplemented
        return (self.key_id, self.raw, self.fingerprint, self.source) == (
            other.key_id,
            other.raw,
            other.fingerprint,
            other.source,
        )

    def __hash__(self) -> int:
        return hash((self.key_id, self.raw, self.fingerprint, self.source))

    def __repr__(self) -> str:
        return f"TrustedKey(key_id={self.key_id!r}, fingerprint={self.fingerprint!r})"


def _trust_files(env) -> tuple[list[str], list[str]]:
    files: list[str] = []
    problems: list[str] = []
    home_trust = os.path.join(home_dir(), "trust")
    if os.path.isdir(home_trust):
        files.extend(
            sorted(
                os.path.join(home_trust, n) for n in os.listdir(home_trust) if n.endswith(".pub")
            )
        )
    for part in env.get(ENV_TRUSTED, "").split(os.pathsep):
        if not part.strip():
            continue
        path = os.path.expanduser(part)
        if os.path.isdir(path):
            files.extend(
                sorted(
                    os.path.join(path, n)
                    for n in os.listdir(path)
                    if n.endswith((".pub", ".pem")) and os.path.isfile(os.path.join(path, n))
                )
            )
        elif os.path.isfile(path):
            files.append(path)
        else:
            problems.append(f"{path} (from {ENV_TRUSTED}): no such file or directory")
    return files, problems


class TrustStore:
    """The trusted public keys, the problems met reading them, and the revocations."""

    def __init__(self, entries: list[TrustedKey], problems: list[str], revoked: list[dict]):
        self.entries, self.problems, self.revoked = entries, problems, revoked

    @classmethod
    def load(cls, env=None) -> TrustStore:
        env = os.environ if env is None else env
        files, problems = _trust_files(env)
        entries: list[TrustedKey] = []
        for path in files:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
                key_id, raw = parse_public_key(text, path)
            except (OSError, SignatureError) as exc:
                problems.append(str(exc))
                continue
            fingerprint = fingerprint_ed25519(raw)
            entries.append(
                TrustedKey(key_id or derived_id("ed25519", fingerprint), raw, fingerprint, path)
            )
        try:
            revoked = read_revoked()
        except SignatureError as exc:
            # A corrupt revocation list must not silently un-revoke: treat it as a problem
            # that fails every verification (see revocation_error).
            problems.append(str(exc))
            revoked = [{"key_id": None, "corrupt": str(exc)}]
        return cls(entries, problems, revoked)

    def lookup(self, key_id: str) -> list[TrustedKey]:
        return [e for e in self.entries if e.key_id == key_id]

    def revocation_error(self) -> str | None:
        for item in self.revoked:
            if "corrupt" in item:
                return str(item["corrupt"])
        return None

    def is_revoked(self, key_id: str, fingerprint: str | None) -> bool:
        return listed_as_revoked(self.revoked, key_id, fingerprint)


# -- HMAC secrets for verification ----------------------------------------------------------
def keyring_path() -> str:
    return os.path.join(home_dir(), "keys", "keyring.json")


def parse_keyring(text: str, path: str) -> dict:
    """The keyring's JSON, checked for the ``keys`` table; SignatureError names the file."""
    try:
        data = loads(text)
    except ValueError as exc:
        raise SignatureError(f"{path}: the keyring is unreadable or corrupt: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise SignatureError(f"{path}: the keyring is corrupt (no 'keys' table)")
    data.setdefault("active", {})
    return data


def env_hmac_secret(env=None) -> tuple[str, bytes, str] | None:
    """(derived key id, secret, source) of ``PYVORIN_HMAC_KEY`` (a value or a file)."""
    env = os.environ if env is None else env
    raw = env.get(ENV_HMAC_KEY)
    if raw is None or raw == "":
        return None
    source, text = ENV_HMAC_KEY, raw
    if os.path.isfile(raw):
        source = f"{raw} (from {ENV_HMAC_KEY})"
        try:
            with open(raw, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise SignatureError(f"{source}: cannot read: {exc.strerror or exc}") from exc
    secret = parse_hmac_secret(text, source)
    return derived_id("hmac", fingerprint_hmac(secret)), secret, source


def keyring_hmac_secret(key_id: str, entry: dict) -> tuple[bytes, str]:
    """(secret, file) of the keyring's HMAC key ``key_id``."""
    path = os.path.join(home_dir(), "keys", str(entry.get("file", f"{key_id}.hmac")))
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise SignatureError(
            f"{path}: cannot read HMAC key {key_id!r}: {exc.strerror or exc}"
        ) from exc
    return parse_hmac_secret(text, path), path


def hmac_secrets(env=None) -> dict[str, list[bytes]]:
    """HMAC secrets available here for verification, by key id (revoked ones excluded)."""
    found: dict[str, list[bytes]] = {}
    path = keyring_path()
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as exc:
            raise SignatureError(f"{path}: the keyring is unreadable: {exc}") from exc
        for key_id, entry in parse_keyring(text, path)["keys"].items():
            if entry.get("type") == HMAC_SHA256 and entry.get("status") != "revoked":
                found.setdefault(key_id, []).append(keyring_hmac_secret(key_id, entry)[0])
    from_env = env_hmac_secret(env)
    if from_env is not None:
        found.setdefault(from_env[0], []).append(from_env[1])
    return found

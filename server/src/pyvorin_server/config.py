"""Server configuration (environment and command line) and its on-disk state.

The server home (``PYVORIN_SERVER_HOME``, default: the per-user data directory of
``pyvorin-server``) holds:

* ``issuer.key`` - the Ed25519 issuer private key (PEM, mode 0600) that signs licence
  keys and leases; ``issuer.pub`` - its public key, for clients' ``trust-issuer``;
* ``admin-token.hash`` - the SHA-256 of the admin API token (``sha256:<hex>``; the token
  itself is shown once by ``init`` and written to ``admin-token``, 0600, which you may
  delete after storing the token elsewhere). Homes made before carry an argon2id hash
  instead: it is replaced by the SHA-256 form when the server starts with ``admin-token``
  present, or at the token's first successful use;
* ``pyvorin-server.db`` - the SQLite database, unless ``PYVORIN_DATABASE_URL`` is set.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyvorin.home import atomic_write, write_private
from pyvorin.licensing.tokens import key_id, public_pem


class ServerConfigError(Exception):
    """A configuration problem, reported to the operator without a traceback."""


def _int_env(
    env: Mapping[str, str],
    name: str,
    default: int,
    minimum: int = 0,
    maximum: int | None = None,
    meaning: str = "",
) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServerConfigError(f"{name}: expected an integer, found {raw!r}") from None
    if value < minimum:
        raise ServerConfigError(f"{name}: expected an integer >= {minimum}, found {value}")
    if maximum is not None and value > maximum:
        raise ServerConfigError(f"{name}: expected at most {maximum}{meaning}, found {value}")
    return value


_SIZE = re.compile(r"^\s*(\d+)\s*([km]?)(?:i?b)?\s*$", re.IGNORECASE)  # 64k, 64KiB, 1m
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20}
MIN_BODY_BYTES = 16 * 1024
MAX_BODY_BYTES = 1 << 30


def _size_env(env: Mapping[str, str], name: str, default: int) -> int:
    """A size in bytes: ``65536``, ``64k``/``64KiB``, ``1m``/``1MiB`` (binary units)."""
    raw = env.get(name, "")
    if not raw:
        return default
    match = _SIZE.match(raw)
    if match is None:
        raise ServerConfigError(
            f"{name}: expected a size in bytes such as 1048576, 512k or 1m, found {raw!r}"
        )
    value = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if not MIN_BODY_BYTES <= value <= MAX_BODY_BYTES:
        raise ServerConfigError(
            f"{name}: expected between {MIN_BODY_BYTES} bytes (16k) and {MAX_BODY_BYTES} "
            f"bytes (1024m), found {value}"
        )
    return value


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass
class ServerConfig:
    home: Path
    database_url: str
    lease_hours: int = 168
    offline_builds: int = 20  # builds a lease allows while the server cannot be reached
    activations_per_minute: int = 30  # per licence and machine, after verification
    requests_per_minute_per_ip: int = 600  # activation attempts per client address
    machine_calls_per_minute: int = 600  # signed calls per activation, after verification
    auth_failures_per_minute_per_ip: int = 30  # refused machine credentials per address
    admin_failures_per_minute_per_ip: int = 10  # refused admin/API tokens per address
    max_body_bytes: int = 1 << 20  # request bodies larger than this are refused (413)
    argon2_concurrency: int = 4  # password hashes computed at once (19 MiB each)
    session_idle_minutes: int = 30  # console session idle timeout
    session_absolute_hours: int = 8  # console session absolute lifetime
    login_max_failures: int = 5  # failed sign-ins per address before a lockout
    login_lockout_minutes: int = 15  # lockout length (and the failure-counting window)
    logins_per_minute_per_ip: int = 30  # sign-in attempts per client address
    # -- part B of issue 14 (tokens, retention, alerts); see docs/operators.md
    token_issuer: str = "pyvorin-server"
    access_token_seconds: int = 900
    public_url: str = ""  # the URL clients use (DPoP htu); default: from each request
    retention_build_days: int = 90
    retention_telemetry_days: int = 365
    maintenance_interval: int = 3600  # seconds between in-server maintenance runs; 0: off
    alert_activation_burst: int = 20
    alert_fingerprints: int = 10
    alert_login_failures: int = 10
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, home: Path | None = None, env: Mapping[str, str] | None = None):
        env = os.environ if env is None else env
        if home is None:
            raw = env.get("PYVORIN_SERVER_HOME")
            home = Path(raw) if raw else Path(platformdirs.user_data_dir("pyvorin-server"))
        home = Path(home).expanduser().resolve()
        url = env.get("PYVORIN_DATABASE_URL") or f"sqlite:///{home / 'pyvorin-server.db'}"
        return cls(
            home=home,
            database_url=normalise_db_url(url),
            lease_hours=_int_env(env, "PYVORIN_SERVER_LEASE_HOURS", 168, 1),
            offline_builds=_int_env(env, "PYVORIN_SERVER_OFFLINE_BUILDS", 20, 0, 100_000),
            activations_per_minute=_int_env(env, "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE", 30, 1),
            requests_per_minute_per_ip=_int_env(
                env, "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE_PER_IP", 600, 1
            ),
            machine_calls_per_minute=_int_env(
                env, "PYVORIN_SERVER_MACHINE_CALLS_PER_MINUTE", 600, 1
            ),
            auth_failures_per_minute_per_ip=_int_env(
                env, "PYVORIN_SERVER_AUTH_FAILURES_PER_MINUTE_PER_IP", 30, 1
            ),
            admin_failures_per_minute_per_ip=_int_env(
                env, "PYVORIN_SERVER_ADMIN_FAILURES_PER_MINUTE_PER_IP", 10, 1
            ),
            max_body_bytes=_size_env(env, "PYVORIN_SERVER_MAX_BODY_BYTES", 1 << 20),
            argon2_concurrency=_int_env(env, "PYVORIN_SERVER_ARGON2_CONCURRENCY", 4, 1, 64),
            session_idle_minutes=_int_env(env, "PYVORIN_SERVER_SESSION_IDLE_MINUTES", 30, 1),
            session_absolute_hours=_int_env(env, "PYVORIN_SERVER_SESSION_ABSOLUTE_HOURS", 8, 1),
            login_max_failures=_int_env(env, "PYVORIN_SERVER_LOGIN_MAX_FAILURES", 5, 1),
            login_lockout_minutes=_int_env(env, "PYVORIN_SERVER_LOGIN_LOCKOUT_MINUTES", 15, 1),
            logins_per_minute_per_ip=_int_env(
                env, "PYVORIN_SERVER_LOGINS_PER_MINUTE_PER_IP", 30, 1
            ),
            token_issuer=env.get("PYVORIN_SERVER_TOKEN_ISSUER") or "pyvorin-server",
            access_token_seconds=_int_env(
                env, "PYVORIN_SERVER_ACCESS_TOKEN_SECONDS", 900, 1, 900, " (15 minutes)"
            ),
            public_url=(env.get("PYVORIN_SERVER_PUBLIC_URL") or "").rstrip("/"),
            retention_build_days=_int_env(env, "PYVORIN_SERVER_RETENTION_BUILD_DAYS", 90, 1),
            retention_telemetry_days=_int_env(
                env, "PYVORIN_SERVER_RETENTION_TELEMETRY_DAYS", 365, 1
            ),
            maintenance_interval=_int_env(env, "PYVORIN_SERVER_MAINTENANCE_INTERVAL", 3600, 0),
            alert_activation_burst=_int_env(env, "PYVORIN_SERVER_ALERT_ACTIVATION_BURST", 20, 1),
            alert_fingerprints=_int_env(env, "PYVORIN_SERVER_ALERT_FINGERPRINTS", 10, 1),
            alert_login_failures=_int_env(env, "PYVORIN_SERVER_ALERT_LOGIN_FAILURES", 10, 1),
            env=dict(env),
        )

    @property
    def key_path(self) -> Path:
        return self.home / "issuer.key"

    @property
    def pub_path(self) -> Path:
        return self.home / "issuer.pub"

    @property
    def token_hash_path(self) -> Path:
        return self.home / "admin-token.hash"

    @property
    def token_path(self) -> Path:
        return self.home / "admin-token"

    @property
    def initialised(self) -> bool:
        return self.key_path.is_file() and self.token_hash_path.is_file()

    def redacted_url(self) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)


def initialise(config: ServerConfig, force: bool = False) -> tuple[str, str | None]:
    """Create the issuer key and the admin token if missing. Returns (kid, new token)."""
    config.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    if config.key_path.is_file():
        key = load_issuer_key(config)
    else:
        key = Ed25519PrivateKey.generate()
        write_private(
            config.key_path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
    atomic_write(config.pub_path, public_pem(key.public_key()), mode=0o644)
    token = None
    if force or not config.token_hash_path.is_file():
        token = ADMIN_TOKEN_PREFIX + secrets.token_urlsafe(32)
        write_private(config.token_hash_path, token_digest(token).encode())
        write_private(config.token_path, token.encode() + b"\n")
    return key_id(key.public_key()), token


def load_issuer_key(config: ServerConfig) -> Ed25519PrivateKey:
    try:
        data = config.key_path.read_bytes()
    except OSError as exc:
        raise ServerConfigError(
            f"{config.key_path}: cannot read the issuer key ({exc.strerror}); "
            "run `pyvorin-server init`"
        ) from exc
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ServerConfigError(f"{config.key_path}: not an Ed25519 private key")
    return key


ADMIN_TOKEN_PREFIX = "pva_admin_"
# What ``initialise`` makes: the prefix and 32 random bytes in base64url (43 characters).
# Anything else is refused without being hashed at all.
ADMIN_TOKEN = re.compile(r"^pva_admin_[A-Za-z0-9_-]{43}$")
_DIGEST_PREFIX = "sha256:"
# Old homes: argon2id with argon2-cffi's defaults (64 MiB). At most one such verification
# runs at a time, so a flood of guesses cannot multiply that memory.
_LEGACY_ARGON2 = threading.BoundedSemaphore(1)


def token_digest(token: str) -> str:
    """The stored form of the admin token: its SHA-256. The token is 256 random bits, so a
    slow password hash would add no protection against guessing, only cost per request."""
    return _DIGEST_PREFIX + hashlib.sha256(token.encode()).hexdigest()


class AdminTokenVerifier:
    """Checks admin tokens against ``admin-token.hash``: a well-formed token's SHA-256,
    compared in constant time, so a wrong token costs microseconds and no memory.

    A home initialised before this form holds an argon2id hash: it is upgraded at start
    when the ``admin-token`` file is still there (one argon2 verification), or else at the
    token's first successful use. Until then a guess pays argon2, one at a time."""

    def __init__(self, config: ServerConfig) -> None:
        self._path = config.token_hash_path
        try:
            stored = self._path.read_text().strip()
        except OSError as exc:
            raise ServerConfigError(
                f"{self._path}: cannot read ({exc.strerror}); run `pyvorin-server init`"
            ) from exc
        self._digest: bytes | None = None
        self._legacy: str | None = None
        if stored.startswith(_DIGEST_PREFIX):
            try:
                self._digest = bytes.fromhex(stored[len(_DIGEST_PREFIX) :])
            except ValueError:
                self._digest = None
            if self._digest is None or len(self._digest) != 32:
                raise ServerConfigError(
                    f"{self._path}: not a valid admin token hash; run "
                    "`pyvorin-server init --rotate-admin-token`"
                )
        elif stored.startswith("$argon2"):
            self._legacy = stored
            try:
                token = config.token_path.read_text().strip()
            except OSError:
                token = ""
            if token:
                self.check(token)  # upgrades the stored hash when the token matches
        else:
            raise ServerConfigError(
                f"{self._path}: not a valid admin token hash; run "
                "`pyvorin-server init --rotate-admin-token`"
            )

    @property
    def upgraded(self) -> bool:
        """True once the stored hash is the fast SHA-256 form."""
        return self._digest is not None

    def check(self, token: str) -> bool:
        if not ADMIN_TOKEN.match(token):
            return False
        digest = hashlib.sha256(token.encode()).digest()
        if self._digest is not None:
            return hmac.compare_digest(digest, self._digest)
        return self._check_legacy(token, digest)

    def _check_legacy(self, token: str, digest: bytes) -> bool:
        with _LEGACY_ARGON2:
            if self._digest is not None:  # upgraded while this call waited
                return hmac.compare_digest(digest, self._digest)
            assert self._legacy is not None
            try:
                PasswordHasher().verify(self._legacy, token)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
            try:
                atomic_write(self._path, token_digest(token).encode(), mode=0o600)
            except OSError:
                pass  # a read-only home: keep the fast form in memory only
            self._digest, self._legacy = digest, None
            return True

"""Server configuration (environment and command line) and its on-disk state.

The server home (``PYVORIN_SERVER_HOME``, default: the per-user data directory of
``pyvorin-server``) holds:

* ``issuer.key`` - the Ed25519 issuer private key (PEM, mode 0600) that signs licence
  keys and leases; ``issuer.pub`` - its public key, for clients' ``trust-issuer``;
* ``admin-token.hash`` - the argon2id hash of the admin API token (the token itself is
  shown once by ``init`` and written to ``admin-token``, 0600, which you may delete after
  storing the token elsewhere);
* ``pyvorin-server.db`` - the SQLite database, unless ``PYVORIN_DATABASE_URL`` is set.
"""

from __future__ import annotations

import os
import secrets
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


def _int_env(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServerConfigError(f"{name}: expected an integer, found {raw!r}") from None
    if value < minimum:
        raise ServerConfigError(f"{name}: expected an integer >= {minimum}, found {value}")
    return value


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _access_seconds(env: Mapping[str, str]) -> int:
    value = _int_env(env, "PYVORIN_SERVER_ACCESS_TOKEN_SECONDS", 900, 1)
    if value > 900:
        raise ServerConfigError(
            f"PYVORIN_SERVER_ACCESS_TOKEN_SECONDS: expected at most 900 (15 minutes), found {value}"
        )
    return value


@dataclass
class ServerConfig:
    home: Path
    database_url: str
    lease_hours: int = 168
    activations_per_minute: int = 30  # per licence
    requests_per_minute_per_ip: int = 600  # activation attempts per client address
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
            activations_per_minute=_int_env(env, "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE", 30, 1),
            requests_per_minute_per_ip=_int_env(
                env, "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE_PER_IP", 600, 1
            ),
            session_idle_minutes=_int_env(env, "PYVORIN_SERVER_SESSION_IDLE_MINUTES", 30, 1),
            session_absolute_hours=_int_env(env, "PYVORIN_SERVER_SESSION_ABSOLUTE_HOURS", 8, 1),
            login_max_failures=_int_env(env, "PYVORIN_SERVER_LOGIN_MAX_FAILURES", 5, 1),
            login_lockout_minutes=_int_env(env, "PYVORIN_SERVER_LOGIN_LOCKOUT_MINUTES", 15, 1),
            logins_per_minute_per_ip=_int_env(
                env, "PYVORIN_SERVER_LOGINS_PER_MINUTE_PER_IP", 30, 1
            ),
            token_issuer=env.get("PYVORIN_SERVER_TOKEN_ISSUER") or "pyvorin-server",
            access_token_seconds=_access_seconds(env),
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
        token = "pva_admin_" + secrets.token_urlsafe(32)
        write_private(config.token_hash_path, PasswordHasher().hash(token).encode())
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


class AdminTokenVerifier:
    """Checks admin tokens against the argon2id hash; caches the last success so a
    burst of admin calls does not pay argon2 each time (the cache compares in constant
    time)."""

    def __init__(self, config: ServerConfig) -> None:
        try:
            self._hash = config.token_hash_path.read_text().strip()
        except OSError as exc:
            raise ServerConfigError(
                f"{config.token_hash_path}: cannot read ({exc.strerror}); run `pyvorin-server init`"
            ) from exc
        self._hasher = PasswordHasher()
        self._verified: bytes | None = None

    def check(self, token: str) -> bool:
        import hashlib
        import hmac

        digest = hashlib.sha256(token.encode()).digest()
        if self._verified is not None and hmac.compare_digest(digest, self._verified):
            return True
        try:
            self._hasher.verify(self._hash, token)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        self._verified = digest
        return True

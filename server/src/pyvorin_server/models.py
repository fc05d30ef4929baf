"""Database tables. Times are integer Unix seconds (UTC) for portability."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .atrest import EncryptedText


class Base(DeclarativeBase):
    pass


class Licence(Base):
    __tablename__ = "licences"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    licensee: Mapped[str] = mapped_column(EncryptedText("licences.licensee", legacy_plaintext=True))
    plan: Mapped[str] = mapped_column(String(64))
    features: Mapped[str] = mapped_column(Text)  # JSON list
    seats: Mapped[int] = mapped_column(Integer)
    monthly_compile_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)
    # The organisation that owns the licence (NULL: issued before organisations existed,
    # or by the admin token without one; visible to operators only).
    org_id: Mapped[str | None] = mapped_column(
        ForeignKey("organisations.id"), nullable=True, index=True
    )


class Activation(Base):
    """One machine holding one seat. ``slot`` (0..seats-1) is unique per licence among
    active activations and NULL once deactivated: the database itself makes it impossible
    to hold more seats than the licence has, whatever the concurrency."""

    __tablename__ = "activations"
    __table_args__ = (
        UniqueConstraint("licence_id", "slot", name="uq_activation_slot"),
        Index(
            "uq_active_fingerprint",
            "licence_id",
            "fingerprint",
            unique=True,
            sqlite_where=text("deactivated_at IS NULL"),
            postgresql_where=text("deactivated_at IS NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(128))
    hostname: Mapped[str] = mapped_column(
        EncryptedText("activations.hostname", legacy_plaintext=True)
    )
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the secret
    slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    last_seen_at: Mapped[int] = mapped_column(BigInteger)
    deactivated_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # HMAC key of this activation's signed requests (sealed; NULL for activations made
    # before request signing: they must activate again)
    request_key: Mapped[str | None] = mapped_column(
        EncryptedText("activations.request_key"), nullable=True
    )


class UsageEvent(Base):
    """A usage report. (licence, idempotency key) is unique: a replay counts once."""

    __tablename__ = "usage_events"
    __table_args__ = (UniqueConstraint("licence_id", "idempotency_key", name="uq_usage_idem"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.id"), index=True)
    activation_id: Mapped[str] = mapped_column(ForeignKey("activations.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM (UTC)
    created_at: Mapped[int] = mapped_column(BigInteger)


# -- accounts (issue 14, part A): organisations, users, roles, sessions, audit ---------------


class Organisation(Base):
    """A customer (``kind='customer'``) or the server's own operator organisation
    (``kind='operator'``, exactly one, created by the migration)."""

    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    kind: Mapped[str] = mapped_column(String(16), default="customer")
    created_at: Mapped[int] = mapped_column(BigInteger)


class User(Base):
    """A person. ``email`` (lower-cased) and ``name`` are sealed at rest; ``email_index``
    is the e-mail address's blind index (HMAC, see atrest.py), unique, by which accounts
    are found (NULL only until an account made before sealing is indexed at the next
    start); ``password_hash`` is argon2id."""

    __tablename__ = "users"
    __table_args__ = (Index("uq_users_email_index", "email_index", unique=True),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(EncryptedText("users.email", legacy_plaintext=True))
    email_index: Mapped[str | None] = mapped_column(String(64), nullable=True)
    name: Mapped[str] = mapped_column(EncryptedText("users.name", legacy_plaintext=True))
    password_hash: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[int] = mapped_column(BigInteger)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class RoleVersion(Base):
    """One version of a role's definition (its permission set, JSON list). The newest
    version of a role is the one in force; older versions stay for the audit trail."""

    __tablename__ = "role_versions"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    permissions: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Membership(Base):
    """A user's role in one organisation (one role per user and organisation)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id", name="uq_membership"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[int] = mapped_column(BigInteger)
    granted_by: Mapped[str] = mapped_column(String(64))


class WebSession(Base):
    """A console session. The cookie holds a random token; the table holds only its
    SHA-256, so a read of the database does not yield usable sessions."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    privilege: Mapped[str] = mapped_column(String(64))  # role@version when issued
    created_at: Mapped[int] = mapped_column(BigInteger)
    last_seen_at: Mapped[int] = mapped_column(BigInteger)


class LoginThrottle(Base):
    """Failed sign-ins per e-mail address (hashed), whether or not the account exists,
    so lockout reveals nothing about which addresses have accounts."""

    __tablename__ = "login_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[int] = mapped_column(BigInteger)
    locked_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class AuditEvent(Base):
    """An account event: role grant/change/revocation, role-definition change, sign-in,
    licence issue/revoke, machine deactivation, export, deletion. ``before``/``after`` are
    JSON. ``org_id`` has no foreign key: the record of an organisation's deletion
    outlives it (with ``org_id`` NULL and the organisation named in ``subject``).

    ``subject`` (a role event names the member's e-mail address), ``before`` and
    ``after`` are sealed at rest; ``subject_index`` is the subject's blind index (HMAC,
    see atrest.py), by which events are found by subject without opening every row
    (:func:`accounts.subject_is`; NULL only until an event written before sealing is
    sealed at the next start, see :func:`accounts.seal_audit_events`). ``org_id``,
    ``actor`` (an id or token name, never an address), ``action`` and ``created_at`` stay
    in clear: the trail is filtered by organisation and ordered by time."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(
        EncryptedText("audit_events.subject", legacy_plaintext=True)
    )
    subject_index: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    before: Mapped[str | None] = mapped_column(
        EncryptedText("audit_events.before", legacy_plaintext=True), nullable=True
    )
    after: Mapped[str | None] = mapped_column(
        EncryptedText("audit_events.after", legacy_plaintext=True), nullable=True
    )
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)


# -- part B of issue 14: at-rest keys, request nonces, API tokens, client reports -------------
class DataKey(Base):
    """A data-encryption key, wrapped by a key-encryption key (see atrest.py).
    ``created_at`` is in microseconds: the newest key encrypts."""

    __tablename__ = "data_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kek_id: Mapped[str] = mapped_column(String(40))
    nonce: Mapped[str] = mapped_column(String(32))
    wrapped: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[int] = mapped_column(BigInteger)


class RequestNonce(Base):
    """A nonce of a signed request, kept until its signature window has passed."""

    __tablename__ = "request_nonces"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)


class SigningKey(Base):
    """An RS256 key that signs API access tokens. Published in the JWKS from
    ``created_at`` until ``retire_at``; the newest unretired key signs."""

    __tablename__ = "jwt_signing_keys"

    kid: Mapped[str] = mapped_column(String(40), primary_key=True)
    private_key: Mapped[str] = mapped_column(EncryptedText("jwt_signing_keys.private_key"))
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    retire_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class RefreshToken(Base):
    """An opaque refresh token, stored as its SHA-256. Each use rotates it (``used_at``);
    presenting a used one revokes its whole family (RFC 9700)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(40), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    jkt: Mapped[str] = mapped_column(String(64))  # device key thumbprint (DPoP)
    subject: Mapped[str] = mapped_column(String(128))
    audience: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class ClientReport(Base):
    """A refusal a client reports (signature or verification failure): a build record."""

    __tablename__ = "client_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(String(40), index=True)
    activation_id: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(EncryptedText("client_reports.detail"))
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)


# -- issue 13, finding 7: rate limits shared by every server process ------------------------
class RateLimitCounter(Base):
    """Attempts counted for one rate-limit key (see ratelimit.py): ``key`` is the limit's
    scope and the SHA-256 of what it counts (an address, a licence and machine, an
    activation); the window closes at ``reset_at``."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    reset_at: Mapped[int] = mapped_column(BigInteger, index=True)


# -- issue 14, part C: API tokens members create in the console (see membertokens.py) -------
class ApiToken(Base):
    """A member's API token, stored as its SHA-256 (the secret is shown once). Valid
    while ``membership_id`` (the membership it was created under) exists, until
    ``expires_at`` or ``revoked_at``."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    membership_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(512))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(16))  # the first characters, to recognise it
    created_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    last_used_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)

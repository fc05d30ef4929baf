"""Database tables. Times are integer Unix seconds (UTC) for portability."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Licence(Base):
    __tablename__ = "licences"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    licensee: Mapped[str] = mapped_column(String(256))
    plan: Mapped[str] = mapped_column(String(64))
    features: Mapped[str] = mapped_column(Text)  # JSON list
    seats: Mapped[int] = mapped_column(Integer)
    monthly_compile_limit: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    issued_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(256), nullable=True)


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
    hostname: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the secret
    slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[int] = mapped_column(BigInteger)
    last_seen_at: Mapped[int] = mapped_column(BigInteger)
    deactivated_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


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

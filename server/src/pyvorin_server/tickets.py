"""Build tickets, offline build reports and audit checkpoints (issue 13, findings 6 and 8).

* **Build ticket** (``POST /v1/tickets``): the licence gate asks for one ticket per module
  it is about to compile; the server checks the licence is live, takes the licence's
  next ticket number (1, 2, 3 ... per licence; a unique constraint makes a number
  impossible to hand out twice) and signs ``PVT1`` tokens (licence, activation, module,
  source SHA-256, number, time) with its issuer key. The manifest carries the ticket, so
  anyone holding the issuer's public key can check downstream that the artifact was
  compiled under a licence this server confirmed at that moment.
* **Offline builds** (``POST /v1/tickets/offline``): a lease carries an offline quota
  (``qid``, ``qn`` builds until ``qexp``). Each compile made while the server could not
  be reached uses one slot of it; back online the client reports them with the
  server-signed lease they drew on. The server verifies the lease (its own signature,
  this activation), refuses slots outside the quota and records each slot once; the
  report is idempotent, and a slot reported twice for different sources is recorded as
  a conflict (``events.OFFLINE_SLOT_REUSED``): the visible trace of a client that
  restored its state to build again on the same quota.
* **Audit checkpoint**: on each refresh, and at the end of each pipeline run whose
  licence was confirmed online (``POST /v1/audit/checkpoint``), the client sends its
  audit log head (sequence number and hash); the server keeps the highest one per
  activation and signs it (``PVC1``). A head lower than the recorded one is not
  accepted as the new checkpoint (``events.AUDIT_ROLLBACK``): ``pyvorin audit verify``
  compares the local log with the checkpoint (``GET /v1/audit/checkpoint``) and refuses
  a deleted or rolled back log.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from pyvorin.licensing.tokens import (
    CHECKPOINT_PREFIX,
    LEASE_PREFIX,
    TICKET_PREFIX,
    LicenceKeyError,
    sign_token,
    verify_token,
)

from . import events
from .models import Activation, Base
from .service import ApiError, Signer, _live, _lock_licence

MAX_MODULES = 1000  # tickets asked for in one call
SHA256_HEX = r"^[0-9a-f]{64}$"


class BuildTicket(Base):
    """One compile the server counted: online (a signed ticket) or offline (a quota slot
    reported afterwards). ``serial`` is per licence and never reused."""

    __tablename__ = "build_tickets"
    __table_args__ = (
        UniqueConstraint("licence_id", "serial", name="uq_ticket_serial"),
        UniqueConstraint("quota_id", "slot", name="uq_ticket_quota_slot"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(String(40), index=True)
    activation_id: Mapped[str] = mapped_column(String(40))
    serial: Mapped[int] = mapped_column(BigInteger)
    module: Mapped[str] = mapped_column(String(256))
    source_sha256: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))  # online | offline
    quota_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    slot: Mapped[int | None] = mapped_column(Integer, nullable=True)
    built_at: Mapped[int] = mapped_column(BigInteger)  # offline: the client's word
    recorded_at: Mapped[int] = mapped_column(BigInteger, index=True)


class AuditCheckpoint(Base):
    """The highest audit log head an installation reported, per log (a log's id changes
    when it is deleted and started again). ``replaced_*``: the log this one replaced,
    as the client's state named it, and the last seq recorded for that log."""

    __tablename__ = "audit_checkpoints"

    activation_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    log_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    licence_id: Mapped[str] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[int] = mapped_column(BigInteger)
    token: Mapped[str] = mapped_column(String(2048))
    rollbacks: Mapped[int] = mapped_column(Integer, default=0)
    replaced_log: Mapped[str | None] = mapped_column(String(32), nullable=True)
    replaced_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


def quota_id(activation_id: str, issued_at: int) -> str:
    """The id of the offline quota of the lease issued to ``activation_id`` at
    ``issued_at``: derived, so the server needs no row per lease."""
    digest = hashlib.sha256(f"pyvorin-quota/1:{activation_id}:{issued_at}".encode()).hexdigest()
    return "q_" + digest[:24]


def quota_claims(signer: Signer, activation: Activation, now: int, lease_exp: int) -> dict:
    """The lease fields of the offline quota (see :data:`LEASE_OPTIONAL`)."""
    return {
        "qid": quota_id(activation.id, now),
        "qn": signer.offline_builds,
        "qexp": lease_exp,
    }


def _next_serial(session: Session, licence_id: str) -> int:
    return (
        int(
            session.execute(
                select(func.coalesce(func.max(BuildTicket.serial), 0)).where(
                    BuildTicket.licence_id == licence_id
                )
            ).scalar_one()
        )
        + 1
    )


def issue_tickets(
    session: Session,
    signer: Signer,
    activation: Activation,
    modules: list[tuple[str, str]],
    now: int,
) -> list[str]:
    """Signed tickets for ``modules`` ((name, source sha256) pairs), one serial each.

    The licence row is locked (``_live(lock=True)``), so two machines of one licence
    never take the same number; the unique constraint would refuse it anyway."""
    licence = _live(session, activation, now, lock=True)
    serial = _next_serial(session, licence.id)
    tokens = []
    for offset, (module, source) in enumerate(modules):
        number = serial + offset
        session.add(
            BuildTicket(
                licence_id=licence.id,
                activation_id=activation.id,
                serial=number,
                module=module,
                source_sha256=source,
                mode="online",
                built_at=now,
                recorded_at=now,
            )
        )
        payload = {
            "lid": licence.id,
            "aid": activation.id,
            "mod": module,
            "src": source,
            "n": number,
            "iat": now,
            "kid": signer.kid,
        }
        tokens.append(sign_token(TICKET_PREFIX, payload, signer.key))
    try:
        session.flush()
    except IntegrityError as exc:  # pragma: no cover - the row lock serialises callers
        raise ApiError(409, "ticket_conflict", "a concurrent call took the same ticket") from exc
    return tokens


def record_offline(
    session: Session,
    signer: Signer,
    activation: Activation,
    lease: str,
    builds: list[dict[str, Any]],
    now: int,
) -> dict[str, Any]:
    """Record offline builds drawn on the quota of ``lease`` (this server's, this
    activation's). Each slot counts once; a slot reported again for another source is
    a conflict, recorded as an event and counted in the answer."""
    try:
        token = verify_token(lease, LEASE_PREFIX, signer.trusted)
    except LicenceKeyError as exc:
        raise ApiError(400, "invalid_lease", f"the reported lease does not verify: {exc}") from exc
    if token["aid"] != activation.id or "qid" not in token.payload:
        raise ApiError(400, "invalid_lease", "the reported lease is not this activation's")
    # the licence row is locked: concurrent reports take distinct serials (a revoked
    # licence's offline builds are still recorded: that is what they are for)
    licence = _lock_licence(session, activation.licence_id)
    assert licence is not None
    qid, size = str(token["qid"]), int(token["qn"])
    recorded = duplicates = conflicts = 0
    for build in builds:
        slot = int(build["slot"])
        if not 0 <= slot < size:
            raise ApiError(
                400,
                "quota_exceeded",
                f"offline quota {qid} holds {size} build(s); slot {slot} is outside it",
            )
        existing = session.execute(
            select(BuildTicket).where(BuildTicket.quota_id == qid, BuildTicket.slot == slot)
        ).scalar_one_or_none()
        if existing is not None:
            same = (existing.module, existing.source_sha256) == (
                build["module"],
                build["source_sha256"],
            )
            if same:
                duplicates += 1
            else:
                conflicts += 1
                events.emit(
                    events.OFFLINE_SLOT_REUSED,
                    licence_id=licence.id,
                    activation_id=activation.id,
                    quota_id=qid,
                    slot=slot,
                )
            continue
        session.add(
            BuildTicket(
                licence_id=licence.id,
                activation_id=activation.id,
                serial=_next_serial(session, licence.id),
                module=str(build["module"]),
                source_sha256=str(build["source_sha256"]),
                mode="offline",
                quota_id=qid,
                slot=slot,
                built_at=int(build["time"]),
                recorded_at=now,
            )
        )
        session.flush()
        recorded += 1
    return {
        "quota_id": qid,
        "recorded": recorded,
        "duplicates": duplicates,
        "conflicts": conflicts,
        "offline_builds": ticket_counts(session, licence.id)["offline"],
    }


def ticket_counts(session: Session, licence_id: str) -> dict[str, int]:
    rows = session.execute(
        select(BuildTicket.mode, func.count())
        .where(BuildTicket.licence_id == licence_id)
        .group_by(BuildTicket.mode)
    )
    counts = {"online": 0, "offline": 0}
    counts.update({mode: int(n) for mode, n in rows})
    return counts


def record_checkpoint(
    session: Session,
    signer: Signer,
    activation: Activation,
    log_id: str,
    seq: int,
    head_hash: str,
    previous: str | None,
    now: int,
) -> str:
    """Record ``(seq, head_hash)`` of audit log ``log_id`` unless a higher head of that
    log is recorded (then that one stands and a rollback is counted); return the signed
    checkpoint now in force. ``previous``: the log the client's state last had
    checkpointed, when it is not ``log_id``: the new log is marked as replacing it (for
    as long as it lives) if the server holds a checkpoint of that log."""
    row = session.get(AuditCheckpoint, (activation.id, log_id), with_for_update=True)
    if row is None:
        # the first head of this log: two refreshes may race to insert it
        try:
            with session.begin_nested():
                session.add(
                    AuditCheckpoint(
                        activation_id=activation.id,
                        log_id=log_id,
                        licence_id=activation.licence_id,
                        seq=-1,
                        head_hash="",
                        recorded_at=now,
                        token="",
                        rollbacks=0,
                    )
                )
                fresh = True
        except IntegrityError:
            fresh = False
        row = session.get(AuditCheckpoint, (activation.id, log_id), with_for_update=True)
        assert row is not None
        if fresh:
            _mark_replacement(session, activation, row, previous)
    if seq < row.seq:
        row.rollbacks += 1
        events.emit(
            events.AUDIT_ROLLBACK,
            licence_id=activation.licence_id,
            activation_id=activation.id,
            log_id=log_id,
            recorded_seq=row.seq,
            reported_seq=seq,
        )
        return row.token
    if seq == row.seq and head_hash == row.head_hash:
        return row.token
    payload: dict[str, Any] = {
        "lid": activation.licence_id,
        "aid": activation.id,
        "log": log_id,
        "seq": seq,
        "hash": head_hash,
        "iat": now,
        "kid": signer.kid,
    }
    if row.replaced_log is not None:
        payload["rlog"], payload["rseq"] = row.replaced_log, int(row.replaced_seq or 0)
    row.seq, row.head_hash, row.recorded_at = seq, head_hash, now
    row.token = sign_token(CHECKPOINT_PREFIX, payload, signer.key)
    session.flush()
    return row.token


def _mark_replacement(
    session: Session, activation: Activation, row: AuditCheckpoint, previous: str | None
) -> None:
    """A new log whose client last had ``previous`` checkpointed replaces that log."""
    old = (
        session.get(AuditCheckpoint, (activation.id, previous))
        if previous and previous != row.log_id
        else None
    )
    if old is None or old.seq < 0:
        return
    row.replaced_log, row.replaced_seq = old.log_id, old.seq
    events.emit(
        events.AUDIT_ROLLBACK,
        licence_id=activation.licence_id,
        activation_id=activation.id,
        log_id=old.log_id,
        recorded_seq=old.seq,
        reported_seq=0,
    )


def latest_checkpoint(session: Session, activation: Activation, log_id: str) -> str | None:
    row = session.get(AuditCheckpoint, (activation.id, log_id))
    return row.token if row is not None and row.token else None

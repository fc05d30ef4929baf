"""The licence logic, independent of HTTP: issue, activate, refresh, deactivate, revoke,
usage and status. Every function takes a SQLAlchemy session inside a transaction and
raises :class:`ApiError` for refusals (the API maps them to JSON error responses).

Exactness under concurrency:

* activation locks the licence row (``FOR UPDATE`` on PostgreSQL; SQLite transactions
  are ``BEGIN IMMEDIATE``), counts active seats, and claims a free ``slot``; the unique
  constraint on (licence, slot) makes over-allocation impossible even if a lock were
  missed: the loser gets an IntegrityError and is told the seats are exhausted.
* usage reports lock the licence row too, sum the month's events, and insert with a
  unique (licence, idempotency key): a replay returns the original outcome, counted once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pyvorin.licensing.tokens import (
    KEY_PREFIX,
    LEASE_PREFIX,
    LicenceKeyError,
    key_id,
    sign_token,
    verify_token,
)
from pyvorin.licensing.transport import b64url

from .models import Activation, Licence, UsageEvent

# Plans and their default monthly compile limits (None = unlimited).
PLANS: dict[str, int | None] = {"trial": 100, "team": 10_000, "enterprise": None}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Signer:
    key: Ed25519PrivateKey
    lease_seconds: int
    offline_builds: int = 20  # the offline quota each lease carries (tickets.py)

    @property
    def kid(self) -> str:
        return key_id(self.key.public_key())

    @property
    def trusted(self):
        return {self.kid: self.key.public_key()}


def period_of(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), tz=timezone.utc).strftime("%Y-%m")


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _lock_licence(session: Session, licence_id: str) -> Licence | None:
    return session.execute(
        select(Licence).where(Licence.id == licence_id).with_for_update()
    ).scalar_one_or_none()


def _seats_used(session: Session, licence_id: str) -> int:
    return session.execute(
        select(func.count())
        .select_from(Activation)
        .where(Activation.licence_id == licence_id, Activation.deactivated_at.is_(None))
    ).scalar_one()


def _usage(session: Session, licence_id: str, period: str) -> int:
    return int(
        session.execute(
            select(func.coalesce(func.sum(UsageEvent.count), 0)).where(
                UsageEvent.licence_id == licence_id, UsageEvent.period == period
            )
        ).scalar_one()
    )


def issue(
    session: Session,
    signer: Signer,
    *,
    licensee: str,
    plan: str,
    seats: int,
    days: int,
    features: list[str] | None = None,
    monthly_compile_limit: int | None = None,
    org_id: str | None = None,
    now: float | None = None,
) -> tuple[Licence, str]:
    """Create a licence and return it with its signed key."""
    if plan not in PLANS:
        raise ApiError(422, "unknown_plan", f"unknown plan {plan!r} (plans: {', '.join(PLANS)})")
    now = int(now if now is not None else time.time())
    limit = monthly_compile_limit if monthly_compile_limit is not None else PLANS[plan]
    licence = Licence(
        id="lic_" + secrets.token_hex(8),
        licensee=licensee,
        plan=plan,
        features=json.dumps(sorted(set(features or []))),
        seats=seats,
        monthly_compile_limit=limit,
        issued_at=now,
        expires_at=now + days * 86400,
        key_id=signer.kid,
        org_id=org_id,
    )
    session.add(licence)
    session.flush()
    return licence, licence_key(licence, signer)


def licence_key(licence: Licence, signer: Signer) -> str:
    payload = {
        "lid": licence.id,
        "licensee": licence.licensee,
        "plan": licence.plan,
        "features": json.loads(licence.features),
        "seats": licence.seats,
        "iat": licence.issued_at,
        "exp": licence.expires_at,
        "kid": licence.key_id,
    }
    return sign_token(KEY_PREFIX, payload, signer.key)


def _check_usable(licence: Licence, now: int) -> None:
    if licence.revoked_at is not None:
        reason = f" ({licence.revoked_reason})" if licence.revoked_reason else ""
        raise ApiError(403, "licence_revoked", f"licence {licence.id} was revoked{reason}")
    if now >= licence.expires_at:
        raise ApiError(403, "licence_expired", f"licence {licence.id} has expired")


def _lease(
    signer: Signer, licence: Licence, activation: Activation, now: int, server_url: str = ""
) -> str:
    """The signed lease. With ``server_url`` (the URL the client reached this server
    at) it binds the activation to that URL (``srv``) and carries the offline quota."""
    from .tickets import quota_claims

    exp = min(now + signer.lease_seconds, licence.expires_at)
    payload = {
        "lid": licence.id,
        "aid": activation.id,
        "fp": activation.fingerprint,
        "plan": licence.plan,
        "features": json.loads(licence.features),
        "iat": now,
        "exp": exp,
        "lexp": licence.expires_at,
        "kid": signer.kid,
    }
    if server_url:
        payload["srv"] = server_url
        payload.update(quota_claims(signer, activation, now, exp))
    return sign_token(LEASE_PREFIX, payload, signer.key)


def verify_key(signer: Signer, key: str, now: float | None = None) -> dict[str, Any]:
    """The payload of a licence key this server issued (Ed25519 signature, issuer,
    expiry); ApiError ``key_<kind>`` otherwise (400 malformed, 403 the rest)."""
    now = int(now if now is not None else time.time())
    try:
        return verify_token(key, KEY_PREFIX, signer.trusted, now=now)
    except LicenceKeyError as exc:
        status = 400 if exc.kind == "malformed" else 403
        raise ApiError(status, f"key_{exc.kind.replace('-', '_')}", str(exc)) from exc


def activate(
    session: Session,
    signer: Signer,
    *,
    key: str,
    fingerprint: str,
    hostname: str,
    now: float | None = None,
    server_url: str = "",
) -> dict[str, Any]:
    now = int(now if now is not None else time.time())
    token = verify_key(signer, key, now)
    licence = _lock_licence(session, token["lid"])
    if licence is None:
        raise ApiError(404, "unknown_licence", f"licence {token['lid']} is not known here")
    _check_usable(licence, now)
    secret = secrets.token_urlsafe(32)
    request_key = b64url(secrets.token_bytes(32))  # HMAC key of this machine's signed calls
    existing = session.execute(
        select(Activation).where(
            Activation.licence_id == licence.id,
            Activation.fingerprint == fingerprint,
            Activation.deactivated_at.is_(None),
        )
    ).scalar_one_or_none()
    if existing is not None:  # re-activation of the same machine: same seat, new secret
        existing.secret_hash = _hash_secret(secret)
        existing.request_key = request_key
        existing.last_seen_at = now
        existing.hostname = hostname
        activation = existing
    else:
        taken = set(
            session.execute(
                select(Activation.slot).where(
                    Activation.licence_id == licence.id, Activation.slot.is_not(None)
                )
            ).scalars()
        )
        free = [slot for slot in range(licence.seats) if slot not in taken]
        if not free:
            raise ApiError(
                409,
                "seats_exhausted",
                f"all {licence.seats} seat(s) of licence {licence.id} are in use; deactivate "
                "a machine (`pyvorin licence deactivate` there) or buy more seats",
            )
        activation = Activation(
            id="act_" + secrets.token_hex(10),
            licence_id=licence.id,
            fingerprint=fingerprint,
            hostname=hostname,
            secret_hash=_hash_secret(secret),
            request_key=request_key,
            slot=free[0],
            created_at=now,
            last_seen_at=now,
        )
        session.add(activation)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ApiError(
            409,
            "seats_exhausted",
            f"all {licence.seats} seat(s) of licence {licence.id} are in use "
            "(a concurrent activation took the last one)",
        ) from exc
    return {
        "activation_id": activation.id,
        "activation_secret": secret,
        "request_key": request_key,
        "licence_id": licence.id,
        "lease": _lease(signer, licence, activation, now, server_url),
        "server_time": now,
    }


def authenticate(session: Session, bearer: str | None) -> Activation:
    """The activation named by an ``<activation id>.<secret>`` bearer credential."""
    if not bearer or "." not in bearer:
        raise ApiError(401, "invalid_activation", "missing or malformed activation credential")
    aid, _, secret = bearer.partition(".")
    query = select(Activation).where(Activation.id == aid[:40])
    activation = session.execute(query).scalar_one_or_none()
    expected = activation.secret_hash if activation is not None else "0" * 64
    if not hmac.compare_digest(_hash_secret(secret), expected) or activation is None:
        raise ApiError(401, "invalid_activation", "unknown activation or wrong secret")
    return activation


def _live(session: Session, activation: Activation, now: int, lock: bool) -> Licence:
    if lock:
        licence = _lock_licence(session, activation.licence_id)
    else:
        licence = session.get(Licence, activation.licence_id)
    assert licence is not None
    if activation.deactivated_at is not None:
        raise ApiError(403, "activation_deactivated", f"activation {activation.id} was deactivated")
    _check_usable(licence, now)
    return licence


def refresh(
    session: Session,
    signer: Signer,
    *,
    bearer: str | None,
    fingerprint: str,
    now: float | None = None,
    activation: Activation | None = None,
    server_url: str = "",
) -> dict[str, Any]:
    now = int(now if now is not None else time.time())
    activation = activation or authenticate(session, bearer)
    licence = _live(session, activation, now, lock=False)
    if not hmac.compare_digest(activation.fingerprint, fingerprint):
        raise ApiError(403, "fingerprint_mismatch", "this activation belongs to another machine")
    activation.last_seen_at = now
    return {
        "lease": _lease(signer, licence, activation, now, server_url),
        "server_time": now,
        "licence_id": licence.id,
    }


def deactivate(
    session: Session,
    *,
    bearer: str | None,
    now: float | None = None,
    activation: Activation | None = None,
) -> dict:
    now = int(now if now is not None else time.time())
    activation = activation or authenticate(session, bearer)
    licence = _lock_licence(session, activation.licence_id)
    assert licence is not None
    if activation.deactivated_at is not None:
        raise ApiError(403, "activation_deactivated", f"activation {activation.id} was deactivated")
    activation.deactivated_at = now
    activation.slot = None
    session.flush()
    return {
        "deactivated": activation.id,
        "licence_id": licence.id,
        "seats_used": _seats_used(session, licence.id),
        "seats": licence.seats,
    }


def revoke(session: Session, licence_id: str, reason: str, now: float | None = None) -> dict:
    now = int(now if now is not None else time.time())
    licence = _lock_licence(session, licence_id)
    if licence is None:
        raise ApiError(404, "unknown_licence", f"no licence {licence_id!r}")
    if licence.revoked_at is None:
        licence.revoked_at = now
        licence.revoked_reason = reason or None
    return licence_status(session, licence, now)


def record_usage(
    session: Session,
    *,
    bearer: str | None,
    idempotency_key: str,
    kind: str,
    count: int,
    now: float | None = None,
    activation: Activation | None = None,
) -> dict[str, Any]:
    """Count a usage report once, against the plan's monthly limit."""
    now = int(now if now is not None else time.time())
    activation = activation or authenticate(session, bearer)
    licence = _live(session, activation, now, lock=True)
    previous = session.execute(
        select(UsageEvent).where(
            UsageEvent.licence_id == licence.id,
            UsageEvent.idempotency_key == idempotency_key,
        )
    ).scalar_one_or_none()
    if previous is not None:
        if (previous.kind, previous.count) != (kind, count):
            raise ApiError(
                409,
                "idempotency_conflict",
                f"idempotency key {idempotency_key!r} was used for a different report",
            )
        return _usage_answer(session, licence, previous.period, recorded=False)
    period = period_of(now)
    used = _usage(session, licence.id, period)
    limit = licence.monthly_compile_limit
    if kind == "compile" and limit is not None and used + count > limit:
        raise ApiError(
            402,
            "plan_limit_reached",
            f"plan {licence.plan!r} allows {limit} compile(s) per month; {used} used in {period}",
        )
    session.add(
        UsageEvent(
            licence_id=licence.id,
            activation_id=activation.id,
            idempotency_key=idempotency_key,
            kind=kind,
            count=count,
            period=period,
            created_at=now,
        )
    )
    session.flush()
    return _usage_answer(session, licence, period, recorded=True)


def _usage_answer(session: Session, licence: Licence, period: str, recorded: bool) -> dict:
    return {
        "recorded": recorded,
        "period": period,
        "used": _usage(session, licence.id, period),
        "limit": licence.monthly_compile_limit,
    }


def find_licence(session: Session, licence_id: str, org_scope: str | None) -> Licence:
    """The licence ``licence_id`` if it is visible from ``org_scope`` (an organisation
    id; None = every licence, for operators). Another organisation's licence is answered
    exactly like a missing one, so ids cannot be probed across tenants."""
    query = select(Licence).where(Licence.id == licence_id)
    if org_scope is not None:
        query = query.where(Licence.org_id == org_scope)
    licence = session.execute(query).scalar_one_or_none()
    if licence is None:
        raise ApiError(404, "unknown_licence", f"no licence {licence_id!r}")
    return licence


def licence_status(session: Session, licence: Licence, now: float | None = None) -> dict:
    now = int(now if now is not None else time.time())
    activations = session.execute(
        select(Activation)
        .where(Activation.licence_id == licence.id)
        .order_by(Activation.created_at, Activation.id)
    ).scalars()
    period = period_of(now)
    return {
        "licence_id": licence.id,
        "org_id": licence.org_id,
        "licensee": licence.licensee,
        "plan": licence.plan,
        "features": json.loads(licence.features),
        "seats": licence.seats,
        "seats_used": _seats_used(session, licence.id),
        "issued_at": licence.issued_at,
        "expires_at": licence.expires_at,
        "revoked": licence.revoked_at is not None,
        "revoked_at": licence.revoked_at,
        "revoked_reason": licence.revoked_reason,
        "key_id": licence.key_id,
        "usage": {
            "period": period,
            "used": _usage(session, licence.id, period),
            "limit": licence.monthly_compile_limit,
        },
        "activations": [
            {
                "activation_id": a.id,
                "hostname": a.hostname,
                "created_at": a.created_at,
                "last_seen_at": a.last_seen_at,
                "active": a.deactivated_at is None,
            }
            for a in activations
        ],
    }


def activation_status(
    session: Session,
    *,
    bearer: str | None,
    now: float | None = None,
    activation: Activation | None = None,
):
    now = int(now if now is not None else time.time())
    activation = activation or authenticate(session, bearer)
    licence = session.get(Licence, activation.licence_id)
    assert licence is not None
    status = licence_status(session, licence, now)
    status["activations"] = [
        a for a in status["activations"] if a["activation_id"] == activation.id
    ]
    status["activation_active"] = activation.deactivated_at is None
    status["server_time"] = now
    return status


def find_activation(session: Session, activation_id: str, org_scope: str | None) -> Activation:
    """An activation visible from ``org_scope`` (see :func:`find_licence`)."""
    query = (
        select(Activation)
        .join(Licence, Licence.id == Activation.licence_id)
        .where(Activation.id == activation_id)
    )
    if org_scope is not None:
        query = query.where(Licence.org_id == org_scope)
    activation = session.execute(query).scalar_one_or_none()
    if activation is None:
        raise ApiError(404, "unknown_activation", f"no machine {activation_id!r}")
    return activation


def deactivate_machine(
    session: Session, activation_id: str, org_scope: str | None, now: float | None = None
) -> Activation:
    """Deactivate a machine on behalf of its organisation (frees its seat; the machine's
    next refresh is refused)."""
    now = int(now if now is not None else time.time())
    activation = find_activation(session, activation_id, org_scope)
    _lock_licence(session, activation.licence_id)
    if activation.deactivated_at is not None:
        raise ApiError(409, "activation_deactivated", f"machine {activation_id} is not active")
    activation.deactivated_at = now
    activation.slot = None
    session.flush()
    return activation


def usage_by_month(
    session: Session, org_scope: str | None, periods: list[str]
) -> dict[str, dict[str, int]]:
    """{period: {kind: count}} over the licences visible from ``org_scope``."""
    query = (
        select(UsageEvent.period, UsageEvent.kind, func.sum(UsageEvent.count))
        .join(Licence, Licence.id == UsageEvent.licence_id)
        .where(UsageEvent.period.in_(periods))
        .group_by(UsageEvent.period, UsageEvent.kind)
    )
    if org_scope is not None:
        query = query.where(Licence.org_id == org_scope)
    result: dict[str, dict[str, int]] = {p: {} for p in periods}
    for period, kind, total in session.execute(query):
        result[period][kind] = int(total)
    return result

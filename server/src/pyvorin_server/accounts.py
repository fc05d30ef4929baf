"""Organisations, users, memberships, versioned roles and the account audit trail.

Functions take a SQLAlchemy session inside a transaction (like service.py) and raise
:class:`ApiError` for refusals. Every grant, change and revocation of a role, and every
new version of a role definition, is written as an :class:`AuditEvent` with the state
before and after, the actor and the time, in the same transaction as the change.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any

from sqlalchemy import String, and_, delete, or_, select, type_coerce
from sqlalchemy.orm import Session

from .models import AuditEvent, Licence, Membership, Organisation, RoleVersion, User
from .permissions import OPERATOR_ROLE, ORG_ROLES, OWNER_ONLY, ROLES, Principal
from .service import ApiError

OPERATOR_ORG = "org_operator"
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]{1,255}$")


def _now(now: float | None) -> int:
    return int(now if now is not None else time.time())


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


def subject_index(subject: str) -> str:
    """The blind index of an audit event's subject (``audit_events.subject`` is sealed):
    HMAC-SHA256 of the exact subject under the index key, another context than the
    e-mail index."""
    from . import atrest

    return atrest.installed().blind_index(subject, "audit_events.subject")


def subject_is(subject: str) -> Any:
    """A WHERE clause matching the audit events whose subject is ``subject``.

    The subject is sealed, so it cannot be compared in SQL (``AuditEvent.subject == x``
    would compare with a fresh ciphertext of ``x`` and match nothing). This compares the
    blind index instead (``audit_events.subject_index``, indexed): no row is opened. An
    event written before sealing that the server has not sealed yet (its index is NULL,
    its subject still clear) is matched by its clear subject, so a lookup between the
    upgrade and the next start misses nothing."""
    return or_(
        AuditEvent.subject_index == subject_index(subject),
        and_(
            AuditEvent.subject_index.is_(None),
            type_coerce(AuditEvent.subject, String) == subject,
        ),
    )


def seal_audit_events(session: Session, batch: int = 500) -> int:
    """Seal and index the audit events stored before the trail was sealed (their
    ``subject_index`` is NULL: subject, before and after are still clear); the server
    does it at start, and maintenance and the CLI too. Returns how many."""
    from sqlalchemy.orm.attributes import flag_modified

    done = 0
    while True:
        rows = list(
            session.execute(
                select(AuditEvent)
                .where(AuditEvent.subject_index.is_(None))
                .order_by(AuditEvent.id)
                .limit(batch)
            ).scalars()
        )
        if not rows:
            return done
        for event in rows:
            event.subject_index = subject_index(event.subject)
            for column in ("subject", "before", "after"):
                flag_modified(event, column)  # written again: sealed
        session.flush()
        done += len(rows)


def record(
    session: Session,
    principal: Principal | None,
    org_id: str | None,
    action: str,
    subject: str,
    before: Any,
    after: Any,
    now: float | None = None,
) -> AuditEvent:
    """Write one audit event (in the caller's transaction). ``subject``, ``before`` and
    ``after`` are sealed at rest; the subject's blind index is stored beside it."""
    event = AuditEvent(
        org_id=org_id,
        actor=principal.actor if principal is not None else "system",
        action=action,
        subject=subject,
        subject_index=subject_index(subject),
        before=_json(before),
        after=_json(after),
        created_at=_now(now),
    )
    session.add(event)
    return event


# -- role definitions -----------------------------------------------------------------------
def role_definitions(session: Session) -> dict[str, tuple[int, frozenset[str]]]:
    """The definition in force of every role: {role: (version, permissions)}."""
    current: dict[str, tuple[int, frozenset[str]]] = {}
    for row in session.execute(select(RoleVersion).order_by(RoleVersion.version)).scalars():
        current[row.role] = (row.version, frozenset(json.loads(row.permissions)))
    return current


def sync_roles(
    session: Session, definitions: dict[str, frozenset[str]] | None = None, now=None
) -> dict[str, tuple[int, frozenset[str]]]:
    """Make the stored definitions match ``definitions`` (default: the code's ROLES):
    a role whose permission set differs gets a new version, audited with before/after."""
    definitions = ROLES if definitions is None else definitions
    stored = role_definitions(session)
    for role, permissions in definitions.items():
        version, before = stored.get(role, (0, None))
        if before == permissions:
            continue
        session.add(
            RoleVersion(
                role=role,
                version=version + 1,
                permissions=json.dumps(sorted(permissions)),
                created_at=_now(now),
            )
        )
        record(
            session,
            None,
            None,
            "role.defined",
            f"{role}@{version + 1}",
            None if before is None else sorted(before),
            sorted(permissions),
            now,
        )
        stored[role] = (version + 1, permissions)
    session.flush()
    return stored


def ensure_operator_org(session: Session, now: float | None = None) -> Organisation:
    org = session.get(Organisation, OPERATOR_ORG)
    if org is None:
        org = Organisation(id=OPERATOR_ORG, name="Operators", kind="operator", created_at=_now(now))
        session.add(org)
        session.flush()
    return org


def bootstrap(session: Session, now: float | None = None):
    """What every start needs: the operator organisation, current role definitions, and
    the accounts and audit events made before they were sealed: sealed and indexed."""
    ensure_operator_org(session, now)
    index_users(session)
    seal_audit_events(session)
    return sync_roles(session, now=now)


def operator_principal(kind: str, actor: str) -> Principal:
    return Principal(
        kind=kind, actor=actor, org_id=None, role=OPERATOR_ROLE, permissions=ROLES[OPERATOR_ROLE]
    )


# -- organisations and users ----------------------------------------------------------------
def create_org(session: Session, principal: Principal | None, name: str, now=None) -> Organisation:
    name = name.strip()
    if not name or len(name) > 256 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ApiError(422, "invalid_name", "an organisation name is 1-256 printable characters")
    org = Organisation(
        id="org_" + secrets.token_hex(8), name=name, kind="customer", created_at=_now(now)
    )
    session.add(org)
    session.flush()
    record(session, principal, org.id, "org.created", org.id, None, {"name": name}, now)
    return org


def normalise_email(email: str) -> str:
    return email.strip().lower()


def email_index(email: str) -> str:
    """The blind index of an e-mail address (users.email is sealed): the one way
    accounts are looked up by address, without opening every row."""
    from . import atrest

    return atrest.installed().blind_index(normalise_email(email), "users.email")


def find_user(session: Session, email: str) -> User | None:
    """The account with this e-mail address (any case), or None."""
    return session.execute(
        select(User).where(User.email_index == email_index(email))
    ).scalar_one_or_none()


def index_users(session: Session) -> int:
    """Seal and index the accounts stored before e-mail addresses were sealed (their
    ``email_index`` is NULL); the server does it at start and maintenance too. Returns
    how many."""
    from sqlalchemy.orm.attributes import flag_modified

    rows = list(session.execute(select(User).where(User.email_index.is_(None))).scalars())
    for user in rows:
        user.email_index = email_index(user.email)
        flag_modified(user, "email")  # written again: sealed
        flag_modified(user, "name")
    session.flush()
    return len(rows)


def create_user(
    session: Session,
    principal: Principal | None,
    *,
    email: str,
    name: str,
    password_hash: str,
    now: float | None = None,
) -> User:
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise ApiError(422, "invalid_email", f"not an e-mail address: {email!r}")
    if find_user(session, email) is not None:
        raise ApiError(409, "user_exists", f"a user with the e-mail address {email!r} exists")
    user = User(
        id="usr_" + secrets.token_hex(8),
        email=email,
        email_index=email_index(email),
        name=name.strip() or email,
        password_hash=password_hash,
        created_at=_now(now),
        disabled=False,
    )
    session.add(user)
    session.flush()
    record(session, principal, None, "user.created", user.id, None, {"email": email}, now)
    return user


def membership(session: Session, user_id: str, org_id: str) -> Membership | None:
    return session.execute(
        select(Membership).where(Membership.user_id == user_id, Membership.org_id == org_id)
    ).scalar_one_or_none()


def _may_manage(principal: Principal, org_id: str, roles: set[str]) -> None:
    """Refuse unless ``principal`` may grant/change/revoke ``roles`` in ``org_id``."""
    if principal.operator:
        return
    if principal.org_id != org_id or not principal.can("members:manage"):
        raise ApiError(403, "forbidden", "you may not manage the members of this organisation")
    if roles & OWNER_ONLY and principal.role != "owner":
        raise ApiError(403, "forbidden", "only an owner may grant, change or revoke the owner role")


def set_role(
    session: Session,
    principal: Principal,
    *,
    org_id: str,
    user_id: str,
    role: str | None,
    now: float | None = None,
) -> Membership | None:
    """Grant, change (``role`` set) or revoke (``role=None``) a user's role in an
    organisation, audited with before and after. An organisation keeps at least one
    owner. The operator role exists only in the operator organisation."""
    org = session.get(Organisation, org_id)
    if org is None or (principal.org_scope() not in (None, org_id)):
        raise ApiError(404, "unknown_organisation", f"no organisation {org_id!r}")
    allowed = (OPERATOR_ROLE,) if org.kind == "operator" else ORG_ROLES
    if role is not None and role not in allowed:
        raise ApiError(
            422, "unknown_role", f"unknown role {role!r} here (roles: {', '.join(allowed)})"
        )
    user = session.get(User, user_id)
    if user is None:
        raise ApiError(404, "unknown_user", f"no user {user_id!r}")
    current = membership(session, user_id, org_id)
    before = current.role if current is not None else None
    if before is None and role is None:
        raise ApiError(404, "unknown_member", f"{user.email} is not a member of {org.name}")
    _may_manage(principal, org_id, {r for r in (before, role) if r})
    if before == role:
        return current
    if before == "owner":
        owners = session.execute(
            select(Membership.id).where(Membership.org_id == org_id, Membership.role == "owner")
        ).all()
        if len(owners) <= 1:
            raise ApiError(409, "last_owner", "an organisation keeps at least one owner")
    now_i = _now(now)
    action = (
        "role.granted" if before is None else "role.revoked" if role is None else "role.changed"
    )
    if role is None:
        assert current is not None
        session.delete(current)
        result = None
        _revoke_api_tokens(session, principal, user_id, org_id, now_i)
    elif current is None:
        result = Membership(
            user_id=user_id, org_id=org_id, role=role, granted_at=now_i, granted_by=principal.actor
        )
        session.add(result)
    else:
        current.role, current.granted_at, current.granted_by = role, now_i, principal.actor
        result = current
    versions = role_definitions(session)

    def state(r: str | None) -> dict | None:
        return None if r is None else {"role": r, "version": versions.get(r, (0,))[0]}

    record(session, principal, org_id, action, user.email, state(before), state(role), now)
    session.flush()
    return result


def _revoke_api_tokens(
    session: Session, principal: Principal, user_id: str, org_id: str, now: int
) -> None:
    """A member's API tokens end with their membership (membertokens.py)."""
    from sqlalchemy import update

    from .models import ApiToken

    session.execute(
        update(ApiToken)
        .where(
            ApiToken.user_id == user_id, ApiToken.org_id == org_id, ApiToken.revoked_at.is_(None)
        )
        .values(revoked_at=now, revoked_by=principal.actor)
    )


def members(session: Session, org_id: str) -> list[tuple[User, Membership]]:
    rows = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org_id)
    ).all()
    # sealed addresses: ordered here, not by the database
    return sorted(((u, m) for u, m in rows), key=lambda row: (row[0].email, row[0].id))


def audit_trail(session: Session, org_id: str | None, limit: int = 500) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if org_id is not None:
        query = query.where(AuditEvent.org_id == org_id)
    return list(session.execute(query).scalars())


def org_licences(session: Session, org_id: str | None) -> list[Licence]:
    query = select(Licence).order_by(Licence.issued_at.desc(), Licence.id)
    if org_id is not None:
        query = query.where(Licence.org_id == org_id)
    return list(session.execute(query).scalars())


def delete_memberships(session: Session, org_id: str) -> None:
    session.execute(delete(Membership).where(Membership.org_id == org_id))


# -- organisation data export and deletion --------------------------------------------------
def export_org(session: Session, org_id: str) -> dict[str, Any]:
    """Everything the server holds about an organisation, as one JSON-able document."""
    from .models import Activation, ApiToken, ClientReport, UsageEvent

    org = session.get(Organisation, org_id)
    if org is None:
        raise ApiError(404, "unknown_organisation", f"no organisation {org_id!r}")
    licences = org_licences(session, org_id)
    ids = [lic.id for lic in licences]
    activations = (
        session.execute(select(Activation).where(Activation.licence_id.in_(ids))).scalars()
        if ids
        else []
    )
    usage = (
        session.execute(select(UsageEvent).where(UsageEvent.licence_id.in_(ids))).scalars()
        if ids
        else []
    )
    reports = (
        session.execute(select(ClientReport).where(ClientReport.licence_id.in_(ids))).scalars()
        if ids
        else []
    )
    api_tokens = session.execute(
        select(ApiToken).where(ApiToken.org_id == org_id).order_by(ApiToken.created_at)
    ).scalars()
    return {
        "format": "pyvorin.org-export/1",
        "organisation": {"id": org.id, "name": org.name, "created_at": org.created_at},
        "members": [
            {
                "user_id": u.id,
                "email": u.email,
                "name": u.name,
                "role": m.role,
                "granted_at": m.granted_at,
                "granted_by": m.granted_by,
            }
            for u, m in members(session, org_id)
        ],
        "licences": [
            {
                "licence_id": lic.id,
                "licensee": lic.licensee,
                "plan": lic.plan,
                "features": json.loads(lic.features),
                "seats": lic.seats,
                "monthly_compile_limit": lic.monthly_compile_limit,
                "issued_at": lic.issued_at,
                "expires_at": lic.expires_at,
                "revoked_at": lic.revoked_at,
                "revoked_reason": lic.revoked_reason,
            }
            for lic in licences
        ],
        "machines": [
            {
                "activation_id": a.id,
                "licence_id": a.licence_id,
                "hostname": a.hostname,
                "fingerprint": a.fingerprint,
                "created_at": a.created_at,
                "last_seen_at": a.last_seen_at,
                "deactivated_at": a.deactivated_at,
            }
            for a in activations
        ],
        "usage": [
            {
                "licence_id": e.licence_id,
                "activation_id": e.activation_id,
                "kind": e.kind,
                "count": e.count,
                "period": e.period,
                "created_at": e.created_at,
            }
            for e in usage
        ],
        "client_reports": [
            {
                "licence_id": r.licence_id,
                "activation_id": r.activation_id,
                "kind": r.kind,
                "detail": r.detail,
                "created_at": r.created_at,
            }
            for r in reports
        ],
        "api_tokens": [  # never the secret (the server does not have it) nor its hash
            {
                "token_id": t.id,
                "user_id": t.user_id,
                "name": t.name,
                "scope": t.scope.split(),
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in api_tokens
        ],
        "audit": [
            {
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "before": None if e.before is None else json.loads(e.before),
                "after": None if e.after is None else json.loads(e.after),
                "created_at": e.created_at,
            }
            for e in reversed(audit_trail(session, org_id, limit=1_000_000))
        ],
    }


def delete_org(session: Session, principal: Principal, org_id: str, now=None) -> dict[str, int]:
    """Delete an organisation and all of its data: licences (so their keys and machines
    stop working), machines with their refresh tokens, usage, build tickets and audit checkpoints,
    client reports, API tokens,
    memberships, sessions, its audit trail, and the users who belong to no other
    organisation. One server-level audit event records the deletion (without personal
    data). Returns counts of what was deleted."""
    from .models import (
        Activation,
        ApiToken,
        ClientReport,
        RefreshToken,
        UsageEvent,
        WebSession,
    )
    from .tickets import AuditCheckpoint, BuildTicket

    org = session.get(Organisation, org_id)
    if org is None or org.kind != "customer":
        raise ApiError(404, "unknown_organisation", f"no organisation {org_id!r}")
    ids = [lic.id for lic in org_licences(session, org_id)]
    user_ids = [u.id for u, _ in members(session, org_id)]
    counts: dict[str, int] = {"licences": len(ids), "users": 0}
    if ids:
        machines = select(Activation.id).where(Activation.licence_id.in_(ids))
        counts["refresh_tokens"] = session.execute(
            delete(RefreshToken).where(RefreshToken.subject.in_(machines))
        ).rowcount
        counts["client_reports"] = session.execute(
            delete(ClientReport).where(ClientReport.licence_id.in_(ids))
        ).rowcount
        counts["usage"] = session.execute(
            delete(UsageEvent).where(UsageEvent.licence_id.in_(ids))
        ).rowcount
        counts["build_tickets"] = session.execute(
            delete(BuildTicket).where(BuildTicket.licence_id.in_(ids))
        ).rowcount
        counts["audit_checkpoints"] = session.execute(
            delete(AuditCheckpoint).where(AuditCheckpoint.licence_id.in_(ids))
        ).rowcount
        counts["machines"] = session.execute(
            delete(Activation).where(Activation.licence_id.in_(ids))
        ).rowcount
        session.execute(delete(Licence).where(Licence.id.in_(ids)))
    session.execute(delete(WebSession).where(WebSession.org_id == org_id))
    counts["api_tokens"] = session.execute(
        delete(ApiToken).where(ApiToken.org_id == org_id)
    ).rowcount
    counts["members"] = session.execute(
        delete(Membership).where(Membership.org_id == org_id)
    ).rowcount
    counts["audit"] = session.execute(
        delete(AuditEvent).where(AuditEvent.org_id == org_id)
    ).rowcount
    for user_id in user_ids:
        elsewhere = session.execute(
            select(Membership.id).where(Membership.user_id == user_id)
        ).first()
        if elsewhere is None:
            session.execute(delete(WebSession).where(WebSession.user_id == user_id))
            session.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
            session.execute(  # the server-level "user.created" record holds the address
                delete(AuditEvent).where(AuditEvent.org_id.is_(None), subject_is(user_id))
            )
            session.execute(delete(User).where(User.id == user_id))
            counts["users"] += 1
    session.delete(org)
    session.flush()
    record(session, principal, None, "org.deleted", org_id, None, counts, now)
    return counts

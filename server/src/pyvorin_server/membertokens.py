"""API tokens members create in the console, exchanged for short-lived access tokens.

An API token (``pvt_…``) is a long-lived, revocable credential for automation: a member
creates it in the console (*API tokens*), names it, picks the permissions it carries
(only permissions of their role) and its lifetime; the secret is shown once and the
database keeps only its SHA-256. The token itself opens no route of the API: it is
presented to ``POST /v1/access-token`` for an RS256 access token (audience
``pyvorin-admin``, at most 15 minutes) whose scopes are the token's permissions *that the
member's role still grants at that moment*, acting in the token's organisation.

A token lives as long as the membership it was created under: when the member's role
is revoked (or the organisation deleted, or the account disabled) it stops working,
even if the member is later added again. Creating and revoking tokens are audit events.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import accounts
from .models import ApiToken, Membership, User
from .permissions import OPERATOR_ROLE, PERMISSIONS, Principal
from .service import ApiError

PREFIX = "pvt_"
MAX_DAYS = 365
NAME_LIMIT = 64
# A token's permissions: real permissions only (never a pseudo-permission).
GRANTABLE = frozenset(PERMISSIONS)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_token(value: str | None) -> bool:
    return bool(value) and value.startswith(PREFIX) and 20 <= len(value) <= 80  # type: ignore[union-attr]


def refused() -> ApiError:
    """Every refusal of a presented token is the same answer: unknown, revoked, expired,
    membership ended and disabled account cannot be told apart from outside."""
    return ApiError(401, "invalid_api_token", "the API token is unknown, revoked or expired")


@dataclass
class Created:
    token: ApiToken
    secret: str


def create(
    session: Session,
    principal: Principal,
    *,
    name: str,
    permissions: set[str],
    days: int,
    now: int,
) -> Created:
    """A new API token of ``principal`` in its current organisation. ``permissions`` must
    be a non-empty subset of what the principal's role grants."""
    name = name.strip()
    if not 1 <= len(name) <= NAME_LIMIT:
        raise ApiError(422, "invalid_request", f"name: 1-{NAME_LIMIT} characters")
    if not 1 <= days <= MAX_DAYS:
        raise ApiError(422, "invalid_request", f"days: 1-{MAX_DAYS}, found {days}")
    if not permissions:
        raise ApiError(422, "invalid_request", "permissions: choose at least one")
    beyond = sorted(permissions - (principal.permissions & GRANTABLE))
    if beyond:
        raise ApiError(
            403,
            "scope_not_granted",
            f"your role {principal.role!r} does not grant {', '.join(beyond)}: a token "
            "cannot carry more than its creator may do",
        )
    assert principal.org_id is not None
    member = accounts.membership(session, principal.actor, principal.org_id)
    if member is None:  # a session is always a member; anything else is refused
        raise ApiError(403, "forbidden", "only a member of the organisation creates its tokens")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id="tok_" + secrets.token_hex(8),
        user_id=principal.actor,
        org_id=principal.org_id,
        membership_id=member.id,
        name=name,
        scope=" ".join(sorted(permissions)),
        token_hash=token_hash(secret),
        hint=secret[: len(PREFIX) + 6],
        created_at=now,
        expires_at=now + days * 86400,
    )
    session.add(token)
    session.flush()
    accounts.record(
        session,
        principal,
        principal.org_id,
        "api_token.created",
        token.id,
        None,
        {"name": name, "scope": token.scope, "expires_at": token.expires_at},
        now,
    )
    return Created(token, secret)


def visible(session: Session, principal: Principal) -> list[tuple[ApiToken, str]]:
    """The tokens ``principal`` may see in its organisation, newest first, with the
    e-mail address of their creator: its own; every member's with ``members:manage``."""
    query = (
        select(ApiToken, User.email)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.org_id == principal.org_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id)
    )
    if not principal.can("members:manage"):
        query = query.where(ApiToken.user_id == principal.actor)
    return [(t, e) for t, e in session.execute(query).all()]


def find(session: Session, principal: Principal, token_id: str) -> ApiToken:
    """A token ``principal`` may act on; another organisation's, or (without
    ``members:manage``) another member's, is "not found" like one that does not exist."""
    token = session.get(ApiToken, token_id)
    if (
        token is None
        or token.org_id != principal.org_id
        or (token.user_id != principal.actor and not principal.can("members:manage"))
    ):
        raise ApiError(404, "unknown_token", f"no API token {token_id!r}")
    return token


def revoke(session: Session, principal: Principal, token_id: str, now: int) -> ApiToken:
    token = find(session, principal, token_id)
    if token.revoked_at is not None:
        raise ApiError(409, "already_revoked", f"API token {token.id} is already revoked")
    token.revoked_at, token.revoked_by = now, principal.actor
    accounts.record(
        session,
        principal,
        token.org_id,
        "api_token.revoked",
        token.id,
        {"name": token.name, "revoked": False},
        {"revoked": True},
        now,
    )
    return token


def state(token: ApiToken, now: int) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if now >= token.expires_at else "active"


@dataclass
class Grant:
    """What an exchanged token may do: the access token's subject, scopes and claims."""

    subject: str
    scope: frozenset[str]
    claims: dict[str, Any]


def holder(session: Session, token: ApiToken | None, now: int) -> Membership:
    """The membership a token acts under, while the token may still be used: not revoked
    or expired, its membership the one it was created under, the account not disabled.
    Otherwise :func:`refused` (one answer for every reason)."""
    if token is None or state(token, now) != "active":
        raise refused()
    member = session.get(Membership, token.membership_id)
    user = session.get(User, token.user_id)
    if (
        member is None
        or member.user_id != token.user_id
        or member.org_id != token.org_id
        or user is None
        or user.disabled
    ):
        raise refused()
    return member


def check_access(session: Session, claims: dict[str, Any], now: int) -> None:
    """An access token made from an API token (its ``tid`` claim) works only while that
    token still may: revoking the token, ending the membership, disabling the account or
    changing the member's role ends the access tokens already issued from it at once,
    instead of when they expire. The same answer as a refused token."""
    tid = claims.get("tid")
    if tid is None:
        return
    token = session.get(ApiToken, str(tid))
    member = holder(session, token, now)
    assert token is not None
    if token.user_id != str(claims.get("sub")) or member.role != claims.get("role"):
        raise refused()


def exchange(
    session: Session,
    secret: str | None,
    roles: dict[str, tuple[int, frozenset[str]]],
    now: int,
    requested: frozenset[str] | None = None,
) -> Grant:
    """Check a presented API token and say what its access token carries: the token's
    permissions that the member's role (definition in force, ``roles``) still grants,
    narrowed to ``requested`` when given."""
    if not looks_like_token(secret):
        raise refused()
    assert secret is not None
    token = session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash(secret))
    ).scalar_one_or_none()
    member = holder(session, token, now)
    assert token is not None
    granted = frozenset(token.scope.split()) & roles.get(member.role, (0, frozenset()))[1]
    if requested is not None:
        wider = sorted(requested - granted)
        if wider:
            raise ApiError(400, "invalid_scope", f"the API token does not carry {', '.join(wider)}")
        granted = requested
    if not granted:
        raise ApiError(
            403,
            "insufficient_scope",
            "the member's role no longer grants any of the token's permissions",
        )
    token.last_used_at = now
    claims: dict[str, Any] = {"role": member.role, "tid": token.id}
    if member.role != OPERATOR_ROLE:
        claims["org"] = token.org_id
    return Grant(subject=token.user_id, scope=granted, claims=claims)

"""Web sessions (server-side store) and CSRF tokens for the console.

* The cookie ``__Host-pyvorin_session`` (HttpOnly, Secure, SameSite=Strict, Path=/, no
  Domain) holds 32 random bytes; the table holds only their SHA-256.
* A new id at sign-in (a session id planted before sign-in is never promoted: session
  fixation), and a new id whenever the user's privilege changes (role granted, changed,
  role definition re-versioned, organisation switched).
* Idle timeout (default 30 minutes) and absolute lifetime (default 8 hours); an expired
  session is deleted when it is next presented. Sign-out deletes the row.
* CSRF: a per-session random token, put in every form and compared in constant time on
  every state-changing request; the sign-in form, which has no session yet, uses a
  double-submit cookie. Requests whose ``Origin`` is another site are refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import WebSession

COOKIE = "__Host-pyvorin_session"
LOGIN_COOKIE = "__Host-pyvorin_login"


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int = 30 * 60
    absolute_seconds: int = 8 * 3600


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def create(
    session: Session,
    *,
    user_id: str,
    org_id: str,
    privilege: str,
    now: int,
    created_at: int | None = None,
) -> tuple[str, WebSession]:
    """A new session; returns (cookie token, row)."""
    token = new_token()
    row = WebSession(
        id_hash=hash_token(token),
        user_id=user_id,
        org_id=org_id,
        csrf_token=new_token(),
        privilege=privilege,
        created_at=now if created_at is None else created_at,
        last_seen_at=now,
    )
    session.add(row)
    session.flush()
    return token, row


def load(session: Session, token: str | None, now: int, policy: SessionPolicy) -> WebSession | None:
    """The live session for a cookie token, or None (expired ones are deleted)."""
    if not token or len(token) > 128:
        return None
    row = session.get(WebSession, hash_token(token))
    if row is None:
        return None
    if (
        now - row.last_seen_at >= policy.idle_seconds
        or now - row.created_at >= policy.absolute_seconds
    ):
        session.delete(row)
        session.flush()
        return None
    row.last_seen_at = now
    return row


def rotate(
    session: Session,
    row: WebSession,
    *,
    now: int,
    org_id: str | None = None,
    privilege: str | None = None,
) -> tuple[str, WebSession]:
    """Replace ``row`` by a session with a new id and a new CSRF token. The absolute
    lifetime still counts from the original sign-in."""
    token, fresh = create(
        session,
        user_id=row.user_id,
        org_id=org_id or row.org_id,
        privilege=privilege or row.privilege,
        now=now,
        created_at=row.created_at,
    )
    session.delete(row)
    session.flush()
    return token, fresh


def destroy(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.id_hash == hash_token(token)))


def destroy_for(session: Session, *, user_id: str | None = None, org_id: str | None = None) -> None:
    query = delete(WebSession)
    if user_id is not None:
        query = query.where(WebSession.user_id == user_id)
    if org_id is not None:
        query = query.where(WebSession.org_id == org_id)
    session.execute(query)


def count_for(session: Session, user_id: str) -> int:
    return len(
        session.execute(select(WebSession.id_hash).where(WebSession.user_id == user_id)).all()
    )


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two tokens (False if either is missing)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def cookie_header(name: str, value: str, max_age: int | None) -> str:
    """A ``Set-Cookie`` value with the ``__Host-`` requirements: Secure, Path=/, no Domain."""
    parts = [f"{name}={value}", "Path=/", "Secure", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)

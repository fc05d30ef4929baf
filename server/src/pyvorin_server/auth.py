"""Passwords and sign-in: argon2id hashes, failure throttling and lockout.

No user enumeration: an unknown address, a wrong password and a disabled account get the
same answer, and each pays one argon2id verification (against a dummy hash when there is
no account), so neither the message nor the timing tells whether an address has an
account. Failures are counted per address (hashed) in the database, whether or not the
account exists, so a lockout says nothing either; it holds across server processes.

Each argon2id computation takes 19 MiB for its duration: at most ``ARGON2_CONCURRENCY``
run at once in a process (:func:`set_concurrency`, from
``PYVORIN_SERVER_ARGON2_CONCURRENCY``); further sign-ins wait their turn, so a flood of
sign-ins costs time, never unbounded memory.
"""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import events
from .accounts import EMAIL, find_user, normalise_email
from .models import LoginThrottle, User
from .service import ApiError

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
# argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): each sign-in
# costs the server one such verification, whether or not the account exists.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
FAILED = "wrong e-mail address or password"
ARGON2_CONCURRENCY = 4
_slots = threading.BoundedSemaphore(ARGON2_CONCURRENCY)
_slots_lock = threading.Lock()


def set_concurrency(limit: int) -> None:
    """At most ``limit`` argon2id computations at once in this process."""
    global _slots, ARGON2_CONCURRENCY
    with _slots_lock:
        if limit != ARGON2_CONCURRENCY:
            ARGON2_CONCURRENCY, _slots = limit, threading.BoundedSemaphore(limit)


@contextmanager
def argon2_slot() -> Iterator[None]:
    slots = _slots
    with slots:
        yield


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    with argon2_slot():
        return HASHER.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ApiError(422, "weak_password", f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ApiError(422, "invalid_password", f"a password has at most {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    check_password_rules(password)
    with argon2_slot():
        return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with argon2_slot():
            return HASHER.verify(password_hash, password[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5  # failed sign-ins per address within the window...
    window_seconds: int = 900
    lockout_seconds: int = 900  # ...lock the address this long


@dataclass
class LoginOutcome:
    """The result of a sign-in attempt. The caller commits the transaction (the failure
    count must be kept) and then raises ``error`` if there is one."""

    user: User | None = None
    error: ApiError | None = None


def address_key(email: str) -> str:
    """The key of an address's failure count: its blind index (HMAC under the at-rest
    index key, another context than users.email_index), so the table of failures names
    no address, not even as a hash one could test guesses against."""
    from . import atrest

    return atrest.installed().blind_index(normalise_email(email), "login_throttle")


def _locked(seconds: int) -> ApiError:
    minutes = max(1, math.ceil(seconds / 60))
    return ApiError(
        429,
        "login_locked",
        f"too many failed sign-ins for this e-mail address; try again in {minutes} minute(s)",
    )


def login(
    session: Session,
    email: str,
    password: str,
    now: int,
    policy: LoginPolicy,
    client: str | None = None,
) -> LoginOutcome:
    """Check ``email`` and ``password`` against the lockout; ``client`` is the caller's
    network address, passed on to the login events (the per-address alert rule)."""
    key = address_key(email)
    throttle = session.execute(
        select(LoginThrottle).where(LoginThrottle.key_hash == key).with_for_update()
    ).scalar_one_or_none()
    if throttle is not None and throttle.locked_until is not None:
        if now < throttle.locked_until:
            return LoginOutcome(error=_locked(throttle.locked_until - now))
        session.delete(throttle)
        session.flush()
        throttle = None
    address = normalise_email(email)
    user = (  # an address that cannot exist is not looked up (NUL cannot be queried)
        find_user(session, address) if EMAIL.match(address) else None
    )
    ok = verify_password(user.password_hash if user is not None else _dummy_hash(), password)
    if ok and user is not None and not user.disabled:
        if throttle is not None:
            session.delete(throttle)
        if HASHER.check_needs_rehash(user.password_hash):
            with argon2_slot():
                user.password_hash = HASHER.hash(password)
        return LoginOutcome(user=user)
    if throttle is None or now - throttle.first_failure_at >= policy.window_seconds:
        if throttle is not None:
            session.delete(throttle)
            session.flush()
        throttle = LoginThrottle(key_hash=key, failures=0, first_failure_at=now)
        session.add(throttle)
    throttle.failures += 1
    where = {} if client is None else {"address": client}
    events.emit(events.LOGIN_FAILED, account=key, **where)  # for the alert rules
    if throttle.failures >= policy.max_failures:
        throttle.locked_until = now + policy.lockout_seconds
        session.flush()
        events.emit(events.LOGIN_LOCKED, account=key, until=throttle.locked_until, **where)
        return LoginOutcome(error=_locked(policy.lockout_seconds))
    session.flush()
    return LoginOutcome(error=ApiError(401, "login_failed", FAILED))

"""Verification of signed machine-to-server requests (HMAC-SHA256) and the nonce store.

The bytes signed are defined once, in :func:`pyvorin.licensing.transport.canonical_request`
(method, path with query, body SHA-256, timestamp, nonce, credential). The server refuses:

* a request without the four signature headers (``signature_required``);
* a timestamp more than 5 minutes from the server's clock (``signature_expired``);
* a signature that does not verify, in constant time (``signature_invalid``);
* a nonce already used (``request_replayed``): nonces are stored in ``request_nonces``
  until their timestamp leaves the window, so a replay is refused by the database's
  unique key on every server process, and after that by the window.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pyvorin.licensing import transport

from . import events
from .models import RequestNonce
from .service import ApiError

_NONCE = re.compile(transport.NONCE_PATTERN)


@dataclass
class SignedParts:
    method: str
    path: str
    body: bytes
    credential: str | None
    timestamp: str | None
    nonce: str | None
    signature: str | None
    address: str


async def signed_parts(request: Request) -> SignedParts:
    """FastAPI dependency: what a signature covers, read from the raw request."""
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    path = raw_path.decode("latin-1")
    query = request.scope.get("query_string", b"")
    if query:
        path += "?" + query.decode("latin-1")
    headers = request.headers
    return SignedParts(
        method=request.method,
        path=path,
        body=await request.body(),
        credential=headers.get(transport.HEADER_CREDENTIAL),
        timestamp=headers.get(transport.HEADER_TIMESTAMP),
        nonce=headers.get(transport.HEADER_NONCE),
        signature=headers.get(transport.HEADER_SIGNATURE),
        address=request.client.host if request.client else "unknown",
    )


class RequestVerifier:
    def __init__(
        self, window: int = transport.SIGNATURE_WINDOW, clock: Callable[[], float] = time.time
    ) -> None:
        self.window, self.clock = window, clock

    def _refuse(self, parts: SignedParts, code: str, message: str) -> ApiError:
        if code == "request_replayed":
            events.emit(
                events.REQUEST_REPLAYED,
                credential=parts.credential,
                path=parts.path,
                address=parts.address,
            )
        elif code != "signature_required":
            events.emit(
                events.SIGNATURE_REFUSED,
                credential=parts.credential,
                path=parts.path,
                reason=code,
                address=parts.address,
            )
        return ApiError(401, code, message)

    def verify(
        self, session: Session, parts: SignedParts, key: bytes | None, credential: str
    ) -> None:
        """Check the signature with ``key`` for ``credential``; consume the nonce in
        ``session`` (commit it before acting on the request)."""
        if not (parts.credential and parts.timestamp and parts.nonce and parts.signature):
            raise self._refuse(
                parts,
                "signature_required",
                "this call must be signed (X-Pyvorin-Credential, -Timestamp, -Nonce, "
                "-Signature); update the pyvorin client",
            )
        if key is None:
            raise self._refuse(
                parts,
                "signature_required",
                "this activation has no request-signing key (activated before request "
                "signing); run `pyvorin licence activate KEY --server URL` again",
            )
        try:
            timestamp = int(parts.timestamp)
        except ValueError:
            raise self._refuse(
                parts, "signature_malformed", f"{transport.HEADER_TIMESTAMP}: not an integer"
            ) from None
        if not _NONCE.match(parts.nonce):
            raise self._refuse(
                parts,
                "signature_malformed",
                f"{transport.HEADER_NONCE}: expected 16-64 characters of [A-Za-z0-9_-]",
            )
        now = self.clock()
        if abs(now - timestamp) > self.window:
            raise self._refuse(
                parts,
                "signature_expired",
                f"the request was signed at {timestamp}, {int(now - timestamp)} s from the "
                f"server's clock (window {self.window} s); check this machine's clock",
            )
        message = transport.canonical_request(
            parts.method, parts.path, parts.body, parts.timestamp, parts.nonce, parts.credential
        )
        expected = transport.sign(key, message)
        same_credential = hmac.compare_digest(parts.credential.encode(), credential.encode())
        if not (hmac.compare_digest(expected, parts.signature) and same_credential):
            raise self._refuse(parts, "signature_invalid", "the request signature does not verify")
        self.consume_nonce(session, parts.nonce, timestamp + self.window, parts)

    def consume_nonce(
        self, session: Session, nonce: str, expires_at: float, parts: SignedParts | None = None
    ) -> None:
        try:
            with session.begin_nested():
                session.add(RequestNonce(nonce=nonce, expires_at=int(expires_at)))
        except IntegrityError:
            if parts is None:
                raise ApiError(401, "request_replayed", "this proof was already used") from None
            raise self._refuse(
                parts, "request_replayed", "this signed request was already received (replay)"
            ) from None

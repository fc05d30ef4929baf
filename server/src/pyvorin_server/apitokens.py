"""API access tokens (RS256 JWTs, PyJWT), the JWKS, signing-key rotation, DPoP proofs and
device-bound refresh tokens.

Access tokens (RFC 9068 shape, ``typ: at+jwt``) carry ``iss sub aud scope jti iat exp``
and, when bound to a device, ``cnf.jkt``; they live at most 15 minutes. Validation follows
RFC 8725: the algorithm allow-list is exactly ``RS256`` (so no ``none`` and no HS/RS
confusion: the verification key is always an RSA public key object); ``kid`` is required
and only *selects* among the server's own published keys (never a URL or a path);
``aud``, ``iss``, ``exp``, ``iat``, ``jti``, ``sub`` and ``scope`` are required.

Signing keys live in ``jwt_signing_keys`` with the private key sealed at rest. Rotation
makes a new key the signer at once and keeps the previous ones in the JWKS for an overlap
(default: the longest access-token lifetime plus a minute), so tokens already issued
stay verifiable until they expire.

Refresh tokens are opaque random strings stored as SHA-256 hashes, bound to the device key
thumbprint (DPoP, RFC 9449) of the client that obtained them, and rotated on every use; a
second use of a rotated token revokes its whole family and raises an alert (RFC 9700).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from pyvorin.licensing import transport

from . import events
from .models import RefreshToken, SigningKey
from .service import ApiError

ALGORITHM = "RS256"
ACCESS_TTL_MAX = 900
REFRESH_TTL = 30 * 86400
AUD_CLIENT = "pyvorin-licence-client"  # the licence client's own calls
AUD_ADMIN = "pyvorin-admin"  # the server's API for people and automation
CLIENT_SCOPES = frozenset({"licence:status", "licence:deactivate"})
DPOP_WINDOW = 300
_CACHE_SECONDS = 30.0


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scope(scope: str | None) -> frozenset[str]:
    return frozenset((scope or "").split())


def invalid_token(message: str) -> ApiError:
    return ApiError(401, "invalid_token", message)


@dataclass
class _Key:
    kid: str
    public: rsa.RSAPublicKey
    jwk: dict[str, Any]
    created_at: int
    retire_at: int | None


class TokenService:
    """Issues and verifies access tokens with the signing keys of one database."""

    def __init__(
        self,
        engine: Engine,
        issuer: str,
        access_ttl: int = ACCESS_TTL_MAX,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not 0 < access_ttl <= ACCESS_TTL_MAX:
            raise ValueError(
                f"access token lifetime: expected 1..{ACCESS_TTL_MAX} s, found {access_ttl}"
            )
        self.engine, self.issuer, self.access_ttl, self.clock = engine, issuer, access_ttl, clock
        self._keys: dict[str, _Key] = {}
        self._signer: tuple[str, Any] | None = None
        self._loaded = 0.0
        self._lock = threading.Lock()

    # -- signing keys -----------------------------------------------------------------------
    def _load(self, force: bool = False) -> None:
        now = self.clock()
        if not force and self._keys and now - self._loaded < _CACHE_SECONDS:
            return
        with Session(self.engine) as session, session.begin():
            rows = list(
                session.execute(
                    select(SigningKey).order_by(SigningKey.created_at, SigningKey.kid)
                ).scalars()
            )
            if not [r for r in rows if r.retire_at is None]:
                rows.append(self._create(session, int(now)))
            keys: dict[str, _Key] = {}
            signer_row = None
            for row in rows:
                if row.retire_at is not None and row.retire_at <= now:
                    continue
                jwk = json.loads(row.public_jwk)
                public = RSAAlgorithm.from_jwk(jwk)
                assert isinstance(public, rsa.RSAPublicKey)
                keys[row.kid] = _Key(row.kid, public, jwk, row.created_at, row.retire_at)
                if row.retire_at is None:
                    signer_row = row
            assert signer_row is not None
            if self._signer is None or self._signer[0] != signer_row.kid:
                private = serialization.load_pem_private_key(
                    signer_row.private_key.encode(), password=None
                )
                self._signer = (signer_row.kid, private)
        with self._lock:
            self._keys, self._loaded = keys, now

    @staticmethod
    def _create(session: Session, now: int) -> SigningKey:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        kid = (
            "rk_"
            + hashlib.sha256(
                json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, sort_keys=True).encode()
            ).hexdigest()[:20]
        )
        jwk.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
        row = SigningKey(
            kid=kid,
            private_key=private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode(),
            public_jwk=json.dumps(jwk, sort_keys=True),
            created_at=now,
            retire_at=None,
        )
        session.add(row)
        session.flush()
        return row

    def rotate(self, overlap: int = ACCESS_TTL_MAX + 60) -> tuple[str, list[str]]:
        """A new signing key signs from now on; the current ones stay published for
        ``overlap`` seconds. Returns (new kid, kids being retired)."""
        now = int(self.clock())
        with Session(self.engine) as session, session.begin():
            current = list(
                session.execute(
                    select(SigningKey).where(SigningKey.retire_at.is_(None)).with_for_update()
                ).scalars()
            )
            for row in current:
                row.retire_at = now + overlap
            new_kid, retiring = self._create(session, now).kid, [row.kid for row in current]
        self._load(force=True)
        return new_kid, retiring

    def jwks(self) -> dict[str, Any]:
        self._load()
        return {"keys": [key.jwk for key in self._keys.values()]}

    def current_kid(self) -> str:
        self._load()
        assert self._signer is not None
        return self._signer[0]

    # -- access tokens ----------------------------------------------------------------------
    def issue(
        self,
        subject: str,
        audience: str,
        scope: frozenset[str] | set[str],
        jkt: str | None = None,
        ttl: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> tuple[str, int]:
        """An access token and its lifetime in seconds. ``extra``: further claims (the
        admin API reads ``role`` and ``org``); they cannot override the registered ones."""
        ttl = min(ttl or self.access_ttl, ACCESS_TTL_MAX)
        self._load()
        assert self._signer is not None
        kid, private = self._signer
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "scope": " ".join(sorted(scope)),
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "nbf": now,
            "exp": now + ttl,
        }
        if jkt:
            claims["cnf"] = {"jkt": jkt}
        for name, value in (extra or {}).items():
            claims.setdefault(name, value)
        token = jwt.encode(
            claims, private, algorithm=ALGORITHM, headers={"kid": kid, "typ": "at+jwt"}
        )
        return token, ttl

    def verify(self, token: str, audience: str, required: set[str] | None = None) -> dict[str, Any]:
        """The claims of a valid access token for ``audience``; ApiError otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise invalid_token("the access token is not a well-formed JWT") from None
        if header.get("alg") != ALGORITHM:
            raise invalid_token(f"algorithm {header.get('alg')!r} is not accepted (only RS256)")
        if header.get("typ") != "at+jwt":
            raise invalid_token("not an access token (typ must be at+jwt)")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise invalid_token("the access token has no key id")
        self._load()
        key = self._keys.get(kid)
        if key is None:
            self._load(force=self.clock() - self._loaded > 5)
            key = self._keys.get(kid)
        if key is None:
            raise invalid_token(f"unknown signing key {kid[:40]!r}")
        try:
            claims = jwt.decode(
                token,
                key.public,
                algorithms=[ALGORITHM],
                audience=audience,
                issuer=self.issuer,
                options={
                    "require": ["iss", "sub", "aud", "scope", "jti", "iat", "exp"],
                    # times are checked below against the service's clock
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise invalid_token(
                f"the access token is not for this API (audience {audience})"
            ) from None
        except jwt.PyJWTError as exc:
            raise invalid_token(f"the access token is invalid: {exc}") from None
        now, leeway = self.clock(), 30
        try:
            exp, iat, nbf = int(claims["exp"]), int(claims["iat"]), int(claims.get("nbf", 0))
        except (TypeError, ValueError):
            raise invalid_token("the access token's times are not integers") from None
        if now >= exp + leeway:
            raise invalid_token("the access token has expired")
        if iat > now + leeway or nbf > now + leeway:
            raise invalid_token("the access token is not valid yet")
        if int(claims["exp"]) - int(claims["iat"]) > ACCESS_TTL_MAX:
            raise invalid_token("the access token lives longer than 15 minutes")
        missing = set(required or ()) - parse_scope(claims.get("scope"))
        if missing:
            raise ApiError(
                403,
                "insufficient_scope",
                f"the access token lacks scope {' '.join(sorted(missing))}",
            )
        return claims


def principal_of(claims: dict[str, Any]) -> Any:
    """The :class:`~.permissions.Principal` of a verified admin-API access token.

    Its scopes are permission names (``permissions.PERMISSIONS``); the optional ``role``
    (default ``operator``) and ``org`` claims say whom it acts for, and the permissions
    are the scopes the role grants: a token never carries more than its role allows."""
    from .permissions import OPERATOR_ROLE, PERMISSIONS, ROLES, Principal

    if "cnf" in claims:
        raise invalid_token("a DPoP-bound token cannot be used as a bearer token")
    role = claims.get("role", OPERATOR_ROLE)
    org = claims.get("org")
    if role not in ROLES or (role != OPERATOR_ROLE and not isinstance(org, str)):
        raise invalid_token("the access token names no valid role and organisation")
    scopes = parse_scope(claims.get("scope")) & frozenset(PERMISSIONS)
    return Principal(
        kind="access-token",
        actor=str(claims["sub"]),
        org_id=org if role != OPERATOR_ROLE else None,
        role=role,
        permissions=frozenset(scopes & ROLES[role]),
        extra={"jti": claims.get("jti")},
    )


# -- DPoP ---------------------------------------------------------------------------------------
def verify_dpop(
    proof: str | None,
    method: str,
    url: str,
    now: float,
    access_token: str | None = None,
) -> tuple[str, str, int]:
    """Check a DPoP proof for this request; returns (jkt, jti, iat). The caller stores
    the jti (replay) in the nonce store."""
    if not proof:
        raise ApiError(401, "invalid_dpop_proof", "a DPoP proof header is required")
    try:
        header = jwt.get_unverified_header(proof)
    except jwt.PyJWTError:
        raise ApiError(401, "invalid_dpop_proof", "the DPoP proof is not a JWT") from None
    jwk = header.get("jwk")
    if header.get("typ") != "dpop+jwt" or header.get("alg") not in transport.DPOP_ALGORITHMS:
        raise ApiError(401, "invalid_dpop_proof", "DPoP proof: typ must be dpop+jwt, alg ES256")
    if (
        not isinstance(jwk, dict)
        or "d" in jwk
        or jwk.get("kty") != "EC"
        or jwk.get("crv") != "P-256"
    ):
        raise ApiError(401, "invalid_dpop_proof", "DPoP proof: jwk must be a public EC P-256 key")
    try:
        public = ECAlgorithm.from_jwk(json.dumps(jwk))
        claims = jwt.decode(
            proof,
            public,
            algorithms=list(transport.DPOP_ALGORITHMS),
            options={"require": ["jti", "htm", "htu", "iat"], "verify_aud": False},
        )
    except (jwt.PyJWTError, ValueError, KeyError) as exc:
        raise ApiError(401, "invalid_dpop_proof", f"DPoP proof does not verify: {exc}") from None
    if claims["htm"] != method or claims["htu"] != url:
        raise ApiError(401, "invalid_dpop_proof", "DPoP proof is for another request (htm/htu)")
    if abs(now - int(claims["iat"])) > DPOP_WINDOW:
        raise ApiError(401, "invalid_dpop_proof", "DPoP proof is too old or from the future")
    if access_token is not None and claims.get("ath") != transport.access_token_hash(access_token):
        raise ApiError(401, "invalid_dpop_proof", "DPoP proof is not for this access token (ath)")
    if not isinstance(claims["jti"], str) or not 8 <= len(claims["jti"]) <= 128:
        raise ApiError(401, "invalid_dpop_proof", "DPoP proof: bad jti")
    return transport.jwk_thumbprint(jwk), claims["jti"], int(claims["iat"])


# -- refresh tokens -----------------------------------------------------------------------------
def new_refresh_token(
    session: Session,
    *,
    subject: str,
    audience: str,
    scope: frozenset[str] | set[str],
    jkt: str,
    now: int,
    family_id: str | None = None,
    expires_at: int | None = None,
) -> str:
    token = "pvr_" + secrets.token_urlsafe(32)
    session.add(
        RefreshToken(
            id="rt_" + secrets.token_hex(10),
            family_id=family_id or "rf_" + secrets.token_hex(10),
            token_hash=_hash(token),
            jkt=jkt,
            subject=subject,
            audience=audience,
            scope=" ".join(sorted(scope)),
            created_at=now,
            expires_at=expires_at or now + REFRESH_TTL,
        )
    )
    session.flush()
    return token


@dataclass
class Rotation:
    """The outcome of presenting a refresh token: a new token, or a refusal to raise
    *after* committing (a reuse must revoke the family even though the call fails)."""

    token: str | None = None
    row: RefreshToken | None = None
    refusal: ApiError | None = None


def rotate_refresh_token(
    session: Session, presented: str, jkt: str, now: int, address: str = "unknown"
) -> Rotation:
    row = session.execute(
        select(RefreshToken).where(RefreshToken.token_hash == _hash(presented))
    ).scalar_one_or_none()
    if row is None:
        return Rotation(refusal=ApiError(400, "invalid_grant", "unknown refresh token"))
    if row.revoked_at is not None:
        return Rotation(refusal=ApiError(400, "invalid_grant", "the refresh token was revoked"))
    if not secrets.compare_digest(row.jkt, jkt):
        return Rotation(
            refusal=ApiError(
                400,
                "invalid_grant",
                "the refresh token is bound to another device key (DPoP); it cannot be used here",
            )
        )
    if row.used_at is not None or now >= row.expires_at:
        if row.used_at is not None:
            return _reuse(session, row, now, address)
        return Rotation(refusal=ApiError(400, "invalid_grant", "the refresh token has expired"))
    claimed = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # a concurrent use won the race: that is a reuse
        return _reuse(session, row, now, address)
    token = new_refresh_token(
        session,
        subject=row.subject,
        audience=row.audience,
        scope=parse_scope(row.scope),
        jkt=row.jkt,
        now=now,
        family_id=row.family_id,
        expires_at=row.expires_at,
    )
    return Rotation(token=token, row=row)


def _reuse(session: Session, row: RefreshToken, now: int, address: str) -> Rotation:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == row.family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    events.emit(
        events.REFRESH_TOKEN_REUSE,
        family_id=row.family_id,
        subject=row.subject,
        address=address,
    )
    return Rotation(
        refusal=ApiError(
            400,
            "invalid_grant",
            "refresh token reuse detected: the token was already rotated; every token of "
            "its family is revoked",
        )
    )


def revoke_subject(session: Session, subject: str, now: int) -> int:
    """Revoke every refresh token of ``subject`` (e.g. a deactivated machine)."""
    result = session.execute(
        update(RefreshToken)
        .where(RefreshToken.subject == subject, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0

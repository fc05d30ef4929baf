"""How the licence client proves itself to the server, beyond the bearer credential.

Both sides import this module, so the signed bytes are defined in one place:

* **Request signing** (HMAC-SHA256): every machine-to-server call carries
  ``X-Pyvorin-Credential``, ``X-Pyvorin-Timestamp``, ``X-Pyvorin-Nonce`` and
  ``X-Pyvorin-Signature`` over :func:`canonical_request` (method, path with query, body
  SHA-256, timestamp, nonce, credential). The server refuses a signature outside a
  5-minute window or a nonce it has seen (replay).
  The key of ``/v1/activate`` is derived from the licence key (:func:`activation_key`);
  every later call uses the per-activation ``request_key`` the server returned.
* **Device binding** (DPoP, RFC 9449): the client holds an EC P-256 device key and signs a
  fresh proof JWT (``typ: dpop+jwt``, ``htm``, ``htu``, ``iat``, ``jti``, ``ath``) per
  request; the server binds refresh tokens and access tokens to the key's RFC 7638
  thumbprint (``cnf.jkt``), so a copied token is useless on another device.
* **Client state**: ``PYVORIN_HOME/licence/transport.json`` (0600) holds the request key,
  the device key and the current token pair; separate from the lease file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..errors import LicenceError
from ..home import pyvorin_home, write_private

SIGNATURE_SCHEME = "PYVORIN-HMAC-SHA256/1"
SIGNATURE_WINDOW = 300  # seconds either side of the server's clock
HEADER_CREDENTIAL = "X-Pyvorin-Credential"
HEADER_TIMESTAMP = "X-Pyvorin-Timestamp"
HEADER_NONCE = "X-Pyvorin-Nonce"
HEADER_SIGNATURE = "X-Pyvorin-Signature"
NONCE_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
DPOP_ALGORITHMS = ("ES256",)
ACTIVATION_GRANT = "urn:pyvorin:grant-type:activation"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_request(
    method: str, path: str, body: bytes, timestamp: int | str, nonce: str, credential: str
) -> bytes:
    """The exact bytes a request signature covers. ``path`` includes the query string."""
    return "\n".join(
        [
            SIGNATURE_SCHEME,
            method.upper(),
            path,
            hashlib.sha256(body).hexdigest(),
            str(timestamp),
            nonce,
            credential,
        ]
    ).encode()


def sign(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def activation_key(licence_key: str) -> bytes:
    """The HMAC key of ``/v1/activate``: derived from the licence key it presents."""
    return hmac.new(b"pyvorin-activation-signing/1", licence_key.encode(), hashlib.sha256).digest()


def signed_headers(
    key: bytes,
    credential: str,
    method: str,
    path: str,
    body: bytes,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four signature headers for one request."""
    timestamp = int(time.time() if now is None else now)
    nonce = nonce or secrets.token_urlsafe(18)
    message = canonical_request(method, path, body, timestamp, nonce, credential)
    return {
        HEADER_CREDENTIAL: credential,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: sign(key, message),
    }


def tls_options(env: Any) -> dict[str, Any]:
    """httpx options for an HTTPS licence server with a private CA and/or mutual TLS:
    ``PYVORIN_LICENCE_CA_BUNDLE`` (PEM of the CA to trust instead of the system store),
    ``PYVORIN_LICENCE_CLIENT_CERT`` and ``PYVORIN_LICENCE_CLIENT_KEY`` (client certificate).
    TLS 1.2 is the floor on the client side; the server decides (1.3 only)."""
    import ssl

    bundle = env.get("PYVORIN_LICENCE_CA_BUNDLE", "")
    cert = env.get("PYVORIN_LICENCE_CLIENT_CERT", "")
    key = env.get("PYVORIN_LICENCE_CLIENT_KEY", "")
    if not (bundle or cert):
        return {}
    context = ssl.create_default_context(cafile=bundle or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert:
        try:
            context.load_cert_chain(cert, key or None)
        except (OSError, ssl.SSLError) as exc:
            raise LicenceError(
                f"PYVORIN_LICENCE_CLIENT_CERT {cert} / PYVORIN_LICENCE_CLIENT_KEY {key}: "
                f"cannot load ({exc})"
            ) from exc
    return {"verify": context}


# -- DPoP (RFC 9449) -------------------------------------------------------------------------
def public_jwk(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> dict[str, str]:
    public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    numbers = public.public_numbers()
    if not isinstance(numbers.curve, ec.SECP256R1):
        raise ValueError("device keys are EC P-256")
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256) of an EC public JWK: the ``jkt`` tokens are bound to."""
    if jwk.get("kty") != "EC":
        raise ValueError("only EC device keys are accepted")
    members = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


def access_token_hash(token: str) -> str:
    """``ath``: base64url SHA-256 of the access token a proof accompanies."""
    return b64url(hashlib.sha256(token.encode()).digest())


def dpop_proof(
    key: ec.EllipticCurvePrivateKey,
    method: str,
    url: str,
    access_token: str | None = None,
    now: float | None = None,
) -> str:
    """A DPoP proof JWT for one request (``url`` without query or fragment)."""
    import jwt

    claims: dict[str, Any] = {
        "jti": uuid.uuid4().hex,
        "htm": method.upper(),
        "htu": url.split("?", 1)[0].split("#", 1)[0],
        "iat": int(time.time() if now is None else now),
    }
    if access_token is not None:
        claims["ath"] = access_token_hash(access_token)
    headers = {"typ": "dpop+jwt", "jwk": public_jwk(key)}
    return jwt.encode(claims, key, algorithm="ES256", headers=headers)


# -- the client's transport state -----------------------------------------------------------
@dataclass
class TransportState:
    """What the client keeps besides the lease: request key, device key, tokens."""

    activation_id: str = ""
    request_key: str = ""  # base64url, from the activation answer
    device_key_pem: str = ""
    access_token: str = ""
    access_expires: float = 0.0
    refresh_token: str = ""
    version: int = 1

    def device_key(self) -> ec.EllipticCurvePrivateKey:
        if not self.device_key_pem:
            self.device_key_pem = (
                ec.generate_private_key(ec.SECP256R1())
                .private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                .decode()
            )
        key = serialization.load_pem_private_key(self.device_key_pem.encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key


def transport_path(home: Path | None = None) -> Path:
    return (home or pyvorin_home()) / "licence" / "transport.json"


def load_transport(home: Path | None = None) -> TransportState:
    path = transport_path(home)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return TransportState()
    except OSError as exc:
        raise LicenceError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != 1:
            raise ValueError("unknown format")
        names = TransportState.__dataclass_fields__
        state = TransportState(**{k: v for k, v in data.items() if k in names})
        for name in ("activation_id", "request_key", "device_key_pem", "access_token"):
            if not isinstance(getattr(state, name), str):
                raise ValueError(f"{name} is not a string")
        state.access_expires = float(state.access_expires)
    except (ValueError, TypeError) as exc:
        raise LicenceError(
            f"{path}: the transport state is damaged ({exc}); run "
            "`pyvorin licence activate KEY --server URL` again"
        ) from exc
    return state


def save_transport(state: TransportState, home: Path | None = None) -> Path:
    path = transport_path(home)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(path, json.dumps(asdict(state), indent=2, sort_keys=True).encode())
    return path

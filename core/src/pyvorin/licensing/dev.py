"""``pyvorin licence dev``: a development licence for this machine in one command.

No server is involved, and none is needed: a development licence grants nothing a user
could not give themselves (that is what makes it a development licence). The command

1. creates (once) a development issuer key pair, the private key in
   ``PYVORIN_HOME/licence/dev-issuer.pem`` (0600);
2. trusts its public key in the user's store (``PYVORIN_HOME/licence/issuers/``), which
   makes it a *development* issuer (:mod:`.trust`);
3. signs a licence key and a lease bound to this machine's fingerprint with it and stores
   them as the licence state (``lease.json``) with no server URL.

The gate then accepts builds in development mode only: every manifest records
``licence.mode: development`` and ``--release`` refuses them (exit 6). Running it again
reuses the key, the licence id and the activation id, and renews the expiry.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..errors import LicenceError, UsageError
from ..home import pyvorin_home, write_private
from .state import LicenceState, load_state, machine_fingerprint, save_state, state_path
from .tokens import KEY_PREFIX, LEASE_PREFIX, parse_unverified, sign_token
from .trust import store_issuer_key

DEFAULT_DAYS = 90
MAX_DAYS = 3650
PLAN = "development"


def dev_key_path(home: Path | None = None) -> Path:
    return (home or pyvorin_home()) / "licence" / "dev-issuer.pem"


@dataclass
class DevLicence:
    licence_id: str
    issuer: str  # the development issuer's key id
    expires: int
    key_file: Path
    state_file: Path
    key_created: bool  # a new issuer key was made (else the existing one was reused)
    renewed: bool  # an existing development licence was renewed (same licence id)


def _load_or_create_key(path: Path) -> tuple[Ed25519PrivateKey, bool]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        key = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(
            path,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        return key, True
    except OSError as exc:
        raise LicenceError(f"{path}: cannot read the development issuer key: {exc}") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise LicenceError(
            f"{path}: the development issuer key is damaged ({exc}); delete it and run "
            "`pyvorin licence dev` again"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise LicenceError(f"{path}: not an Ed25519 private key; delete it and run again")
    return key, False


def license_for_development(
    home: Path | None = None,
    *,
    days: int = DEFAULT_DAYS,
    now: Callable[[], float] = time.time,
    fingerprint: str | None = None,
) -> DevLicence:
    """License ``home`` for development (see the module docstring); idempotent."""
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days: expected 1 to {MAX_DAYS}, found {days}")
    home = home or pyvorin_home()
    existing = load_state(home)
    if existing is not None and not existing.serverless:
        raise UsageError(
            f"this machine already has licence {existing.activation_id} activated from "
            f"{existing.server} ({state_path(home)}); `pyvorin licence dev` would replace it: "
            "keep it, release it first with `pyvorin licence deactivate`, or use another "
            "PYVORIN_HOME"
        )
    key_file = dev_key_path(home)
    private, created = _load_or_create_key(key_file)
    kid = store_issuer_key(private.public_key(), home)

    lid, aid, renewed = "lic_" + secrets.token_hex(8), "act_" + secrets.token_hex(10), False
    if existing is not None:
        try:
            previous, _, _ = parse_unverified(existing.lease, LEASE_PREFIX)
        except LicenceError:
            previous = None
        if previous is not None and previous["kid"] == kid:
            lid, aid, renewed = previous["lid"], previous["aid"], True

    issued = int(now())
    expires = issued + days * 86400
    licence_key = sign_token(
        KEY_PREFIX,
        {
            "lid": lid,
            "licensee": "development licence of this machine",
            "plan": PLAN,
            "features": [],
            "seats": 1,
            "iat": issued,
            "exp": expires,
            "kid": kid,
        },
        private,
    )
    lease = sign_token(
        LEASE_PREFIX,
        {
            "lid": lid,
            "aid": aid,
            "fp": fingerprint or machine_fingerprint(),
            "plan": PLAN,
            "features": [],
            "iat": issued,
            "exp": expires,
            "lexp": expires,
            "kid": kid,
        },
        private,
    )
    state = LicenceState(
        server="",
        activation_id=aid,
        activation_secret="",
        lease=lease,
        licence_key=licence_key,
        last_seen=float(issued),
    )
    return DevLicence(lid, kid, expires, key_file, save_state(state, home), created, renewed)

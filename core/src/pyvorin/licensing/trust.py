"""The issuer public keys this installation trusts for licence keys and leases.

There are no built-in issuer keys: an installation trusts exactly

* the keys stored with ``pyvorin licence trust-issuer FILE`` in
  ``PYVORIN_HOME/licence/issuers/<kid>.pem``, and
* the keys named by ``PYVORIN_LICENCE_ISSUER_KEYS``: comma-separated entries, each a path
  to a PEM file or the base64 of a raw 32-byte Ed25519 public key.

A self-hosted server prints the path of its ``issuer.pub`` on ``pyvorin-server init``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import ConfigError
from ..home import atomic_write, pyvorin_home
from .tokens import key_id, load_public_key, public_pem

ENV = "PYVORIN_LICENCE_ISSUER_KEYS"


def issuers_dir(home: Path | None = None) -> Path:
    return (home or pyvorin_home()) / "licence" / "issuers"


def trusted_keys(
    home: Path | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Ed25519PublicKey]:
    """kid -> public key, from the trust directory and the environment."""
    env = os.environ if env is None else env
    keys: dict[str, Ed25519PublicKey] = {}
    directory = issuers_dir(home)
    if directory.is_dir():
        for path in sorted(directory.glob("*.pem")):
            key = load_public_key(path.read_bytes(), str(path))
            keys[key_id(key)] = key
    for entry in env.get(ENV, "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        path = Path(entry).expanduser()
        if path.is_file():
            key = load_public_key(path.read_bytes(), f"{ENV} entry {entry!r}")
        elif "/" in entry and not entry.endswith("="):
            raise ConfigError(f"{ENV}: {entry!r}: no such file")
        else:
            key = load_public_key(entry.encode(), f"{ENV} entry {entry[:12]!r}...")
        keys[key_id(key)] = key
    return keys


def trust_issuer(source: Path, home: Path | None = None) -> str:
    """Store the public key in ``source`` in the trust directory; return its key id."""
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror}") from exc
    if b"PRIVATE KEY" in data:
        raise ConfigError(
            f"{source}: this is a private key; give the issuer's public key (issuer.pub)"
        )
    key = load_public_key(data, str(source))
    kid = key_id(key)
    directory = issuers_dir(home)
    directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(issuers_dir(home) / f"{kid}.pem", public_pem(key), mode=0o644)
    return kid

"""The local licence state: one 0600 JSON file, ``PYVORIN_HOME/licence/lease.json``.

It holds the server URL (empty for a development licence made by ``pyvorin licence
dev``, which has no server), the activation id and secret (used to authenticate refresh,
deactivate and usage reports), the current lease (signed by the server; verified on every
read), the last moments the client saw the clock and reached the server, a refusal the
server pronounced (revoked, deactivated) and usage reports not yet delivered.

The lease is signed by the server: it binds the activation to the server's URL
(``srv``) and carries the offline quota (``qid``, ``qn``, ``qexp``). The bookkeeping
fields (last clock reading, refusal, quota slots used, reports not yet delivered, the
last audit checkpoint) are the client's own memory. They are covered by ``mac``, an
HMAC keyed by the activation secret: an edit made outside pyvorin (a text editor, a
script that does not recompute it) is detected, and such a state is not trusted offline
until the server confirms the licence again. The key is on this machine, so a user who
reads the code can recompute the MAC; what the server makes visible regardless is
described in docs/security.md ("Offline state: what holds").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..canonical import canonical
from ..errors import LicenceError
from ..home import pyvorin_home, write_private

STATE_VERSION = 1


def state_path(home: Path | None = None) -> Path:
    return (home or pyvorin_home()) / "licence" / "lease.json"


def machine_fingerprint() -> str:
    """A stable, non-reversible id of this machine (hash of its machine id)."""
    source = ""
    for candidate in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            source = Path(candidate).read_text().strip()
        except OSError:
            continue
        if source:
            break
    if not source:
        source = f"{socket.gethostname()}:{uuid.getnode():012x}"
    return hashlib.sha256(f"pyvorin-machine-v1:{source}".encode()).hexdigest()[:32]


@dataclass
class LicenceState:
    server: str
    activation_id: str
    activation_secret: str
    lease: str
    licence_key: str
    last_seen: float = 0.0  # the latest clock reading this client has seen
    last_online: float = 0.0  # the last time the server confirmed the lease
    refused: str | None = None  # a refusal pronounced by the server (revoked ...)
    pending_usage: list[dict[str, Any]] = field(default_factory=list)
    quota_id: str = ""  # the offline quota (lease ``qid``) the slots below were drawn on
    quota_used: int = 0  # offline builds made on it
    pending_offline: list[dict[str, Any]] = field(default_factory=list)  # not yet reported
    checkpoint: str = ""  # the last audit checkpoint the server signed (PVC1 token)
    version: int = STATE_VERSION
    mac: str = ""  # HMAC of everything above under the activation secret (see module doc)

    @property
    def bearer(self) -> str:
        return f"{self.activation_id}.{self.activation_secret}"

    @property
    def serverless(self) -> bool:
        """A development licence made on this machine (``pyvorin licence dev``): no
        server to confirm it; the gate accepts it only from a development issuer."""
        return not self.server


def state_mac(state: LicenceState) -> str:
    """The integrity code of ``state``: HMAC-SHA256 over its canonical JSON without
    ``mac``, keyed by a hash of the activation secret."""
    key = hashlib.sha256(f"pyvorin-licence-state/1:{state.activation_secret}".encode()).digest()
    body = {k: v for k, v in asdict(state).items() if k != "mac"}
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def state_intact(state: LicenceState) -> bool:
    """Whether ``state`` is exactly what pyvorin last wrote (its MAC verifies)."""
    return hmac.compare_digest(state.mac, state_mac(state))


def load_state(home: Path | None = None) -> LicenceState | None:
    """The stored state, ``None`` when nothing is activated; LicenceError if unreadable."""
    path = state_path(home)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LicenceError(f"{path}: cannot read the licence state: {exc.strerror}") from exc
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError("unknown format")
        names = LicenceState.__dataclass_fields__
        state = LicenceState(**{k: v for k, v in data.items() if k in names})
        for name in ("server", "activation_id", "activation_secret", "lease", "licence_key"):
            if not isinstance(getattr(state, name), str):
                raise ValueError(f"{name} is not a string")
        for name in ("pending_usage", "pending_offline"):
            if not isinstance(getattr(state, name), list):
                raise ValueError(f"{name} is not a list")
        for name in ("quota_id", "checkpoint", "mac"):
            if not isinstance(getattr(state, name), str):
                raise ValueError(f"{name} is not a string")
        if not isinstance(state.quota_used, int) or isinstance(state.quota_used, bool):
            raise ValueError("quota_used is not an integer")
        state.last_seen = float(state.last_seen)
        state.last_online = float(state.last_online)
    except (ValueError, TypeError) as exc:
        raise LicenceError(
            f"{path}: the licence state file is damaged ({exc}); run "
            "`pyvorin licence activate KEY --server URL` again"
        ) from exc
    return state


def save_state(state: LicenceState, home: Path | None = None) -> Path:
    path = state_path(home)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    state.last_seen, state.last_online = float(state.last_seen), float(state.last_online)
    state.mac = state_mac(state)
    write_private(path, json.dumps(asdict(state), indent=2, sort_keys=True).encode())
    return path


def remove_state(home: Path | None = None) -> bool:
    try:
        os.unlink(state_path(home))
    except FileNotFoundError:
        return False
    return True

"""The local licence state: one 0600 JSON file, ``PYVORIN_HOME/licence/lease.json``.

It holds the server URL (empty for a development licence made by ``pyvorin licence
dev``, which has no server), the activation id and secret (used to authenticate refresh,
deactivate and usage reports), the current lease (signed by the server; verified on every
read), the last moments the client saw the clock and reached the server, a refusal the
server pronounced (revoked, deactivated) and usage reports not yet delivered.

Only the lease is signed. The bookkeeping fields are the client's own memory: editing
them can at most move the offline deadline within the signed lease lifetime, never past it.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
    version: int = STATE_VERSION

    @property
    def bearer(self) -> str:
        return f"{self.activation_id}.{self.activation_secret}"

    @property
    def serverless(self) -> bool:
        """A development licence made on this machine (``pyvorin licence dev``): no
        server to confirm it; the gate accepts it only from a development issuer."""
        return not self.server


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
        if not isinstance(state.pending_usage, list):
            raise ValueError("pending_usage is not a list")
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
    write_private(path, json.dumps(asdict(state), indent=2, sort_keys=True).encode())
    return path


def remove_state(home: Path | None = None) -> bool:
    try:
        os.unlink(state_path(home))
    except FileNotFoundError:
        return False
    return True

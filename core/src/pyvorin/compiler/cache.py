"""The build cache: compiled extensions reused only under this installation's MAC.

An entry is ``<key>.so`` plus ``<key>.entry.json`` holding the binary's sha256, the
isolation report of the sandboxed compile that produced it, and an HMAC-SHA256 over both
(and the key) with a per-installation secret (``PYVORIN_HOME/cache/native.mac-key``,
0600, created on first use). A binary placed in the cache by anyone without that secret
(a shared or copied cache directory, a ``.so`` + ``.sha256`` pair written by hand) does
not verify and is rebuilt. The verified bytes themselves are what is copied out, so the
file cannot change between the check and the use. Release builds bypass the cache.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..canonical import canonical
from ..home import state_dir, write_private

SECRET_NAME = "native.mac-key"


def secret() -> bytes:
    """This installation's cache MAC key (created 0600 on first use)."""
    path = state_dir("cache") / SECRET_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    if len(data) != 32:
        data = secrets.token_bytes(32)
        write_private(path, data)
    return data


def _paths(cache_dir: Path, key: str) -> tuple[Path, Path]:
    base = Path(cache_dir) / key[:2]
    return base / f"{key}.so", base / f"{key}.entry.json"


def _mac(key: str, digest: str, isolation: Any, mac_key: bytes) -> str:
    body = canonical({"key": key, "sha256": digest, "isolation": isolation})
    return hmac.new(mac_key, body, hashlib.sha256).hexdigest()


def lookup(cache_dir: Path, key: str, mac_key: bytes) -> tuple[bytes, Any] | None:
    """``(binary bytes, isolation report)`` of an intact, MAC'd entry; else None."""
    binary, entry = _paths(cache_dir, key)
    try:
        data = binary.read_bytes()
        record = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("mac"), str):
        return None
    digest = hashlib.sha256(data).hexdigest()
    expected = _mac(key, digest, record.get("isolation"), mac_key)
    if not hmac.compare_digest(record["mac"], expected):
        return None
    if not hmac.compare_digest(str(record.get("sha256")), digest):
        return None
    return data, record.get("isolation")


def store(cache_dir: Path, key: str, mac_key: bytes, data: bytes, isolation: Any) -> None:
    """Record ``data`` (compiled under ``isolation``) as the entry for ``key``."""
    binary, entry = _paths(cache_dir, key)
    binary.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    digest = hashlib.sha256(data).hexdigest()
    record = {
        "sha256": digest,
        "isolation": isolation,
        "mac": _mac(key, digest, isolation, mac_key),
    }
    staging = binary.with_name(f".{binary.name}.tmp{os.getpid()}")
    staging.write_bytes(data)
    os.replace(staging, binary)
    write_private(entry, json.dumps(record, sort_keys=True).encode())


@dataclass(frozen=True)
class ObjectCache:
    """Object files of the C runtime, reused across builds under the same MAC as extensions.

    A runtime source's object file depends only on its own text, the headers beside it and
    the toolchain, never on the module being built, so each is compiled once per
    installation and toolchain instead of once per generic-tier module. Entries are
    checked like extension entries (:func:`lookup`); a bad one is recompiled.
    """

    directory: Path
    mac_key: bytes

    def key(self, source: Path, headers: Sequence[Path], toolchain_facts: dict) -> str:
        def digest(path: Path) -> str:
            return hashlib.sha256(Path(path).read_bytes()).hexdigest()

        body = {
            "object": Path(source).name,
            "source": digest(source),
            "headers": [[Path(h).name, digest(h)] for h in headers],
            "toolchain": toolchain_facts,
        }
        return hashlib.sha256(canonical(body)).hexdigest()

    def get(self, key: str) -> bytes | None:
        hit = lookup(self.directory, key, self.mac_key)
        return None if hit is None else hit[0]

    def put(self, key: str, data: bytes) -> None:
        store(self.directory, key, self.mac_key, data, None)

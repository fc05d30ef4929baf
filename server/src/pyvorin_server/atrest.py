"""Encryption at rest: AES-256-GCM envelope encryption of secrets and personal data.

* A **data key** (DEK, 32 random bytes) encrypts values. Data keys live in the
  ``data_keys`` table, each *wrapped* (AES-256-GCM) by a **key-encryption key** (KEK) that
  never touches the database. The newest data key encrypts; older ones still decrypt.
* The KEK comes from a provider: ``file`` (default: ``<home>/kek/<id>.key``, 0600, with
  ``current`` naming the one in use), ``env`` (``PYVORIN_SERVER_KEK``, base64 of 32
  bytes, and ``PYVORIN_SERVER_KEK_PREVIOUS`` for older ones), or a plugin implementing
  the ``pyvorin_server_kek_provider`` hook (a KMS).
* KEK rotation **re-wraps** the data keys: the values are not re-encrypted and a running
  server keeps working (it holds its unwrapped data keys, and finds the new KEK by id).
* A value is ``pve1.<data key id>.<base64url(nonce | ciphertext | tag)>``. The associated
  data binds it to its column (``context``) and its data key: a changed byte, a value
  moved to another column, or a value under a swapped data key fails with
  :class:`TamperedCiphertext`.
* :class:`EncryptedText` is the SQLAlchemy column type that seals on write and opens on
  read, through the process's installed :class:`Vault` (:func:`install`).
* A **blind index** finds a sealed value without opening every row: HMAC-SHA256 of the
  (normalised) value under the *index key*, stored beside it (``users.email_index``).
  The index key is one more row of ``data_keys`` (id ``bik_1``), wrapped by the KEK like
  the data keys (so KEK rotation re-wraps it too); it never rotates by itself, since
  every stored index would have to be recomputed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.types import Text, TypeDecorator

from pyvorin.home import atomic_write, write_private

PREFIX = "pve1"
KEY_BYTES = 32
INDEX_KEY_ID = "bik_1"  # the blind-index key's row in data_keys (never a data key)


class AtRestError(Exception):
    """A key or configuration problem of the at-rest encryption."""


class TamperedCiphertext(AtRestError):
    """A stored ciphertext does not authenticate: it was changed, moved or truncated."""


def kek_id(key: bytes) -> str:
    return "kek_" + hashlib.sha256(b"pyvorin-kek-id/1" + key).hexdigest()[:16]


def _check_key(key: bytes, where: str) -> bytes:
    if len(key) != KEY_BYTES:
        raise AtRestError(f"{where}: expected a {KEY_BYTES}-byte key, found {len(key)} bytes")
    return key


class KekProvider(Protocol):
    name: str

    def current(self) -> tuple[str, bytes]: ...

    def get(self, kid: str) -> bytes: ...


class FileKek:
    """KEKs as 0600 files in ``<home>/kek/``; ``current`` names the one that wraps."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _read(self, path: Path) -> bytes:
        try:
            text = path.read_text().strip()
        except OSError as exc:
            raise AtRestError(
                f"{path}: cannot read the key-encryption key ({exc.strerror})"
            ) from exc
        try:
            return _check_key(base64.b64decode(text, validate=True), str(path))
        except ValueError as exc:
            raise AtRestError(f"{path}: not a base64 key ({exc})") from None

    def current(self) -> tuple[str, bytes]:
        pointer = self.directory / "current"
        if not pointer.is_file():
            return self.generate()
        kid = pointer.read_text().strip()
        return kid, self.get(kid)

    def get(self, kid: str) -> bytes:
        if not kid.startswith("kek_") or not kid[4:].isalnum():
            raise AtRestError(f"{self.directory}: invalid key-encryption key id {kid!r}")
        key = self._read(self.directory / f"{kid}.key")
        if kek_id(key) != kid:
            raise AtRestError(f"{self.directory / (kid + '.key')}: the key does not match its id")
        return key

    def generate(self) -> tuple[str, bytes]:
        """Create a new KEK and make it current (the previous ones stay for unwrapping)."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(KEY_BYTES)
        kid = kek_id(key)
        write_private(self.directory / f"{kid}.key", base64.b64encode(key) + b"\n")
        atomic_write(self.directory / "current", kid.encode() + b"\n", mode=0o600)
        return kid, key

    def retire(self, kid: str) -> None:
        (self.directory / f"{kid}.key").unlink(missing_ok=True)


class EnvKek:
    """``PYVORIN_SERVER_KEK`` (current) and ``PYVORIN_SERVER_KEK_PREVIOUS`` (comma list)."""

    name = "env"

    def __init__(self, env: Mapping[str, str]) -> None:
        raw = env.get("PYVORIN_SERVER_KEK", "")
        if not raw:
            raise AtRestError("PYVORIN_SERVER_KEK: not set (base64 of 32 random bytes)")
        self._keys: dict[str, bytes] = {}
        self._current = self._add(raw, "PYVORIN_SERVER_KEK")
        for item in filter(None, env.get("PYVORIN_SERVER_KEK_PREVIOUS", "").split(",")):
            self._add(item.strip(), "PYVORIN_SERVER_KEK_PREVIOUS")

    def _add(self, text: str, name: str) -> str:
        try:
            key = _check_key(base64.b64decode(text, validate=True), name)
        except ValueError:
            raise AtRestError(f"{name}: not valid base64") from None
        kid = kek_id(key)
        self._keys[kid] = key
        return kid

    def current(self) -> tuple[str, bytes]:
        return self._current, self._keys[self._current]

    def get(self, kid: str) -> bytes:
        try:
            return self._keys[kid]
        except KeyError:
            raise AtRestError(
                f"key-encryption key {kid} is not in PYVORIN_SERVER_KEK or "
                "PYVORIN_SERVER_KEK_PREVIOUS"
            ) from None


def _wrap_aad(dek_id: str, kid: str) -> bytes:
    return f"pyvorin-dek/1|{dek_id}|{kid}".encode()


def _value_aad(context: str, dek_id: str) -> bytes:
    return f"pyvorin-at-rest/1|{context}|{dek_id}".encode()


class Vault:
    """Seals and opens values with the data keys of one database."""

    def __init__(self, engine: Engine, provider: KekProvider) -> None:
        self.engine = engine
        self.provider = provider
        self._keys: dict[str, bytes] = {}
        self._active: str | None = None
        self._index_key: bytes | None = None
        self._lock = threading.Lock()

    # -- data keys --------------------------------------------------------------------------
    def _unwrap(self, row: Any) -> bytes:
        kek = self.provider.get(row.kek_id)
        try:
            return AESGCM(kek).decrypt(
                base64.b64decode(row.nonce),
                base64.b64decode(row.wrapped),
                _wrap_aad(row.id, row.kek_id),
            )
        except InvalidTag:
            raise TamperedCiphertext(
                f"data key {row.id}: its wrapping does not authenticate under {row.kek_id}"
            ) from None

    def load(self, create: bool = True) -> Vault:
        """Unwrap every data key and the blind-index key; create the first data key and
        the index key when they are missing."""
        from sqlalchemy.exc import IntegrityError

        from .models import DataKey

        for attempt in (1, 2):  # another process may create the index key at the same time
            try:
                with Session(self.engine) as session, session.begin():
                    rows = session.execute(
                        select(DataKey).order_by(DataKey.created_at, DataKey.id)
                    ).scalars()
                    keys = {row.id: self._unwrap(row) for row in rows}
                    index_key = keys.pop(INDEX_KEY_ID, None)
                    active = list(keys)[-1] if keys else None
                    if active is None and create:
                        active, key = self._new_data_key(session)
                        keys[active] = key
                    if index_key is None and create:
                        _, index_key = self._new_data_key(session, INDEX_KEY_ID)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        with self._lock:
            self._keys, self._active = keys, active
            self._index_key = index_key
        return self

    def blind_index(self, value: str, context: str) -> str:
        """The blind index of ``value`` in ``context`` (a column): HMAC-SHA256 under the
        index key, hex. Equal values give equal indexes; nothing else can be read."""
        if self._index_key is None:
            self.load()
        assert self._index_key is not None
        message = f"pyvorin-blind-index/1|{context}|".encode() + value.encode()
        return hmac.new(self._index_key, message, hashlib.sha256).hexdigest()

    def _new_data_key(self, session: Session, dek_id: str | None = None) -> tuple[str, bytes]:
        from .models import DataKey

        kid, kek = self.provider.current()
        dek = secrets.token_bytes(KEY_BYTES)
        dek_id = dek_id or "dek_" + secrets.token_hex(8)
        nonce = os.urandom(12)
        wrapped = AESGCM(kek).encrypt(nonce, dek, _wrap_aad(dek_id, kid))
        session.add(
            DataKey(
                id=dek_id,
                kek_id=kid,
                nonce=base64.b64encode(nonce).decode(),
                wrapped=base64.b64encode(wrapped).decode(),
                created_at=time.time_ns() // 1000,
            )
        )
        session.flush()
        return dek_id, dek

    def rotate_data_key(self) -> str:
        """A new data key encrypts from now on; the older ones keep decrypting."""
        with Session(self.engine) as session, session.begin():
            dek_id, _ = self._new_data_key(session)
        self.load()
        return dek_id

    def rewrap(self) -> list[str]:
        """Re-wrap every data key under the provider's current KEK (no value changes)."""
        from .models import DataKey

        kid, kek = self.provider.current()
        changed: list[str] = []
        with Session(self.engine) as session, session.begin():
            for row in session.execute(select(DataKey).with_for_update()).scalars():
                if row.kek_id == kid:
                    continue
                dek = self._unwrap(row)
                nonce = os.urandom(12)
                row.wrapped = base64.b64encode(
                    AESGCM(kek).encrypt(nonce, dek, _wrap_aad(row.id, kid))
                ).decode()
                row.nonce = base64.b64encode(nonce).decode()
                row.kek_id = kid
                changed.append(row.id)
        self.load()
        return changed

    def _key(self, dek_id: str) -> bytes:
        with self._lock:
            key = self._keys.get(dek_id)
        if key is None:  # a data key made by another process since we loaded
            self.load(create=False)
            with self._lock:
                key = self._keys.get(dek_id)
        if key is None:
            raise TamperedCiphertext(f"unknown data key {dek_id!r}")
        return key

    # -- values -----------------------------------------------------------------------------
    def seal(self, value: str | bytes, context: str) -> str:
        if self._active is None:
            self.load()
        dek_id = self._active
        assert dek_id is not None
        data = value.encode() if isinstance(value, str) else value
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(dek_id)).encrypt(nonce, data, _value_aad(context, dek_id))
        return f"{PREFIX}.{dek_id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, text: str, context: str) -> bytes:
        parts = text.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise TamperedCiphertext(f"{context}: not a sealed value")
        _, dek_id, body = parts
        try:
            raw = base64.urlsafe_b64decode(body)
        except ValueError:
            raise TamperedCiphertext(f"{context}: sealed value is not base64") from None
        if len(raw) < 12 + 16:
            raise TamperedCiphertext(f"{context}: sealed value is truncated")
        try:
            return AESGCM(self._key(dek_id)).decrypt(
                raw[:12], raw[12:], _value_aad(context, dek_id)
            )
        except InvalidTag:
            raise TamperedCiphertext(
                f"{context}: the stored ciphertext does not authenticate (tampered, truncated "
                "or moved from another column)"
            ) from None


def provider_from(config: Any, env: Mapping[str, str] | None = None) -> KekProvider:
    """The KEK provider named by ``PYVORIN_SERVER_KEK_PROVIDER`` (file, env or a plugin)."""
    env = os.environ if env is None else env
    name = env.get("PYVORIN_SERVER_KEK_PROVIDER", "") or (
        "env" if env.get("PYVORIN_SERVER_KEK") else "file"
    )
    if name == "file":
        return FileKek(Path(config.home) / "kek")
    if name == "env":
        return EnvKek(env)
    from .hooks import plugin_manager

    for provider in plugin_manager().hook.pyvorin_server_kek_provider(name=name, config=config):
        if provider is not None:
            return provider
    raise AtRestError(
        f"PYVORIN_SERVER_KEK_PROVIDER: no provider named {name!r} (built in: file, env; "
        "plugins register more through the pyvorin_server_kek_provider hook)"
    )


_installed: list[Vault] = []


def install(vault: Vault | None) -> None:
    """Make ``vault`` the one :class:`EncryptedText` columns seal with in this process
    (None: forget them all). A server process has one; when tests run several apps in
    one process, values still open with whichever installed vault holds their data key."""
    if vault is None:
        _installed.clear()
    else:
        _installed[:] = [*[v for v in _installed if v is not vault][-7:], vault]


def installed() -> Vault:
    if not _installed:
        raise AtRestError("at-rest encryption keys are not loaded in this process")
    return _installed[-1]


def _open_any(text: str, context: str) -> bytes:
    dek_id = text.split(".")[1] if text.count(".") == 2 else ""
    for vault in reversed(_installed):
        with vault._lock:
            known = dek_id in vault._keys
        if known:
            return vault.open(text, context)
    return installed().open(text, context)


class EncryptedText(TypeDecorator):
    """A text column stored sealed (AES-256-GCM). ``context`` names the column in the
    associated data. With ``legacy_plaintext`` (columns that existed before encryption),
    a value without the ``pve1.`` prefix reads back as it is and ``pyvorin-server
    maintenance`` seals it; otherwise anything but a valid sealed value is refused."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str, legacy_plaintext: bool = False) -> None:
        super().__init__()
        self.context = context
        self.legacy_plaintext = legacy_plaintext

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return installed().seal(str(value), self.context)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if self.legacy_plaintext and not str(value).startswith(PREFIX + "."):
            return value
        return _open_any(value, self.context).decode()

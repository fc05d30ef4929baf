"""The tamper-evident audit log, and the built-in audit sink plugin.

Format: one JSON object per line (canonical: sorted keys, no spaces)::

    {"actor":..., "details":{...}, "hash":..., "prev":..., "seq":N, "ts":..., "type":...}

* ``hash`` is the SHA-256 of the record without ``hash``; ``prev`` is the previous
  record's ``hash`` (64 zeros for the first): a hash chain.
* Every ``CHECKPOINT_EVERY`` records a ``checkpoint`` record is appended whose
  ``details.mac`` is an HMAC-SHA256, under the per-installation log key, of the record
  (without ``hash`` and ``mac``), authenticating the chain up to it.
* ``audit.head`` holds the last sequence number and hash with an HMAC: truncating whole
  records off the end is detected.
* ``prune`` removes records past retention and appends a ``checkpoint`` whose
  authenticated ``gaps`` list the sequence ranges removed on purpose; any other gap is
  reported as a deletion.
* The head is also anchored outside the log: every licence refresh sends it to the
  licence server, which keeps the highest one per installation and signs it (a
  checkpoint, ``PVC1``). :meth:`AuditLog.check_anchor` compares the log with such a
  checkpoint: a deleted log, or one rolled back to an older copy (the log key and head
  with it), ends before the checkpoint or differs at its sequence number.

Every event goes through the ``pyvorin_audit_event`` hook, so every sink sees it: in a
pipeline run through ``BuildContext.audit``, elsewhere (CLI commands, the sandbox)
through :func:`emit`. Nothing else calls :meth:`AuditLog.append`.

Writers take an exclusive ``flock`` and append each record with a single ``write`` on
an ``O_APPEND`` descriptor, so concurrent processes never interleave or fork the chain.
The log key lives beside the log with mode 0600. Values under secret-looking keys are
redacted before they are written.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .canonical import canonical
from .errors import PyvorinError
from .home import file_lock, state_dir, write_private
from .hookspecs import hookimpl
from .model import AuditEvent

EVENT_TYPES = (
    "access",
    "build",
    "check",
    "compile",
    "verify",
    "sign",
    "licence",
    "refusal",
    "sandbox",
    "fallback",
    "checkpoint",
)
TELEMETRY_TYPES = frozenset({"access", "licence"})
BUILD_RETENTION_DAYS = 90  # security page: build logs are retained for 90 days
TELEMETRY_RETENTION_DAYS = 365  # security page: telemetry aggregates for 12 months
CHECKPOINT_EVERY = 64
GENESIS = "0" * 64
_SECRET_KEY = re.compile(r"secret|password|passphrase|token|private|credential|(^|_)key$", re.I)
_SECRET_VALUE = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def redact(value: Any, key: str = "") -> Any:
    """Replace values under secret-looking keys (and private-key material) with a marker."""
    if key and _SECRET_KEY.search(key):
        return "[redacted]"
    if isinstance(value, dict):
        return {str(k): redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str) and _SECRET_VALUE.search(value):
        return "[redacted]"
    if isinstance(value, Path):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def _mac_body(record: dict[str, Any]) -> bytes:
    body = {k: v for k, v in record.items() if k != "hash"}
    body["details"] = {k: v for k, v in record["details"].items() if k != "mac"}
    return canonical(body)


def _utc(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def _fmt_ts(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class VerifyReport:
    ok: bool
    records: int
    first_bad_seq: int | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"audit log verifies: {self.records} records, chain and checkpoints intact"
        if self.first_bad_seq is None:
            return f"audit log is NOT intact: {self.reason}"
        return f"audit log is NOT intact: first bad record seq {self.first_bad_seq}: {self.reason}"


@dataclass
class AuditLog:
    """An audit log in ``directory`` (default: ``$PYVORIN_HOME/audit``)."""

    directory: Path = field(default_factory=lambda: state_dir("audit"))

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        self.path = self.directory / "audit.jsonl"
        self.head_path = self.directory / "audit.head"
        self.key_path = self.directory / "log.key"
        self.lock_path = self.directory / "audit.lock"

    # -- key and locking -------------------------------------------------------------
    def _key(self, create: bool) -> bytes | None:
        try:
            key = self.key_path.read_bytes()
        except FileNotFoundError:
            if not create:
                return None
            key = os.urandom(32)
            write_private(self.key_path, key)
        if len(key) != 32:
            raise PyvorinError(f"{self.key_path}: audit log key is corrupt (expected 32 bytes)")
        return key

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with file_lock(self.lock_path):
            yield

    def _mac(self, key: bytes, data: bytes) -> str:
        return hmac.new(key, data, hashlib.sha256).hexdigest()

    def _read_head(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.head_path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"seq": -1, "hash": "", "mac": ""}

    def _write_head(self, key: bytes, seq: int, last_hash: str) -> None:
        mac = self._mac(key, f"head:{seq}:{last_hash}".encode())
        write_private(self.head_path, canonical({"seq": seq, "hash": last_hash, "mac": mac}))

    # -- writing ---------------------------------------------------------------------
    def append(
        self,
        type: str,
        actor: str,
        details: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Append one event (and a checkpoint when one is due); returns the record."""
        if type not in EVENT_TYPES or type == "checkpoint":
            raise ValueError(f"unknown audit event type {type!r}")
        moment = now or datetime.now(timezone.utc)
        with self._locked():
            key = self._key(create=True)
            assert key is not None
            head = self._read_head() or {"seq": 0, "hash": GENESIS}
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                record = self._make(
                    head["seq"] + 1, head["hash"], type, actor, redact(details or {}), moment
                )
                lines = [record]
                if (record["seq"] + 1) % CHECKPOINT_EVERY == 0:
                    lines.append(self._checkpoint(key, record, moment, {"kind": "periodic"}))
                os.write(fd, b"".join(canonical(r) + b"\n" for r in lines))
                os.fsync(fd)
            finally:
                os.close(fd)
            self._write_head(key, lines[-1]["seq"], lines[-1]["hash"])
        return record

    @staticmethod
    def _make(
        seq: int, prev: str, type: str, actor: str, details: dict, moment: datetime
    ) -> dict[str, Any]:
        record = {
            "seq": seq,
            "ts": _fmt_ts(moment),
            "type": type,
            "actor": actor,
            "details": details,
            "prev": prev,
        }
        record["hash"] = _record_hash(record)
        return record

    def _checkpoint(
        self, key: bytes, previous: dict[str, Any], moment: datetime, details: dict[str, Any]
    ) -> dict[str, Any]:
        record = {
            "seq": previous["seq"] + 1,
            "ts": _fmt_ts(moment),
            "type": "checkpoint",
            "actor": "pyvorin",
            "details": dict(details),
            "prev": previous["hash"],
        }
        record["details"]["mac"] = self._mac(key, _mac_body(record))
        record["hash"] = _record_hash(record)
        return record

    # -- reading ---------------------------------------------------------------------
    def _lines(self) -> list[bytes]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        else:
            lines[-1] = lines[-1] + b"\x00"  # no final newline: a truncated last record
        return lines

    def records(self) -> list[dict[str, Any]]:
        """Every parseable record, in file order (use :meth:`verify` for integrity)."""
        out = []
        for line in self._lines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def show(
        self,
        types: tuple[str, ...] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        selected = []
        for record in self.records():
            if types and record.get("type") not in types:
                continue
            try:
                moment = _utc(record["ts"])
            except (KeyError, ValueError):
                continue
            if since and moment < since:
                continue
            if until and moment > until:
                continue
            selected.append(record)
        return selected

    def log_id(self) -> str | None:
        """This log's id, derived from its key (None before the first record): a log
        deleted and started again, or replaced by another, has another id."""
        key = self._key(create=False)
        if key is None:
            return None
        return hashlib.sha256(b"pyvorin-audit-log-id/1:" + key).hexdigest()[:32]

    def head(self) -> tuple[int, str]:
        """The authenticated head (last seq, its hash); (0, genesis) for no log."""
        head = self._read_head()
        if head is None:
            return 0, GENESIS
        return int(head.get("seq", 0)), str(head.get("hash", ""))

    def last_time(self) -> tuple[int, float] | None:
        """(seq, unix time) of the last complete record, read from the file's end."""
        try:
            with open(self.path, "rb") as handle:
                size = handle.seek(0, os.SEEK_END)
                handle.seek(max(0, size - 65536))
                tail = handle.read()
        except FileNotFoundError:
            return None
        for line in reversed(tail.split(b"\n")):
            try:
                record = json.loads(line)
                return int(record["seq"]), _utc(record["ts"]).timestamp()
            except (ValueError, KeyError, TypeError):
                continue
        return None

    def check_anchor(self, seq: int, head_hash: str, where: str) -> VerifyReport | None:
        """Compare the log with a head recorded outside it (``where`` names who recorded
        it); a report naming the first missing or differing seq, or None if it holds."""
        if seq <= 0:
            return None
        records = [r for r in self.records() if isinstance(r, dict)]
        last = max((r.get("seq", 0) for r in records if isinstance(r.get("seq"), int)), default=0)
        found = next((r for r in records if r.get("seq") == seq), None)
        if found is None and last < seq:
            return VerifyReport(
                False,
                len(records),
                last + 1,
                f"the log ends at seq {last} but {where} recorded its head at seq {seq} "
                f"(hash {head_hash[:16]}...): records {last + 1}..{seq} were deleted or the "
                "log was rolled back to an older copy",
            )
        if found is None:
            return None  # removed by an authenticated prune (verify() checks the gaps)
        if found.get("hash") != head_hash:
            return VerifyReport(
                False,
                len(records),
                seq,
                f"record seq {seq} is not the one {where} recorded (hash "
                f"{head_hash[:16]}..., the log has {str(found.get('hash'))[:16]}...): the log "
                "was replaced or rolled back to an older copy and written again",
            )
        return None

    # -- verification ----------------------------------------------------------------
    def verify(self) -> VerifyReport:
        key = self._key(create=False)
        lines = self._lines()
        head = self._read_head()
        if not lines and head is None:
            return VerifyReport(True, 0)
        if key is None:
            return VerifyReport(False, 0, 1, f"the log key {self.key_path} is missing")

        parsed: list[dict[str, Any] | None] = []
        for line in lines:
            try:
                record = json.loads(line)
                parsed.append(record if isinstance(record, dict) else None)
            except ValueError:
                parsed.append(None)

        # First pass: authenticated gaps from prune checkpoints.
        gaps: list[tuple[int, int]] = []
        for record in parsed:
            if record and record.get("type") == "checkpoint" and self._checkpoint_ok(key, record):
                for start, end in record["details"].get("gaps", []):
                    gaps.append((int(start), int(end)))

        def gap_ok(start: int, end: int) -> bool:
            return any(a <= start and end <= b for a, b in _merge(gaps))

        last_seq, last_hash = 0, GENESIS
        for index, record in enumerate(parsed):
            expected = last_seq + 1
            if record is None or not _well_formed(record):
                return VerifyReport(
                    False,
                    index,
                    expected,
                    f"line {index + 1} is not a complete record (truncated or corrupted)",
                )
            seq = record["seq"]
            if record["hash"] != _record_hash(record):
                return VerifyReport(
                    False, index, seq, "record content does not match its hash (edited)"
                )
            if seq == expected:
                if record["prev"] != last_hash:
                    return VerifyReport(
                        False,
                        index,
                        seq,
                        "record does not link to the previous one (inserted, replaced or "
                        "reordered)",
                    )
            elif seq > expected:
                if not gap_ok(expected, seq - 1):
                    missing = f"{expected}" if seq - 1 == expected else f"{expected}..{seq - 1}"
                    return VerifyReport(
                        False, index, expected, f"record(s) {missing} missing (deleted or moved)"
                    )
            else:
                return VerifyReport(
                    False,
                    index,
                    seq,
                    f"sequence goes back from {last_seq} to {seq} (inserted or reordered)",
                )
            if record["type"] == "checkpoint" and not self._checkpoint_ok(key, record):
                return VerifyReport(False, index, seq, "checkpoint authentication failed (forged)")
            last_seq, last_hash = seq, record["hash"]

        count = len(parsed)
        if head is None:
            return VerifyReport(False, count, last_seq + 1, "the authenticated head is missing")
        head_mac = self._mac(key, f"head:{head.get('seq')}:{head.get('hash')}".encode())
        if not hmac.compare_digest(str(head.get("mac", "")), head_mac):
            return VerifyReport(False, count, last_seq + 1, "the head's authentication failed")
        if head["seq"] > last_seq:
            return VerifyReport(
                False,
                count,
                last_seq + 1,
                f"records {last_seq + 1}..{head['seq']} missing at the end (truncated)",
            )
        if head["seq"] < last_seq:
            return VerifyReport(
                False, count, head["seq"] + 1, "records beyond the authenticated head (appended)"
            )
        if head["hash"] != last_hash:
            return VerifyReport(False, count, last_seq, "last record differs from the head")
        return VerifyReport(True, count)

    def _checkpoint_ok(self, key: bytes, record: dict[str, Any]) -> bool:
        details = record.get("details")
        if not isinstance(details, dict) or not isinstance(details.get("mac"), str):
            return False
        try:
            expected = self._mac(key, _mac_body(record))
        except (KeyError, TypeError):
            return False
        return hmac.compare_digest(details["mac"], expected)

    # -- retention -------------------------------------------------------------------
    def prune(
        self,
        build_days: int = BUILD_RETENTION_DAYS,
        telemetry_days: int = TELEMETRY_RETENTION_DAYS,
        now: datetime | None = None,
    ) -> int:
        """Drop records past retention; the log still verifies afterwards.

        Refuses to prune a log that does not verify, so pruning can never launder
        tampering. Returns the number of records removed.
        """
        moment = now or datetime.now(timezone.utc)
        with self._locked():
            report = self.verify()
            if not report.ok:
                raise PyvorinError(f"refusing to prune: {report.describe()}")
            key = self._key(create=True)
            assert key is not None
            records = [json.loads(line) for line in self._lines()]
            if not records:
                return 0
            gaps: list[tuple[int, int]] = []
            for record in records:
                if record["type"] == "checkpoint":
                    gaps.extend((int(a), int(b)) for a, b in record["details"].get("gaps", []))
            if records[0]["seq"] > 1:
                gaps.append((1, records[0]["seq"] - 1))
            kept, removed = [], []
            for record in records:
                days = telemetry_days if record["type"] in TELEMETRY_TYPES else build_days
                if _utc(record["ts"]) < moment - timedelta(days=days):
                    removed.append(record["seq"])
                else:
                    kept.append(record)
            if not removed:
                return 0
            gaps.extend((seq, seq) for seq in removed)
            marker = self._checkpoint(
                key,
                records[-1],
                moment,
                {"kind": "prune", "gaps": [list(g) for g in _merge(gaps)], "removed": len(removed)},
            )
            kept.append(marker)
            data = b"".join(canonical(r) + b"\n" for r in kept)
            write_private(self.path, data)
            self._write_head(key, marker["seq"], marker["hash"])
            return len(removed)


def _merge(gaps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(gaps):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _well_formed(record: dict[str, Any]) -> bool:
    return (
        isinstance(record.get("seq"), int)
        and not isinstance(record.get("seq"), bool)
        and isinstance(record.get("hash"), str)
        and isinstance(record.get("prev"), str)
        and isinstance(record.get("ts"), str)
        and record.get("type") in EVENT_TYPES
        and isinstance(record.get("details"), dict)
        and isinstance(record.get("actor"), str)
    )


# -- the built-in audit sink ---------------------------------------------------------------
@hookimpl
def pyvorin_audit_event(event: AuditEvent) -> None:
    AuditLog().append(event.type, event.actor, event.details)


_hooks: dict[tuple[str, ...], Any] = {}


def emit(type: str, actor: str, details: dict[str, Any] | None = None) -> None:
    """Send one event outside a pipeline run through the ``pyvorin_audit_event`` hook,
    to every sink the user's plugin settings register (the built-in log among them),
    exactly as ``BuildContext.audit`` does inside a run."""
    try:
        from .config import load_settings

        allow = tuple(load_settings()["plugins"])
    except Exception:  # no readable project here: the built-in sinks still record
        allow = ()
    hook = _hooks.get(allow)
    if hook is None:
        from .plugins import build_plugin_manager

        hook = _hooks[allow] = build_plugin_manager(list(allow))[0].hook
    hook.pyvorin_audit_event(event=AuditEvent(type=type, actor=actor, details=dict(details or {})))

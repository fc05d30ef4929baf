"""The audit log: hash chain, checkpoints, head, tamper detection, concurrency, retention."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pyvorin.audit import CHECKPOINT_EVERY, AuditLog, _mac_body, _record_hash, canonical
from pyvorin.errors import PyvorinError
from tests.helpers import run_cli


def _fill(log: AuditLog, count: int, **kw) -> None:
    for i in range(count):
        log.append("build", "test", {"i": i}, **kw)


def _lines(log: AuditLog) -> list[dict]:
    return [json.loads(line) for line in log.path.read_text().splitlines()]


def _write(log: AuditLog, records: list[dict]) -> None:
    log.path.write_bytes(b"".join(canonical(r) + b"\n" for r in records))


def _rechain(records: list[dict], start: int) -> None:
    """What an attacker without the key can do: recompute every hash from ``start`` on."""
    for i in range(start, len(records)):
        if i > 0:
            records[i]["prev"] = records[i - 1]["hash"]
        records[i]["hash"] = _record_hash(records[i])


@pytest.fixture
def log(pyvorin_home: Path) -> AuditLog:
    log = AuditLog()
    _fill(log, 150)
    assert log.verify().ok
    return log


def test_records_form_a_chain_with_checkpoints(log: AuditLog) -> None:
    records = _lines(log)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(records))
    checkpoints = [r for r in records if r["type"] == "checkpoint"]
    assert len(checkpoints) == len(records) // CHECKPOINT_EVERY
    assert all(len(c["details"]["mac"]) == 64 for c in checkpoints)


def test_key_and_log_files_are_private(log: AuditLog) -> None:
    for path in (log.key_path, log.path, log.head_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_secrets_are_redacted(pyvorin_home: Path) -> None:
    log = AuditLog()
    log.append(
        "sign",
        "t",
        {
            "key_id": "release-1",
            "hmac_key": "ab" * 32,
            "api_token": "s3cr3t-t0ken",
            "nested": {"password": "hunter2", "pem": "-----BEGIN PRIVATE KEY-----\nabc"},
        },
    )
    text = log.path.read_text()
    assert "release-1" in text
    for secret in ("ab" * 32, "s3cr3t-t0ken", "hunter2", "BEGIN PRIVATE KEY"):
        assert secret not in text


def test_edit_a_field_is_detected_at_that_record(log: AuditLog) -> None:
    records = _lines(log)
    records[41]["details"]["i"] = 999
    _write(log, records)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 42
    assert "edited" in report.reason


def test_delete_a_record_is_detected(log: AuditLog) -> None:
    records = _lines(log)
    del records[9]  # seq 10
    _write(log, records)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 10
    assert "missing" in report.reason


def test_insert_a_forged_record_is_detected(log: AuditLog) -> None:
    records = _lines(log)
    forged = {
        "seq": 21,
        "ts": records[19]["ts"],
        "type": "build",
        "actor": "attacker",
        "details": {"i": -1},
        "prev": records[19]["hash"],
    }
    forged["hash"] = _record_hash(forged)
    records.insert(20, forged)
    _write(log, records)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 21


def test_insert_with_renumbering_is_caught_by_the_next_checkpoint(log: AuditLog) -> None:
    records = _lines(log)
    forged = dict(records[9], actor="attacker")
    records.insert(10, forged)
    for i, record in enumerate(records, start=1):
        record["seq"] = i
    _rechain(records, 0)
    _write(log, records)
    report = log.verify()
    assert not report.ok
    first_checkpoint = next(r["seq"] for r in records if r["type"] == "checkpoint")
    assert report.first_bad_seq == first_checkpoint
    assert "checkpoint" in report.reason


def test_swap_two_records_is_detected(log: AuditLog) -> None:
    records = _lines(log)
    records[30], records[31] = records[31], records[30]
    _write(log, records)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == 31


def test_truncate_mid_line_is_detected(log: AuditLog) -> None:
    data = log.path.read_bytes()
    log.path.write_bytes(data[: len(data) - 40])
    report = log.verify()
    last_seq = len(data.splitlines())
    assert not report.ok and report.first_bad_seq == last_seq
    assert "truncated" in report.reason


def test_truncating_whole_records_is_detected_by_the_head(log: AuditLog) -> None:
    records = _lines(log)
    _write(log, records[:-5])
    report = log.verify()
    assert not report.ok and report.first_bad_seq == len(records) - 4
    assert "truncated" in report.reason


def test_forged_checkpoint_is_detected(log: AuditLog) -> None:
    records = _lines(log)
    index = next(i for i, r in enumerate(records) if r["type"] == "checkpoint")
    records[index]["details"]["mac"] = hmac.new(
        b"not the key" * 3, _mac_body(records[index]), hashlib.sha256
    ).hexdigest()
    _rechain(records, index)
    _write(log, records)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == records[index]["seq"]
    assert "forged" in report.reason


def test_rewriting_the_whole_tail_cannot_forge_the_head(log: AuditLog) -> None:
    records = _lines(log)
    last_checkpoint = max(i for i, r in enumerate(records) if r["type"] == "checkpoint")
    records[last_checkpoint + 3]["details"]["i"] = 12345
    _rechain(records, last_checkpoint + 3)
    _write(log, records)
    report = log.verify()
    assert not report.ok and "head" in report.reason


def test_missing_head_is_detected(log: AuditLog) -> None:
    log.head_path.unlink()
    report = log.verify()
    assert not report.ok and "head" in report.reason


def _append_many(home: str, count: int) -> subprocess.Popen:
    code = (
        "from pyvorin.audit import AuditLog\n"
        "log = AuditLog()\n"
        f"for i in range({count}):\n"
        "    log.append('compile', 'worker', {'i': i})\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "PYVORIN_HOME": home})


def test_concurrent_writers_keep_one_chain(pyvorin_home: Path) -> None:
    procs = [_append_many(str(pyvorin_home), 500) for _ in range(4)]
    assert [p.wait(timeout=240) for p in procs] == [0, 0, 0, 0]
    log = AuditLog()
    report = log.verify()
    assert report.ok, report.describe()
    records = _lines(log)
    events = [r for r in records if r["type"] != "checkpoint"]
    assert len(events) == 2000
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    proc = run_cli("audit", "verify")
    assert proc.returncode == 0 and "chain and checkpoints intact" in proc.stdout


def test_prune_drops_expired_records_and_keeps_the_log_verifiable(pyvorin_home: Path) -> None:
    log = AuditLog()
    now = datetime.now(timezone.utc)
    old, recent = now - timedelta(days=200), now - timedelta(days=10)
    for i in range(40):
        log.append("compile", "t", {"i": i}, now=old)
    for i in range(10):
        log.append("licence", "t", {"i": i}, now=old)  # telemetry: kept 12 months
    for i in range(30):
        log.append("build", "t", {"i": i}, now=recent)
    removed = log.prune(now=now)
    assert removed >= 40
    assert log.verify().ok, log.verify().describe()
    remaining = [r for r in _lines(log) if r["type"] != "checkpoint"]
    assert sorted({r["type"] for r in remaining}) == ["build", "licence"]
    assert len(remaining) == 40

    # Still tamper-evident after pruning: deleting a kept record is reported.
    records = _lines(log)
    victim = next(i for i, r in enumerate(records) if r["type"] == "build")
    seq = records[victim]["seq"]
    del records[victim]
    _write(log, records)
    report = log.verify()
    assert not report.ok and report.first_bad_seq == seq


def test_prune_twice_and_append_after(pyvorin_home: Path) -> None:
    log = AuditLog()
    now = datetime.now(timezone.utc)
    _fill(log, 20, now=now - timedelta(days=100))
    _fill(log, 5, now=now - timedelta(days=50))
    assert log.prune(now=now) >= 20
    assert log.prune(now=now + timedelta(days=45)) == 5
    _fill(log, 3)
    assert log.verify().ok, log.verify().describe()


def test_prune_refuses_a_tampered_log(log: AuditLog) -> None:
    records = _lines(log)
    records[3]["actor"] = "someone else"
    _write(log, records)
    with pytest.raises(PyvorinError, match="refusing to prune"):
        log.prune(build_days=1, now=datetime.now(timezone.utc) + timedelta(days=5))


def test_cli_verify_names_the_bad_record_and_exits_5(log: AuditLog) -> None:
    records = _lines(log)
    records[6]["type"] = "sign"
    _write(log, records)
    proc = run_cli("audit", "verify")
    assert proc.returncode == 5
    assert "first bad record seq 7" in proc.stderr


def test_cli_show_filters_by_type_and_time(pyvorin_home: Path) -> None:
    log = AuditLog()
    now = datetime.now(timezone.utc)
    log.append("compile", "t", {"n": 1}, now=now - timedelta(days=3))
    log.append("sign", "t", {"n": 2}, now=now)
    log.append("compile", "t", {"n": 3}, now=now)
    shown = json.loads(run_cli("audit", "show", "--type", "compile", "--format", "json").stdout)
    assert [r["details"]["n"] for r in shown] == [1, 3]
    recent = json.loads(
        run_cli("audit", "show", "--type", "compile", "--since", "1d", "--format", "json").stdout
    )
    assert [r["details"]["n"] for r in recent] == [3]
    bad = run_cli("audit", "show", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_cli_prune_reports_and_verifies(pyvorin_home: Path) -> None:
    log = AuditLog()
    _fill(log, 5, now=datetime.now(timezone.utc) - timedelta(days=120))
    _fill(log, 2)
    proc = run_cli("audit", "prune")
    assert proc.returncode == 0, proc.stderr
    assert "removed 5 record(s)" in proc.stdout and "intact" in proc.stdout

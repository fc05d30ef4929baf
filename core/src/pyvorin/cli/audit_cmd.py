"""``pyvorin audit show|verify|prune``."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import click

from ..audit import (
    BUILD_RETENTION_DAYS,
    EVENT_TYPES,
    TELEMETRY_RETENTION_DAYS,
    AuditLog,
    emit,
)
from ..errors import SignatureError, UsageError


def _moment(value: str | None, option: str) -> datetime | None:
    """Parse an ISO date/time (UTC if no zone) or a relative age like ``7d`` / ``12h``."""
    if value is None:
        return None
    match = re.fullmatch(r"(\d+)([dhm])", value.strip())
    if match:
        amount, unit = int(match.group(1)), match.group(2)
        delta = {"d": timedelta(days=amount), "h": timedelta(hours=amount)}.get(
            unit, timedelta(minutes=amount)
        )
        return datetime.now(timezone.utc) - delta
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(
            f"{option}: expected an ISO date/time or an age like 7d, 12h, 30m; found {value!r}"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@click.group("audit")
def audit() -> None:
    """Show, verify and prune the tamper-evident audit log."""


@audit.command("show")
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(EVENT_TYPES),
    help="Only events of this type (repeatable).",
)
@click.option("--since", help="Only events at or after this time (ISO, or an age: 7d, 12h).")
@click.option("--until", help="Only events at or before this time (ISO, or an age).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def show(types: tuple[str, ...], since: str | None, until: str | None, fmt: str) -> None:
    """Print audit events, optionally filtered by type and time."""
    records = AuditLog().show(types, _moment(since, "--since"), _moment(until, "--until"))
    if fmt == "json":
        click.echo(json.dumps(records, indent=2))
        return
    for record in records:
        details = json.dumps(record["details"], sort_keys=True)
        click.echo(
            f"{record['seq']:>6}  {record['ts']}  {record['type']:<10} {record['actor']}  {details}"
        )


@audit.command("verify")
@click.option(
    "--offline",
    is_flag=True,
    help="Compare with the server checkpoint kept at the last refresh; do not ask the server.",
)
def verify(offline: bool) -> None:
    """Check the hash chain, checkpoints and head, then compare the log with the head the
    licence server recorded (deleted or rolled back logs); exit 5 naming the first bad
    record."""
    from ..licensing.tickets import anchor_problem

    log = AuditLog()
    report = log.verify()
    note = ""
    if report.ok:
        problem, note = anchor_problem(online=not offline)
        report = problem or report
    if not report.ok:
        emit(
            "refusal",
            "cli",
            {"stage": "audit-verify", "seq": report.first_bad_seq, "reason": report.reason},
        )
        raise SignatureError(report.describe())
    click.echo(f"{report.describe()}; {note}")


@audit.command("prune")
@click.option(
    "--build-days",
    type=click.IntRange(min=1),
    default=BUILD_RETENTION_DAYS,
    show_default=True,
    help="Retention for build events (everything except access and licence).",
)
@click.option(
    "--telemetry-days",
    type=click.IntRange(min=1),
    default=TELEMETRY_RETENTION_DAYS,
    show_default=True,
    help="Retention for telemetry events (access, licence).",
)
def prune(build_days: int, telemetry_days: int) -> None:
    """Remove events past retention; the remaining log still verifies."""
    log = AuditLog()
    removed = log.prune(build_days=build_days, telemetry_days=telemetry_days)
    report = log.verify()
    click.echo(f"removed {removed} record(s); {report.describe()}")

"""``pyvorin licence activate|dev|status|refresh|deactivate|trust-issuer|verify-key``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ..errors import UsageError
from ..licensing.client import LicenceClient
from ..licensing.dev import DEFAULT_DAYS, MAX_DAYS, license_for_development
from ..licensing.state import load_state, state_path
from ..licensing.tokens import KEY_PREFIX, LEASE_PREFIX, iso, verify_token
from ..licensing.trust import DEVELOPMENT, keys_of, trust_issuer, trusted_issuers

DEVELOPMENT_NOTE = (
    "builds under a development licence are marked licence.mode: development in every "
    "manifest, and --release refuses them (exit 6)"
)


def _settings_value(path: str):
    from ..config import KEYS, load_settings

    if path not in KEYS:
        return None
    return load_settings()[path]


def _client(server: str | None = None) -> LicenceClient:
    return LicenceClient(
        server=server or _settings_value("licence.server"),
        grace_hours=_settings_value("licence.grace-hours"),
    )


def _read_key(key: str | None, key_file: Path | None) -> str:
    if key and key_file:
        raise UsageError("give the licence key as an argument or with --key-file, not both")
    if key == "-":
        return sys.stdin.read().strip()
    if key_file is not None:
        try:
            return key_file.read_text().strip()
        except OSError as exc:
            raise UsageError(f"{key_file}: cannot read the licence key: {exc.strerror}") from exc
    key = key or os.environ.get("PYVORIN_LICENCE_KEY", "")
    if not key:
        raise UsageError(
            "no licence key: pass KEY, '-' to read it from standard input, --key-file FILE "
            "or set PYVORIN_LICENCE_KEY"
        )
    return key


@click.group("licence")
def licence() -> None:
    """Activate, inspect, refresh and deactivate this machine's licence."""


@licence.command("activate")
@click.argument("key", required=False)
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--server", help="Licence server URL (or PYVORIN_LICENCE_SERVER).")
def activate(key: str | None, key_file: Path | None, server: str | None) -> None:
    """Verify KEY offline, activate it on the server and store the signed lease."""
    client = _client(server)
    lease, path = client.activate(_read_key(key, key_file), server)
    issuer = client.issuers()[lease["kid"]]
    click.echo(
        f"activated licence {lease['lid']} (plan {lease['plan']}) on this machine; "
        f"lease valid until {iso(lease['exp'])}; stored in {path}"
    )
    click.echo(f"a {issuer.mode} licence: issuer key {lease['kid']}, trusted from {issuer.origin}")
    if issuer.mode == DEVELOPMENT:
        click.echo(DEVELOPMENT_NOTE)


@licence.command("dev")
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="How long the development licence is valid (run the command again to renew).",
)
def dev(days: int) -> None:
    """License this machine for development, in one command and without a server.

    Creates (once) a development issuer key in PYVORIN_HOME, trusts it as a development
    issuer and stores a licence and lease for this machine signed by it. Builds are
    marked licence.mode: development and --release refuses them. Running it again
    renews the licence.
    """
    from ..audit import emit

    made = license_for_development(days=days)
    if made.key_created:
        click.echo(
            f"created the development issuer key {made.issuer} (private key {made.key_file}, 0600)"
        )
    else:
        click.echo(f"reusing the development issuer key {made.issuer} ({made.key_file})")
    click.echo(f"trusting {made.issuer} as a development issuer (PYVORIN_HOME/licence/issuers)")
    click.echo(
        f"{'renewed' if made.renewed else 'made'} development licence {made.licence_id} for "
        f"this machine, valid until {iso(made.expires)}; stored in {made.state_file}"
    )
    click.echo(DEVELOPMENT_NOTE + "; a release needs a licence from a production issuer:")
    click.echo("  pyvorin licence activate KEY --server URL")
    emit(
        "licence",
        "cli",
        {
            "outcome": "development-licence",
            "licence_id": made.licence_id,
            "licence_mode": DEVELOPMENT,
            "issuer": made.issuer,
            "expires": iso(made.expires),
            "renewed": made.renewed,
        },
    )


@licence.command("refresh")
def refresh() -> None:
    """Ask the server to confirm the licence now and store a fresh lease."""
    lease = _client().refresh()
    click.echo(f"licence {lease['lid']} confirmed; lease valid until {iso(lease['exp'])}")


@licence.command("deactivate")
def deactivate() -> None:
    """Release this machine's seat and remove the local lease."""
    body = _client().deactivate()
    if "local" in body:
        click.echo(
            f"development licence {body['local']} removed from this machine (the development "
            "issuer key stays trusted; `pyvorin licence dev` makes a new licence)"
        )
    elif "already" in body:
        click.echo(
            f"the server had already released this activation ({body['already']}); "
            "local lease removed"
        )
    else:
        click.echo(
            f"deactivated; licence {body['licence_id']} now uses "
            f"{body['seats_used']} of {body['seats']} seat(s)"
        )


@licence.command("status")
@click.option("--offline", is_flag=True, help="Do not contact the server.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def status(offline: bool, fmt: str) -> None:
    """Show the local lease and, unless --offline, the server's view; exit 6 if refused."""
    client = _client()
    result = client.check(online=not offline)
    report: dict = {
        "licence_id": result.licence_id,
        "plan": result.plan,
        "mode": result.mode,
        "licence_mode": result.licence_mode,
        "issuer": result.issuer,
        "issuer_origin": result.issuer_origin,
        "lease_expires": iso(result.lease_expires),
        "offline_deadline": iso(result.offline_deadline),
        "message": result.message,
        "state_file": str(state_path(client.home)),
    }
    if result.mode == "online":
        server = client.server_status()
        report["server"] = {
            k: server.get(k)
            for k in ("licensee", "seats", "seats_used", "expires_at", "revoked", "usage")
        }
        report["server"]["expires_at"] = iso(server.get("expires_at", 0))
    state = load_state(client.home)
    report["pending_usage_reports"] = len(state.pending_usage) if state else 0
    report["pending_offline_builds"] = len(state.pending_offline) if state else 0
    if result.quota:
        used = state.quota_used if state and state.quota_id == result.quota["id"] else 0
        report["offline_quota"] = {**result.quota, "used": used}
    if fmt == "json":
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"licence {report['licence_id']} (plan {report['plan']}): allowed, {report['mode']}")
    click.echo(f"  licence mode:      {report['licence_mode']}")
    click.echo(f"  issuer:            {report['issuer']}, from {report['issuer_origin']}")
    if result.licence_mode == DEVELOPMENT:
        click.echo(f"  note:              {DEVELOPMENT_NOTE}")
    click.echo(f"  lease expires:     {report['lease_expires']}")
    click.echo(f"  offline deadline:  {report['offline_deadline']}")
    if "offline_quota" in report:
        quota = report["offline_quota"]
        click.echo(
            f"  offline quota:     {quota['used']} of {quota['size']} build(s) used "
            f"(until {iso(quota['expires'])}; {report['pending_offline_builds']} to report)"
        )
    if "server" in report:
        srv = report["server"]
        usage = srv.get("usage") or {}
        limit = usage.get("limit")
        click.echo(f"  licensee:          {srv.get('licensee')}")
        click.echo(f"  seats:             {srv.get('seats_used')} of {srv.get('seats')} in use")
        click.echo(f"  licence expires:   {srv.get('expires_at')}")
        click.echo(
            f"  usage {usage.get('period')}:    {usage.get('used')} compile(s)"
            + (f" of {limit}" if limit is not None else " (unlimited)")
        )
    click.echo(f"  pending reports:   {report['pending_usage_reports']}")
    click.echo(f"  state file:        {report['state_file']}")


@licence.command("trust-issuer")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def trust_issuer_cmd(file: Path) -> None:
    """Trust the issuer public key in FILE (PEM, e.g. a server's issuer.pub) as a
    development issuer.

    Licences it signs work in development mode only. Production issuers come with the
    distribution or from the administrator's /etc/pyvorin/issuers (root-owned)."""
    kid = trust_issuer(file)
    issuer = trusted_issuers()[kid]
    click.echo(f"trusting issuer key {kid}: a {issuer.mode} issuer, from {issuer.origin}")
    if issuer.mode == DEVELOPMENT:
        click.echo(
            "licences it signs are development licences: " + DEVELOPMENT_NOTE + "; production "
            "issuers come with the Pyvorin distribution or from the administrator's "
            "/etc/pyvorin/issuers"
        )


@licence.command("verify-key")
@click.argument("key", required=False)
@click.option("--key-file", type=click.Path(path_type=Path, dir_okay=False), default=None)
def verify_key(key: str | None, key_file: Path | None) -> None:
    """Check a licence key offline (format, trusted issuer, signature, expiry)."""
    import time

    text = _read_key(key, key_file)
    prefix = LEASE_PREFIX if text.startswith(LEASE_PREFIX + ".") else KEY_PREFIX
    issuers = trusted_issuers()
    token = verify_token(text, prefix, keys_of(issuers), now=time.time())
    p = token.payload
    issuer = issuers[p["kid"]]
    click.echo(
        f"valid licence key {p['lid']}: licensee {p.get('licensee', '?')!r}, plan {p['plan']}, "
        f"{p.get('seats', '?')} seat(s), features {', '.join(p['features']) or 'none'}, "
        f"expires {iso(p['exp'])}, issuer key {p['kid']} (a {issuer.mode} issuer, from "
        f"{issuer.origin})"
    )

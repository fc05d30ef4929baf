"""``pyvorin keys generate|list|rotate|revoke|trust|export-public``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from .. import keys as keymod
from ..errors import UsageError


def _passphrase(var: str | None) -> bytes | None:
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(f"--passphrase-env {var}: the environment variable {var} is not set")
    return value.encode()


def _audit(action: str, **details: object) -> None:
    from ..audit import emit

    emit("sign", "cli", {"action": action, **details})


_TYPE = click.Choice(sorted(keymod.KEY_TYPES))


@click.group("keys")
def keys() -> None:
    """Generate, list, rotate, revoke and trust signing keys."""


@keys.command("generate")
@click.option("--type", "kind", type=_TYPE, default="ed25519", show_default=True)
@click.option("--id", "key_id", help="Key id (default: derived from the fingerprint).")
@click.option(
    "--passphrase-env",
    metavar="VAR",
    help="Encrypt the private key with the passphrase in environment variable VAR.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the private key to PATH (0600; public key to PATH.pub) instead of the keyring.",
)
def generate(kind: str, key_id: str | None, passphrase_env: str | None, output: Path | None):
    """Create a new key (files 0600). Ed25519 public keys join the local trust store."""
    new = keymod.generate(keymod.KEY_TYPES[kind], key_id, _passphrase(passphrase_env), output)
    _audit("generate", key_id=new.key_id, type=kind, fingerprint=new.fingerprint)
    click.echo(f"generated {kind} key {new.key_id} ({new.fingerprint})")
    click.echo(f"  private key: {new.path} (mode 0600{', encrypted' if new.encrypted else ''})")
    if new.public_path:
        click.echo(f"  public key:  {new.public_path}")
    if output is None:
        state = (
            "active: it signs new builds"
            if new.active
            else (
                "not active (another key is); use `pyvorin keys rotate` or "
                "[tool.pyvorin.signing] key-id to sign with it"
            )
        )
        click.echo(f"  status: {state}")


@keys.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def list_(fmt: str) -> None:
    """Show keys: id, type, status (active/rotated/revoked/trusted), fingerprint."""
    rows = keymod.list_keys()
    for problem in keymod.TrustStore.load().problems:
        click.echo(f"warning: trust store entry ignored: {problem}", err=True)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no keys (the first build creates a per-installation key)")
        return
    width = max(len(r["id"]) for r in rows)
    click.echo(f"{'ID':<{width}}  {'TYPE':<7}  {'STATUS':<8}  FINGERPRINT")
    for row in rows:
        origin = " (local)" if row.get("origin") == "local" else ""
        click.echo(
            f"{row['id']:<{width}}  {row['type']:<7}  {row['status']:<8}  "
            f"{row['fingerprint'] or '-'}{origin}"
        )


@keys.command("rotate")
@click.option("--type", "kind", type=_TYPE, default="ed25519", show_default=True)
@click.option("--id", "key_id", help="Id of the new key (default: derived).")
@click.option("--passphrase-env", metavar="VAR", help="Encrypt the new private key.")
def rotate(kind: str, key_id: str | None, passphrase_env: str | None) -> None:
    """A new key signs from now on; the previous one stays trusted for verification."""
    new, previous = keymod.rotate(keymod.KEY_TYPES[kind], key_id, _passphrase(passphrase_env))
    _audit("rotate", key_id=new.key_id, previous=previous, fingerprint=new.fingerprint)
    click.echo(f"new active {kind} key {new.key_id} ({new.fingerprint})")
    if previous:
        click.echo(
            f"previous key {previous} is now 'rotated': it no longer signs but still verifies"
        )


@keys.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke KEY_ID: it no longer signs, and nothing it signed verifies or imports."""
    record = keymod.revoke(key_id)
    _audit("revoke", key_id=key_id, fingerprint=record.get("fingerprint"))
    note = "" if record["known"] else " (not in the keyring or the trust store; recorded anyway)"
    click.echo(f"revoked key {key_id}{note}")


@keys.command("trust")
@click.argument("pubkey_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "key_id", help="Trust under this id (default: the file's key-id line).")
@click.option(
    "--from-manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Trust the key that signed this manifest (needs --fingerprint).",
)
@click.option("--fingerprint", help="The expected fingerprint (ed25519:...) of that key.")
def trust(
    pubkey_file: Path | None,
    key_id: str | None,
    from_manifest: Path | None,
    fingerprint: str | None,
) -> None:
    """Add an Ed25519 public key (PEM file, or the signer of a manifest) to the trust store."""
    from ..errors import UsageError

    if from_manifest is not None:
        if pubkey_file is not None or not fingerprint:
            raise UsageError("--from-manifest takes no PUBKEY_FILE and needs --fingerprint")
        trusted = keymod.trust_from_manifest(from_manifest, fingerprint, key_id)
    elif pubkey_file is None:
        raise UsageError("give a PUBKEY_FILE, or --from-manifest MANIFEST --fingerprint FP")
    else:
        trusted = keymod.trust_file(pubkey_file, key_id)
    _audit("trust", key_id=trusted.key_id, fingerprint=trusted.fingerprint)
    click.echo(f"trusted key {trusted.key_id} ({trusted.fingerprint}) -> {trusted.source}")


@keys.command("export-public")
@click.argument("key_id", required=False)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to PATH.")
def export_public(key_id: str | None, output: Path | None) -> None:
    """Print the public key of KEY_ID (default: the active Ed25519 key)."""
    text = keymod.export_public(key_id)
    if output is None:
        click.echo(text, nl=False)
        return
    from ..home import atomic_write

    atomic_write(output, text.encode())
    click.echo(f"wrote {output}")

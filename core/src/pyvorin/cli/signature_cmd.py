"""``pyvorin signature verify PATH...``: verify before distribution."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..exitcodes import ExitCode


@click.group("signature")
def signature() -> None:
    """Verify signed manifests of compiled artifacts."""


@signature.command("verify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def verify(ctx: click.Context, paths: tuple[Path, ...], fmt: str) -> None:
    """Check every artifact in directories, binaries, manifests or wheels.

    Exit 0 when all verify; exit 5 with one line per failure otherwise. With
    Signatures by keys outside the trust store fail too (strict by default; the opt-out
    PYVORIN_REQUIRE_TRUSTED=0 is reported on stderr and in the audit log).
    """
    from ..audit import AuditLog
    from ..signing import VerificationKeys, check_path

    keys = VerificationKeys()
    results = [result for path in paths for result in check_path(path, keys)]
    failures = [r for r in results if not r.ok]
    for failure in failures:
        try:
            AuditLog().append(
                "refusal",
                "cli",
                {"stage": "signature-verify", "file": failure.location, "reason": failure.reason},
            )
        except Exception:  # best effort, like the runtime: the report below still stands
            pass
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "ok": not failures,
                    "strict": keys.strict,
                    "artifacts": [r.as_dict() for r in results],
                },
                indent=2,
            )
        )
    else:
        for result in results:
            if result.ok:
                click.echo(result.line())
        for failure in failures:
            click.echo(f"FAILED {failure.line()}", err=True)
        verified = len(results) - len(failures)
        summary = f"{verified} verified, {len(failures)} failed"
        click.echo(summary, err=bool(failures))
    if failures:
        ctx.exit(int(ExitCode.SIGNATURE))

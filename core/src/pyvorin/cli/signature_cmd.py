"""``pyvorin signature verify PATH...`` (verify before distribution) and
``pyvorin signature forget-builds DIST...`` (let an older build load again)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import UsageError
from ..exitcodes import ExitCode


@click.group("signature")
def signature() -> None:
    """Verify signed manifests of compiled artifacts."""


@signature.command("verify")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--require-ticket",
    is_flag=True,
    help="Fail artifacts whose manifest carries no build ticket from a licence server.",
)
@click.pass_context
def verify(ctx: click.Context, paths: tuple[Path, ...], fmt: str, require_ticket: bool) -> None:
    """Check every artifact in directories, binaries, manifests or wheels.

    Exit 0 when all verify; exit 5 with one line per failure otherwise. Signatures by
    keys outside the trust store fail too (strict by default; the opt-out
    PYVORIN_REQUIRE_TRUSTED=0 is reported on stderr and in the audit log). Each
    artifact's build number is shown; a build older than one of the same distribution
    and key already loaded by this user fails, as its import would. The build ticket
    in each manifest (proof the licence server counted the compile) is checked against
    the licence issuers this installation trusts and shown; an altered or transplanted
    ticket fails; with --require-ticket so does a missing one or one from an issuer
    this installation does not trust.
    """
    from ..audit import emit
    from ..signing import VerificationKeys, check_path
    from ..signing.builds import flag_downgrades

    keys = VerificationKeys()
    results = [result for path in paths for result in check_path(path, keys)]
    flag_downgrades(results)
    if require_ticket:
        from ..licensing.tickets import UNVERIFIED

        for result in results:
            if result.ok and (not result.ticket or result.ticket.startswith(UNVERIFIED)):
                result.ok = False
                result.reason = (
                    f"{result.ticket or 'no build ticket'}: the manifest does not show that "
                    "a trusted licence server counted this compile (--require-ticket)"
                )
    failures = [r for r in results if not r.ok]
    for failure in failures:
        try:
            emit(
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


@signature.command("forget-builds")
@click.argument("distributions", nargs=-1)
@click.option("--all", "forget_all", is_flag=True, help="Forget every recorded build.")
def forget_builds(distributions: tuple[str, ...], forget_all: bool) -> None:
    """Forget the builds of DISTRIBUTIONS loaded by this user, so an older one loads again.

    The runtime refuses to load a build older than one of the same distribution and
    signing key it has loaded before (a downgrade). Going back to an older build on
    purpose: forget what was recorded for its distribution (the name the refusal gives),
    then import it. Recorded per user in PYVORIN_HOME/runtime/builds.json.
    """
    from pyvorin_runtime.builds import forget, forget_report, state_path

    from ..audit import emit

    if bool(distributions) == forget_all:
        raise UsageError("name the distributions whose builds to forget, or pass --all")
    wanted = None if forget_all else list(distributions)
    removed = forget(wanted)
    for line in forget_report(removed, wanted):
        click.echo(line)
    try:
        emit(
            "access",
            "cli",
            {
                "event": "builds-forgotten",
                "state": state_path(),
                "distributions": sorted(removed) if not forget_all else "all",
                "builds": {
                    d: max((e["build"] for e in v.values()), default=0) for d, v in removed.items()
                },
            },
        )
    except Exception:  # best effort: the state change above stands
        pass

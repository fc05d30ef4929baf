"""``pyvorin wheel repair`` and ``pyvorin wheel resign``: publishable (manylinux) wheels
whose signatures still verify (:mod:`pyvorin.signing.repair`)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("wheel")
def wheel() -> None:
    """Make compiled wheels publishable: auditwheel repair, then sign after repair."""


def _report(report, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    for module in report.resigned:
        click.echo(f"re-signed {module} (binary patched by auditwheel, code unchanged)")
    for module in report.unchanged:
        click.echo(f"kept the signature of {module} (binary unchanged by the repair)")
    for library in report.libraries:
        click.echo(f"grafted library {library} recorded in the signed manifest")
    click.echo(f"verified {report.wheel}")


@wheel.command("repair")
@click.argument(
    "wheels", metavar="WHEEL...", nargs=-1, required=True, type=click.Path(path_type=Path)
)
@click.option(
    "-w",
    "--wheel-dir",
    "dest_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory the repaired wheels are written to (cibuildwheel's {dest_dir}).",
)
@click.option("--plat", default=None, help="auditwheel's --plat (default: its best tag).")
@click.option("--strip", is_flag=True, help="auditwheel's --strip (drop symbol tables).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def repair(
    wheels: tuple[Path, ...], dest_dir: Path, plat: str | None, strip: bool, fmt: str
) -> None:
    """Run auditwheel repair on each WHEEL, re-sign what it patched, verify, write to -w.

    Exit 2 when auditwheel refuses a wheel, 5 when the repair changed more than
    auditwheel changes or the result does not verify; a wheel that fails is not written
    to the directory.
    """
    from ..signing.repair import repair_wheel

    reports = []
    for wheel_file in wheels:
        options = (("--plat", plat) if plat else ()) + (("--strip",) if strip else ())
        report = repair_wheel(wheel_file, dest_dir, options)
        if fmt == "json":
            reports.append(report.as_dict())
        else:
            _report(report, fmt)
    if fmt == "json":  # one list, one entry per wheel
        click.echo(json.dumps(reports, indent=2))


@wheel.command("resign")
@click.option(
    "--original",
    required=True,
    type=click.Path(path_type=Path),
    help="The signed wheel from before the repair.",
)
@click.argument("repaired", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the re-signed wheel here (default: replace REPAIRED).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def resign(original: Path, repaired: Path, output: Path | None, fmt: str) -> None:
    """Re-sign REPAIRED, a wheel auditwheel repaired from the signed ORIGINAL.

    Verifies ORIGINAL, checks that REPAIRED differs from it only as auditwheel makes it
    differ (tags, RECORD, grafted libraries, patchelf's changes to the binaries: the
    compiled code is byte-identical), re-signs the changed manifests with the key that
    signed them, rewrites RECORD and verifies the result. Exit 5 on any other change.
    """
    from ..signing.repair import resign_repaired

    _report(resign_repaired(original, repaired, output), fmt)

"""``pyvorin demo``: the end-to-end showcase on the bundled example (see pyvorin.demo)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--workdir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Keep the project, wheel and virtual environment here (default: a temporary "
    "directory, removed afterwards).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def demo(workdir: Path | None, fmt: str) -> None:
    """Compile, verify, sign, package, install and time the bundled example, offline."""
    from ..demo import format_table, run_demo

    report = run_demo(workdir, progress=lambda message: click.echo(message, err=True))
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo("")
    click.echo(format_table(report))
    click.echo("")
    click.echo(f"wheel:    {report.wheel.name} ({report.signature}; verified before install)")
    click.echo(f"imported: {report.loaded_from} (manifest verified before loading)")
    click.echo(
        "times: best of 3 rounds per call, the source under CPython vs the installed "
        "compiled module, same results checked"
    )
    if workdir is not None:
        click.echo(f"kept in:  {report.workdir}")

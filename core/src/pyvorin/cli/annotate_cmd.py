"""`pyvorin annotate FILE.py`: which tier compiles each line, and why (an HTML page)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import UsageError


@click.command("annotate")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Where to write the page (default: FILE.html beside the source).",
)
def annotate(path: Path, output: Path | None) -> None:
    """Write an HTML page showing each line as native or generic, with the reason."""
    from ..compiler.annotate import annotate as make_page
    from ..config import interpreted_for, load_settings
    from ..project import spec_for_file

    if not path.is_file() or path.suffix != ".py":
        raise UsageError(f"{path}: no such Python file")
    # in a project, the file is named as the project names it, so that its
    # [tool.pyvorin] interpreted entries apply as they do to `check` and a build
    settings = load_settings()
    spec = spec_for_file(path, settings.root if settings.file is not None else None)
    page, summary = make_page(path, spec.name, interpreted_for(settings, spec.name))
    output = output or path.with_suffix(".html")
    staging = output.with_name(f".{output.name}.tmp")
    staging.write_text(page, encoding="utf-8")
    staging.replace(output)
    tier = summary["tier"] or "not compiled"
    reasons = ", ".join(summary["reasons"]) or "none"
    click.echo(
        f"{path}: {tier}; {summary['lines_with_reasons']} line(s) with reasons ({reasons}); "
        f"wrote {output}"
    )
    if summary["native_functions"]:
        names = ", ".join(f"{n}()" for n in summary["native_functions"])
        click.echo(f"{path}: native versions: {names}")

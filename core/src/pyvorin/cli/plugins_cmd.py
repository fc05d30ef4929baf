"""``pyvorin plugins``: every loaded and skipped plugin."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import load_settings
from ..plugins import build_plugin_manager


@click.command("plugins")
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    default=None,
    help="Project directory whose [tool.pyvorin] plugins allow-list applies (default: .).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def plugins(project: Path | None, fmt: str) -> None:
    """List every loaded and every skipped plugin, with distribution and version."""
    settings = load_settings(project)
    _, infos = build_plugin_manager(settings["plugins"])
    if fmt == "json":
        click.echo(json.dumps([info.__dict__ for info in infos], indent=2))
        return
    for info in infos:
        line = f"{info.status:7}  {info.name}  ({info.origin}, {info.distribution} {info.version})"
        if info.hooks:
            line += "  hooks: " + ", ".join(info.hooks)
        if info.reason:
            line += f"\n         reason: {info.reason}"
        click.echo(line)

"""``pyvorin config show``: the effective configuration and where each value came from."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import ROOT, SCHEMA, load_settings
from ..home import pyvorin_home


@click.group("config")
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    default=None,
    help="Project directory or pyproject.toml (default: the current directory).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def show(project: Path | None, fmt: str) -> None:
    """Print every setting with its value and its source (file, env, default)."""
    settings = load_settings(project)
    if fmt == "json":
        payload = {
            "file": str(settings.file) if settings.file else None,
            "home": str(pyvorin_home(create=False)),
            "settings": {
                key.path: {"value": settings[key.path], "source": settings.origins[key.path]}
                for key in SCHEMA
            },
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"# file: {settings.file or '(none: defaults)'}")
    click.echo(f"# PYVORIN_HOME: {pyvorin_home(create=False)}")
    for key in SCHEMA:
        value = json.dumps(settings[key.path])
        click.echo(f"{ROOT}.{key.path} = {value}  # {settings.origins[key.path]}")

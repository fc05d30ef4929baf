"""``pyvorin sandbox probe|run``: which isolation layers work here; run a command isolated."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

import click

from ..config import load_settings
from ..sandbox import LAYER_STOPS, SandboxPolicy, landlock_abi, probe, run_command


@click.group("sandbox")
def sandbox() -> None:
    """Inspect and use the worker sandbox."""


@sandbox.command("probe")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--require-isolation",
    is_flag=True,
    help="Exit 7 when any layer is unavailable on this machine.",
)
def probe_cmd(fmt: str, require_isolation: bool) -> None:
    """Set up every isolation layer in a throwaway worker and report which work here."""
    layers = probe()
    missing = [layer for layer in layers if not layer.active]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "kernel": platform.release(),
                    "machine": platform.machine(),
                    "euid": os.geteuid(),
                    "landlock_abi": landlock_abi(),
                    "layers": [
                        {**layer.to_dict(), "stops": LAYER_STOPS[layer.name]} for layer in layers
                    ],
                    "complete": not missing,
                },
                indent=2,
            )
        )
    else:
        click.echo(f"kernel {platform.release()} ({platform.machine()}), euid {os.geteuid()}")
        for layer in layers:
            mark = "active " if layer.active else "MISSING"
            line = f"{mark}  {layer.name:<21}"
            if layer.detail:
                line += f"  {layer.detail}"
            click.echo(line)
        click.echo(
            "all layers active"
            if not missing
            else f"{len(missing)} layer(s) missing: " + ", ".join(layer.name for layer in missing)
        )
    if require_isolation and missing:
        from ..errors import SandboxLimitError

        raise SandboxLimitError(
            f"isolation layer {missing[0].name!r} is unavailable here ({missing[0].detail}) "
            "and --require-isolation is set"
        )


@sandbox.command("run", context_settings={"ignore_unknown_options": True})
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The worker's writable directory (default: a fresh temporary directory).",
)
@click.option("--project", type=click.Path(path_type=Path), default=None,
              help="Project whose [tool.pyvorin.sandbox] limits apply (default: .).")  # fmt: skip
@click.option("--require-isolation", is_flag=True, default=None,
              help="Refuse (exit 7) when an isolation layer is unavailable.")  # fmt: skip
@click.option(
    "--report", "show_report", is_flag=True, help="Print the isolation report (JSON) to stderr."
)
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_cmd(
    workdir: Path | None,
    project: Path | None,
    require_isolation: bool | None,
    show_report: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND in the sandbox with the project's limits; exit with its code."""
    import tempfile

    policy = SandboxPolicy.from_settings(load_settings(project), require_isolation or None)
    with tempfile.TemporaryDirectory(prefix="pyvorin-run-") as tmp:
        where = workdir if workdir is not None else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        result = run_command(list(command), workdir=where, policy=policy,
                             purpose=f"sandboxed command {command[0]!r}")  # fmt: skip
    sys.stdout.buffer.write(result.stdout)
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(result.stderr)
    if show_report:
        sys.stderr.write(json.dumps(result.report.to_dict(), indent=2) + "\n")
    sys.stderr.flush()
    raise SystemExit(result.returncode if result.returncode >= 0 else 128 - result.returncode)

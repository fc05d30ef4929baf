"""``pyvorin check``, ``pyvorin compile`` and ``pyvorin build``."""

from __future__ import annotations

from pathlib import Path

import click

from ..diagnostics import render
from ..errors import UsageError
from ..exitcodes import ExitCode


def _python_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(q for q in p.rglob("*.py") if q.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            raise UsageError(f"{p}: no such file or directory")
    return files


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "sarif"]),
    default="text",
    help="Diagnostics format (sarif: SARIF 2.1.0 for code scanning).",
)
def check(paths: tuple[Path, ...], fmt: str) -> None:
    """Check that PATHS (files, or directories of *.py) are in the compilable subset.

    Runs the licence gate and the frontend of the configured backend (the pipeline's
    check stage; nothing is compiled or written) and prints every diagnostic. Exit 0 when
    all files compile, 3 when any construct is unsupported, 6 without a licence.
    """
    from ..compiler import CODES
    from ..config import load_settings
    from ..pipeline import make_context, run
    from ..project import spec_for_file

    files = _python_files(paths)
    settings = load_settings()
    # in a project, files are named as the project names them (so that its
    # [tool.pyvorin] interpreted entries, "pkg.mod:func", apply); others by their stem
    root = settings.root if settings.file is not None else None
    ctx = make_context(settings, Path.cwd(), actor="cli", command="check")
    result = run(ctx, [spec_for_file(f, root) for f in files], stages=("check",))
    if result.licence.status == "failed":
        click.echo(f"pyvorin: licence refused: {result.licence.detail}", err=True)
        raise SystemExit(int(result.exit_code))
    diags = [d for m in result.modules for d in m.diagnostics]
    for module in result.modules:
        for outcome in module.stages:
            if outcome.status == "failed" and outcome.exit_code != ExitCode.UNSUPPORTED:
                click.echo(f"{module.module.name}: check failed: {outcome.detail}", err=True)
    errors = [d for d in diags if d.severity == "error"]
    if fmt == "text":
        if diags:
            click.echo(render(diags, "text"))
    else:
        click.echo(render(diags, fmt, rule_docs=CODES))
    bad_files = len({d.path for d in errors})
    click.echo(
        f"pyvorin check: {len(files)} file(s), {len(errors)} error(s) in {bad_files} file(s)",
        err=True,
    )
    raise SystemExit(int(result.exit_code))


def _report(result) -> None:
    from ..compiler import CODES  # noqa: F401  (keeps the catalogue importable here)

    for module in result.modules:
        if module.diagnostics:
            click.echo(render(module.diagnostics, "text"), err=True)
        parts = []
        for outcome in module.stages:
            text = f"{outcome.stage} {outcome.status}"
            if outcome.stage == "compile" and outcome.status == "ok" and module.compiled:
                text += " (cached)" if module.compiled.cached else ""
            if outcome.seconds:
                text += f" {outcome.seconds:.2f}s"
            parts.append(text)
        click.echo(f"{module.module.name}: " + ", ".join(parts), err=True)
        for outcome in module.stages:
            if outcome.status == "failed" and outcome.detail:
                click.echo(
                    f"{module.module.name}: {outcome.stage} failed: {outcome.detail}", err=True
                )
        if module.compiled is not None and result.committed:
            click.echo(f"{module.module.name}: wrote {module.compiled.artifact}", err=True)
        elif module.compiled is not None and module.exit_code == 0:
            click.echo(
                f"{module.module.name}: not written: another module failed, and a build "
                "changes its output directory only when every module passed",
                err=True,
            )
        elif module.compiled is not None:
            click.echo(
                f"{module.module.name}: nothing written: the artifacts of a module that "
                "fails verification or signing are removed",
                err=True,
            )
    if result.licence.status == "failed":
        click.echo(f"pyvorin: licence refused: {result.licence.detail}", err=True)


def _run(
    settings,
    modules,
    out_dir: Path,
    keep_c: Path | None,
    require_isolation: bool,
    release: bool,
    command: str,
    seed: int | None = None,
    build_number: int | None = None,
    lock_timeout: float | None = None,
    jobs: str | None = None,
    quiet: bool = False,
) -> None:
    import sys

    from ..options import BuildOptions
    from ..pipeline import make_context, run
    from ..progress import for_stream

    options = BuildOptions.resolve(
        settings,
        command=command,
        release=True if release else None,
        keep_c=keep_c,
        require_isolation=True if require_isolation else None,
        verify_seed=seed,
        build_number=build_number,
        lock_wait=lock_timeout,
        jobs=jobs,
    )
    progress = for_stream(sys.stderr, quiet=quiet)
    try:
        ctx = make_context(settings, out_dir, options=options, progress=progress)
        result = run(ctx, modules)
    finally:
        progress.close()
    _report(result)
    raise SystemExit(int(result.exit_code))


def _pipeline_options(command):
    """The options every command that runs the whole pipeline takes."""
    for option in reversed(
        [
            click.option(
                "--keep-c",
                type=click.Path(path_type=Path),
                default=None,
                help="Keep the generated C source in this directory.",
            ),
            click.option(
                "--require-isolation",
                is_flag=True,
                help="Refuse to run (exit 7) if any sandbox isolation layer is unavailable.",
            ),
            click.option(
                "--release",
                is_flag=True,
                help="Release build: refuse to sign with the per-installation local key.",
            ),
            click.option(
                "--seed",
                type=click.IntRange(min=0),
                default=None,
                help="Seed of the generated verification inputs (default: a new one per "
                "build, recorded in the manifest and report); reproduces a build's inputs.",
            ),
            click.option(
                "--build-number",
                type=click.IntRange(min=1, max=2**63 - 1),
                default=None,
                help="Build number to sign into the manifests (default: "
                "PYVORIN_BUILD_NUMBER, [tool.pyvorin.signing] build-number, else this "
                "installation's counter plus one). CI: pass the run number.",
            ),
            click.option(
                "--lock-timeout",
                type=click.FloatRange(min=0),
                default=None,
                metavar="SECONDS",
                help="How long to wait when another build holds the output directory's "
                "lock (default: PYVORIN_LOCK_TIMEOUT, else 600); 0 refuses at once "
                "(exit 8).",
            ),
            click.option(
                "-j",
                "--jobs",
                default=None,
                metavar="N|auto",
                help="Build N modules at once, one process each (0 or auto: one per CPU "
                "core; default: PYVORIN_JOBS, else [tool.pyvorin] jobs, else 1).",
            ),
            click.option(
                "-q",
                "--quiet",
                is_flag=True,
                help="No progress output (the final summary and errors still print).",
            ),
        ]
    ):
        command = option(command)
    return command


@click.command("compile")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory for the artifacts (created if missing).",
)
@click.option(
    "--project",
    type=click.Path(path_type=Path),
    default=None,
    help="Project directory whose [tool.pyvorin] settings apply.",
)
@_pipeline_options
def compile_(
    files: tuple[Path, ...],
    out_dir: Path,
    keep_c: Path | None,
    project: Path | None,
    require_isolation: bool,
    release: bool,
    seed: int | None,
    build_number: int | None,
    lock_timeout: float | None,
    jobs: str | None,
    quiet: bool,
) -> None:
    """Run the whole pipeline (check, compile, verify, sign) for FILES into OUT.

    The artifacts are staged and moved into OUT only when every module passed; an
    interrupted or failed build leaves OUT as it was (docs/architecture.md, "Atomic
    outputs").
    """
    from ..config import load_settings
    from ..project import spec_for_file

    settings = load_settings(project)
    root = settings.root if project is not None else None
    modules = [spec_for_file(f, root) for f in files]
    _run(
        settings,
        modules,
        out_dir,
        keep_c,
        require_isolation,
        release,
        "compile",
        seed,
        build_number,
        lock_timeout,
        jobs,
        quiet,
    )


@click.command("build")
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=None)
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output directory (default: DIR/build/pyvorin).",
)
@_pipeline_options
def build(
    directory: Path | None,
    out_dir: Path | None,
    keep_c: Path | None,
    require_isolation: bool,
    release: bool,
    seed: int | None,
    build_number: int | None,
    lock_timeout: float | None,
    jobs: str | None,
    quiet: bool,
) -> None:
    """Run the pipeline for every module listed in DIR's [tool.pyvorin] modules.

    Like compile, it changes OUT only when every module passed. With -j N the modules
    are checked, compiled and verified N at a time, one process each (each stage still
    sandboxed); signing, the audit log and the commit stay in this process.
    On a terminal a live display shows the modules in progress; otherwise (a pipe, CI)
    one line per stage transition.
    """
    from ..config import load_settings
    from ..project import resolve_modules

    directory = Path.cwd() if directory is None else directory
    settings = load_settings(directory)
    modules = resolve_modules(settings)
    if not modules:
        raise UsageError(
            f"{settings.file or directory}: [tool.pyvorin] modules is empty; "
            "list the modules to compile"
        )
    out = out_dir or (directory / "build" / "pyvorin")
    _run(
        settings,
        modules,
        out,
        keep_c,
        require_isolation,
        release,
        "build",
        seed,
        build_number,
        lock_timeout,
        jobs,
        quiet,
    )

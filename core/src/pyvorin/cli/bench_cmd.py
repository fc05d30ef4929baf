"""``pyvorin bench``: time the benchmark kernels under CPython, Pyvorin, mypyc and Cython."""

from __future__ import annotations

from pathlib import Path

import click

from .. import bench as bench_mod
from ..errors import PyvorinError, UnsupportedError, UsageError, VerificationError


@click.command("bench")
@click.option(
    "--kernel",
    "kernels",
    multiple=True,
    metavar="NAME",
    help="Run only this kernel (repeatable). Default: every kernel.",
)
@click.option(
    "--repeat",
    type=click.IntRange(min=bench_mod.MIN_REPEAT),
    default=bench_mod.MIN_REPEAT,
    show_default=True,
    help="Timed runs per contender and kernel (each in a fresh process); the median counts.",
)
@click.option("--quick", is_flag=True, help="Use each kernel's small QUICK_SIZE (a smoke run).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--contender",
    "contenders",
    multiple=True,
    type=click.Choice(bench_mod.CONTENDER_NAMES),
    help="Time only these contenders (repeatable; CPython, the reference, always runs).",
)
@click.option(
    "--kernels-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of kernel files (default: benchmarks/kernels of this checkout).",
)
@click.option(
    "--keep-c",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep the C that Pyvorin generates for each kernel under DIR/<kernel>/.",
)
def bench(
    kernels: tuple[str, ...],
    repeat: int,
    quick: bool,
    fmt: str,
    output: Path | None,
    contenders: tuple[str, ...],
    kernels_dir: Path | None,
    keep_c: Path | None,
) -> None:
    """Benchmark the kernels: CPython vs Pyvorin (and mypyc, Cython when installed).

    Every contender is built from the same source before timing; every run is a fresh
    process; results are checked equal to CPython's (a wrong result is reported, not
    timed). Prints per kernel the median times and speedups over CPython, and the
    geometric-mean speedup. Progress goes to standard error.

    Exit status: 0 when Pyvorin ran every selected kernel correctly, 4 when it returned a
    wrong result, 3 when it rejected a kernel, 1 when it failed to build or run one.
    """
    directory = kernels_dir or bench_mod.default_kernels_dir()
    if directory is None:
        raise UsageError(
            "no benchmarks/kernels directory found in the current directory or its parents; "
            "pass --kernels-dir DIR"
        )
    selected = bench_mod.select_kernels(bench_mod.discover_kernels(directory), kernels)
    chosen = [
        c
        for c in bench_mod.default_contenders(keep_c=keep_c)
        if c.name == "cpython" or not contenders or c.name in contenders
    ]

    def progress(message: str) -> None:
        click.echo(message, err=True)

    report = bench_mod.run_bench(selected, chosen, repeat=repeat, quick=quick, progress=progress)
    text = bench_mod.render_json(report) if fmt == "json" else bench_mod.render_text(report)
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{output}: cannot write the report: {exc.strerror or exc}") from None
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
    _raise_for_pyvorin(report)


def _raise_for_pyvorin(report: bench_mod.BenchReport) -> None:
    problems: dict[str, list[str]] = {}
    for kr in report.kernels:
        reference = kr.outcomes.get("cpython")
        if reference is not None and reference.status != bench_mod.OK:
            problems.setdefault(bench_mod.ERROR, []).append(f"{kr.kernel.name} (CPython)")
        outcome = kr.outcomes.get("pyvorin")
        if outcome is not None and outcome.status != bench_mod.OK:
            problems.setdefault(outcome.status, []).append(kr.kernel.name)
    if not problems:
        return
    summary = "; ".join(f"{status}: {', '.join(names)}" for status, names in problems.items())
    message = f"benchmark incomplete: {summary} (see the report)"
    if bench_mod.WRONG in problems:
        raise VerificationError(message)
    if bench_mod.REJECTED in problems:
        raise UnsupportedError(message)
    raise PyvorinError(message)

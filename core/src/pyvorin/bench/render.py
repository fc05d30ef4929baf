"""The report of a benchmark run, as text (ratios against CPython) or JSON."""

from __future__ import annotations

import json

from .common import NOT_INSTALLED, OK, format_seconds
from .runner import BenchReport, Outcome


def _fmt_time(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if outcome.status == OK and outcome.median is not None:
        return format_seconds(outcome.median)
    return outcome.status


def _fmt_speedup(outcome: Outcome | None) -> str:
    if outcome is None or outcome.speedup is None:
        return "-"
    return f"{outcome.speedup:.2f}x"


def render_text(report: BenchReport) -> str:
    names = [n for n, _, _ in report.contenders]
    labels = dict((n, lab) for n, lab, _ in report.contenders)
    headers = ["kernel", "size"]
    for n in names:
        headers.append(labels[n])
        if n != names[0]:
            headers.append("speedup")
    rows: list[list[str]] = []
    for kr in report.kernels:
        row = [kr.kernel.name, str(kr.size)]
        for n in names:
            outcome = kr.outcomes.get(n)
            row.append(_fmt_time(outcome))
            if n != names[0]:
                row.append(_fmt_speedup(outcome))
        rows.append(row)
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        out = [cells[0].ljust(widths[0])]
        out += [cell.rjust(widths[i]) for i, cell in enumerate(cells) if i > 0]
        return "  ".join(out).rstrip()

    env = report.environment
    text = [
        f"pyvorin bench: median of {report.repeat} runs per contender, each in a fresh "
        f"process{' (quick sizes)' if report.quick else ''}",
        f"machine: {env['cpu']}, {env['cores']} cores; {env['os']}",
        f"{env['python']}; {env['cc']}; load average {env['load']}",
        "contenders: " + ", ".join(f"{lab} {ver}".strip() for _, lab, ver in report.contenders),
        "",
        line(headers),
        line(["-" * w for w in widths]),
    ]
    text += [line(r) for r in rows]
    text.append("")
    for n in names[1:]:
        value, count = report.geomean(n)
        if value is not None:
            text.append(
                f"geometric-mean speedup over {labels[names[0]]}: {labels[n]} {value:.2f}x "
                f"({count} of {len(report.kernels)} kernels)"
            )
        else:
            text.append(f"geometric-mean speedup over {labels[names[0]]}: {labels[n]} n/a")
        suites = report.suites()
        if len(suites) > 1:
            for suite in suites:
                value, count = report.geomean(n, suite)
                total = sum(1 for kr in report.kernels if kr.kernel.suite == suite)
                shown = f"{value:.2f}x" if value is not None else "n/a"
                text.append(f"  {suite or 'numeric'} kernels: {shown} ({count} of {total})")
    if "pyvorin" in names and "mypyc" in names:
        compared = [
            kr
            for kr in report.kernels
            if kr.outcomes["pyvorin"].median is not None
            and kr.outcomes["pyvorin"].status == OK
            and kr.outcomes["mypyc"].status == OK
        ]
        if compared:
            faster = [
                kr.kernel.name
                for kr in compared
                if kr.outcomes["pyvorin"].median < kr.outcomes["mypyc"].median  # type: ignore[operator]
            ]
            slower = sorted({kr.kernel.name for kr in compared} - set(faster))
            msg = f"Pyvorin faster than mypyc on {len(faster)} of {len(compared)} kernels"
            text.append(msg + (f" (slower on: {', '.join(slower)})" if slower else ""))
    notes = [
        (kr.kernel.name, o)
        for kr in report.kernels
        for o in kr.outcomes.values()
        if o.status != OK and not (o.status == NOT_INSTALLED and o.detail == NOT_INSTALLED)
    ]
    if notes:
        text.append("")
        text.append("problems:")
        for kernel_name, o in notes:
            detail = o.detail.strip().splitlines() or [""]
            text.append(f"  {kernel_name} / {o.label}: {o.status}: {detail[0]}")
            text += [f"      {d}" for d in detail[1:8]]
    return "\n".join(text) + "\n"


def render_json(report: BenchReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"

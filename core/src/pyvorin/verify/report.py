"""The verification report: a JSON document beside the artifacts, and its text form.

The JSON report and the text printed on failure carry the same content: per function,
the inputs run per source, and for each differing input the input and its source,
CPython's outcome, the compiled outcome, what differs (with a unified diff for
containers, arguments and output) and, for generated inputs, the shrunk minimal failing
input. The report holds no timings, so the same seed gives the same report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..home import atomic_write
from .budget import describe as describe_budget
from .inputs import SOURCES

FORMAT = "pyvorin-verification-report"
VERSION = 1
REPORT_SUFFIX = ".pyvorin-verify.json"
TEXT_FINDINGS_PER_FUNCTION = 3
TEXT_MISSING_BRANCHES = 6  # branch arcs named per function in the text form


def report_path(out_dir: Path, module_name: str) -> Path:
    base = Path(out_dir).joinpath(*module_name.split("."))
    return base.with_name(base.name + REPORT_SUFFIX)


def write_report(path: Path, report: dict[str, Any]) -> None:
    text = json.dumps(report, indent=1, sort_keys=False, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"))


def _counts(inputs: dict[str, int]) -> str:
    names = list(SOURCES) + sorted(set(inputs) - set(SOURCES))
    return ", ".join(f"{name} {inputs.get(name, 0)}" for name in names)


def _indent(text: str, pad: str) -> list[str]:
    return [pad + line for line in text.splitlines()]


def _outcome_lines(entry: dict[str, Any], pad: str) -> list[str]:
    lines = [f"{pad}CPython:  {entry['cpython']}", f"{pad}compiled: {entry['compiled']}"]
    for difference in entry["differences"]:
        line = f"{pad}differs in {difference['what']}"
        if difference["what"] in ("argument mutation", "stdout"):
            line += f": CPython {difference['cpython']}; compiled {difference['compiled']}"
        if difference.get("note"):
            line += f": {difference['note']}"
        lines.append(line)
        if difference.get("diff"):
            lines.extend(_indent(difference["diff"], pad + "  "))
    return lines


# results that do not fail the build: a method left unverified (no inputs reach it) is
# reported, not counted verified (see verifier._evaluate)
UNVERIFIED = "unverified"
NOT_FAILING = ("passed", UNVERIFIED)


def render_text(report: dict[str, Any]) -> str:
    """The human-readable form of ``report`` (printed when verification fails)."""
    module = report["module"]
    failed = [f for f in report["functions"] if f["result"] not in NOT_FAILING]
    if report["result"] == "passed":
        head = f"verification of {module} passed (seed {report['seed']})"
    else:
        differing = [s for s in report.get("sessions", []) if s["result"] == "mismatch"]
        head = (
            f"verification of {module} failed: {len(failed)} of {len(report['functions'])} "
            f"function(s) not verified"
            + (f", {len(differing)} docstring session(s) differ" if differing else "")
            + f" (seed {report['seed']}; reproduce with --seed {report['seed']})"
        )
    lines = [head]
    if report.get("report"):
        lines.append(f"  report: {report['report']}")
    if report.get("problem"):
        lines.append(f"{module}: {report['problem']}")
    for function in report["functions"]:
        name = f"{module}:{function['name']}"
        total = function["conclusive"]
        if function["result"] == "passed":
            cover = function.get("coverage")
            covered = f"; lines run {cover['covered']}/{cover['lines']}" if cover else ""
            if cover and cover.get("branches"):
                covered += f", branches taken {cover['branches_covered']}/{cover['branches']}"
                missing = cover.get("uncovered_branches") or []
                if missing:
                    shown = ", ".join(missing[:TEXT_MISSING_BRANCHES])
                    more = len(missing) - TEXT_MISSING_BRANCHES
                    covered += f" (not taken: {shown}" + (f", +{more}" if more > 0 else "") + ")"
            if any(r["function"] == function["name"] for r in report.get("reused", [])):
                covered += "; reused from an earlier verified build"
            through = function.get("by_coverage")
            if through:
                seen = through["coverage"]
                how = (
                    f"through its callers {', '.join(through['callers'])}"
                    if through["callers"]
                    else "on its given inputs (no generator makes its arguments)"
                )
                lines.append(
                    f"{name}: ok by coverage {how}: matching calls ran "
                    f"{seen['covered']}/{seen['lines']} of its lines; own inputs {total}"
                )
                continue
            unchecked = function.get("value_unchecked")
            if unchecked:
                covered += (
                    f"; {unchecked} of them with a return value or objects as built CPython "
                    "itself does not reproduce (compared by type, everything else exactly)"
                )
            lines.append(f"{name}: ok on {total} inputs ({_counts(function['inputs'])}){covered}")
            continue
        if function["mismatches"]:
            unsure = len(function["inconclusive"])
            lines.append(
                f"{name}: {function['mismatches']} of {total} inputs differ from CPython "
                f"({_counts(function['inputs'])}"
                + (f"; {unsure} inconclusive" if unsure else "")
                + (
                    f", {function['nondeterministic']} of them nondeterministic under CPython"
                    if function.get("nondeterministic")
                    else ""
                )
                + ")"
            )
        for finding in function["findings"][:TEXT_FINDINGS_PER_FUNCTION]:
            lines.append(
                f"  input ({finding['source']} {finding['origin']}): {finding['input']['call']}"
            )
            lines.extend(_outcome_lines(finding, "    "))
            shrunk = finding.get("shrunk")
            if not shrunk:
                continue
            call, tried = shrunk["input"]["call"], shrunk["candidates_tried"]
            same = shrunk.get("same_as_input")
            if shrunk.get("cut_short"):
                lines.append(
                    f"  shrinking cut short by the module's time budget after {tried} "
                    "candidate(s): "
                    + (
                        "no smaller failing input found"
                        if same
                        else f"smallest failing input so far: {call}"
                    )
                )
            elif same:
                lines.append(
                    f"  shrunk minimal failing input: {call} (already minimal: none of "
                    f"{tried} simpler candidates fails)"
                )
            else:
                lines.append(f"  shrunk minimal failing input: {call} ({tried} candidates tried)")
            if not same:
                lines.extend(_outcome_lines(shrunk, "    "))
        hidden = len(function["findings"]) - TEXT_FINDINGS_PER_FUNCTION
        if hidden > 0 or function["mismatches"] > len(function["findings"]):
            more = function["mismatches"] - min(
                len(function["findings"]), TEXT_FINDINGS_PER_FUNCTION
            )
            lines.append(f"  ... {more} more differing input(s); see the JSON report")
        if function.get("problem"):
            unverified = function["result"] == UNVERIFIED
            prefix = "unverified (not failing the build): " if unverified else ""
            lines.append(f"{name}: {prefix}{function['problem']}")
    lines.extend(_session_lines(module, report.get("sessions", [])))
    short = describe_budget(module, report.get("budget") or {})
    if short:
        lines.append(short)
    for function in report.get("interpreted", []):
        lines.append(
            f"{module}:{function['name']}: {function['result']}: not compiled, not verified"
        )
    return "\n".join(lines)


def _session_lines(module: str, sessions: list[dict[str, Any]]) -> list[str]:
    """Docstring sessions (:mod:`.sessions`): a count when they matched, each difference."""
    lines = []
    passed = sum(1 for s in sessions if s["result"] == "passed")
    unsure = [s for s in sessions if s["result"] == "inconclusive"]
    if passed or unsure:
        lines.append(
            f"{module}: {passed} of {len(sessions)} docstring session(s) ran the same as "
            "under CPython"
            + (f" ({len(unsure)} inconclusive: {unsure[0]['reason']})" if unsure else "")
        )
    for session in sessions:
        if session["result"] != "mismatch":
            continue
        lines.append(
            f"{module}: {session['name']} ({session['origin']}, {session['examples']} "
            f"examples) differs from CPython: {session['session']}"
        )
        for finding in session["findings"]:
            lines.extend(_outcome_lines(finding, "    "))
    return lines

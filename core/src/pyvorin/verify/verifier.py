"""The built-in verifier: every compiled function checked against CPython.

For each top-level function of the source module and each method of its top-level
classes (``Class.method``, :func:`.signature.parse_methods`), inputs are gathered from every
``pyvorin_generate_inputs`` implementation (:mod:`.planning`: examples, doctests, recorded
corpus, generated; merged in that order, duplicates dropped), run in two worker
processes — the original source under CPython and the compiled artifact — batched per
worker (:mod:`.running`), compared (:mod:`.compare`; inputs CPython itself answers
differently run after run: :mod:`.nondeterminism`), failing generated inputs shrunk, and a
report written beside the artifacts. There is no way to skip this stage: a function
verified on fewer than ``verify.min-inputs`` conclusive inputs fails the build too.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import VerificationError
from ..hookspecs import hookimpl
from ..model import BuildContext, CompileResult, ModuleSpec, VerificationResult
from .budget import SHRINK_SHARE, Ledger, summarize
from .compare import compare, describe, inconclusive_reason
from .coverage import (
    coverage_evidence,
    executable_branches,
    executable_lines,
    function_coverage,
)
from .generate import effective_seed, seed_source
from .hints import main_block_hint, main_import_hint
from .inputs import SOURCES, InputCase
from .nondeterminism import (
    NOT_COMPARED,
    pair_differences,
    unusable_reason,
    value_only_nondeterministic,
)
from .planning import declared_exhaustive, gather_inputs, how_to_add, needed_inputs, top_up
from .progress import LiveProgress, progress_summary
from .report import (
    FORMAT,
    NOT_FAILING,
    UNVERIFIED,
    VERSION,
    render_text,
    report_path,
    write_report,
)
from .requests import call_request
from .reuse import cache_keys, merge_reused, outcome_cache
from .running import (
    Side,
    converts_at_boundary,
    run_both,
    run_in_size_order,
    run_single_inputs_longer,
)
from .sessions import is_session, module_sessions, session_owner, session_text
from .shrink import shrink
from .signature import FunctionInfo, parse_targets
from .stdin import with_stdin_text
from .values import show
from .workers import Budget, import_root, stage_files

VERIFIER_NAME = "pyvorin.verify"  # the built-in verifier, as recorded in manifests
INTERPRETED_RESULT = "interpreted (declared)"  # a function left out: not compiled
MAX_FINDINGS_PER_FUNCTION = 20
MAX_INCONCLUSIVE_LISTED = 20
TOP_UP_ROUNDS = 2


@dataclass
class Stats:
    """Timings of one verification (kept out of the report, which must be reproducible)."""

    total_seconds: float = 0.0
    gather_seconds: float = 0.0
    run_seconds: float = 0.0
    shrink_seconds: float = 0.0
    cpython_call_seconds: float = 0.0
    compiled_call_seconds: float = 0.0
    calls: int = 0
    reused: int = 0  # functions whose passed outcome was reused from the cache
    slowest: dict[str, tuple[float, str]] = field(default_factory=dict)  # CPython side


def verify_module(
    ctx: BuildContext, module: ModuleSpec, compiled: CompileResult
) -> tuple[VerificationResult, dict[str, Any], Stats]:
    """Verify ``compiled`` against ``module``; the result, the report and timings."""
    started = time.perf_counter()
    stats = Stats()
    settings = ctx.settings
    seed = effective_seed(ctx)
    min_inputs = settings["verify.min-inputs"]
    budget = Budget(
        call_seconds=float(settings["verify.call-seconds"]),
        memory_mb=settings["verify.memory-mb"],
        cpu_seconds=settings["sandbox.cpu-seconds"],
        require_isolation=ctx.options.require_isolation,
        sandbox_memory_mb=settings["sandbox.memory-mb"],
        policy=ctx.options.sandbox,  # the run's one policy, shared with the compile stage
    )
    artifact = Path(compiled.artifact)
    if not artifact.is_file():
        raise VerificationError(f"{module.name}: the compiled artifact {artifact} does not exist")

    # Functions declared interpreted are not compiled: the report lists them as
    # "interpreted (declared)" and they do not count as compiled and verified. The
    # targets are the top-level functions and the methods of the top-level classes
    # ("Class.method", the form `interpreted` declares them in too)
    declared = list(getattr(compiled, "interpreted", None) or ())
    every_function = parse_targets(module.name, module.path)
    functions = [f for f in every_function if f.name not in declared]
    if settings["verify.examples"] is not None:
        from .examples import check_keys, examples_file

        path = examples_file(ctx)
        if path is not None:
            # examples of a function later declared interpreted name a real function:
            # they are not an error, they are just not run
            check_keys(path, module, every_function)

    keys = cache_keys(
        ctx, module, compiled, functions, budget, lambda f: declared_exhaustive(ctx, f)
    )
    outcomes = outcome_cache()
    reused: dict[str, dict[str, Any]] = {}
    for function in functions:
        hit = outcomes.get(keys[function.name]) if function.name in keys else None
        if hit is not None:
            reused[function.name] = hit

    plan: list[tuple[FunctionInfo, list[InputCase], list[str]]] = []
    requests: list[dict[str, Any]] = []
    owners: list[tuple[FunctionInfo, InputCase]] = []
    for function in functions:
        if function.name in reused:
            continue
        cases, notes = gather_inputs(ctx, module, function)
        plan.append((function, cases, notes))
        for case in cases:
            requests.append(call_request(len(requests), function, case))
            owners.append((function, case))
    # docstring sessions (.sessions): evidence for the functions not reused; in a module
    # without top-level functions (classes only) they are the only evidence for its code,
    # so they run unless every function's outcome was reused
    if plan or not reused:
        for session in module_sessions(Path(module.path)):
            owner = session_owner(module.name, Path(module.path), session)
            case = InputCase(
                (), {}, "doctests", f"{Path(module.path).name}:{session.lineno}",
                session=session.examples,
            )  # fmt: skip
            requests.append(call_request(len(requests), owner, case))
            owners.append((owner, case))
    stats.gather_seconds = time.perf_counter() - started
    stats.calls = len(requests)

    with (
        tempfile.TemporaryDirectory(prefix="pyvorin-verify-cpython-") as cpython_dir,
        tempfile.TemporaryDirectory(prefix="pyvorin-verify-compiled-") as compiled_dir,
    ):
        source_copy = stage_files(Path(cpython_dir), Path(module.path))
        artifact_copy = stage_files(Path(compiled_dir), artifact, list(compiled.extra_files))
        root = import_root(module.name, Path(module.path))
        sides = [
            # CPython runs each function's inputs smallest first: once one of them cannot
            # finish within the budget, the larger ones would not either.
            Side(
                "cpython", module.name, source_copy, budget, Path(cpython_dir), 1, True,
                root=root,
            ),
            Side(
                "compiled",
                module.name,
                artifact_copy,
                budget,
                Path(compiled_dir),
                root=root,
                converts_at_boundary=converts_at_boundary(compiled),
            ),
        ]  # fmt: skip
        run_started = time.perf_counter()
        progress = LiveProgress(ctx.progress, module.name, owners)
        module_seconds = float(settings["verify.module-seconds"])
        # every call on both sides is charged: the first run, the top-up rounds, the single
        # inputs run longer; shrinking has a ledger of its own (.budget)
        ledger = Ledger(module_seconds)
        shrinking = Ledger(module_seconds * SHRINK_SHARE, shares=False)
        required = {function.name: needed_inputs(ctx, function) for function, _c, _n in plan}
        cpython_replies, compiled_replies = run_in_size_order(
            sides, requests, owners, progress, ledger, required
        )
        # top-up rounds (twice a function's deficit of smallest inputs): the deficit is
        # what min-inputs still requires and always runs under CPython, the spares only
        # while the module's budget lasts; once the compiled side's cap is spent no
        # compiled call runs, so no top-up could be compared
        for round_number in range(1, TOP_UP_ROUNDS + 1):
            if ledger.spent_out("compiled"):
                break
            extra, deficits = top_up(
                ctx, plan, owners, cpython_replies, compiled_replies, round_number
            )
            if not extra:
                break
            new_requests = []
            for function, case in extra:
                new_requests.append(call_request(len(requests), function, case))
                requests.append(new_requests[-1])
                owners.append((function, case))
            more_cpython, more_compiled = run_in_size_order(
                sides, new_requests, owners[len(owners) - len(extra) :], progress, ledger,
                deficits,
            )  # fmt: skip
            cpython_replies += more_cpython
            compiled_replies += more_compiled
        long_notes = run_single_inputs_longer(
            settings, sides, requests, owners, cpython_replies, compiled_replies, ledger,
            exhaustive=lambda function: declared_exhaustive(ctx, function),
        )  # fmt: skip
        for function, _cases, notes in plan:
            notes.extend(long_notes.get(function.name, ()))
        stats.calls = len(requests)
        stats.run_seconds = time.perf_counter() - run_started
        report = _evaluate(
            ctx, module, compiled, plan, owners, cpython_replies, compiled_replies, sides,
            budget, stats, ledger, shrinking,
        )  # fmt: skip
    names = [function.name for function, _case in owners]
    report["budget"] = summarize(
        ledger, shrinking, budget.call_seconds, names, cpython_replies, compiled_replies
    )
    merge_reused(report, functions, reused)
    _vacuous(report)
    report["interpreted"] = [{"name": name, "result": INTERPRETED_RESULT} for name in declared]
    for entry in report["functions"]:
        if entry["name"] in keys and entry["name"] not in reused:
            outcomes.put(keys[entry["name"]], entry, seed)
    stats.reused = len(reused)
    progress_summary(ctx.progress, module, report, stats.slowest)

    path = report_path(ctx.out_dir, module.name)  # the staging directory during a run
    report["report"] = str(report_path(ctx.output_dir, module.name))  # where it ends up
    write_report(path, report)
    passed = report["result"] == "passed"
    covers = [f["coverage"] for f in report["functions"]]
    unverified = [f["name"] for f in report["functions"] if f["result"] == UNVERIFIED]
    summary = {
        "result": report["result"],
        "verifier": {"name": VERIFIER_NAME, "version": __version__},
        "settings": {
            "min_inputs": min_inputs,
            "min_coverage": settings["verify.min-coverage"],
            "min_branch_coverage": settings["verify.min-branch-coverage"],
            "call_seconds": budget.call_seconds,
            "module_seconds": float(settings["verify.module-seconds"]),
            "memory_mb": budget.memory_mb,
            "release": bool(ctx.release),
        },
        "seed": seed,
        "seed_source": seed_source(ctx),
        "min_inputs": min_inputs,
        "functions": len(functions),
        "interpreted": declared,
        "inputs": report["inputs"],
        "inconclusive": sum(len(f["inconclusive"]) for f in report["functions"]),
        "mismatches": sum(f["mismatches"] for f in report["functions"]),
        "budget": {
            "exhausted": report["budget"]["exhausted"],
            "cut": report["budget"].get("cut", 0),
        },
        "coverage": {
            "lines": sum(c["lines"] for c in covers),
            "covered": sum(c["covered"] for c in covers),
            "lowest_percent": min((c["percent"] for c in covers), default=100.0),
            "branches": sum(c.get("branches", 0) for c in covers),
            "branches_covered": sum(c.get("branches_covered", 0) for c in covers),
            "lowest_branch_percent": min(
                (c.get("branch_percent", 100.0) for c in covers), default=100.0
            ),
        },
        "report": path.name,
        "report_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }
    if unverified:  # methods no input reached: in the signed record, never counted verified
        summary["unverified"] = unverified
    ctx.audit(
        "verify",
        module=module.name,
        result=report["result"],
        seed=seed,
        inputs=report["inputs"],
        mismatches=summary["mismatches"],
    )
    stats.total_seconds = time.perf_counter() - started
    result = VerificationResult(
        passed=passed,
        summary=summary,
        message="" if passed else render_text(report),
        report_path=path,
    )
    return result, report, stats


def _evaluate(
    ctx, module, compiled, plan, owners, cpython_replies, compiled_replies, sides, budget, stats,
    ledger, shrinking,
) -> dict[str, Any]:  # type: ignore[no-untyped-def]  # fmt: skip
    call_seconds = budget.call_seconds
    over_cap = ledger.cut_reason()  # an input whose compiled call the budget's cap cut
    by_function: dict[str, list[int]] = {}
    for index, (function, _case) in enumerate(owners):
        by_function.setdefault(function.name, []).append(index)
    for reply in cpython_replies:
        stats.cpython_call_seconds += reply.get("ns", 0) / 1e9
    for reply in compiled_replies:
        stats.compiled_call_seconds += reply.get("ns", 0) / 1e9

    executed: set[int] = set()
    taken: set[tuple[int, int]] = set()
    for reply in cpython_replies:
        executed.update(reply.get("lines", ()))
        taken.update((arc[0], arc[1]) for arc in reply.get("arcs", ()))
    # lines first run by a conclusive input, by the function the input called: evidence
    # for the functions those calls went through (see _through_callers)
    conclusive_lines: dict[str, set[int]] = {}
    for index, (function, _case) in enumerate(owners):
        cpy, cmp = cpython_replies[index], compiled_replies[index]
        if unusable_reason(cpy, cmp, call_seconds) is None:
            conclusive_lines.setdefault(function.name, set()).update(cpy.get("lines", ()))
    source_text = Path(module.path).read_text(encoding="utf-8")
    lines_of = executable_lines(source_text, str(module.path))
    branches_of = executable_branches(source_text, str(module.path))
    min_coverage = ctx.settings["verify.min-coverage"]
    min_branch_coverage = ctx.settings["verify.min-branch-coverage"]
    release = bool(getattr(ctx, "release", False))

    functions_report = []
    totals: dict[str, int] = dict.fromkeys(SOURCES, 0)
    for function, _cases, notes in plan:
        returned = 0
        raised: dict[str, int] = {}
        inputs: dict[str, int] = {}
        inconclusive: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        unstable: list[InputCase] = []  # nondeterministic under CPython
        value_unchecked = 0  # conclusive but for a value CPython does not reproduce
        guard_messages: dict[str, list[str]] = {}  # NameError/ImportError texts (hints.py)
        mismatches = 0
        for index in by_function.get(function.name, []):
            case = owners[index][1]
            cpy, cmp = cpython_replies[index], compiled_replies[index]
            reason = unusable_reason(cpy, cmp, call_seconds)
            if reason == NOT_COMPARED and cmp.get("cut"):
                reason = over_cap
            if reason is not None:
                item: dict[str, Any] = {"reason": reason}
                if cpy.get("nondeterministic"):
                    # what differed between CPython's two runs (not the values: they vary)
                    item["cpython_differs_in"] = cpy["nondeterministic"]
                    unstable.append(case)
                if len(inconclusive) < MAX_INCONCLUSIVE_LISTED:
                    item = _input_entry(function, case) | item
                inconclusive.append(item)
                continue
            inputs[case.source] = inputs.get(case.source, 0) + 1
            seconds = cpy.get("ns", 0) / 1e9
            if seconds >= stats.slowest.get(function.name, (-1.0, ""))[0]:
                stats.slowest[function.name] = (seconds, case)
            if cpy["kind"] == "return":
                returned += 1
            else:
                raised[cpy.get("type", "?")] = raised.get(cpy.get("type", "?"), 0) + 1
                kept = guard_messages.setdefault(str(cpy.get("type")), [])
                if cpy.get("type") in ("NameError", "ImportError") and len(kept) < 20:
                    kept.append(str(cpy.get("message", "")))
            if value_only_nondeterministic(cpy, cmp):
                value_unchecked += 1
                unstable.append(case)  # conclusive, but known to depend on more than its input
            differences = pair_differences(cpy, cmp, call_seconds, case.encoded())
            if not differences:
                continue
            mismatches += 1
            if len(findings) < MAX_FINDINGS_PER_FUNCTION:
                findings.append(
                    _input_entry(function, case)
                    | {
                        "cpython": describe(cpy, call_seconds),
                        "compiled": describe(cmp, call_seconds),
                        "differences": differences,
                    }
                )
        conclusive = sum(inputs.values())
        for name, count in inputs.items():
            totals[name] = totals.get(name, 0) + count
        required = needed_inputs(ctx, function)
        problem = None
        # a domain declared exhaustive is its examples, and every one must be conclusive:
        # generated inputs (of another family, when an example never finishes) do not
        # stand in for an example that did not finish
        counted = inputs.get("examples", 0) if declared_exhaustive(ctx, function) else conclusive
        if counted < required and not mismatches:
            problem = (
                f"not enough inputs: verified on {counted} conclusive input(s), "
                f"{required} required ([tool.pyvorin.verify] min-inputs = "
                f"{ctx.settings['verify.min-inputs']}"
                + (f", {len(inconclusive)} inconclusive" if inconclusive else "")
                + ")"
                + _nondeterministic_hint(function, unstable)
                + _over_cap_hint(sum(item["reason"] == over_cap for item in inconclusive))
                + _unbuildable_hint(function)
                + f". To add inputs: {how_to_add(ctx, function)}"
            )
        generated = next((f for f in findings if f["source"] == "generated"), None)
        if generated is not None:
            shrink_started = time.perf_counter()
            generated["shrunk"] = _shrink(function, generated, sides, call_seconds, shrinking)
            stats.shrink_seconds += time.perf_counter() - shrink_started
        coverage = function_coverage(
            lines_of.get(function.name, set()),
            executed,
            branches_of.get(function.name, set()),
            taken,
        )
        result = "mismatch" if mismatches else ("insufficient-inputs" if problem else "passed")
        if mismatches and unstable:
            # CPython answered each differing input the same twice, so each stays a
            # mismatch; but the function is known to depend on more than its arguments
            problem = (
                f"{mismatches} differing input(s) on which CPython agreed with itself "
                f"(reported as mismatches: a real difference, or nondeterminism a second "
                f"run did not show, e.g. a coarse clock)"
                + _nondeterministic_hint(function, unstable)
            )
        if result == "passed" and conclusive and not returned and coverage["uncovered"]:
            # every input stopped at a guard: the body was never compared
            result = "not-verified"
            causes = ", ".join(f"{n} x {kind}" for kind, n in sorted(raised.items()))
            problem = (
                f"not verified: none of its {conclusive} conclusive input(s) returned "
                f"(all raised: {causes}), so its body never ran to the end; lines never "
                f"executed under CPython: {', '.join(coverage['uncovered'])}. Give inputs "
                f"that get past its checks: {how_to_add(ctx, function)}"
            )
        through = None
        if result in ("insufficient-inputs", "not-verified") and not unstable:
            through = coverage_evidence(
                function.name,
                function.generatable,
                lines_of.get(function.name, set()),
                conclusive_lines,
                conclusive,
                min_coverage,
            )
            if through is not None:
                result, problem = "passed", None
        if result in ("insufficient-inputs", "not-verified") and conclusive and not returned:
            hint = main_block_hint(
                Path(module.path), function.name, guard_messages.get("NameError", [])
            )
            if hint is None and set(raised) == {"ImportError"}:
                hint = main_import_hint(function.name, guard_messages["ImportError"])
            if hint is not None:
                causes = ", ".join(f"{n} x {kind}" for kind, n in sorted(raised.items()))
                problem = (
                    f"not verified: {hint} (its {conclusive} conclusive input(s) all "
                    f"raised: {causes})"
                )
        under = coverage["percent"] < min_coverage
        if result == "passed" and through is None and release and under:
            result = "insufficient-coverage"
            problem = (
                f"coverage {coverage['percent']:g}% of {coverage['lines']} lines is under "
                f"the --release threshold of {min_coverage}% ([tool.pyvorin.verify] "
                f"min-coverage); lines never executed under CPython: "
                f"{', '.join(coverage['uncovered'])}. Give inputs that reach them: "
                f"{how_to_add(ctx, function)}"
            )
        branch_under = coverage["branch_percent"] < min_branch_coverage
        if result == "passed" and through is None and release and branch_under:
            result = "insufficient-coverage"
            problem = (
                f"branch coverage {coverage['branch_percent']:g}% of {coverage['branches']} "
                f"branches is under the --release threshold of {min_branch_coverage}% "
                f"([tool.pyvorin.verify] min-branch-coverage); branches never taken under "
                f"CPython (line->destination): {', '.join(coverage['uncovered_branches'])}. "
                f"Give inputs that take them: {how_to_add(ctx, function)}"
            )
        if function.owner and result in ("insufficient-inputs", "not-verified") and not release:
            # a method no input reaches (its class cannot be built, or every instance the
            # generator makes stops at a guard): unverified, reported as such and not
            # counted verified; it fails a --release build, and a module with nothing
            # else verified fails (_vacuous)
            result = UNVERIFIED
        entry: dict[str, Any] = {
            "name": function.name,
            "signature": function.signature_text(),
            "result": result,
            "required": required,
            "exhaustive": declared_exhaustive(ctx, function),
            "conclusive": conclusive,
            "inputs": {s: inputs.get(s, 0) for s in SOURCES}
            | {s: n for s, n in inputs.items() if s not in SOURCES},
            "mismatches": mismatches,
            "nondeterministic": len(unstable),
            "coverage": coverage,
            "findings": findings,
            "inconclusive": inconclusive,
        }
        if value_unchecked:
            entry["value_unchecked"] = value_unchecked
            notes = [
                *notes,
                f"{value_unchecked} input(s) returned a value, or were built of objects, "
                "that CPython itself does not reproduce (two CPython runs differed there: "
                "elapsed time, a random draw, a timestamp taken by a constructor): compared "
                "on everything else (exception, arguments after the call, output, "
                "identity), the value by its type",
            ]
        if through is not None:
            entry["by_coverage"] = through
        if problem:
            entry["problem"] = problem
        if notes:
            entry["notes"] = notes
        functions_report.append(entry)

    sessions_report = _evaluate_sessions(
        owners, cpython_replies, compiled_replies, call_seconds, over_cap
    )
    failed = any(f["result"] not in NOT_FAILING for f in functions_report) or any(
        s["result"] == "mismatch" for s in sessions_report
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "module": module.name,
        "source": str(module.path),
        "artifact": Path(compiled.artifact).name,
        "backend": compiled.backend,
        "seed": effective_seed(ctx),
        "seed_source": seed_source(ctx),
        "min_inputs": ctx.settings["verify.min-inputs"],
        "call_seconds": call_seconds,
        "result": "failed" if failed else "passed",
        "inputs": totals,
        "functions": functions_report,
        "sessions": sessions_report,
    }


def _vacuous(report: dict[str, Any]) -> None:
    """A module whose targets are all unverified methods, with no docstring session that
    ran the same, had nothing compared: it fails rather than pass on nothing."""
    entries = report["functions"]
    unverified = [f["name"] for f in entries if f["result"] == UNVERIFIED]
    if not unverified or any(f["result"] == "passed" for f in entries):
        return
    if any(s["result"] == "passed" for s in report.get("sessions", [])):
        return
    report["problem"] = (
        f"nothing of the module was verified: its {len(unverified)} method(s) "
        f"({', '.join(unverified[:5])}{', ...' if len(unverified) > 5 else ''}) are "
        "unverified (no input reaches them, see each one) and it has no other verified "
        "function and no docstring session that ran the same; a module verified on "
        "nothing fails"
    )
    report["result"] = "failed"


def _evaluate_sessions(
    owners: list[tuple[FunctionInfo, InputCase]],
    cpython_replies: list[dict[str, Any]],
    compiled_replies: list[dict[str, Any]],
    call_seconds: float,
    over_cap: str,
) -> list[dict[str, Any]]:
    """The report's ``sessions``: each docstring session's outcome on both sides."""
    entries = []
    for index, (owner, case) in enumerate(owners):
        if not is_session(owner.name) or case.session is None:
            continue
        cpy, cmp = cpython_replies[index], compiled_replies[index]
        entry: dict[str, Any] = {
            "name": owner.name,
            "origin": case.origin,
            "examples": len(case.session),
            "session": session_text(case.session),
        }
        # a session's value is its transcript: one CPython does not reproduce is no
        # evidence, so value-only nondeterminism stays inconclusive here
        reason = inconclusive_reason(cpy, call_seconds)
        if reason is None and cmp["kind"] == "not-run":
            reason = over_cap if cmp.get("cut") else NOT_COMPARED
        if reason is not None:
            entries.append(entry | {"result": "inconclusive", "reason": reason})
            continue
        differences = compare(cpy, cmp, call_seconds, case.encoded())
        if not differences:
            entries.append(entry | {"result": "passed"})
            continue
        finding = {
            "cpython": describe(cpy, call_seconds),
            "compiled": describe(cmp, call_seconds),
            "differences": differences,
        }
        entries.append(entry | {"result": "mismatch", "findings": [finding]})
    return entries


def _nondeterministic_hint(function: FunctionInfo, unstable: list[InputCase]) -> str:
    """What to do about inputs CPython itself answers differently run after run."""
    if not unstable:
        return ""
    example = _call_text(function, unstable[0])
    return (
        f"; {len(unstable)} input(s) nondeterministic under CPython (two CPython runs of the "
        f"same input ended differently, e.g. {example}: its result depends on time, "
        "randomness or other state, so CPython's outcome cannot be the reference). Either "
        f'declare it interpreted ([tool.pyvorin] interpreted = ["{function.qualname}"], see '
        'docs/subset.md "Declaring a function interpreted"), or give inputs on which it is '
        "deterministic"
    )


def _unbuildable_hint(function: FunctionInfo) -> str:
    """Why a method got no generated inputs: its class's instances cannot be built."""
    if function.unbuildable is None:
        return ""
    return (
        f"; no instance of {function.owner} can be generated to call it on: "
        f"{function.unbuildable} (the method is unverified unless calls of other code run "
        "its lines, see verified by coverage)"
    )


def _over_cap_hint(count: int) -> str:
    """What to make of inputs the compiled side's cap of the module budget left uncompared."""
    if not count:
        return ""
    return (
        f"; {count} of them not compared because the compiled code exceeded the module's "
        "time budget: compiled code this much slower than CPython is a defect to report (a "
        "larger [tool.pyvorin.verify] module-seconds lets its calls run)"
    )


def _call_text(function: FunctionInfo, case: InputCase) -> str:
    """The call as written, and the standard input it reads when it is given one."""
    return with_stdin_text(function.call_text(case.args, case.kwargs, show), case.stdin)


def _input_entry(function: FunctionInfo, case: InputCase) -> dict[str, Any]:
    return {
        "source": case.source,
        "origin": case.origin,
        "input": {"call": _call_text(function, case), **case.encoded()},
    }


def _shrink(
    function: FunctionInfo,
    finding: dict[str, Any],
    sides: list[Side],
    call_seconds: float,
    ledger: Ledger,
) -> dict[str, Any]:
    """Shrink a failing generated input, really re-running the candidates in both workers.

    Each round runs every candidate simplification of the current input as one batch in
    both workers and continues from the first candidate that still differs. The calls are
    charged to shrinking's ``ledger``; once it is spent, shrinking stops with the smallest
    failing input found so far and says it was cut short (``cut_short``).
    """
    from .shrink import STDIN
    from .signature import TypeSpec
    from .values import decode

    args = tuple(decode(a) for a in finding["input"]["args"])
    specs = [p.type for p in function.params[: len(args)]]
    stdin = finding["input"].get("stdin")
    if stdin is not None:  # shrunk too, as one more "argument" (after the real ones)
        args, specs = (*args, stdin), [*specs, TypeSpec(STDIN)]

    def as_case(values: tuple) -> InputCase:
        if stdin is None:
            return InputCase(values, {}, "generated")
        return InputCase(values[:-1], {}, "generated", stdin=values[-1])

    found: dict[str, dict[str, Any]] = {}
    cut = 0  # candidates the ledger kept from running (or from being compared)

    def failing(candidates: list[tuple]) -> int | None:
        nonlocal cut
        cases = [as_case(c) for c in candidates]
        requests = [call_request(i, function, case) for i, case in enumerate(cases)]
        cpython, compiled = run_both(sides, requests, None, ledger)
        cut += sum(
            1
            for cpy, cmp in zip(cpython, compiled, strict=True)
            if cpy.get("cut") or cmp.get("cut")
        )
        for index, case in enumerate(cases):
            cpy, cmp = cpython[index], compiled[index]
            if unusable_reason(cpy, cmp, call_seconds) is not None:
                continue
            differences = pair_differences(cpy, cmp, call_seconds, case.encoded())
            if differences:
                found[case.key] = {
                    "cpython": describe(cpy, call_seconds),
                    "compiled": describe(cmp, call_seconds),
                    "differences": differences,
                }
                return index
        return None

    smallest, tried, stopped = shrink(
        args, specs, failing, lambda: ledger.spent_out("cpython") or ledger.spent_out("compiled")
    )
    tried -= cut  # the candidates compared
    case = as_case(smallest)
    shrunk: dict[str, Any]
    if smallest == args or case.key not in found:
        shrunk = {"input": finding["input"], "candidates_tried": tried, "same_as_input": True}
    else:
        shrunk = {
            "input": {"call": _call_text(function, case), **case.encoded()},
            "candidates_tried": tried,
            **found[case.key],
        }
    if stopped or cut:  # by the budget: the smallest failing input found so far
        shrunk["cut_short"] = True
        ledger.cut_short.append(function.name)
    return shrunk


@hookimpl
def pyvorin_verify(
    ctx: BuildContext, module: ModuleSpec, compiled: CompileResult
) -> VerificationResult:
    result, _report, _stats = verify_module(ctx, module, compiled)
    return result


__all__ = ["Stats", "verify_module"]

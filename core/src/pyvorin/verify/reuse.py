"""Reuse: a function's passed outcome is not verified twice.

:func:`cache_keys` gives each function the key of its outcome in the cache
(:mod:`pyvorin.verify.cache`: the verifier, the compiler, the function's source slices,
its chosen inputs and the settings); :func:`merge_reused` puts the reused entries back
into a fresh report. Only the built-in input sources can be reused: a third-party
source may give different inputs on every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model import BuildContext, CompileResult, ModuleSpec
from .inputs import SOURCES
from .signature import FunctionInfo
from .workers import Budget


def outcome_cache():  # type: ignore[no-untyped-def]
    from ..home import state_dir
    from .cache import OutcomeCache

    return OutcomeCache(state_dir("cache") / "verify")


BUILTIN_SOURCES = frozenset(
    {"pyvorin.verify.examples", "pyvorin.verify.doctests", "pyvorin.verify.corpus",
     "pyvorin.verify.generate"}
)  # fmt: skip


def cache_keys(
    ctx: BuildContext,
    module: ModuleSpec,
    compiled: CompileResult,
    functions: list[FunctionInfo],
    budget: Budget,
    exhaustive: Callable[[FunctionInfo], bool],
) -> dict[str, str]:
    """Each function's cache key (see :mod:`.cache`); none when an input source is unknown.

    A third-party input source may give different inputs on every run, so with one
    installed nothing is reused.
    """
    from .cache import SourceSlices, function_key
    from .corpus import cases_for as corpus_cases
    from .corpus import corpus_file
    from .examples import cases_for as example_cases
    from .examples import examples_file

    sources = {
        getattr(impl.plugin, "__name__", impl.plugin_name)
        for impl in ctx.hook.pyvorin_generate_inputs.get_hookimpls()
    }
    if not sources <= BUILTIN_SOURCES:
        return {}
    try:
        slices = SourceSlices(Path(module.path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    examples = examples_file(ctx)
    corpus = corpus_file(ctx)
    # the native backend's identity is the compiler's own sources; of any other backend
    # nothing is known, so its whole artifact is part of the key
    artifact_digest = None
    if compiled.backend != "native":
        artifact_digest = hashlib.sha256(Path(compiled.artifact).read_bytes()).hexdigest()
    explicit = getattr(ctx.options, "verify_seed", None)
    if explicit is None:
        explicit = ctx.settings["verify.seed"]
    settings = {
        "min_inputs": ctx.settings["verify.min-inputs"],
        "min_coverage": ctx.settings["verify.min-coverage"],
        "min_branch_coverage": ctx.settings["verify.min-branch-coverage"],
        "call_seconds": budget.call_seconds,
        "module_seconds": ctx.settings["verify.module-seconds"],
        "memory_mb": budget.memory_mb,
        "release": bool(ctx.release),
        "exhaustive": None,
    }
    keys: dict[str, str] = {}
    for function in functions:
        if function.name not in slices.functions:
            continue
        chosen: list[str] = []
        settings["exhaustive"] = None
        if examples is not None:
            chosen += ["examples:" + c.key for c in example_cases(examples, function)]
            settings["exhaustive"] = exhaustive(function)
        if corpus.is_file():
            chosen += ["corpus:" + c.key for c in corpus_cases(corpus, function)[0]]
        keys[function.name] = function_key(
            artifact=artifact_digest,
            slices=slices,
            function=function.name,
            module=module.name,
            backend=compiled.backend,
            toolchain=dict(compiled.facts or {}),
            chosen_inputs=chosen,
            settings=dict(settings),
            explicit_seed=explicit,
            siblings=_digests(function.siblings),
        )
    return keys


def _digests(paths: tuple[Path, ...]) -> dict[str, str]:
    """sha256 of each file (a file that cannot be read: its error, so the key changes)."""
    out = {}
    for path in paths:
        try:
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            out[str(path)] = f"unreadable: {exc.strerror}"
    return out


def merge_reused(
    report: dict[str, Any], functions: list[FunctionInfo], reused: dict[str, dict[str, Any]]
) -> None:
    """Put the reused functions' entries into ``report`` in source order; fix the totals."""
    if not reused:
        report["reused"] = []
        return
    entries = {entry["name"]: entry for entry in report["functions"]}
    for name, hit in reused.items():
        entries[name] = hit["entry"]
    report["functions"] = [entries[f.name] for f in functions if f.name in entries]
    totals: dict[str, int] = dict.fromkeys(SOURCES, 0)
    for entry in report["functions"]:
        for source, count in entry["inputs"].items():
            totals[source] = totals.get(source, 0) + count
    report["inputs"] = totals
    report["reused"] = [{"function": n, "seed": h["seed"]} for n, h in sorted(reused.items())]
    from .report import NOT_FAILING

    failed = report.get("problem") is not None or any(
        entry["result"] not in NOT_FAILING for entry in report["functions"]
    )
    report["result"] = "failed" if failed else "passed"

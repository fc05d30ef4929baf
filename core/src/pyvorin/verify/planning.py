"""Which inputs each function gets, and how many conclusive ones it needs.

Inputs come from every ``pyvorin_generate_inputs`` implementation (examples, doctests,
recorded corpus, generated; merged in that order, duplicates and ill-typed inputs left
out). A function needs ``verify.min-inputs`` conclusive inputs, or its whole domain when
that is smaller; functions left short by inconclusive calls get more generated inputs
(:func:`top_up`).
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigError
from ..model import BuildContext, ModuleSpec
from .generate import effective_seed, generate
from .inputs import InputCase, input_size, source_rank
from .nondeterminism import pair_differences, unusable_reason
from .signature import FunctionInfo


def gather_inputs(
    ctx: BuildContext, module: ModuleSpec, function: FunctionInfo
) -> tuple[list[InputCase], list[str]]:
    """Inputs from every source in order, duplicates and ill-typed inputs left out."""
    contributed: list[InputCase] = []
    for result in ctx.hook.pyvorin_generate_inputs(ctx=ctx, module=module, function=function):
        contributed.extend(result or [])
    contributed.sort(key=lambda case: source_rank(case.source))
    cases, seen, notes = [], set(), []
    for case in contributed:
        bound = function.bind(tuple(case.args), dict(case.kwargs), case.source == "examples")
        if isinstance(bound, str):
            notes.append(f"{case.source} input {case.origin or '?'} left out: {bound}")
            continue
        case.args, case.kwargs = bound
        if case.key in seen:
            continue
        seen.add(case.key)
        cases.append(case)
    return cases, notes


def required_inputs(function: FunctionInfo, min_inputs: int) -> int:
    space = function.input_space()
    if space is not None:
        return min(min_inputs, space)
    return min_inputs


def declared_exhaustive(ctx: BuildContext, function: FunctionInfo) -> bool:
    from .examples import examples_file, is_exhaustive

    path = examples_file(ctx)
    if path is None or not is_exhaustive(path, function):
        return False
    # [exhaustive] replaces min-inputs with the listed examples: a weakening the project
    # may make only with the user's opt-in, and never in a release build
    where = f"{path}: [exhaustive] {function.qualname!r}"
    if ctx.release:
        raise ConfigError(f"{where}: --release refuses an exhaustive-domain declaration")
    if not ctx.settings["allow-project-weakening"]:
        raise ConfigError(
            f"{where}: declaring a function's examples its whole domain weakens min-inputs; "
            "opt in with allow-project-weakening = true in your user configuration "
            "(PYVORIN_HOME/config.toml) or PYVORIN_ALLOW_PROJECT_WEAKENING=1"
        )
    return True


def needed_inputs(ctx: BuildContext, function: FunctionInfo) -> int:
    """Conclusive inputs ``function`` needs: min-inputs, or its whole (small) domain.

    The domain is finite for a ``bool``-only signature; for a function the examples file
    declares exhaustive, it is the set of its examples, every one of which must then be
    conclusive.
    """
    from .examples import cases_for, examples_file

    min_inputs = ctx.settings["verify.min-inputs"]
    path = examples_file(ctx)
    if path is not None and declared_exhaustive(ctx, function):
        domain = len({case.key for case in cases_for(path, function)})
        if domain == 0:
            raise ConfigError(
                f'{path}: [exhaustive] "{function.qualname}": declared exhaustive but has '
                "no examples: list its whole input domain as examples"
            )
        return min(min_inputs, domain)
    return required_inputs(function, min_inputs)


def top_up(
    ctx: BuildContext,
    plan: list[tuple[FunctionInfo, list[InputCase], list[str]]],
    owners: list[tuple[FunctionInfo, InputCase]],
    cpython_replies: list[dict[str, Any]],
    compiled_replies: list[dict[str, Any]],
    round_number: int,
) -> tuple[list[tuple[FunctionInfo, InputCase]], dict[str, int]]:
    """More generated inputs for functions left short of min-inputs by inconclusive calls,
    and each such function's deficit (the conclusive inputs it still lacks).

    The new inputs come from the same seeded generator under a round-specific seed, the
    smallest ones first, so a function whose large inputs exceed the budget (a size
    parameter, an exponential algorithm) can still be verified on many small ones. A
    function gets twice its deficit: the first ``deficit`` are what min-inputs still
    requires (never cut by the module's budget), the rest spares in case some of those
    are inconclusive too.
    """
    call_seconds = float(ctx.settings["verify.call-seconds"])
    conclusive: dict[str, int] = {}
    inconclusive: dict[str, int] = {}
    seen: dict[str, set[str]] = {}
    failing: set[str] = set()
    for (function, case), cpy, cmp in zip(owners, cpython_replies, compiled_replies, strict=True):
        seen.setdefault(function.name, set()).add(case.key)
        if unusable_reason(cpy, cmp, call_seconds) is None:
            conclusive[function.name] = conclusive.get(function.name, 0) + 1
            if pair_differences(cpy, cmp, call_seconds, case.encoded()):
                failing.add(function.name)  # already fails: more inputs change nothing
        else:
            inconclusive[function.name] = inconclusive.get(function.name, 0) + 1
            if cpy.get("nondeterministic"):
                failing.add(function.name)  # more inputs would be nondeterministic too
    extra: list[tuple[FunctionInfo, InputCase]] = []
    deficits: dict[str, int] = {}
    for function, cases, _notes in plan:
        deficit = needed_inputs(ctx, function) - conclusive.get(function.name, 0)
        if (
            deficit <= 0
            or function.name in failing
            or not inconclusive.get(function.name)
            or not function.generatable
        ):
            continue
        pool = generate(
            function,
            len(seen[function.name]) + 4 * deficit,
            effective_seed(ctx) + 7919 * round_number,
        )
        fresh = [c for c in pool if c.key not in seen[function.name]]
        fresh.sort(key=input_size)
        deficits[function.name] = deficit
        for number, case in enumerate(fresh[: 2 * deficit], start=1):
            case.origin = f"#{len(cases) + number} (top-up round {round_number})"
            extra.append((function, case))
        cases.extend(case for f, case in extra if f is function)
    return extra, deficits


def how_to_add(ctx: BuildContext, function: FunctionInfo) -> str:
    examples = ctx.settings["verify.examples"]
    where = (
        f'add examples under [["{function.qualname}"]] in {examples}'
        if examples
        else "add examples in a TOML file named by [tool.pyvorin.verify] examples, under "
        f'[["{function.qualname}"]]'
    )
    if function.owner:  # a method: its instance is its first argument, a recipe
        where += (
            f' (args: the instance first for a method, {{ new = "{function.module}:'
            f'{function.owner}", args = [...] }}, then its arguments)'
            if function.kind in ("method", "property")
            else ""
        )
        hints = [where, "write docstring examples that call it (a docstring session)"]
    else:
        hints = [where, f"write doctest calls `>>> {function.name}(...)` in its docstring"]
    hints.append(
        f"record real calls into {ctx.settings['verify.corpus']} with the recorder "
        "(pytest --pyvorin)"
    )
    hints.append(
        "give inputs to a function that calls it: its lines then count once calls through it "
        f"run {ctx.settings['verify.min-coverage']}% of them (verified by coverage)"
    )
    untyped = [p.name for p in function.params if not p.type.annotated]
    if untyped:
        hints.append(
            "or annotate " + ", ".join(untyped) + " with a supported type (int, float, bool, "
            "str, bytes, bytearray, list[...], tuple[...], dict[...], X | None, a class of "
            "the module or of a sibling module of the project) so inputs of the right type "
            "can be generated"
        )
    return "; ".join(hints)

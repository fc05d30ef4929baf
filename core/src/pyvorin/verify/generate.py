"""Input source 4: type-directed generation with hypothesis, seeded and reproducible.

For each function with generatable parameter types, ``verify.min-inputs`` inputs are
generated (or every input, when the types admit fewer, e.g. a single ``bool``):

1. an edge phase, fully deterministic: every parameter walks through its type's edge
   values (0, +-1, +-2, +-2**31, +-2**63 and neighbours, 2**64+1, huge ints; -0.0, +-inf,
   nan, subnormals, the largest float; empty and one-element lists), parameters offset
   from each other so combinations vary;
2. a hypothesis phase: strategies built from the annotations, each mixed half and half
   with the edge values, run by hypothesis's engine with a seed derived from
   ``verify.seed``, the module and the function (same seed -> same inputs -> same
   report), no example database, bounded sizes and a time bound.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from ..hookspecs import hookimpl
from ..model import BuildContext, ModuleSpec
from .inputs import InputCase
from .signature import FunctionInfo, TypeSpec

MAX_LIST = 12
GENERATION_SECONDS = 30.0

INT_EDGES: tuple[int, ...] = (
    0, 1, -1, 2, -2, 3, 7, -7, 10, 100, -100, 255, 256,
    2**31 - 1, 2**31, -(2**31), -(2**31) - 1,
    2**32, 2**53 + 1,
    2**63 - 1, 2**63, -(2**63), -(2**63) - 1,
    2**64 - 1, 2**64, 2**64 + 1, -(2**64) - 1,
    10**30, -(10**30), 2**200 + 7, -(2**521 - 1),
)  # fmt: skip

FLOAT_EDGES: tuple[float, ...] = (
    0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 0.1, 3.0, -7.0, 1e-300,
    math.inf, -math.inf, math.nan,
    5e-324, -5e-324,                 # smallest subnormal
    2.225073858507201e-308,          # largest subnormal
    2.2250738585072014e-308,         # smallest normal
    1.7976931348623157e308, -1.7976931348623157e308,
    2.0**53, 2.0**63, -(2.0**63), 1e16, 123456.789, math.pi,
)  # fmt: skip


def edges(spec: TypeSpec) -> list[Any]:
    """The edge values of a type, deterministic and in a fixed order."""
    kind = spec.kind
    if kind == "int":
        return list(INT_EDGES)
    if kind == "float":
        return list(FLOAT_EDGES)
    if kind == "bool":
        return [False, True]
    if kind == "none":
        return [None]
    if kind == "list" or (kind == "tuple" and spec.variadic):
        element = edges(spec.items[0])
        values: list[Any] = [[]]
        values += [[e] for e in element[:6]]
        values.append(element[:MAX_LIST])
        values.append(list(reversed(element[:5])))
        return values if kind == "list" else [tuple(v) for v in values]
    if kind == "tuple":
        parts = [edges(item) for item in spec.items]
        if not parts:
            return [()]
        width = max(len(p) for p in parts)
        return [tuple(p[(i + j) % len(p)] for j, p in enumerate(parts)) for i in range(width)]
    return []


def strategy(spec: TypeSpec):  # type: ignore[no-untyped-def]
    """A hypothesis strategy for ``spec``, half edge values, half hypothesis's own."""
    from hypothesis import strategies as st

    kind = spec.kind
    if kind == "int":
        base = st.one_of(st.integers(-(2**70), 2**70), st.integers())
    elif kind == "float":
        base = st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
    elif kind == "bool":
        return st.booleans()
    elif kind == "none":
        return st.none()
    elif kind == "list":
        return st.lists(strategy(spec.items[0]), max_size=MAX_LIST)
    elif kind == "tuple" and spec.variadic:
        return st.lists(strategy(spec.items[0]), max_size=MAX_LIST).map(tuple)
    elif kind == "tuple":
        return st.tuples(*(strategy(item) for item in spec.items))
    else:
        raise ValueError(f"no strategy for {spec}")
    return st.one_of(st.sampled_from(edges(spec)), base)


def function_seed(seed: int, function: FunctionInfo) -> int:
    digest = hashlib.sha256(f"{seed}:{function.module}:{function.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _Enough(Exception):
    pass


def generate(function: FunctionInfo, count: int, seed: int) -> list[InputCase]:
    """``count`` distinct generated inputs (fewer only when the types have fewer values)."""
    if not function.generatable:
        return []
    if not function.params:
        return [InputCase((), {}, "generated", "#1 (no parameters)")]
    space = function.input_space()
    if space is not None:
        count = min(count, space)
    cases: list[InputCase] = []
    seen: set[str] = set()

    def add(args: tuple) -> None:
        case = InputCase(args, {}, "generated", "")
        if case.key not in seen and len(cases) < count:
            seen.add(case.key)
            case.origin = f"#{len(cases) + 1}"
            cases.append(case)

    columns = [edges(p.type) for p in function.params]
    width = max(len(c) for c in columns)
    for i in range(width):
        add(tuple(c[(i + 3 * j) % len(c)] for j, c in enumerate(columns)))
    if len(cases) < count:
        _hypothesis_phase(function, count, seed, add, lambda: len(cases))
    return cases


def _hypothesis_phase(function, count, seed, add, have) -> None:  # type: ignore[no-untyped-def]
    import hypothesis
    from hypothesis import HealthCheck, Phase, Verbosity, given
    from hypothesis import strategies as st

    args_strategy = st.tuples(*(strategy(p.type) for p in function.params))
    deadline = time.monotonic() + GENERATION_SECONDS
    config = hypothesis.settings(
        parent=hypothesis.settings.get_profile("default"),
        max_examples=count * 4,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate,),
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )

    @config
    @hypothesis.seed(function_seed(seed, function))
    @given(args_strategy)
    def collect(args: tuple) -> None:
        add(args)
        if have() >= count or time.monotonic() > deadline:
            raise _Enough

    try:
        collect()
    except _Enough:
        pass


def deduplicated(cases: list[InputCase]) -> list[InputCase]:
    seen: set[str] = set()
    out = []
    for case in cases:
        if case.key not in seen:
            seen.add(case.key)
            out.append(case)
    return out


@hookimpl
def pyvorin_generate_inputs(
    ctx: BuildContext, module: ModuleSpec, function: FunctionInfo
) -> list[InputCase]:
    return generate(function, ctx.settings["verify.min-inputs"], ctx.settings["verify.seed"])


__all__ = ["edges", "generate", "strategy"]

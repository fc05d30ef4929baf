"""Input source 4: generated inputs aimed at where compilers break, seeded and reproducible.

Each function gets two sets of generated inputs:

1. **The targeted set**, the same on every build (it does not depend on the seed):

   * every parameter walks through every edge value of its type, grouped in *classes*
     that name the representation question they ask (see :mod:`.boundaries`: zero, ±1,
     small ints, the small-int cache edges, 32 bits, ``2**53``, ``2**61``, the tagged-int
     limit, the float -> int limit, ``2**63``, ``2**64``, huge; for floats also signed
     zeros, NaNs of both signs and with a payload, infinities, subnormals);
   * **pairwise class coverage**: for every two parameters, every class of one meets every
     class of the other; where both have a class of the same name (``2**53`` as an int and
     as a float, the two signed zeros), every combination of their values meets, so
     ``(2**53 + 1, 2.0**53)`` and ``(0.0, -0.0)`` are always tried;
   * **calls as users make them**: ``bool`` where ``int`` is declared, ``int`` where
     ``float`` is declared, instances of subclasses of ``int``, ``float`` and ``tuple``,
     keyword calls, and calls that leave out parameters with defaults.

2. **The seeded set**: ``min-inputs`` inputs drawn from ``random.Random`` seeded with
   ``verify.seed``, the module and the function: half *ordinary* values (small ints,
   uniform moderate floats with few digits, short lists of them), a quarter edge values,
   a quarter wide values (ints of up to 130 bits, floats from random bit patterns). The
   same seed gives the same inputs on every machine.

Parameters without an annotation the verifier understands (the generic tier's ``Any``)
get values of several types: ints, floats, strings, ``None``, lists and tuples. A
``dict[K, V]`` gets dicts of up to :data:`MAX_DICT` entries (empty, one entry per key
class, ordinary, mixed edges); a union (``Optional[T]``, ``T | None``) the values of every
member. ``bytes``/``bytearray`` get the classes of :func:`_bytes_classes` (empty, single
bytes, ASCII, UTF-8 and non-UTF-8, codec-group lengths, binary up to :data:`MAX_BYTES`),
seeded short text or random bytes, and wide random bytes up to :data:`MAX_BYTES` long.

Objects (:mod:`.objects`): an instance of a class of the module (or of a sibling module
of the project) is a recipe
(:class:`~.values.Construct`) calling the class with generated arguments for its
``__init__``: :data:`MAX_INSTANCES` recipes in the targeted set (defaults left out in
some), one per input in the seeded set. Their arguments are *small* values (ints from -3
to 12, lists of up to 10 items, short strings, nested recipes alike): the constructor is
not what the input tests, and the edge sizes of its parameters (``Hex(2**62)``) only make
constructors run out the per-call budget, whose timeouts then stop the function's other
inputs. The edge values go to the function's own scalar parameters, as everywhere.
A callable gets each of its candidates by name (:class:`~.values.Ref`): the
module's own top-level functions, then a few builtins.

A function that reads standard input (``input()``, ``sys.stdin``) also gets standard
input texts (:mod:`.stdin`): a parameterless one one input per text, one with
parameters a text for each of its argument rows (as many inputs as without).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import secrets
import struct
from typing import Any

from ..hookspecs import hookimpl
from ..model import BuildContext, ModuleSpec
from .boundaries import float_classes, int_classes
from .inputs import InputCase
from .signature import SMALL_INTS, FunctionInfo, Param, TypeSpec
from .stdin import with_stdin
from .values import Construct, PvFloat, PvInt, PvTuple, Ref

MAX_LIST = 12
MAX_TARGETED = 1500  # per function: bounds the pairwise rows of many-parameter functions
MAX_SAME_CLASS = 48  # all combinations of a shared class up to this many, else diagonals
MAX_INSTANCES = 24  # recipes of one class in the targeted set

Classes = list[tuple[str, tuple[Any, ...]]]


def _any_classes() -> Classes:
    return [
        ("int", (0, 1, -1, 7, 2**62, -(2**63))),
        ("float", (0.0, -0.0, 1.5, math.nan, -math.inf)),
        ("str", ("", "a", "héllo wörld")),
        ("none", (None,)),
        ("bool", (False, True)),
        ("list", ([], [1, 2, 3], [1.5, -0.0], ["a", "b"])),
        ("tuple", ((), (1, "a"), (2.5,))),
    ]


def value_classes(spec: TypeSpec, top_level: bool = False) -> Classes:
    """The edge classes of ``spec``: (class name, values), deterministic and ordered.

    ``top_level``: a parameter's own type (not a list element), where the call boundary
    converts ``bool`` to ``int``, ``int`` to ``float`` and reads subclass instances.
    """
    kind = spec.kind
    if kind == "int":
        classes: Classes = list(int_classes().items())
        if top_level:
            classes.append(("bool for int", (False, True)))
            classes.append(("int subclass", (PvInt(3), PvInt(2**62), PvInt(-(2**64)))))
        return classes
    if kind == "float":
        classes = list(float_classes().items())
        if top_level:
            classes.append(("int for float", (0, 3, -7, 2**53 + 1, -(2**63), 10**20)))
            classes.append(("bool for float", (True,)))
            classes.append(("float subclass", (PvFloat(2.5), PvFloat(-0.0))))
        return classes
    if kind == "bool":
        return [("bool", (False, True))]
    if kind == "none":
        return [("none", (None,))]
    if kind == "str":
        return [
            ("empty", ("",)),
            ("ascii", ("a", "hello world", " ", "0", "-12", "a,b;c")),
            ("unicode", ("é", "日本語", "\U0001f600", "a\u0300")),
            ("long", ("x" * 100, "ab" * 40)),
        ]
    if kind in ("bytes", "bytearray"):
        return _bytes_classes(kind, top_level)
    if kind == "any":
        return _any_classes()
    if kind == "list" or (kind == "tuple" and spec.variadic):
        rebuild = list if kind == "list" else tuple
        element = value_classes(spec.items[0])
        flat = [v for _, values in element for v in values]
        singles = tuple(rebuild([v]) for _, values in element for v in values[:2])
        pairs = []
        for _, values in element:
            for a, b in itertools.islice(itertools.product(values, repeat=2), 9):
                pairs.append(rebuild([a, b]))
        mixed = tuple(
            rebuild(flat[(start + 5 * i) % len(flat)] for i in range(length))
            for start, length in ((0, 3), (1, 5), (7, MAX_LIST), (2, 8))
        )
        ordinary = _ordinary_lists(spec.items[0], rebuild)
        classes = [
            ("empty", (rebuild(),)),
            ("one element", singles),
            ("two elements", tuple(pairs)),
            ("mixed edges", mixed),
            ("ordinary", ordinary),
        ]
        if kind == "tuple" and top_level:
            classes.append(("tuple subclass", (PvTuple(ordinary[0]),)))
        return classes
    if kind == "union":
        # every member's classes: Optional[int] gets None besides every int class
        return [cls for item in spec.items for cls in value_classes(item, top_level)]
    if kind == "dict":
        return _dict_classes(spec)
    if kind == "instance":
        return _instance_classes(spec)
    if kind == "callable":
        return [("functions", tuple(Ref(t) for t in spec.choices))]
    if kind == "tuple" and spec.finite_values() is not None:
        return [("items", tuple(spec.finite_values() or ()))]  # the whole (small) domain
    if kind == "tuple":
        if not spec.items:
            return [("empty", ((),))]
        columns = [value_classes(item) for item in spec.items]
        rows = _pairwise_rows(columns, limit=200)
        values = tuple(tuple(row) for row in rows)
        classes = [("items", values)]
        if top_level:
            classes.append(("tuple subclass", (PvTuple(values[0]),)))
        return classes
    return []


MAX_DICT = 6
MAX_BYTES = 300  # the longest generated bytes (wide values and the targeted "binary" class)


def _bytes_classes(kind: str, top_level: bool = False) -> Classes:
    """Edge classes of ``bytes``/``bytearray``: empty, single bytes at the ends of the
    range, ASCII text, UTF-8 of non-ASCII text (and bytes that are not UTF-8, for a
    ``.decode()``), lengths around the 3- and 4-byte groups of base64/base32-like codecs,
    and binary data up to :data:`MAX_BYTES` long (a fixed stream: the targeted set does
    not depend on the seed). A ``bytes`` parameter also gets ``bytearray`` arguments."""
    rng = random.Random("bytes classes")
    classes: list[tuple[str, tuple[bytes, ...]]] = [
        ("empty", (b"",)),
        ("one byte", (b"\x00", b"\xff", b"a", b"\x7f", b"\x80")),
        ("ascii", (b"hello world", b"A", b"0", b"-12", b"a,b;c", b"\t\n ")),
        ("utf-8", tuple(text.encode() for text in ("é", "日本語", "\U0001f600", "a\u0300"))),
        ("not utf-8", (b"\xff\xfe", b"\xc3", b"abc\x80", b"\xed\xa0\x80", b"\xf8\x88")),
        ("codec lengths", tuple(bytes(range(65, 65 + n)) for n in (2, 4, 5, 7, 8, 10))),
        (
            "binary",
            (
                bytes(range(256)),
                bytes(rng.getrandbits(8) for _ in range(17)),
                bytes(rng.getrandbits(8) for _ in range(100)),
                bytes(rng.getrandbits(8) for _ in range(MAX_BYTES)),
            ),
        ),
        ("long", (b"x" * 100, b"\x00" * 64)),
    ]
    if kind == "bytearray":
        return [(name, tuple(bytearray(v) for v in values)) for name, values in classes]
    out: Classes = list(classes)
    if top_level:
        out.append(("bytearray for bytes", (bytearray(), bytearray(b"abc"), bytearray(b"\xff"))))
    return out


def _random_bytes(kind: str, rng: random.Random, length: int, text: bool) -> bytes | bytearray:
    """``length`` random bytes (``text``: from a few ASCII characters), as ``kind``."""
    if text:
        data = bytes(rng.choice(b"abcxyz ,.-0123") for _ in range(length))
    else:
        data = bytes(rng.getrandbits(8) for _ in range(length))
    return data if kind == "bytes" else bytearray(data)


def _construct(spec: TypeSpec, values: Any) -> Construct:
    if spec.choices:  # a record (.objects.record_fields): built by keyword
        return Construct(spec.name, (), tuple(zip(spec.choices, values, strict=False)))
    return Construct(spec.name, tuple(values))


def _instance_classes(spec: TypeSpec) -> Classes:
    """Recipes of an instance: the class called with small arguments (a fixed stream, the
    same on every build), some with the defaults left out."""
    if not spec.items:
        return [("instance", (_construct(spec, ()),))]
    every = spec.finite_values()
    if every is not None:  # few recipes (signature.recipe_domain): each one, exactly
        return [("instance", tuple(every))]
    rng = random.Random(f"recipes:{spec.name}")
    required = len(spec.items) - spec.optional
    made = []
    for number in range(MAX_INSTANCES):
        row = [_small(item, rng) for item in spec.items]
        keep = required if spec.optional and number % 4 == 3 else len(row)
        made.append(_construct(spec, row[:keep]))
    return [("instance", tuple(made))]


def _small(spec: TypeSpec, rng: random.Random) -> Any:
    """A small value of ``spec``: a constructor argument of a recipe."""
    kind = spec.kind
    if kind == "int":
        return rng.choice(SMALL_INTS)
    if kind == "float":
        return round(rng.uniform(-10.0, 10.0), rng.randint(0, 2))
    if kind in ("bytes", "bytearray"):
        return _random_bytes(kind, rng, rng.randint(0, 8), rng.random() < 0.5)
    if kind in ("list", "tuple") and (kind == "list" or spec.variadic):
        items = [_small(spec.items[0], rng) for _ in range(rng.randint(0, 10))]
        return items if kind == "list" else tuple(items)
    if kind == "tuple":
        return tuple(_small(item, rng) for item in spec.items)
    if kind == "dict":
        return _make_dict(
            (_small(spec.items[0], rng), _small(spec.items[1], rng))
            for _ in range(rng.randint(0, 3))
        )
    if kind == "union":
        return _small(rng.choice(spec.items), rng)
    if kind == "instance":
        return _construct(spec, (_small(item, rng) for item in spec.items))
    if kind == "any":
        return rng.choice((rng.randint(-3, 12), round(rng.uniform(-9, 9), 1), "ab", None))
    return _ordinary(spec, rng)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _make_dict(pairs: Any) -> dict[Any, Any]:
    """A dict of the (key, value) pairs whose key is hashable (later keys replace equal
    earlier ones, as in a dict display)."""
    return {k: v for k, v in pairs if _hashable(k)}


def _dict_classes(spec: TypeSpec) -> Classes:
    """Empty, one entry per key class, few entries of ordinary values, mixed edge values."""
    keys = [v for _, values in value_classes(spec.items[0]) for v in values if _hashable(v)]
    items = [v for _, values in value_classes(spec.items[1]) for v in values]
    if not keys or not items:
        return [("empty", ({},))]
    singles = tuple(
        {k: items[n % len(items)]} for n, k in enumerate(keys[:: max(1, len(keys) // 12)])
    )
    rng = random.Random(0)  # fixed: the targeted set does not depend on the seed
    ordinary = tuple(
        _make_dict(
            (_ordinary(spec.items[0], rng), _ordinary(spec.items[1], rng)) for _ in range(size)
        )
        for size in (2, 3, 5, MAX_DICT)
    )
    mixed = tuple(
        _make_dict(
            (keys[(start + 3 * i) % len(keys)], items[(start + 5 * i) % len(items)])
            for i in range(size)
        )
        for start, size in ((0, 3), (1, MAX_DICT), (4, 4))
    )
    return [
        ("empty", ({},)),
        ("one entry", singles),
        ("ordinary", ordinary),
        ("mixed edges", mixed),
    ]


def _ordinary_lists(element: TypeSpec, rebuild: type) -> tuple[Any, ...]:
    kind = element.kind
    if kind == "int":
        pools = [[3, 1, 2], [5, 5, 5], [1, 2, 3, 4, 5, 6], [9, -4, 0, 7, -4, 2], [2, 2, 1, 1]]
    elif kind == "float":
        pools = [
            [1.5, -0.25, 3.0],
            [0.0, -0.0],
            [-0.0, 0.0],
            [2.0, 2.0, 1.0],
            [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
            [17.0, 1.1, -3.3, 100.25],
        ]
    elif kind == "bool":
        pools = [[True, False, True], [False] * 4]
    else:
        flat = [v for _, values in value_classes(element) for v in values]
        pools = [flat[:3], flat[-3:]]
    return tuple(rebuild(pool) for pool in pools)


def _base_values(classes: Classes) -> list[Any]:
    """Values for a parameter that is not the one being varied: ordinary ones first."""
    preferred = [v for name, vs in classes if name in ("small", "one", "ordinary") for v in vs]
    return preferred or [v for _, vs in classes for v in vs]


def _same_class_pairs(values_a: tuple, values_b: tuple) -> list[tuple[Any, Any]]:
    """Every combination of two parameters' values of one shared class (diagonals first
    when there are more than ``MAX_SAME_CLASS``: equal and neighbouring values meet)."""
    indexes = sorted(
        itertools.product(range(len(values_a)), range(len(values_b))),
        key=lambda ij: (abs(ij[0] - ij[1]), ij),
    )
    if len(indexes) > MAX_SAME_CLASS:
        indexes = indexes[: MAX_SAME_CLASS // 3]
    return [(values_a[i], values_b[j]) for i, j in indexes]


def _pairwise_rows(columns: list[Classes], limit: int = MAX_TARGETED) -> list[list[Any]]:
    """Rows covering every value of each column and every pair of classes of two columns."""
    bases = [_base_values(c) for c in columns]
    counter = itertools.count()

    def row(fixed: dict[int, Any]) -> list[Any]:
        n = next(counter)
        return [
            fixed[i] if i in fixed else bases[i][(n + i) % len(bases[i])]
            for i in range(len(columns))
        ]

    walks: list[list[Any]] = []
    for i, classes in enumerate(columns):
        for _, values in classes:
            walks.extend(row({i: v}) for v in values)
    crossed: list[list[Any]] = []
    same: list[list[Any]] = []
    for i, j in itertools.combinations(range(len(columns)), 2):
        for (name_a, values_a), (name_b, values_b) in itertools.product(columns[i], columns[j]):
            if name_a == name_b:
                same.extend(row({i: a, j: b}) for a, b in _same_class_pairs(values_a, values_b))
            else:
                k = next(counter)
                a, b = values_a[k % len(values_a)], values_b[k % len(values_b)]
                crossed.append(row({i: a, j: b}))
    return (walks + crossed + same)[:limit]


# -- the seeded set -----------------------------------------------------------------------
def _ordinary(spec: TypeSpec, rng: random.Random) -> Any:
    kind = spec.kind
    if kind == "int":
        return rng.choice((rng.randint(-20, 20), rng.randint(-1000, 1000), rng.randint(0, 100)))
    if kind == "float":
        how = rng.random()
        if how < 0.4:
            return round(rng.uniform(-100.0, 100.0), rng.randint(0, 3))
        if how < 0.7:
            return rng.uniform(-10.0, 10.0)
        return rng.randint(-50, 50) / rng.choice((1.1, 3.0, 7.0, 0.3, 2.5, 10.0))
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "none":
        return None
    if kind == "str":
        return "".join(rng.choice("abcxyz ,.-0123") for _ in range(rng.randint(0, 8)))
    if kind in ("bytes", "bytearray"):
        return _random_bytes(kind, rng, rng.randint(0, 16), rng.random() < 0.6)
    if kind == "any":
        return rng.choice((rng.randint(-20, 20), round(rng.uniform(-9, 9), 2), "ab", None))
    if kind == "list" or (kind == "tuple" and spec.variadic):
        items = [_ordinary(spec.items[0], rng) for _ in range(rng.randint(0, MAX_LIST))]
        return items if kind == "list" else tuple(items)
    if kind == "tuple":
        return tuple(_ordinary(item, rng) for item in spec.items)
    if kind == "dict":
        size = rng.randint(0, MAX_DICT)
        return _make_dict(
            (_ordinary(spec.items[0], rng), _ordinary(spec.items[1], rng)) for _ in range(size)
        )
    if kind == "union":
        return _ordinary(rng.choice(spec.items), rng)
    if kind == "instance":
        return _construct(spec, (_small(item, rng) for item in spec.items))
    if kind == "callable":
        return Ref(rng.choice(spec.choices))
    raise ValueError(f"no values for {spec}")


def _edge(spec: TypeSpec, rng: random.Random, top_level: bool = False) -> Any:
    classes = value_classes(spec, top_level)
    _, values = rng.choice(classes)
    return rng.choice(values)


def _wide(spec: TypeSpec, rng: random.Random) -> Any:
    kind = spec.kind
    if kind == "int":
        return rng.choice((-1, 1)) * rng.getrandbits(rng.randint(1, 130))
    if kind == "float":
        if rng.random() < 0.5:
            return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        return rng.uniform(-1.0, 1.0) * 2.0 ** rng.randint(-1074, 1023)
    if kind in ("bytes", "bytearray"):
        return _random_bytes(kind, rng, rng.randint(0, MAX_BYTES), False)
    if kind in ("list", "tuple") and (kind == "list" or spec.variadic):
        items = [_any_value(spec.items[0], rng) for _ in range(rng.randint(0, MAX_LIST))]
        return items if kind == "list" else tuple(items)
    if kind == "tuple":
        return tuple(_any_value(item, rng) for item in spec.items)
    if kind == "dict":
        size = rng.randint(0, MAX_DICT)
        return _make_dict(
            (_any_value(spec.items[0], rng), _any_value(spec.items[1], rng)) for _ in range(size)
        )
    if kind == "union":
        return _wide(rng.choice(spec.items), rng)
    if kind == "instance":
        return _construct(spec, (_small(item, rng) for item in spec.items))
    return _edge(spec, rng)


def _any_value(spec: TypeSpec, rng: random.Random, top_level: bool = False) -> Any:
    how = rng.random()
    if how < 0.5:
        return _ordinary(spec, rng)
    if how < 0.75:
        return _edge(spec, rng, top_level)
    return _wide(spec, rng)


def function_seed(seed: int, function: FunctionInfo) -> int:
    digest = hashlib.sha256(f"{seed}:{function.module}:{function.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# -- building calls -----------------------------------------------------------------------
def _call(params: tuple[Param, ...], values: list[Any], style: str) -> tuple[tuple, dict]:
    """Arguments for one call: ``positional``, ``keywords`` or ``defaults`` (omit them)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    by_keyword = style == "keywords"
    for param, value in zip(params, values, strict=True):
        if style == "defaults" and param.has_default:
            by_keyword = True  # later parameters must be named once one is left out
            continue
        if param.keyword_only or (by_keyword and not param.positional_only):
            kwargs[param.name] = value
        else:
            args.append(value)
    return tuple(args), kwargs


def targeted(function: FunctionInfo) -> list[InputCase]:
    """The seed-independent targeted set (see the module docstring)."""
    params = function.params
    if not params:
        return [InputCase((), {}, "generated", "#1 (no parameters)")]
    columns = [value_classes(p.type, top_level=True) for p in params]
    rows = _pairwise_rows(columns)
    space = function.input_space()
    cases: list[InputCase] = []
    seen: set[str] = set()

    def add(args: tuple, kwargs: dict, note: str) -> None:
        case = InputCase(args, kwargs, "generated", "")
        if case.key not in seen:
            seen.add(case.key)
            case.origin = f"#{len(cases) + 1} ({note})"
            cases.append(case)

    for row in rows:
        add(*_call(params, row, "positional"), "targeted")
    if space is None:  # a finite domain is covered exactly, by value
        named = [p for p in params if not p.positional_only]
        for number, row in enumerate(rows[:: max(1, len(rows) // 40)]):
            if named:
                add(*_call(params, row, "keywords"), "targeted, keyword call")
            if any(p.has_default for p in params) and number % 2 == 0:
                add(*_call(params, row, "defaults"), "targeted, defaults omitted")
    return cases


def seeded(function: FunctionInfo, count: int, seed: int, skip: set[str]) -> list[InputCase]:
    """``count`` inputs from the seeded random mix, none of whose keys are in ``skip``."""
    if not function.params:
        return []
    space = function.input_space()
    if space is not None:
        count = min(count, max(0, space - len(skip)))
    rng = random.Random(function_seed(seed, function))
    cases: list[InputCase] = []
    seen = set(skip)
    attempts = 0
    while len(cases) < count and attempts < count * 20:
        attempts += 1
        values = [_any_value(p.type, rng, top_level=True) for p in function.params]
        how = rng.random()
        style = "keywords" if how < 0.15 else "defaults" if how < 0.3 else "positional"
        args, kwargs = _call(function.params, values, style)
        case = InputCase(args, kwargs, "generated", "")
        if case.key in seen:
            continue
        seen.add(case.key)
        case.origin = f"seeded #{len(cases) + 1}"
        cases.append(case)
    return cases


def generate(function: FunctionInfo, count: int, seed: int) -> list[InputCase]:
    """The targeted set, then ``count`` seeded inputs (fewer when the domain is smaller)."""
    if not function.generatable:
        return []
    fixed = targeted(function)
    extra = seeded(function, count, seed, {c.key for c in fixed})
    cases = fixed + extra
    for number, case in enumerate(cases, start=1):
        label = case.origin.split(" (", 1)[1] if " (" in case.origin else "seeded"
        case.origin = f"#{number} ({label.rstrip(')')})"
    if function.reads_stdin:
        # after the numbering: a parameterless function's one case becomes one per text
        cases = with_stdin(cases, function_seed(seed, function))
    return cases


def effective_seed(ctx: BuildContext) -> int:
    """This build's seed: ``--seed``, else ``[tool.pyvorin.verify] seed``, else a new one.

    A new seed is drawn once per build (per context) and kept on the context so every
    module and function of the build, and the manifest, use the same one.
    """
    explicit = getattr(ctx.options, "verify_seed", None)
    if explicit is not None:
        return int(explicit)
    configured = ctx.settings["verify.seed"]
    if configured is not None:
        return int(configured)
    drawn = getattr(ctx, "_verify_build_seed", None)
    if drawn is None:
        drawn = secrets.randbelow(2**32)
        ctx._verify_build_seed = drawn  # type: ignore[attr-defined]
    return int(drawn)


def seed_source(ctx: BuildContext) -> str:
    if getattr(ctx.options, "verify_seed", None) is not None:
        return "--seed"
    if ctx.settings["verify.seed"] is not None:
        return "config"
    return "per-build"


@hookimpl
def pyvorin_generate_inputs(
    ctx: BuildContext, module: ModuleSpec, function: FunctionInfo
) -> list[InputCase]:
    return generate(function, ctx.settings["verify.min-inputs"], effective_seed(ctx))


__all__ = ["effective_seed", "generate", "seed_source", "seeded", "targeted", "value_classes"]

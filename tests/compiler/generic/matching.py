"""Conformance source: match statements (PEP 634), compiled by the generic tier and
compared with CPython (tests/compiler/test_exact_matching.py). Each function builds its
subjects itself from a simple argument, so both sides match the same kinds of objects."""

import array
import collections
import collections.abc
import dataclasses
import enum
import types


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class K:
    A = "a"
    B = "a"  # equal to A: a duplicate key when both are keys of one mapping pattern
    ONE = 1
    L = []  # unhashable
    func = len  # not a class


class Point:
    __match_args__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __repr__(self):
        return f"Point({self.x!r}, {self.y!r})"


@dataclasses.dataclass
class Pair:
    first: object
    second: object


class ListArgs:
    __match_args__ = ["a"]  # not a tuple
    a = 1


class IntArgs:
    __match_args__ = ("a", 1)  # an element that is not a str
    a = 1


class Outer:
    class Inner:
        __match_args__ = ("v",)
        v = 0


class MyInt(int):
    __match_args__ = ("real", "imag")


class MyStr(str):
    pass  # inherits matching itself


class Logged:
    """Attributes that say when they are read."""

    __match_args__ = ("a", "b", "c")

    @property
    def a(self):
        print("get a")
        return 1

    @property
    def b(self):
        print("get b")
        raise AttributeError("b")

    @property
    def c(self):
        print("get c")
        return 3

    @property
    def boom(self):
        raise KeyError("boom")


class Meta(type):
    def __instancecheck__(cls, obj):
        print("instancecheck", type(obj).__name__)
        return isinstance(obj, int)


class IntLike(metaclass=Meta):
    pass


class Seq(collections.abc.Sequence):
    """A sequence that reports each access."""

    def __init__(self, *items):
        self.items = list(items)

    def __len__(self):
        print("len")
        return len(self.items)

    def __getitem__(self, i):
        print("getitem", i)
        return self.items[i]

    def __iter__(self):
        print("iter")
        return iter(self.items)


class LyingSeq(collections.abc.Sequence):
    """len() says 3, iteration gives 2 items."""

    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i >= 2:
            raise IndexError(i)
        return i

    def __iter__(self):
        return iter([0, 1])


class Registered:
    """A sequence only by registration (collections.abc.Sequence.register)."""

    def __init__(self, *items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


collections.abc.Sequence.register(Registered)


class Map(collections.abc.Mapping):
    """A mapping that reports each access."""

    def __init__(self, **items):
        self.items = items

    def __len__(self):
        print("len")
        return len(self.items)

    def __getitem__(self, k):
        print("getitem", k)
        return self.items[k]

    def __iter__(self):
        print("iter")
        return iter(self.items)

    def get(self, k, default=None):
        print("get", k)
        return self.items.get(k, default)


class Everything(collections.abc.Mapping):
    """get() answers for every key; iteration knows only 'z'."""

    def __len__(self):
        return 5

    def __getitem__(self, k):
        return k

    def __iter__(self):
        return iter(["z"])

    def get(self, k, default=None):
        return k


class NoKeys:
    """A mapping only by registration, without keys()."""

    def __len__(self):
        return 1

    def get(self, k, default=None):
        return 1


collections.abc.Mapping.register(NoKeys)


class Missing(dict):
    def __missing__(self, key):
        print("missing", key)
        return 0


class GetDict(dict):
    def get(self, k, default=None):
        print("GetDict.get", k)
        return super().get(k, default)


class BadLen(list):
    def __len__(self):
        raise ValueError("no len")


class BadGet(dict):
    def get(self, k, default=None):
        raise LookupError(f"get {k}")


class EqLog:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        print("EqLog.__eq__", other)
        return self.v == other

    __hash__ = None


class BadEq:
    def __eq__(self, other):
        raise ArithmeticError("no ==")


class BadBool:
    def __bool__(self):
        raise RuntimeError("no bool")


class EqBadBool:
    def __eq__(self, other):
        return BadBool()


def subject(kind):
    """The subjects the functions below match, by name."""
    return {
        "int": 1,
        "true": True,
        "false": False,
        "none": None,
        "zero": 0,
        "neg": -1,
        "float": 0.5,
        "complex": 1 + 2j,
        "str": "ab",
        "bytes": b"ab",
        "bytearray": bytearray(b"ab"),
        "list": [1, 2, 3],
        "list2": [1, 2],
        "empty": [],
        "tuple": (1, 2),
        "tuple1": (7,),
        "range": range(3),
        "memoryview": memoryview(b"xyz"),
        "array": array.array("i", [4, 5, 6]),
        "deque": collections.deque([1, 2]),
        "iterator": iter([1, 2]),
        "set": {1, 2},
        "frozenset": frozenset([1]),
        "dict": {"a": 1, "b": 2},
        "dict1": {"a": 1},
        "emptydict": {},
        "ordered": collections.OrderedDict(a=1, c=3),
        "defaultdict": collections.defaultdict(int, a=5),
        "proxy": types.MappingProxyType({"a": 1}),
        "point": Point(1, 2),
        "point0": Point(0, 0),
        "pair": Pair("p", "q"),
        "color": Color.RED,
        "myint": MyInt(5),
        "mystr": MyStr("zz"),
        "registered": Registered(1, 2),
        "object": object(),
        "nested": {"pts": [Point(0, 5), Point(1, 1)], "name": "n"},
    }[kind]


# -- literal and value patterns ------------------------------------------------------


def literals(kind):
    x = subject(kind)
    match x:
        case True:
            return "True"
        case False:
            return "False"
        case None:
            return "None"
        case 1:
            return "one"
        case -1:
            return "minus one"
        case 0.5:
            return "half"
        case 1 + 2j:
            return "complex"
        case "ab":
            return "str ab"
        case b"ab":
            return "bytes ab"
        case _:
            return "other"


def singletons_use_is(kind):
    x = subject(kind)
    match x:
        case 1:  # True == 1: matched by ==
            r = "eq one"
        case _:
            r = "not one"
    match x:
        case True:  # 1 is not True
            s = "is True"
        case _:
            s = "not True"
    return r, s


def value_patterns(kind):
    x = subject(kind)
    match x:
        case Color.RED:
            return "red"
        case Color.GREEN:
            return "green"
        case K.ONE:
            return "K.ONE"
        case K.A:
            return "K.A"
        case _:
            return "other"


def eq_order(v):
    x = EqLog(v)
    match x:
        case 1:
            return "one"
        case K.A:
            return "a"
        case _:
            return "none"


def eq_errors(which):
    x = BadEq() if which == "eq" else EqBadBool()
    match x:
        case 1:
            return "matched"
    return "no"


# -- sequence patterns ----------------------------------------------------------------


def sequences(kind):
    x = subject(kind)
    match x:
        case []:
            return "empty"
        case [a]:
            return ("one", a)
        case [a, b]:
            return ("two", a, b)
        case [a, b, *rest]:
            return ("two+", a, b, rest)
        case _:
            return "not a sequence"


def star_positions(kind):
    x = subject(kind)
    match x:
        case [*init, 3]:
            return ("init", init)
        case (first, *_, last):
            return ("ends", first, last)
        case [*_]:
            return "any sequence"
        case _:
            return "no"


def star_wildcard_items(kind):
    x = subject(kind)
    match x:
        case [_, _, *_, _, _]:
            return "four or more"
        case [a, *_, b]:
            return ("first/last", a, b)
        case [*_, c]:
            return ("last", c)
        case _:
            return "no"


def sequence_calls(n):
    """Which accesses each kind of sequence pattern makes, in order."""
    s = Seq(*range(n))
    out = []
    match s:
        case [a, *_, b, c]:
            out.append(("subscripts", a, b, c))
    match s:
        case [a, b]:
            out.append(("unpack", a, b))
        case [a, *rest]:
            out.append(("unpack-ex", a, rest))
    match s:
        case [_, _, *_]:
            out.append("only wildcards")
    match s:
        case [*_]:  # no len(), no item
            out.append("any sequence")
    match s:
        case [*everything]:  # no len(): iterated
            out.append(("all", everything))
    match s:
        case [*_, last]:
            out.append(("last", last))
    return out


def lying_sequence(which):
    s = LyingSeq()
    match which:
        case "unpack":
            match s:
                case [a, b, c]:
                    return a, b, c
        case "star":
            match s:
                case [a, *rest]:
                    return a, rest
        case "subscript":
            match s:
                case [a, *_, b]:
                    return a, b
    return "no"


def bad_len():
    match BadLen([1]):
        case [x]:
            return x
    return "no"


def make_nested(i):
    return [[[1, 2], [3, 4, 5]], [1, [2, "x"]], [[2, "y"], 1], (1, 2), [[1], [2]]][i]


def nested_from(i):
    x = make_nested(i)
    match x:
        case [[a, b], [c, *d]]:
            return ("nested", a, b, c, d)
        case [1, [2, y]] | [[2, y], 1]:
            return ("or nested", y)
        case [1, 2]:
            return "list or tuple 1 2"
        case _:
            return "no"


# -- mapping patterns -----------------------------------------------------------------


def mappings(kind):
    x = subject(kind)
    match x:
        case {"a": 1, "b": b}:
            return ("a1 b", b)
        case {"a": a, **rest}:
            return ("a", a, rest)
        case {}:
            return ("any mapping", type(x).__name__)
        case _:
            return "not a mapping"


def mapping_rest_only(kind):
    x = subject(kind)
    match x:
        case {**rest}:
            return ("rest", rest, type(rest).__name__, rest is x)
    return "no"


def mapping_value_keys(kind):
    x = subject(kind)
    match x:
        case {K.A: v, "b": w}:
            return ("K.A and b", v, w)
        case {K.A: v}:
            return ("K.A", v)
        case _:
            return "no"


def mapping_calls(which):
    m = Map(a=1, b=2)
    out = []
    if which == "keys":
        match m:
            case {"a": 1, "c": c}:
                out.append(("c", c))
            case {"b": b, "a": a}:
                out.append(("b a", b, a))
    elif which == "rest":
        match m:
            case {"a": a, **rest}:
                out.append(("rest", a, rest))
    elif which == "short":
        match m:
            case {"a": _, "b": _, "c": _}:  # too short: no key looked up
                out.append("three")
    return out


def duplicate_keys(which):
    d = {"a": 1, "b": 2, "c": 3}
    if which == "dup":
        match d:
            case {K.A: 1, K.B: 2}:
                return "matched"
    elif which == "missing-first":
        match d:
            case {"z": 1, K.A: 1, K.B: 2}:  # "z" is missing: the duplicate is not reached
                return "matched"
    elif which == "unhashable":
        match d:
            case {K.L: 1}:
                return "matched"
    return "no"


def mapping_oddities(which):
    if which == "defaultdict":
        d = collections.defaultdict(list, a=1)
        match d:
            case {"zz": _}:
                return "zz"
        return ("no key made", sorted(d))
    if which == "missing":
        d = Missing(a=1)
        match d:
            case {"q": v}:
                return ("q", v)
        return ("no __missing__", dict(d))
    if which == "getdict":
        match GetDict(a=1, b=2):
            case {"a": a, **rest}:
                return ("a", a, rest)
    if which == "everything":
        match Everything():
            case {"a": a, "b": b}:
                return ("a b", a, b)
    if which == "everything-rest":
        match Everything():
            case {"a": a, **rest}:  # dict(subject) has no "a": del fails
                return ("a", a, rest)
    if which == "nokeys":
        match NoKeys():
            case {"a": a, **rest}:
                return ("a", a, rest)
    if which == "badget":
        match BadGet(a=1):
            case {"a": 1}:
                return "a"
    if which == "proxy":
        match types.MappingProxyType({"a": 1, "b": 2}):
            case {"a": a, **rest}:
                return ("a", a, rest)
    return "no"


# -- class patterns -------------------------------------------------------------------


def classes(kind):
    x = subject(kind)
    match x:
        case Point(0, 0):
            return "origin"
        case Point(x=1, y=yy):
            return ("point x=1", yy)
        case Pair(a, second=b):
            return ("pair", a, b)
        case bool(b):
            return ("bool", b)
        case int(i) if i > 100:
            return ("big int", i)
        case MyInt(r, im):
            return ("MyInt", r, im)
        case int(i):
            return ("int", i)
        case float(f) | complex(f):
            return ("number", f)
        case MyStr(s):
            return ("MyStr", s, type(s).__name__)
        case str(s) | bytes(s) | bytearray(s):
            return ("text", s)
        case list(items) | tuple(items):
            return ("list/tuple", items)
        case dict(d):
            return ("dict", sorted(d))
        case set(v) | frozenset(v):
            return ("set", sorted(v))
        case Color(value=v):
            return ("color", v)
        case object():
            return ("object", type(x).__name__)


def class_errors(which):
    if which == "not-a-class":
        match 1:
            case K.func():
                return "matched"
    elif which == "too-many":
        match Point(1, 2):
            case Point(1, 2, 3):
                return "matched"
    elif which == "too-many-self":
        match 1:
            case int(1, 2):
                return "matched"
    elif which == "too-many-static":
        match collections.OrderedDict():
            case collections.OrderedDict(1, 2):
                return "matched"
    elif which == "nested-name":
        match Outer.Inner():
            case Outer.Inner(0, 1):
                return "matched"
    elif which == "list-args":
        match ListArgs():
            case ListArgs(1):
                return "matched"
    elif which == "int-args":
        match IntArgs():
            case IntArgs(1, 2):
                return "matched"
    elif which == "repeated":
        match Point(1, 2):
            case Point(1, x=1):
                return "matched"
    elif which == "raising-attr":
        match Logged():
            case Logged(boom=1):
                return "matched"
    elif which == "no-isinstance":
        match "s":
            case Point():
                return "matched"
    return "no"


def class_attribute_order(which):
    """Positional attributes by __match_args__, keywords after; a missing one (an
    AttributeError) is no match, and stops the lookups."""
    match Logged():
        case Logged(1, c=3) if which == "ac":
            return "a and c"
        case Logged(1, 2):
            return "a and b"
        case Logged(a=_, c=_):
            return "wildcards still read"
    return "no"


def instancecheck(v):
    match v:
        case IntLike():
            return "int-like"
    return "no"


def dataclass_args(a, b):
    match Pair(a, b):
        case Pair(1, 2):
            return "one two"
        case Pair(x, Pair(y, z)):
            return ("nested pair", x, y, z)
        case Pair(first=[*xs]):
            return ("first is a sequence", xs)
    return "no"


# -- captures, guards, or, as -------------------------------------------------------


def guard_leaves_names_bound(v):
    match v:
        case [a, b] if a > b:
            return "descending"
        case [c]:
            return ("one", c)
    return a, b  # bound by the pattern even though its guard failed


def partial_match_binds_nothing(v):
    match v:
        case [a, 2]:
            return "matched"
    return a  # the pattern failed: nothing was stored


def guard_sees_captures(x0, y0, limit):
    match Point(x0, y0):
        case Point(x, y) if x + y > limit:
            return ("far", x, y)
        case Point(x, y) if (z := x * y) > limit:
            return ("product", z)
        case Point():
            return ("near", x, y)


def guard_raises(v):
    try:
        match v:
            case [a] if 1 // a:
                return "nonzero"
    except ZeroDivisionError:
        return ("guard raised", a)
    return "no"


def default_with_guard(v, flag):
    match v:
        case 1:
            return "one"
        case _ if flag:
            return "flagged"
    return "fell through"


def or_patterns(v):
    match v:
        case 0 | 1 | 2:
            return "small"
        case [x, 1] | [1, x] | (x, 2, 2):
            return ("x", x)
        case {"k": k} | Point(x=k) | [_, _, _, k]:
            return ("k", k)
        case str() | bytes():
            return "text"
    return "no"


def as_patterns(v):
    match v:
        case [1, (2 | 3) as second] as whole:
            return ("whole", whole, second)
        case (Point() as p) | [Point() as p, *_]:
            return ("point", p)
        case int() | float() as n:
            return ("number", n)
    return "no"


def no_case_matches(v):
    r = "before"
    match v:
        case 1:
            r = "one"
        case [2]:
            r = "two"
    return r


def subject_once():
    calls = []

    def subj():
        calls.append("subject")
        return [1, 2]

    match subj():
        case [0, _]:
            pass
        case [1, 3]:
            pass
        case [a, b]:
            calls.append((a, b))
    return calls


def in_loop(items):
    out = []
    for it in items:
        match it:
            case "stop":
                break
            case "skip":
                continue
            case int(n) if n % 2:
                out.append(("odd", n))
            case int(n):
                out.append(("even", n))
            case [*xs]:
                out.append(("list", len(xs)))
    else:
        out.append("exhausted")
    return out


def loop_failures(n):
    """Patterns failing part-way, over and over in one call: what a failed pattern held
    (items, captures, keys, attributes) is released each time."""
    hits = []
    for i in range(n):
        big = (i + 1) * 10**20
        match [big, [big, str(big)], {"k": big}, Point(big, [big])]:
            case [_, [a, "x"], _, _]:  # unpack path, fails at "x"
                hits.append(a)
            case [b, *_, {"k": 0}, _]:  # subscript path, fails in the mapping
                hits.append(b)
            case [_, *_, Point(x, [0])]:  # class attributes taken, fails inside
                hits.append(x)
            case [c, [d, str() as e], {K.A: f} | {"k": int(f)}, _] if f < 0:
                hits.append((c, d, e))  # the guard fails: the names stay bound
            case Point(x=p) | [_, [p, 1], _, _]:
                hits.append(p)
    return len(hits), n, c == big, d == big, e == str(big), f == big


def closure_over_capture(v):
    match v:
        case [a, b]:
            return (lambda: a + b)()
    return None


def gen_match(items):
    def g():
        for it in items:
            match it:
                case [x, y] if (yield ("pair", x)) is None:
                    yield ("y", y)
                case {"k": k}:
                    yield ("k", k)
                case _:
                    yield "other"

    return list(g())


def nested_data(kind):
    x = subject(kind)
    match x:
        case {"pts": [Point(x=0, y=y), *others], "name": str(name)}:
            return ("nested", y, others, name)
    return "no"


def name_kinds(v):
    """Captures into a cell, a local and (through `global`) a module global."""
    global g_capture
    match v:
        case [cell, local, g_capture]:
            f = lambda: cell  # noqa: E731
            return f(), local, g_capture
    return "no"


g_capture = None


# -- at module level and in a class body: stores into namespaces (their order shows) --

# the first alternative fails: the second binds the names, stored in the first's order
match [1, 2, 3, 4]:
    case [mod_a, *mod_rest, mod_b, 0] | (mod_b, mod_a, *mod_rest):
        pass

match {"k": 1, "z": 2}:
    case {"k": mod_k, **mod_kw} as mod_whole:
        pass

MODULE_ORDER = [k for k in globals() if k.startswith("mod_")]


class Recorder(dict):
    """A class namespace that records the order of its stores."""

    def __init__(self):
        super().__init__()
        self.order = []

    def __setitem__(self, key, value):
        self.order.append(key)
        super().__setitem__(key, value)


class RecordingMeta(type):
    @classmethod
    def __prepare__(mcls, name, bases):
        return Recorder()

    def __new__(mcls, name, bases, ns):
        cls = super().__new__(mcls, name, bases, dict(ns))
        cls.order = ns.order
        return cls


class Body(metaclass=RecordingMeta):
    match (1, (2, 3)):
        case (x, (y, z) as yz, 0) | [y, (x, z) as yz]:
            pass
    match Point(5, 6):
        case Point(px, y=py) as pt:
            pass


def module_level():
    return MODULE_ORDER, mod_a, mod_rest, mod_b, mod_k, mod_kw, mod_whole


def class_level():
    return Body.order, Body.x, Body.y, Body.z, Body.yz, Body.px, Body.py, Body.pt


# -- traceback lines (compared entry by entry) ----------------------------------------
# (patterns over several lines on purpose: which line an error reports depends on it)
# fmt: off


class ShortSeq(collections.abc.Sequence):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i == 2:
            raise KeyError(i)
        return i


def tb_short_sequence():
    match ShortSeq():
        case [a,
              b,
              *_,
              c]:
            return a, b, c
    return "no"


def tb_rest_after_values():
    match Everything():
        case {"p": (str() |
                    int()),
              **rest}:
            return rest
    return "no"


def tb_guard():
    match {"x": [1, 2], "y": {}}:
        case {"x": [1,
                    2],
              "y": y} if (
                 y["q"]):
            return 1
    return "no"


def tb_class():
    match Point(1, Logged()):
        case Point(
            1,
            Logged(
                boom=_)):
            return 1
    return "no"


def tb_or_alternatives():
    match BadLen([1]):
        case (1 |
              Point() |
              [_]):
            return 1
    return "no"


def tb_value_compare():
    match BadEq():
        case [1] | (
                2):
            return 1
    return "no"


def tb_subject():
    match [][0]:
        case _:
            return 1
# fmt: on

"""Generic-tier conformance: ordinary, unannotated Python compiled and compared with CPython."""

import collections
import functools
import itertools
import math
import os.path
from dataclasses import dataclass, field

TABLE = {name: len(name) for name in ("alpha", "beta", "gamma")}
PRIMES = [n for n in range(2, 50) if all(n % d for d in range(2, int(n**0.5) + 1))]
counter = 0


def params(a, b=2, /, c=3, *args, d, e=5, **kw):
    return (a, b, c, args, d, e, sorted(kw.items()))


def defaults_shared(x, acc=[]):  # noqa: B006 - the shared default is the point
    acc.append(x)
    return list(acc)


def bump():
    global counter
    counter += 1
    return counter


def make_counter(start):
    n = start

    def step(by=1):
        nonlocal n
        n += by
        return n

    return step


def counter_steps(start):
    step = make_counter(start)
    return [step(), step(2), step()]


def closures_in_loop(k):
    fs = [lambda i=i: i * k for i in range(4)]
    gs = [lambda: i for i in range(3)]  # noqa: B023 - late binding is the point
    return [f() for f in fs], [g() for g in gs]


def traced(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return ("traced", fn.__name__, fn(*args, **kwargs))

    return wrapper


@traced
def decorated(x, y=1):
    """Doc of decorated."""
    return x + y


@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


class Shape:
    sides = 0
    registry = []

    def __init__(self, name):
        self.name = name
        Shape.registry.append(name)

    def describe(self):
        return f"{self.name} with {self.sides} sides"

    @property
    def label(self):
        return self.name.upper()

    @label.setter
    def label(self, value):
        self.name = value.lower()

    @staticmethod
    def unit():
        return "cm"

    @classmethod
    def make(cls, name):
        return cls(name)

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"

    def __eq__(self, other):
        return isinstance(other, Shape) and self.name == other.name

    def __hash__(self):
        return hash(self.name)

    def __lt__(self, other):
        return self.name < other.name


class Square(Shape):
    sides = 4

    def __init__(self, name, size):
        super().__init__(name)
        self.size = size

    def describe(self):
        return super().describe() + f", size {self.size}"

    def __len__(self):
        return self.size

    def __iter__(self):
        return iter(range(self.size))

    def __getitem__(self, i):
        if not 0 <= i < self.size:
            raise IndexError(f"square index {i} out of range")
        return i * i

    def __add__(self, other):
        return Square(self.name + other.name, self.size + other.size)


class Slotted:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm(self):
        return math.hypot(self.x, self.y)


@dataclass(order=True)
class Point:
    x: float
    y: float = 0.0
    tags: list = field(default_factory=list, compare=False)

    def moved(self, dx, dy=0.0):
        return Point(self.x + dx, self.y + dy)


class Meta(type):
    def __new__(mcls, name, bases, ns, **kw):
        ns["created_by"] = "Meta"
        return super().__new__(mcls, name, bases, ns)


class WithMeta(metaclass=Meta):
    pass


def shapes(n):
    sq = Square("sq", n)
    other = Square.make("b")
    return (
        sq.describe(),
        repr(sq),
        len(sq),
        list(sq),
        sq[n - 1],
        sq.label,
        Shape.unit(),
        repr(other),
        sorted([Shape("z"), Shape("a")]),
        Shape("q") == Shape("q"),
        repr(sq + Square("x", 1)),
        WithMeta.created_by,
        Slotted(3, 4).norm(),
        Point(1.0) < Point(2.0),
        Point(1.5, 2).moved(1),
    )


def set_label(v):
    s = Shape("abc")
    s.label = v
    return s.name


def slotted_error():
    s = Slotted(1, 2)
    s.z = 3


class AppError(Exception):
    def __init__(self, code, msg):
        super().__init__(msg)
        self.code = code


def exceptions(kind):
    log = []
    try:
        try:
            if kind == "value":
                raise ValueError("bad value")
            if kind == "app":
                raise AppError(7, "app failed")
            if kind == "key":
                return {}["missing"]
            if kind == "zero":
                return 1 / 0
            log.append("no error")
        except ValueError as e:
            log.append(("value", str(e)))
            raise RuntimeError("wrapped") from e
        except AppError as e:
            log.append(("app", e.code, e.args))
        else:
            log.append("else")
        finally:
            log.append("finally")
    except RuntimeError as e:
        log.append(("runtime", str(e), type(e.__cause__).__name__, e.__suppress_context__))
    return log


def reraise(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        if x == 0:
            raise
        return None


def context_chain():
    try:
        try:
            raise KeyError("inner")
        except KeyError:
            raise ValueError("outer")  # noqa: B904 - implicit chaining is the point
    except ValueError as e:
        return (str(e), repr(e.__context__), e.__cause__)


def finally_return(x):
    for i in range(3):
        try:
            if i == x:
                return ("returned", i)
            if i == 1:
                continue
        finally:
            if x == 9:
                break
    return ("end", x)


class Recorder:
    def __init__(self, suppress):
        self.log = []
        self.suppress = suppress

    def __enter__(self):
        self.log.append("enter")
        return self

    def __exit__(self, et, ev, tb):
        self.log.append(("exit", et.__name__ if et else None, str(ev) if ev else None))
        return self.suppress


def with_statement(fail, suppress):
    r = Recorder(suppress)
    with r as inner, Recorder(False) as second:
        inner.log.append("body")
        second.log.append("x")
        if fail:
            raise OSError("disk")
    return r.log


def countdown(n):
    while n > 0:
        got = yield n
        if got is not None:
            n = got
        n -= 1
    return "liftoff"


def delegate(n):
    result = yield from countdown(n)
    yield result
    yield from [10, 20]


def gen_protocol(n):
    g = countdown(n)
    out = [next(g), g.send(3), next(g)]
    try:
        next(g)
    except StopIteration as e:
        out.append(("stop", e.value))
    d = delegate(2)
    out.append(list(d))
    g2 = countdown(5)
    next(g2)
    try:
        g2.throw(ValueError("thrown"))
    except ValueError as e:
        out.append(("thrown back", str(e)))
    g3 = countdown(3)
    next(g3)
    g3.close()
    out.append(list(g3))
    return out


def gen_with_finally(log):
    try:
        yield 1
        yield 2
    finally:
        log.append("cleanup")


def gen_close_runs_finally():
    log = []
    g = gen_with_finally(log)
    next(g)
    g.close()
    return log


def bad_gen():
    yield 1
    raise StopIteration("inside")


def pep479():
    return list(bad_gen())


def comprehensions(xs):
    return (
        [x * x for x in xs if x % 2],
        {x % 3 for x in xs},
        {x: [y for y in range(x)] for x in xs if x < 4},
        sum(x for x in xs),
        [(x, y) for x in range(3) for y in range(x)],
        list(itertools.chain.from_iterable([x] * x for x in xs[:3])),
        any(x > 3 for x in xs),
        all(x > 0 for x in xs),
        max((x for x in xs), default=None),
    )


def strings(s, n):
    words = s.split()
    return (
        s.upper(),
        s[::-1],
        s[1:n],
        " ".join(sorted(words, key=len)),
        s.replace("a", "@", 2),
        f"{n:>5}|{s!r:.4}|{n * 1.5:.3f}|{n:#x}",
        "%s has %d chars (%.1f%%)" % (s, len(s), 12.5),
        "{0}-{1}-{0}".format(n, s[:2]),
        s.encode("utf-8")[:4],
        [c for c in s if c.isalpha()][:3],
        s.partition(" "),
        s.count("a"),
        s.startswith(("x", s[:1])),
        str(n).zfill(4),
    )


def containers(n):
    d = collections.defaultdict(list)
    for i in range(n):
        d[i % 3].append(i)
    c = collections.Counter("abracadabra")
    od = collections.OrderedDict(a=1, b=2)
    od.move_to_end("a")
    dq = collections.deque(range(n), maxlen=3)
    s = {1, 2, 3} | {3, 4}
    fs = frozenset(range(n)) & frozenset(range(2, 9))
    t = tuple(range(n))
    first, *middle, last = t if t else (0, 0)
    return (
        dict(d),
        c.most_common(2),
        list(od),
        list(dq),
        sorted(s - {1}),
        sorted(fs),
        t[1:-1],
        middle,
        last,
        divmod(n, 3),
        list(zip(t, t[1:])),
        list(enumerate("ab", start=1)),
        list(reversed(t)),
        {**{"a": 1}, "b": 2, **{"a": 3}},
        [*t[:2], *"xy"],
        dict.fromkeys("ab", 0),
        sorted({"b": 1, "a": 2}.items(), key=lambda kv: kv[1]),
        list(map(str, t[:3])),
        list(filter(None, [0, 1, "", "x"])),
        isinstance(t, (list, tuple)),
        os.path.join("a", "b"),
    )


def walrus(xs):
    out = []
    while (n := len(xs)) > 2:
        out.append(n)
        xs = xs[1:]
    if any((hit := x) > 10 for x in [5, 20, 30]):
        out.append(hit)
    return out


def arith(a, b):
    return (a + b, a - b, a * b, a / b, a // b, a % b, a**2, -a, abs(b), a < b, a == b)


def power(a, b):
    return a**b


def checked(x):
    assert x > 0, f"x must be positive, got {x}"
    return x


def unbound(flag):
    if flag:
        value = 1
    return value  # noqa: F821 - UnboundLocalError is the point


def star_calls(*args, **kwargs):
    return params(*args, **kwargs)


def mutate(xs, d):
    xs.append(len(xs))
    xs[0] = "first"
    d["n"] = d.get("n", 0) + 1
    del xs[1:2]
    return None


def printing(x):
    print("value:", x, sep="=", end="!\n")
    print(*range(3))
    return x


def scoping():
    x = "local"

    class Inner:
        x = "class"
        y = [x for _ in range(1)]

        def method(self):
            return x

    return Inner.x, Inner.y, Inner().method()


def deep(n):
    return 0 if n == 0 else 1 + deep(n - 1)


class AttrLog:
    """Every attribute it does not have is looked up through __getattr__, logged."""

    def __init__(self):
        self.log = []

    def __getattr__(self, name):
        self.log.append("getattr " + name)
        return lambda *args, **kwargs: (args, kwargs)

    def plain(self, x, *, y=0):
        return ("plain", x, y)

    @staticmethod
    def static(x):
        return ("static", x)

    @classmethod
    def klass(cls, x):
        return (cls.__name__, x)


def _logged(rec, value):
    rec.log.append(f"argument {value!r}")
    return value


def method_call_order(cmd, args):
    """CPython looks the method up before it evaluates the arguments."""
    cmd.append("--width=%s" % args.width)
    rec = AttrLog()
    rec.missing(_logged(rec, 1), key=_logged(rec, 2))
    return rec.log


def method_calls():
    rec = AttrLog()
    rec.shadow = len  # an instance attribute is called as it is, without self
    return [
        rec.plain(1),
        rec.plain(1, y=2),
        rec.static(3),
        rec.klass(4),
        AttrLog.klass(5),
        rec.shadow("abc"),
        "a,b".split(","),
        [1, 2].__len__(),
        rec.missing(6),
    ]


probe_value = "first"


def _probe():
    return probe_value, len("ab")


def global_rebinding():
    """Global and builtin lookups see every change (each site caches by dict version)."""
    global probe_value, len
    seen = [_probe(), _probe()]  # the second call reads through the caches
    probe_value = "second"
    seen.append(_probe())
    len = lambda s: -1  # noqa: E731 - a module global shadows the builtin
    seen.append(_probe())
    del len  # the builtin is found again
    seen.append(_probe())
    import builtins

    saved = builtins.len
    builtins.len = lambda s: -2  # the builtins dict itself changes
    try:
        seen.append(_probe())
    finally:
        builtins.len = saved
    seen.append(_probe())
    del probe_value
    try:
        _probe()
    except NameError as exc:
        seen.append(str(exc))
    probe_value = "first"  # noqa: F841 - the global, rebound (ruff misreads it after del)
    seen.append(_probe())
    return seen


if __name__ == "__main__":
    print(shapes(3))

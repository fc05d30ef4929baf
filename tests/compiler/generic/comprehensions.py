"""Comprehension scopes inside compiled code, compared with the running CPython (whose
3.12+ inlines list/set/dict comprehensions, PEP 709)."""

import traceback

x = "global x"


def no_leak(items):
    i = "outer i"
    squares = [i * i for i in items]
    pairs = {i: j for i in items for j in "ab"}
    return squares, pairs, i


def unbound_after(items):
    [k for k in items]
    try:
        return k  # noqa: F821 (the comprehension's k does not leak)
    except NameError as e:
        return "NameError", str(e)


def closures_over_iteration_var(n):
    fs = [lambda: i for i in range(n)]
    gs = {i: (lambda i=i: i * 10) for i in range(n)}
    return [f() for f in fs], [g() for g in gs.values()]


def captures_enclosing(n):
    base = 100
    total = [base + i for i in range(n)]

    def inner():
        return [base * i for i in range(n)]

    return total, inner()


def nested(n):
    lists = [[i * j for j in range(i)] for i in range(n)]
    return lists, {(i, j) for i in range(n) for j in range(i)}


def walrus_binds_outside(items):
    found = [y for v in items if (y := v * 2) > 4]
    return found, y


def cell_and_comprehension(items):
    v = 1
    out = [v + w for w in items]

    def get():
        return v

    return out, get()


def same_name_as_cell(items):
    # v is a cell of this function; the comprehension's own v is separate
    v = "cell"
    out = [v for v in items]

    def get():
        return v

    return out, get(), v


def qualnames():
    fs = [lambda: 0 for _ in range(1)]
    gen = list(lambda: 0 for _ in range(1))
    return fs[0].__qualname__, gen[0].__qualname__


# fmt: off
def error_in_comprehension(items):
    try:
        return [
            1 // v
            for v in items
        ]
    except ZeroDivisionError as e:
        tb = traceback.extract_tb(e.__traceback__)
        return [(f.name, f.lineno - tb[0].lineno) for f in tb]
# fmt: on


def error_in_comprehension_plain(items):
    return {v: 1 // v for v in items}


class ClassBody:
    x = "class x"
    y = [x for _ in range(2)]
    z = [n * 2 for n in range(len(x))]
    w = {k: x for k in "ab"}
    try:
        bad = [q for _ in range(1) for q in x]
    except NameError as e:  # not reached: x here is the global x
        bad = str(e)
    gen = list(x for _ in range(1))


class ClassBodyError:
    v = 3
    try:
        got = [v for _ in range(1)]
    except NameError as e:
        got = ("NameError", str(e))


def class_body():
    c = ClassBody
    names = sorted(k for k in vars(c) if len(k) == 1)
    return c.y, c.z, c.w, c.bad, c.gen, ClassBodyError.got, names


def module_level_state():
    return MODULE_SQUARES, MODULE_I


MODULE_I = "module i"
MODULE_SQUARES = [MODULE_I * 2 for MODULE_I in range(3)]


# fmt: off
def tricky_sources(items):
    a = {(k)  # the key
         :  # the colon on its own line
         (v) for k, v in items}
    b = {k: [w for w in v] for k, v in items}
    c = f"{ {k: v for k, v in items} }"
    d = {k: {j: j for j in v}for k, v in items}
    label = "é→"; e = [ch for ch in label]; f = {ch: 1 for ch in label}  # noqa: E702
    return a, b, c, d, e, f
# fmt: on


class GlobalDef:
    global global_helper

    def global_helper():
        return [lambda: 0 for _ in range(1)][0].__qualname__


def global_def_qualnames():
    return global_helper.__qualname__, global_helper()  # noqa: F821 (made global by GlobalDef)


class SuperBase:
    def f(self, x):
        return x * 2


class SuperUser(SuperBase):
    def f(self, x):
        # 3.12+: the inlined comprehension's super() binds self; before, its iterator
        return [super().f(i) for i in range(x)]

    def g(self, x):
        return list(super().f(i) for i in range(x))

    def h(self, x):
        return {i: [super().f(j) for j in range(i)] for i in range(x)}

    @staticmethod
    def s(x):
        return [super().f(i) for i in range(x)]


def super_in_comprehension(method):
    obj = SuperUser()
    return getattr(obj, method)(3)

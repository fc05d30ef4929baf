"""``x += y`` and ``x = x + y`` on locals, cells and globals, for
tests/compiler/test_exact_strappend.py: the generic tier appends an exact str to the fast
local holding it in place (CPython's BINARY_OP_INPLACE_ADD_UNICODE); every other case is
PyNumber_InPlaceAdd / PyNumber_Add."""

import sys

GLOBAL_OUT = ""


def iadd(a, b):
    s = a
    s += b
    return s


def add_assign(a, b):
    s = a
    s = s + b
    return s


def add_reversed(a, b):
    s = a
    s = b + s
    return s


def iadd_twice(a, b):
    s = a
    s += b
    s += b
    return s


def iadd_self(a):
    s = a
    s += s
    return s


def build(text):
    out = ""
    for c in text:
        out += c
    return out


def build_plus(text):
    out = ""
    for c in text:
        out = out + c
    return out


def build_chunks(parts):
    out = ""
    for p in parts:
        out += p
        out += "|"
    return out


def build_n(n, piece):
    out = ""
    for _ in range(n):
        out += piece
    return out


def alias_variable(a, b):
    s = a + "!"
    keep = s
    s += b
    return s, keep


def alias_list(a, b):
    s = a + "!"
    held = [s]
    s += b
    return s, held


def alias_argument(a, b):
    a += b
    return a


def alias_dict_key(a, b):
    s = a + "!"
    d = {s: 1}
    s += b
    return s, d


def hashed(a, b):
    s = a + "!"
    h = hash(s)
    s += b
    return s, h == hash(a + "!"), hash(s) == hash(a + "!" + b)


def interned(a, b):
    s = sys.intern(a + "#")
    s += b
    return s, sys.intern(a + "#") == a + "#"


def walrus_rebinds(a):
    s = a
    s += (s := "b")
    return s


def walrus_rebinds_plus(a):
    s = a
    s = s + (s := "c")
    return s


def unbound():
    s += "a"  # noqa: F821 - the UnboundLocalError is the result compared
    return s


def unbound_plus():
    s = s + "a"  # noqa: F821
    return s


def operand_raises(a):
    s = a
    try:
        s += [][0]
    except IndexError:
        return ("bound", s)
    return s


def slot_raises(a, b):
    s = a
    try:
        s += b
    except Exception as exc:
        return ("bound", s, type(exc).__name__, str(exc))
    return s


def in_generator(text):
    out = ""
    for c in text:
        out += c
        if c == "|":
            yield out
    yield out


def gen_build(text):
    return list(in_generator(text))


def nonlocal_build(text):
    out = ""

    def add(c):
        nonlocal out
        out += c

    for c in text:
        add(c)
    return out


def cell_build(text):
    out = ""
    for c in text:
        out += c
    return out, (lambda: out)()


def global_build(text):
    global GLOBAL_OUT
    GLOBAL_OUT = ""
    for c in text:
        GLOBAL_OUT += c
    return GLOBAL_OUT


def comprehension_build(words):
    return [build(w) for w in words]


def counter(n):
    i = 0
    total = 0
    for k in range(n):
        i += 1
        total += k
    return i, total


def list_iadd(a, b):
    s = list(a)
    s += b
    return s

"""Attribute loads, stores and method calls on instances, compared with CPython.

Compiled sites cache where an attribute lives per type (as CPython 3.11's specialising
interpreter does); every case here changes something under a site that has already run:
the class, the instance's dictionary, the set of types that reach it."""


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def norm1(self):
        return abs(self.x) + abs(self.y)


def get_x(p):
    return p.x


def set_x(p, v):
    p.x = v


def call_norm(p):
    return p.norm1()


def plain():
    ps = [Point(i, -i) for i in range(50)]
    total = 0
    for p in ps:
        set_x(p, get_x(p) * 2)
        total += call_norm(p)
    return total, [vars(p) for p in ps[:3]]


def deleted_then_loaded():
    p = Point(1, 2)
    get_x(p)
    del p.x
    try:
        get_x(p)
    except AttributeError as e:
        first = (type(e).__name__, str(e))
    set_x(p, 5)
    return first, get_x(p), list(vars(p))  # insertion order: y, then x again


def call_m(o):
    return o.m()


def class_changes_under_the_site():
    class C:
        def __init__(self):
            self.x = 1

        def m(self):
            return "method"

    c, other = C(), C()
    seen = [get_x(c), call_m(c), call_m(c)]
    C.x = property(lambda self: "property")  # a data descriptor now wins
    seen.append(get_x(c))
    del C.x
    seen.append(get_x(c))
    C.m = lambda self: "replaced"
    seen += [call_m(c), call_m(c)]
    c.m = lambda: "instance"  # the instance's own attribute shadows the method
    seen += [call_m(c), call_m(other)]
    d = other.__dict__  # a real dict now
    seen.append(call_m(other))
    d["m"] = lambda: "in the dict"
    seen.append(call_m(other))
    return seen


def materialised_dict():
    p = Point(1, 2)
    get_x(p)
    d = p.__dict__  # the values move into a real dict
    d["x"] = 10
    seen = [get_x(p)]
    set_x(p, 11)
    seen.append(d["x"])
    seen.append(call_norm(p))
    return seen


class Fallback:
    def __init__(self):
        self.x = 1

    def __getattr__(self, name):
        return f"fallback {name}"


def getattr_hook():
    f = Fallback()
    seen = [get_x(f)]
    del f.x
    seen.append(get_x(f))
    return seen


def polymorphic():
    classes = []
    for i in range(7):
        classes.append(type(f"K{i}", (Point,), {"k": i}))
    out = []
    for round_ in range(3):
        for i, cls in enumerate(classes):
            p = cls(i, round_)
            set_x(p, get_x(p) + 1)
            out.append((get_x(p), call_norm(p), p.k))
    return out


def many_attributes():
    class Wide:
        def m(self):
            return "method"

    objs = [Wide() for _ in range(3)]
    for o in objs:
        for i in range(40):  # past what one type's shared keys hold
            setattr(o, f"a{i}", i)
        set_x(o, "x")
    seen = [call_m(objs[0]), call_m(objs[1])]
    objs[1].m = lambda: "instance"  # into its own (combined) dict: the type's keys are full
    seen += [call_m(objs[0]), call_m(objs[1])]
    return seen, [(get_x(o), len(vars(o)), list(vars(o))[-3:]) for o in objs]


class Slotted:
    __slots__ = ("x", "y")


def slots():
    s = Slotted()
    try:
        get_x(s)
    except AttributeError as e:
        first = str(e)
    set_x(s, 3)
    return first, get_x(s)


def setattr_hook_added_later():
    class C:
        pass

    c = C()
    set_x(c, 1)
    log = []

    def hook(self, name, value):
        log.append((name, value))
        object.__setattr__(self, name, value * 10)

    C.__setattr__ = hook
    set_x(c, 2)
    return get_x(c), log


def not_an_instance_of_a_plain_class():
    import types

    ns = types.SimpleNamespace(x=4)
    m = types.ModuleType("m")
    m.x = 5
    set_x(m, 6)
    return get_x(ns), get_x(m), get_x(Point), call_norm(Point(3, 4))

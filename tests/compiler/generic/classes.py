"""Class creation in compiled code: the metaclass calculation, compared with CPython."""


class MetaA(type):
    pass


class MetaB(type):
    pass


class MetaAB(MetaA, MetaB):
    pass


class A(metaclass=MetaA):
    pass


class B(metaclass=MetaB):
    pass


def conflict():
    class C(A, B):
        pass

    return C


def winner_from_bases():
    class C(A):
        pass

    class D(B, metaclass=type):  # type loses to MetaB
        pass

    return type(C).__name__, type(D).__name__


def derived_meta_wins():
    class AB(metaclass=MetaAB):
        pass

    class C(A, AB):
        pass

    return type(C).__name__


def explicit_conflict():
    class C(A, metaclass=MetaB):
        pass

    return C


def non_class_metaclass():
    def meta(name, bases, ns):
        return (name, bases, sorted(k for k in ns if not k.startswith("__")))

    class C(A, B, metaclass=meta):
        x = 1

    return C


class Recorder:
    """Which ``self.X`` stores CPython 3.13+ lists in ``__static_attributes__``."""

    def m(self, x):
        self.a: int = 1
        self.b: int
        with x as self.c:
            pass
        for self.d in ():
            pass
        (*self.e,) = ()
        [self.f for self.f in ()]
        list(self.g for self.g in ())
        self.z = Recorder.__new__(Recorder)
        self.z.y = 1
        self.__p = 2
        self.q = 0
        self.q += 1

        def inner():
            self.r = 1

        return inner

    def n(self=(lambda: [1 for self.h in ()])):  # noqa: F821 (never called)
        pass

    def other(this):
        this.s = 1

    class Inner:
        def m(self):
            self.j = 1

    list(self.k for self.k in ())  # noqa: F821 (never iterated)


def identity(c):
    return c


@identity
class Decorated:
    pass


def class_metadata():
    return [
        (getattr(c, "__static_attributes__", None), getattr(c, "__firstlineno__", None))
        for c in (Recorder, Recorder.Inner, Decorated, A, MetaAB)
    ]


SETTING: int = 1


class Documented:
    """A docstring and an annotation: CPython makes __annotations__ before __doc__."""

    size: int = 2


def namespace_order():
    module = [k for k in globals() if k in ("__doc__", "__annotations__")]
    return module, [k for k in vars(Documented) if k.startswith("__")]


class Registry:
    """type.__new__ makes __init_subclass__ and __class_getitem__ classmethods and __new__
    a staticmethod when they are plain functions; compiled ones must get the same."""

    seen: list = []

    def __init_subclass__(cls, tag="none", **kwargs):
        super().__init_subclass__(**kwargs)
        Registry.seen.append((cls.__name__, tag))

    def __class_getitem__(cls, item):
        return (cls.__name__, item)

    def __new__(cls, *args):
        inst = super().__new__(cls)
        inst.args = args
        return inst


class Child(Registry, tag="child"):
    def __new__(cls, *args):
        return super().__new__(cls, "via-child", *args)


class GrandChild(Child):
    pass


def implicit_method_kinds():
    g = GrandChild(1, 2)
    return (
        list(Registry.seen),
        Registry[int],
        GrandChild["x"],
        type(g).__name__,
        g.args,
        type(vars(Registry)["__new__"]).__name__,
        type(vars(Registry)["__init_subclass__"]).__name__,
    )


def init_subclass_in_function():
    class Base:
        name = "base"
        required = -1

        def __init_subclass__(cls, **kwargs):
            cls.required = len(cls.name)

    class Sub(Base):
        name = "child"

    class Bad(Base, unknown=1):
        pass

    return Sub.required, Bad.required

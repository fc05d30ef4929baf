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

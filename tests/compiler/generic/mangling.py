"""Private name mangling in compiled classes (CPython's _Py_Mangle), compared with CPython."""

import sys

__hidden = "module-level __hidden"
_Holder__glob = "module-level _Holder__glob"


def kwargs(**kw):
    return sorted(kw)


class Holder:
    __slots_like = "class attr"
    __dunder__ = "not mangled"
    __v: int = 3

    def __init__(self, x):
        self.__x = x
        self.__dunder__ = "dunder"
        self._plain = 1

    def get(self):
        return self.__x

    def __private_method(self):
        return "private " + str(self.__x)

    def call_private(self):
        return self.__private_method()

    def nested(self):
        def inner():
            return self.__x

        return inner(), (lambda: self.__x)(), [self.__x for _ in range(2)]

    def local_names(self):
        __local = 5
        __other = __local + 1
        del __local
        return __other

    def global_read(self):
        return __glob  # resolves the global _Holder__glob

    def global_write(self, v):
        global __glob
        __glob = v
        return __glob

    def with_params(self, __a, *, __k=2, **__kw):
        return __a, __k, sorted(__kw)

    def annotated(self, __p: int) -> str:
        return "x"

    def call_keywords(self):
        # keyword argument names in calls are not mangled
        return kwargs(__x=1, y=2), kwargs(**{"__z": 3}, __w=4)

    def comprehension_vars(self, n):
        return [__i * 2 for __i in range(n)], {__k: __k for __k in "ab"}

    def walrus(self):
        if (__w := 7) > 1:
            return __w
        return None

    def deleter(self):
        del self.__x
        return hasattr(self, "_Holder__x")

    def imports(self):
        import sys as __s
        from os import path as __p

        return __s is sys, __p.__name__

    def exc_name(self):
        try:
            raise ValueError("boom")
        except ValueError as __e:
            return str(__e)

    def nonlocals(self):
        __n = 0

        def bump():
            nonlocal __n
            __n += 1
            return __n

        bump()
        return bump()

    def setattr_getattr(self):
        return getattr(self, "_Holder__x"), getattr(self, "__x", "absent")

    class __Inner:
        def __init__(self):
            self.__y = 1

    def inner_class(self):
        obj = self.__Inner()
        return type(obj).__name__, type(obj).__qualname__, sorted(vars(obj))

    def missing(self):
        return self.__missing

    def missing_name(self):
        return __nowhere  # noqa: F821 (the NameError names _Holder__nowhere)


class _Under:
    def __init__(self):
        self.__x = 1


class ___:
    def __init__(self):
        self.__x = 1


class __Lead:
    def __init__(self):
        self.__x = 1


def holder_state(x):
    h = Holder(x)
    return sorted(k for k in vars(h)), h.get(), h.call_private()


def holder_dict():
    return sorted(k for k in vars(Holder) if "__" in k and not k.startswith("__"))


def holder_annotations():
    return (
        Holder.__annotations__,
        Holder.with_params.__kwdefaults__,
        Holder.annotated.__annotations__,
    )


def holder_call(method, *args):
    return getattr(Holder(4), method)(*args)


def holder_code_names():
    h = Holder(1)
    return h.with_params(_Holder__a=9), Holder.__dict__["_Holder__private_method"].__name__


def mangled_keyword_call():
    return Holder(1).with_params(1, _Holder__k=5, __k=6)


def underscore_classes():
    return sorted(vars(_Under())), sorted(vars(___())), sorted(vars(__Lead()))


def global_state():
    h = Holder(1)
    before = h.global_read()
    h.global_write("changed")
    return before, _Holder__glob, __hidden


def outside_private():
    return Holder(3).__dict__["_Holder__x"]

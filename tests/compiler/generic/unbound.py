"""Reads of locals that may be unbound, in the shapes the definite-assignment pass
(pyvorin.compiler.gtransform) must keep checking: compiled, each raises exactly the
UnboundLocalError CPython raises (or returns the same value). Names that are unbound on
purpose carry ``noqa: F821``/``F841``."""


def params_only(a, b=2, *args, c=3, **kw):
    return a, b, args, c, kw, a, b


def del_in_branch(flag):
    x = 1
    if flag:
        del x
    return x


def assign_in_branch(flag):
    if flag:
        y = 1
    return y  # noqa: F821


def assign_in_both(flag):
    if flag:
        y = 1
    else:
        y = 2
    return y


def assigned_in_loop(items):
    for item in items:
        last = item
    return last  # noqa: F821


def while_loop(n):
    while n > 0:
        got = n
        n -= 1
    return got  # noqa: F821


def del_in_loop(n):
    x = 0
    total = 0
    for i in range(n):
        total += x
        if i == 1:
            del x
    return total


def rebound_in_loop(n):
    x = 0
    for i in range(n):
        if i == 1:
            del x
        else:
            x = i
        n = x
    return n


def try_body_assignment(fail):
    try:
        if fail:
            raise ValueError("boom")
        value = 1
    except ValueError:
        return value  # noqa: F821
    return value


def try_failing_call(items):
    try:
        value = items[0]
    except IndexError:
        return value  # noqa: F821
    return value


def before_try(items):
    value = "before"
    try:
        value = items[0]
    except IndexError:
        return value
    return value


def finally_read(fail):
    try:
        if fail:
            raise KeyError("k")
        z = 1
    finally:
        out = z  # noqa: F821
    return out


def except_as_after():
    try:
        raise ValueError("v")
    except ValueError as exc:  # noqa: F841
        pass
    return exc  # noqa: F821


def del_then_read():
    x = 1
    del x
    return x  # noqa: F821


def del_param_then_read(a):
    del a
    return a  # noqa: F821


def read_twice(flag):
    if flag:
        w = 5
    return w + w  # noqa: F821


def with_body(fail):
    import contextlib

    with contextlib.suppress(ZeroDivisionError):
        q = 1 // (0 if fail else 1)
    return q  # noqa: F821


def match_capture(subject):
    match subject:
        case [first, *_]:
            pass
        case _:
            pass
    return first  # noqa: F821


def break_before_assign(items):
    for item in items:
        if item is None:
            break
        seen = item
    return seen  # noqa: F821


def unpack_partial(pair):
    try:
        a, b = pair
    except (TypeError, ValueError):
        return b  # noqa: F821
    return a, b


def nested_handlers(n):
    try:
        try:
            if n == 0:
                raise KeyError(n)
            r = n
        except KeyError:
            if n == 0:
                raise ValueError(n) from None
        return r
    except ValueError:
        return r  # noqa: F821


def walrus_branch(flag):
    if flag and (v := 3):
        pass
    return v  # noqa: F821


def del_then_assign(flag):
    x = 1
    del x
    if flag:
        x = 2
    return x


def gen_del(flag):
    x = 1
    if flag:
        del x
    yield x


def gen_params(a):
    yield a
    yield a


def listcomp_reads(items):
    return [i + j for i in items for j in items]

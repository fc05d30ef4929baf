"""Reads of locals used as operands while the code around them rebinds, deletes or
raises: the borrowed-operand pass (pyvorin.compiler.gtransform) must keep CPython's
order of evaluation and leak nothing."""


class Boom(Exception):
    pass


def boom(*args):
    raise Boom("boom")


def walrus_rebind(x):
    return x + (x := 10) + x


def walrus_in_call(x):
    return [x, (x := "new"), x]


def walrus_in_args(x):
    return max(x, (x := x * 2), x)


def aug_assign(x):
    x += len([x, x])
    return x


def aug_assign_list(x):
    x += [x[0]]
    return x


def rebinding_loop(n):
    x = 0
    for i in range(n):
        x = x + i * x + (x := x + 1)
    return x


def del_after_use(x):
    y = x.upper()
    del x
    return y


def raise_between(x):
    try:
        return x + boom(x)
    except Boom:
        return x


def raise_in_method(x):
    try:
        return x.append(boom())
    except Boom:
        return x


def raise_many(x, n):
    for _ in range(n):
        try:
            x + boom(x, x)
        except Boom:
            pass
    return x


def attribute_chain(s):
    return s.strip().upper().lower() + s


def subscript_store(d, k, v):
    d[k] = v
    d[k] += v
    return d


def compare_chain(a, b, c):
    return a < b < c, a == a, b is b

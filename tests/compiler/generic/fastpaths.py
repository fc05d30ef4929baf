"""Operations with exact-type fast paths (runtime/pv_fast.h), one function each, for
tests/compiler/test_exact_fastpaths.py to call on operands at and beyond their limits."""


def add(a, b):
    return a + b


def sub(a, b):
    return a - b


def mul(a, b):
    return a * b


def truediv(a, b):
    return a / b


def floordiv(a, b):
    return a // b


def mod(a, b):
    return a % b


def lshift(a, b):
    return a << b


def rshift(a, b):
    return a >> b


def bit_and(a, b):
    return a & b


def bit_or(a, b):
    return a | b


def bit_xor(a, b):
    return a ^ b


def iadd(a, b):
    a += b
    return a


def isub(a, b):
    a -= b
    return a


def imul(a, b):
    a *= b
    return a


def itruediv(a, b):
    a /= b
    return a


def ifloordiv(a, b):
    a //= b
    return a


def imod(a, b):
    a %= b
    return a


def ilshift(a, b):
    a <<= b
    return a


def irshift(a, b):
    a >>= b
    return a


def iand(a, b):
    a &= b
    return a


def ior(a, b):
    a |= b
    return a


def ixor(a, b):
    a ^= b
    return a


def lt(a, b):
    return a < b


def le(a, b):
    return a <= b


def eq(a, b):
    return a == b


def ne(a, b):
    return a != b


def gt(a, b):
    return a > b


def ge(a, b):
    return a >= b


def branch_lt(a, b):
    if a < b:
        return "less"
    return "not less"


def branch_eq(a, b):
    return "equal" if a == b else "different"


def truth(x):
    if x:
        return "true"
    return "false"


def negate(x):
    return not x


def getitem(o, k):
    return o[k]


def setitem(o, k, v):
    o[k] = v
    return o


def augmented_item(o, k, v):
    o[k] += v
    return o


def contains(x, o):
    return x in o


def not_contains(x, o):
    return x not in o


def append_to(target, value):
    target.append(value)
    return target


def join_with(sep, items):
    return sep.join(items)


def split_and_get(text, counts):
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def count_words(text):
    counts = {}
    for token in text.split():
        word = token.strip(",.").lower()
        if not word:
            continue
        counts[word] = counts.get(word, 0) + 1
    return counts


def lcg(seed, n):
    out = []
    for _ in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        out.append((seed >> 8) % 10)
    return seed, out


def mean_of(values):
    total = 0.0
    for v in values:
        total += v
    return total / len(values)

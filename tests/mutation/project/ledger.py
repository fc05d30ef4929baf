"""Integer bookkeeping: checksums, rounding of amounts, bit fields, rates."""


def checksum(values: list[int]) -> int:
    total = 0
    for v in values:
        total = total * 31 + v
    return total


def combine(seed: int, value: int) -> int:
    mixed = seed ^ (value << 5)
    return mixed + value - (seed >> 2)


def spread(a: int, b: int) -> int:
    return abs(a - b)


def reverse_sign(amount: int) -> int:
    return -amount


def split(total: int, parts: int) -> tuple[int, int]:
    if parts == 0:
        return (0, total)
    return (total // parts, total % parts)


def field(word: int, shift: int) -> int:
    if shift < 0:
        return 0
    return (word >> shift) & 255


def grow(base: int, years: int) -> int:
    if years < 0 or years > 70:
        return 0
    growth = 1
    for _ in range(years):
        growth = growth * 2
    return base * growth


def product(a: int, b: int) -> int:
    return a * b


def ratio(part: int, whole: int) -> float:
    if whole == 0:
        return 0.0
    return part / whole


def fits(amount: int, limit: float) -> bool:
    return amount <= limit


def truncate(x: float) -> int:
    if x != x or x > 1e300 or x < -1e300:
        return 0
    return int(x)


def as_float(count: int) -> float:
    return count * 1.0


def enabled(flag: bool, level: int) -> int:
    if flag:
        return level + 1
    return level

"""JSON-like tree walk: build nested dicts and lists of mixed values, then walk them.

Written for Pyvorin's benchmarks. A deterministic document (a linear congruential
generator, no ``random``) of objects, arrays, strings, ints, floats, booleans and ``None``
is built, then walked recursively to count nodes by kind, sum the numbers, measure the
strings and the depth, and serialise it to compact JSON text by hand (escaping included).
Exercises isinstance dispatch, dict iteration, recursion, str building and joins.
"""

from __future__ import annotations

BENCH_SIZE = 9
QUICK_SIZE = 3

KEYS = ("id", "name", "tags", "value", "ratio", "active", "children", "meta", "note")
WORDS = ("alpha", 'be"ta', "gamma\\delta", "eps\nilon", "zeta", "eta", "theta")

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]


def next_seed(seed: int) -> int:
    return (seed * 1103515245 + 12345) % 2147483648


def build(depth: int, seed: int) -> tuple[Json, int]:
    """A node and the generator's next state."""
    seed = next_seed(seed)
    choice = (seed >> 8) % 10
    if depth <= 0 or choice < 3:
        kind = (seed >> 12) % 6
        if kind == 0:
            return None, seed
        if kind == 1:
            return (seed >> 4) % 2 == 0, seed
        if kind == 2:
            return (seed >> 5) % 100000 - 50000, seed
        if kind == 3:
            return ((seed >> 5) % 1000000) / 1024.0, seed
        return WORDS[(seed >> 6) % len(WORDS)] * (1 + (seed >> 9) % 3), seed
    if choice < 6:
        items: list[Json] = []
        for _ in range(1 + (seed >> 10) % 4):
            item, seed = build(depth - 1, seed)
            items.append(item)
        return items, seed
    node: dict[str, Json] = {}
    for i in range(1 + (seed >> 10) % 5):
        value, seed = build(depth - 1, seed)
        node[KEYS[(i * 7 + (seed >> 11)) % len(KEYS)] + str(i)] = value
    return node, seed


def walk(node: Json, depth: int, stats: dict[str, int]) -> float:
    """Count nodes by kind into ``stats``; return the sum of the numbers below ``node``."""
    stats["nodes"] += 1
    if depth > stats["depth"]:
        stats["depth"] = depth
    if node is None:
        stats["null"] += 1
        return 0.0
    if isinstance(node, bool):
        stats["bool"] += 1
        return 1.0 if node else 0.0
    if isinstance(node, int | float):
        stats["number"] += 1
        return float(node)
    if isinstance(node, str):
        stats["string"] += 1
        stats["chars"] += len(node)
        return 0.0
    if isinstance(node, list):
        stats["array"] += 1
        return sum(walk(item, depth + 1, stats) for item in node)
    stats["object"] += 1
    total = 0.0
    for key, value in node.items():
        stats["chars"] += len(key)
        total += walk(value, depth + 1, stats)
    return total


def quote(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def dumps(node: Json) -> str:
    """Compact JSON text of ``node`` (what json.dumps(separators=(",", ":")) writes)."""
    if node is None:
        return "null"
    if node is True:
        return "true"
    if node is False:
        return "false"
    if isinstance(node, int | float):
        return repr(node)
    if isinstance(node, str):
        return quote(node)
    if isinstance(node, list):
        return "[" + ",".join(dumps(item) for item in node) + "]"
    return "{" + ",".join(quote(k) + ":" + dumps(v) for k, v in node.items()) + "}"


def main(n: int) -> tuple[int, int, float, int, int]:
    """Build and walk ``4 ** (n // 3 + 1)``-ish documents of depth ``n``: checksums."""
    stats = {
        "nodes": 0, "depth": 0, "null": 0, "bool": 0, "number": 0, "string": 0,
        "array": 0, "object": 0, "chars": 0,
    }  # fmt: skip
    seed = 7
    total = 0.0
    text_length = 0
    for _ in range(40):
        doc, seed = build(n, seed)
        total += walk(doc, 0, stats)
        text_length += len(dumps(doc))
    kinds = stats["null"] + stats["bool"] * 10 + stats["number"] * 100 + stats["string"] * 1000
    return (stats["nodes"], stats["depth"], total, kinds, text_length + stats["chars"])

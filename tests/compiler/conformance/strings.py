"""Conformance: strs."""

from __future__ import annotations

SEP = ", "
EMPTY = ""


def concat(a: str, b: str) -> str:
    return a + b


def concat3(a: str, b: str) -> str:
    return a + SEP + b + EMPTY


def repeat(s: str, n: int) -> str:
    return s * n


def repeat_left(s: str, n: int) -> str:
    return n * s


def repeat_bool(s: str, b: bool) -> str:
    return s * b + b * s


def length(s: str) -> int:
    return len(s)


def at(s: str, i: int) -> str:
    return s[i]


def at_bool(s: str, b: bool) -> str:
    return s[b]


def compare_all(a: str, b: str) -> tuple[bool, bool, bool, bool, bool, bool]:
    return (a == b, a != b, a < b, a <= b, a > b, a >= b)


def chained(a: str, b: str, c: str) -> bool:
    return a <= b < c != a


def contains(a: str, b: str) -> tuple[bool, bool]:
    return (a in b, a not in b)


def count_char(s: str, c: str) -> int:
    n = 0
    for ch in s:
        if ch == c:
            n += 1
    return n


def is_palindrome(s: str) -> bool:
    i = 0
    j = len(s) - 1
    while i < j:
        if s[i] != s[j]:
            return False
        i += 1
        j -= 1
    return True


def reverse(s: str) -> str:
    out = ""
    for c in s:
        out = c + out
    return out


def codes(s: str) -> list[int]:
    return [ord(c) for c in s]


def chars(s: str) -> list[str]:
    return [c for c in s if c != " "]


def ord_of(s: str) -> int:
    return ord(s)


def chr_of(i: int) -> str:
    return chr(i)


def caesar(s: str, k: int) -> str:
    out = ""
    for c in s:
        if "a" <= c <= "z":
            out += chr((ord(c) - ord("a") + k) % 26 + ord("a"))
        else:
            out += c
    return out


def build(n: int) -> str:
    s = ""
    for i in range(n):
        s += chr(97 + i % 26)
    s = s + s
    s += s
    return s


def to_str(i: int, f: float, b: bool) -> str:
    return str(i) + "|" + str(f) + "|" + str(b) + "|" + str() + str("x")  # noqa: UP018


def truth(s: str) -> tuple[int, bool, bool, str]:
    n = 0
    if s:
        n = 1
    return (n, not s, bool(s), s or "empty")


def pick(flag: bool, a: str, b: str) -> str:
    return a if flag else b


def with_default(s: str, suffix: str = "!") -> str:
    return s + suffix


def keyword_call(s: str) -> str:
    return with_default(suffix="?", s=s)


def initials(words: list[str]) -> str:
    r = ""
    for w in words:
        r += w[0]
    return r


def longest(words: list[str]) -> str:
    best = ""
    for w in words:
        if len(w) > len(best):
            best = w
    return best


def split_words(s: str) -> list[str]:
    out: list[str] = []
    cur = ""
    for c in s:
        if c == " ":
            if cur:
                out.append(cur)
            cur = ""
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def named(t: tuple[str, int]) -> str:
    return t[0] * t[1]


def swap_pair(a: str, b: str) -> tuple[str, str]:
    a, b = b, a
    return (a, b)


def self_append(s: str, n: int) -> str:
    t = s + ""
    for _ in range(n):
        t = t + t
    return t


def big_index(s: str) -> str:
    return s[2**62] + s[-(2**63)]


def word_count(text: str, word: str) -> int:
    n = 0
    for w in split_words(text):
        if w == word:
            n += 1
    return n


def surrogates(i: int) -> tuple[str, int, int, bool]:
    # constants holding lone surrogates keep their exact code points
    s = "\ud800" + "x\udfff" * i
    return s, ord("\udfff"), len(s), s == "\ud800x\udfff"


def slices(s: str, a: int, b: int) -> tuple[str, str, str, str, str, str]:
    return (s[a:b], s[a:], s[:b], s[:], s[-a:-b], s[a:][:b])


def slice_bool(s: str, t: bool) -> str:
    return s[t:] + s[:t]

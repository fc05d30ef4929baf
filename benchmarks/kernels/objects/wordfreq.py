"""Word frequencies: split generated text into words, normalise them, count them in a dict.

Written for Pyvorin's benchmarks. The text is made deterministically from a fixed
vocabulary by a linear congruential generator (no ``random``, no ``hash``): sentences of
capitalised words with punctuation. Exercises str methods (``split``, ``lower``,
``strip``, ``join``, ``startswith``), dict get/set and iteration, sorting with a key, and
f-strings.
"""

from __future__ import annotations

BENCH_SIZE = 400000
QUICK_SIZE = 500

VOCABULARY = (
    "the quick brown fox jumps over lazy dog and then runs into a forest where "
    "many old trees stand tall under bright sky while birds sing songs of morning "
    "light river stone path wind rain cloud summer winter spring autumn night day "
    "compiler native python module function class method value type error exact"
).split()

PUNCTUATION = ",.;:!?"


def next_seed(seed: int) -> int:
    return (seed * 1103515245 + 12345) % 2147483648


def make_text(n: int) -> str:
    """``n`` words of text in sentences, with capitals and punctuation."""
    words: list[str] = []
    seed = 42
    start_of_sentence = True
    for _ in range(n):
        seed = next_seed(seed)
        word = VOCABULARY[(seed >> 8) % len(VOCABULARY)]
        if start_of_sentence:
            word = word.capitalize()
            start_of_sentence = False
        seed = next_seed(seed)
        mark = (seed >> 8) % 16
        if mark < len(PUNCTUATION):
            word += PUNCTUATION[mark]
            start_of_sentence = mark in (1, 4, 5)
        words.append(word)
    return " ".join(words)


def count_words(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for token in text.split():
        word = token.strip(PUNCTUATION).lower()
        if not word:
            continue
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(counts: dict[str, int], k: int) -> list[tuple[str, int]]:
    """The ``k`` most frequent words, ties broken alphabetically."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:k]


def report(top: list[tuple[str, int]]) -> str:
    return "\n".join(f"{word:>10} {count:6d}" for word, count in top)


def main(n: int) -> tuple[int, int, int, str]:
    """(distinct words, words counted, length of the report, the most frequent word)."""
    text = make_text(n)
    counts = count_words(text)
    top = top_words(counts, 10)
    lines = report(top)
    long_words = sum(1 for word in counts if len(word) > 5 and word.startswith(("s", "c")))
    total = sum(counts.values())
    first = top[0][0] if top else ""
    return (len(counts) * 1000 + long_words, total, len(lines), first)

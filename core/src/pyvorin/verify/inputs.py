"""One verification input and the names of the built-in input sources."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .values import Construct, dumps, encode

# The built-in sources, in the order their inputs are used (and reported).
SOURCES = ("examples", "doctests", "corpus", "generated")


@dataclass
class InputCase:
    """Arguments for one call, and where they came from.

    ``source`` names the input source (``examples``, ``doctests``, ``corpus``,
    ``generated`` or a third-party source's name); ``origin`` says where exactly
    (``file:line``, ``docstring line 3``, ``generated #17``).
    """

    args: tuple
    kwargs: dict[str, Any] = field(default_factory=dict)
    source: str = "generated"
    origin: str = ""
    # what the call reads from sys.stdin (``input()``), from an example's ``stdin``;
    # None: standard input is at its end, as in a build
    stdin: str | None = None
    # a docstring session's examples (:mod:`.sessions`): run in the module's namespace
    # instead of calling the function; ``args`` and ``kwargs`` are then empty
    session: tuple[str, ...] | None = None

    def encoded(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "args": [encode(a) for a in self.args],
            "kwargs": {k: encode(v) for k, v in sorted(self.kwargs.items())},
        }
        if self.stdin is not None:
            out["stdin"] = self.stdin
        if self.session is not None:
            out["session"] = list(self.session)
        return out

    @property
    def key(self) -> str:
        """Equal for two cases exactly when their arguments are equal."""
        return dumps(self.encoded())


def source_rank(source: str) -> int:
    """Sort key: examples, doctests, corpus, third-party sources, generated."""
    if source in SOURCES[:3]:
        return SOURCES.index(source)
    if source == "generated":
        return 4
    return 3


def value_size(value: Any) -> int:
    """A rough cost measure: bits of ints, lengths of containers and of bytes.

    A negative int counts as small (its bits / 8): as a size or a count it is degenerate
    (an empty loop, a base case, an error), so it runs among the cheap inputs instead of
    after the large sizes that may not finish within the budget.
    """
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return value.bit_length() if value >= 0 else 1 + value.bit_length() // 8
    if isinstance(value, (list, tuple)):
        return 1 + len(value) + sum(value_size(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return 1 + len(value)
    if isinstance(value, dict):
        return 1 + len(value) + sum(value_size(k) + value_size(v) for k, v in value.items())
    if isinstance(value, Construct):  # a recipe costs what its arguments cost
        return (
            1 + sum(value_size(v) for v in value.args) + sum(value_size(v) for _, v in value.kwargs)
        )
    return 1


def input_family(case: InputCase) -> str:
    """Which top-level integer arguments are negative (``"-"``), in order, else ``""``.

    Sizes predict cost only within a family: a negative int counts as small
    (:func:`value_size`) because as a size or a count it is usually degenerate, but a loop
    such as ``while n: n &= n - 1`` never ends on one. So a call that does not finish (or
    takes seconds) stops the larger inputs of its own family only, not the non-negative
    inputs after it (docs/verification.md, "How calls run").
    """
    values = [*case.args, *case.kwargs.values()]
    marks = [
        "-" if isinstance(v, int) and not isinstance(v, bool) and v < 0 else "." for v in values
    ]
    return "".join(marks) if "-" in marks else ""


def input_size(case: InputCase) -> int:
    """The arguments' sizes, plus one per line of standard input (a long text runs late);
    a docstring session's size is its number of examples."""
    if case.session is not None:
        return len(case.session)
    size = sum(value_size(a) for a in case.args) + sum(value_size(v) for v in case.kwargs.values())
    if case.stdin:
        size += 1 + case.stdin.count("\n")
    return size

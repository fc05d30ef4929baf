"""Standard input for the functions that read it: which do, and what text they are given.

A build runs with standard input at its end, so a function that calls ``input()`` raises
``EOFError`` on both sides for every argument: it is compared, but its body never runs
past the first read. The verifier therefore decides from the source (``ast``, nothing is
imported) which top-level functions read standard input, and gives their generated
inputs standard input texts of the kinds interactive programs read.

**What counts as reading** (:func:`stdin_readers`): in a function's body (nested
functions and lambdas included)

* a use of the builtin ``input`` (a call, or passed on: ``iter(input, "")``), unless the
  function binds the name itself (a parameter called ``input``);
* a use of ``sys.stdin`` (``.read()``, ``.readline()``, ``.readlines()``, ``for line in
  sys.stdin``, ``map(int, sys.stdin)``), also through ``import sys as s`` and ``from sys
  import stdin``;
* a use of a module-level name bound to one of those (``input = sys.stdin.readline``);
* a call of a module function, or of a method of a module class (``self.m()``,
  ``Class.m()``, ``obj.m()`` for any ``m`` a module class defines), or of a module class
  (its ``__init__``) that reads, transitively. A method call is matched by its name
  alone: over-approximating costs only extra standard input texts for a function that
  never reads them, missing one leaves its body unverified.

**What is given** (:func:`stdin_texts`): a fixed list of texts, the same on every build
(:data:`FIXED`: empty, one int, ints one per line, on one line, comma-separated, floats,
words, yes/no/q/quit/exit, menu choices followed by values, blank lines, a few hundred
lines, text without a final newline...), then texts drawn from ``random.Random`` seeded
with the build seed, the module and the function (:func:`seeded_texts`). A function
without parameters gets :data:`VARIANTS` inputs, one per text; a function with
parameters keeps its generated argument rows and their number, and each row is given
one text in turn (:func:`with_stdin`).
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator

from .inputs import InputCase

VARIANTS = 48  # inputs of a parameterless reader: every fixed text, then seeded ones
LONG_LINES = 300


def _menu_session(choices: list[int], values: list[int], end: str) -> str:
    lines = []
    for choice, value in zip(choices, values, strict=True):
        lines += [str(choice), str(value)]
    return "\n".join([*lines, end]) + "\n" if end else "\n".join(lines) + "\n"


# (what it is, the text); the first is the empty input (EOF at the first read)
FIXED: tuple[tuple[str, str], ...] = (
    ("empty", ""),
    ("one int", "7\n"),
    ("zero", "0\n"),
    ("negative int", "-3\n"),
    ("large int", "123456789012345678901234567890\n"),
    ("ints one per line", "5\n3\n8\n1\n9\n2\n"),
    ("count, then that many ints", "3\n10\n20\n30\n"),
    ("count, then ints on one line", "5\n4 8 15 16 23\n"),
    ("ints on one line", "3 1 4 1 5 9 2 6\n"),
    ("comma-separated ints", "3,1,4,1,5\n"),
    ("comma-and-space-separated ints", "10, 20, 30\n"),
    ("floats one per line", "2.5\n-0.75\n1e3\n"),
    ("floats on one line", "3.14 2.71 -1.5\n"),
    ("word", "hello\n"),
    ("words on one line", "apple banana cherry\n"),
    ("words one per line", "alpha\nbeta\ngamma\n"),
    ("y", "y\n"),
    ("n", "n\n"),
    ("yes/no words", "yes\nno\nYES\nNo\n"),
    ("q", "q\n"),
    ("quit", "quit\n"),
    ("exit", "exit\n"),
    ("menu choice 0, then q", "0\nq\n"),
    ("menu choices with values, then q", _menu_session([1, 1, 2, 3], [10, 20, 1, 5], "q")),
    (
        "every menu choice 1-9 with a value, then 0",
        _menu_session([*range(1, 10)], [*range(2, 11)], "0"),
    ),
    ("menu choice and value, then exit", _menu_session([2], [42], "exit")),
    ("blank lines", "\n\n\n"),
    ("blank line, then an int", "\n7\n"),
    ("padded int", "  12  \n"),
    ("an int, then a word", "3\nabc\n"),
    ("long: ints one per line", "".join(f"{(i * 37) % 101 - 20}\n" for i in range(LONG_LINES))),
    ("int without final newline", "42"),
    ("lines without final newline", "1 2\n3 4"),
)


def _ints(rng: random.Random, count: int) -> list[int]:
    return [rng.choice((rng.randint(-9, 9), rng.randint(-100, 1000))) for _ in range(count)]


def _floats(rng: random.Random, count: int) -> list[str]:
    return [repr(round(rng.uniform(-100.0, 100.0), rng.randint(0, 3))) for _ in range(count)]


_WORDS = ("apple", "b", "cat", "dog", "échelle", "x y", "Hello", "42abc", "", "q", "yes")


def _seeded_text(rng: random.Random) -> tuple[str, str]:
    kind = rng.choice(
        ("ints one per line", "ints on one line", "comma-separated ints", "count, then ints",
         "floats", "words", "answers", "menu session", "menu session", "mixed lines")
    )  # fmt: skip
    n = rng.randint(1, 8)
    if kind == "ints one per line":
        text = "".join(f"{v}\n" for v in _ints(rng, n))
    elif kind == "ints on one line":
        text = " ".join(map(str, _ints(rng, n))) + "\n"
    elif kind == "comma-separated ints":
        text = rng.choice((",", ", ")).join(map(str, _ints(rng, n))) + "\n"
    elif kind == "count, then ints":
        sep = rng.choice((" ", "\n"))
        text = f"{n}\n" + sep.join(map(str, _ints(rng, n))) + "\n"
    elif kind == "floats":
        text = rng.choice((" ", "\n")).join(_floats(rng, n)) + "\n"
    elif kind == "words":
        text = "".join(f"{rng.choice(_WORDS)}\n" for _ in range(n))
    elif kind == "answers":
        answers = ("y", "n", "yes", "no", "Y", "N", "q", "quit", "exit", "")
        text = "".join(f"{rng.choice(answers)}\n" for _ in range(n))
    elif kind == "menu session":
        choices = [rng.randint(0, 9) for _ in range(n)]
        end = rng.choice(("q", "quit", "exit", "0", ""))
        text = _menu_session(choices, _ints(rng, n), end)
    else:
        pieces = (lambda: str(_ints(rng, 1)[0]), lambda: rng.choice(_WORDS), lambda: "")
        text = "".join(f"{rng.choice(pieces)()}\n" for _ in range(n))
    if rng.random() < 0.15:
        text = text.rstrip("\n")  # the last line without its newline
    return kind, text


def seeded_texts(seed: int, count: int) -> list[tuple[str, str]]:
    """``count`` (kind, text) pairs from ``random.Random(seed)``: the same on every
    machine for the same seed."""
    rng = random.Random(f"stdin:{seed}")
    return [_seeded_text(rng) for _ in range(count)]


def stdin_texts(seed: int, count: int = VARIANTS) -> list[tuple[str, str]]:
    """The texts of one function: the fixed ones, then seeded ones up to ``count``
    (at least the fixed ones), none twice."""
    texts = list(FIXED)
    seen = {text for _, text in texts}
    for kind, text in seeded_texts(seed, 4 * count):
        if len(texts) >= count:
            break
        if text not in seen:
            seen.add(text)
            texts.append((f"seeded {kind}", text))
    return texts


def with_stdin(cases: list[InputCase], seed: int) -> list[InputCase]:
    """``cases`` of a function that reads standard input, each given a text.

    A single case without arguments (a parameterless function) becomes one case per text
    (:data:`VARIANTS`); otherwise the cases stay as many as they are, the first
    ``len(FIXED)`` given the fixed texts in turn (their arguments do not depend on the
    seed, so neither does their text), the rest seeded ones. ``seed`` is the function's.
    """
    if len(cases) == 1 and not cases[0].args and not cases[0].kwargs:
        base = cases[0]
        out = []
        for number, (kind, text) in enumerate(stdin_texts(seed), start=1):
            origin = f"#{number} (stdin: {kind})"
            out.append(InputCase((), {}, base.source, origin, text))
        return out
    seeded = seeded_texts(seed, max(0, len(cases)))
    for index, case in enumerate(cases):
        targeted = "seeded" not in case.origin
        kind, text = FIXED[index % len(FIXED)] if targeted else seeded[index]
        case.stdin = text
        if case.origin.endswith(")"):
            case.origin = case.origin[:-1] + f", stdin: {kind})"
    return cases


MAX_SHOWN = 120  # characters of standard input in a call's text (the JSON report has all)


def with_stdin_text(call: str, stdin: str | None) -> str:
    """A call's text for people, with the standard input it reads when it is given one:
    ``main() with stdin 'q\\n'`` (a long text cut, with its number of lines)."""
    if stdin is None:
        return call
    shown = repr(stdin)
    if len(shown) > MAX_SHOWN:
        shown = f"{shown[: MAX_SHOWN - 20]}...' ({len(stdin.splitlines())} lines)"
    return f"{call} with stdin {shown}"


# -- which functions read -----------------------------------------------------------------
Unit = ast.FunctionDef | ast.AsyncFunctionDef


def _stdin_names(tree: ast.Module) -> tuple[set[str], set[str]]:
    """Module-level names of ``sys`` and names bound to standard input or a reader of it
    (``from sys import stdin``, ``input = sys.stdin.readline``)."""
    sys_names: set[str] = set()
    readers: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            sys_names |= {a.asname or a.name for a in node.names if a.name == "sys"}
        elif isinstance(node, ast.ImportFrom) and node.module == "sys":
            readers |= {a.asname or a.name for a in node.names if a.name == "stdin"}
    for node in tree.body:  # after the imports: an alias may come before or after them
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _reads(node.value, sys_names, readers, frozenset()):
                readers |= {t.id for t in targets if isinstance(t, ast.Name)}
    return sys_names, readers


def _bound_locally(function: Unit) -> frozenset[str]:
    arguments = function.args
    names = {a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)}
    names |= {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return frozenset(names)


def _reads(node: ast.AST, sys_names: set[str], readers: set[str], local: frozenset[str]) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            if sub.id not in local and (sub.id == "input" or sub.id in readers):
                return True
        elif (
            isinstance(sub, ast.Attribute)
            and sub.attr == "stdin"
            and isinstance(sub.value, ast.Name)
            and sub.value.id in sys_names
            and sub.value.id not in local
        ):
            return True
    return False


def _units(tree: ast.Module) -> Iterator[tuple[str, Unit]]:
    """Top-level functions (by name) and methods of top-level classes (``Class.m``)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", item


def stdin_readers(tree: ast.Module, with_methods: bool = False) -> frozenset[str]:
    """The names of the top-level functions of ``tree`` that read standard input, directly
    or through the module's functions, classes and methods they call (see the module
    docstring); with ``with_methods``, the methods of its top-level classes too
    (``Class.m``, ``Class.__init__``)."""
    sys_names, readers = _stdin_names(tree)
    units = dict(_units(tree))
    methods: dict[str, set[str]] = {}  # method name -> "Class.m" units of that name
    for unit in units:
        if "." in unit:
            methods.setdefault(unit.split(".", 1)[1], set()).add(unit)
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    reading: set[str] = set()
    calls: dict[str, set[str]] = {}
    for name, function in units.items():
        local = _bound_locally(function)
        # a module function called input is not the builtin: calls of it are callees
        shadowed = local | {"input"} if "input" in units else local
        if _reads(function, sys_names, readers, shadowed):
            reading.add(name)
        callees: set[str] = set()
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            target = node.func
            if isinstance(target, ast.Name) and target.id not in local:
                if target.id in units and "." not in target.id:
                    callees.add(target.id)
                elif target.id in classes:
                    callees.add(f"{target.id}.__init__")
            elif isinstance(target, ast.Attribute):
                callees |= methods.get(target.attr, set())
        calls[name] = callees
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in reading and callees & reading:
                reading.add(name)
                changed = True
    return frozenset(name for name in reading if with_methods or "." not in name)


__all__ = [
    "FIXED",
    "VARIANTS",
    "seeded_texts",
    "stdin_readers",
    "stdin_texts",
    "with_stdin",
    "with_stdin_text",
]

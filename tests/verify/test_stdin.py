"""Standard input for functions that read it: detection, generated texts, end to end.

A build runs with standard input at its end: before generated standard input, every call
of an interactive ``main()`` raised ``EOFError`` on both sides and the function failed as
"not verified" (its body never ran to the end). These tests show which functions are
found to read it (directly, through module functions and methods, not at all), that the
texts are deterministic per seed, and, through the real verifier, that interactive
functions compiled by the real compiler verify, and that a compiled program behaving
differently on some standard input is caught with that input shown.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from pyvorin.compiler import compile_module
from pyvorin.verify.generate import generate
from pyvorin.verify.inputs import InputCase, input_size
from pyvorin.verify.report import render_text
from pyvorin.verify.shrink import STDIN, candidates
from pyvorin.verify.signature import TypeSpec, parse_functions
from pyvorin.verify.stdin import FIXED, VARIANTS, seeded_texts, stdin_readers, stdin_texts
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project


def readers(source: str) -> set[str]:
    return set(stdin_readers(ast.parse(textwrap.dedent(source))))


# -- detection ----------------------------------------------------------------------------
def test_direct_reads_are_detected():
    found = readers(
        """
        import sys
        import sys as system
        from sys import stdin
        from sys import stdin as source

        def ask():
            return input("name? ")

        def whole():
            return sys.stdin.read()

        def one_line():
            return system.stdin.readline()

        def all_lines():
            return stdin.readlines()

        def renamed():
            return source.read()

        def loop():
            return [int(line) for line in sys.stdin]

        def sentinel():
            return list(iter(input, ""))

        def nested():
            def inner():
                return input()
            return inner()
        """
    )
    assert found == {
        "ask",
        "whole",
        "one_line",
        "all_lines",
        "renamed",
        "loop",
        "sentinel",
        "nested",
    }


def test_module_level_alias_of_a_reader_is_detected():
    # the competitive-programming idiom: input rebound to sys.stdin.readline
    found = readers(
        """
        import sys
        input = sys.stdin.readline
        read_all = sys.stdin.read

        def solve() -> int:
            return int(input())

        def slurp() -> str:
            return read_all()

        def pure(x: int) -> int:
            return x
        """
    )
    assert found == {"solve", "slurp"}


def test_reads_through_module_functions_and_methods_are_detected():
    found = readers(
        """
        class Prompt:
            def __init__(self) -> None:
                self.answer = input()

        class Menu:
            def choose(self) -> str:
                return self.read()

            def read(self) -> str:
                return input("> ")

            @staticmethod
            def quiet() -> int:
                return 0

        def ask() -> str:
            return input()

        def helper() -> str:
            return ask()

        def top() -> str:
            return helper()

        def via_self_method() -> str:
            return Menu().choose()

        def via_class_method() -> str:
            return Menu.read(Menu())

        def via_constructor() -> str:
            return Prompt().answer

        def not_reading(m: Menu) -> int:
            return Menu.quiet() + len("input")
        """
    )
    assert found == {
        "ask",
        "helper",
        "top",
        "via_self_method",
        "via_class_method",
        "via_constructor",
    }


def test_functions_that_do_not_read_are_not_detected():
    found = readers(
        """
        import sys

        def parameter_named_input(input: str) -> str:
            return input.upper()

        def local_named_input() -> int:
            input = 3
            return input

        def writes() -> None:
            sys.stdout.write("x")
            print("input", file=sys.stderr)

        def attribute_named_stdin(obj) -> object:
            return obj.stdin

        def input_text() -> str:
            return "input()"
        """
    )
    assert found == set()


def test_a_module_function_called_input_is_not_the_builtin():
    found = readers(
        """
        def input(prompt: str = "") -> str:
            return "fixed"

        def main() -> str:
            return input("x")
        """
    )
    assert found == set()


def test_parse_functions_marks_readers(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text("def main():\n    print(input())\n\ndef f(x: int) -> int:\n    return x\n")
    by_name = {f.name: f for f in parse_functions("m", path)}
    assert by_name["main"].reads_stdin and not by_name["f"].reads_stdin


# -- generation -----------------------------------------------------------------------------
def test_fixed_texts_cover_the_interactive_kinds_and_are_distinct():
    texts = [text for _, text in FIXED]
    assert len(set(texts)) == len(texts)
    assert texts[0] == ""  # EOF at the first read, as in a build
    assert "7\n" in texts and "3,1,4,1,5\n" in texts and "3 1 4 1 5 9 2 6\n" in texts
    assert {"y\n", "n\n", "q\n", "quit\n", "exit\n"} <= set(texts)
    assert any(len(t.splitlines()) >= 300 for t in texts)  # long input
    assert any(t and not t.endswith("\n") for t in texts)  # no final newline
    assert any(t.startswith("\n") for t in texts)  # a blank line first
    assert any(t.split("\n")[:4] == ["1", "10", "1", "20"] for t in texts)  # menu session


def test_texts_are_deterministic_per_seed():
    assert seeded_texts(7, 30) == seeded_texts(7, 30)
    assert seeded_texts(7, 30) != seeded_texts(8, 30)
    first, second = stdin_texts(7), stdin_texts(7)
    assert first == second and len(first) == VARIANTS
    assert len({text for _, text in first}) == VARIANTS
    assert first[: len(FIXED)] == list(FIXED) == stdin_texts(8)[: len(FIXED)]


def _functions(tmp_path: Path, source: str) -> dict:
    path = tmp_path / "kernels.py"
    path.write_text(textwrap.dedent(source))
    return {f.name: f for f in parse_functions("kernels", path)}


def test_parameterless_reader_gets_one_input_per_text(tmp_path: Path):
    functions = _functions(tmp_path, "def main():\n    print(input())\n")
    cases = generate(functions["main"], 30, seed=3)
    assert len(cases) == VARIANTS
    assert [c.stdin for c in cases] == [text for _, text in stdin_texts(_seed(3, functions))]
    assert cases[1].origin == "#2 (stdin: one int)"
    assert all(c.args == () and c.kwargs == {} for c in cases)
    again = generate(functions["main"], 30, seed=3)
    assert [c.key for c in again] == [c.key for c in cases]
    other = generate(functions["main"], 30, seed=4)
    assert [c.key for c in other] != [c.key for c in cases]
    # the fixed texts do not depend on the seed (top-up rounds skip them as seen)
    assert [c.key for c in other[: len(FIXED)]] == [c.key for c in cases[: len(FIXED)]]


def _seed(seed: int, functions: dict) -> int:
    from pyvorin.verify.generate import function_seed

    return function_seed(seed, functions["main"])


def test_reader_with_parameters_keeps_its_number_of_inputs(tmp_path: Path):
    reading = _functions(tmp_path, "def scale(k: int) -> int:\n    return k * len(input())\n")
    plain = _functions(tmp_path, "def scale(k: int) -> int:\n    return k * 2\n")
    with_input = generate(reading["scale"], 30, seed=1)
    without = generate(plain["scale"], 30, seed=1)
    # the same argument rows, as many, each now paired with one standard input text
    assert [(c.args, c.kwargs) for c in with_input] == [(c.args, c.kwargs) for c in without]
    assert all(c.stdin is not None for c in with_input)
    assert all(c.stdin is None for c in without)
    assert len({c.stdin for c in with_input}) > 20
    assert with_input[0].origin == "#1 (targeted, stdin: empty)"
    assert [c.key for c in generate(reading["scale"], 30, seed=1)] == [c.key for c in with_input]


def test_stdin_counts_in_the_size_and_shrinks_by_lines():
    assert input_size(InputCase((), {})) == 0  # unchanged for calls without stdin
    assert input_size(InputCase((), {}, stdin="1\n2\n3\n")) == 4
    smaller = list(candidates("1\n2\n3\n4\n", TypeSpec(STDIN)))
    assert smaller[0] == "" and "1\n2\n" in smaller and "1\n3\n4\n" in smaller
    assert all(len(s) < len("1\n2\n3\n4\n") for s in smaller)
    assert list(candidates("", TypeSpec(STDIN))) == []


# -- end to end through the real verifier ----------------------------------------------------
INTERACTIVE = """\
import sys


def main() -> None:
    items: list[int] = []
    while True:
        choice = input("choice (1 add, 2 sum, 3 show, q quit): ").strip()
        if choice == "q":
            break
        if choice == "1":
            items.append(int(input("value: ")))
        elif choice == "2":
            print("sum", sum(items))
        elif choice == "3":
            print(items)
        else:
            print("unknown choice", choice)
    print("bye", len(items))


def read_ints() -> list[int]:
    n = int(input("how many? "))
    return [int(input()) for _ in range(n)]


def total() -> int:
    values = read_ints()
    print("total", sum(values))
    return sum(values)


def scale(k: int) -> int:
    line = input()
    return k * len(line)


def byte_count() -> int:
    return len(sys.stdin.buffer.read())
"""


@pytest.mark.slow
def test_interactive_functions_compiled_for_real_verify(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=INTERACTIVE, min_inputs=30)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    assert Path(compiled.artifact).suffix == ".so"  # the real compiler's extension
    result, report, _ = verify_module(ctx, module, compiled)
    assert result.passed, result.message
    by_name = {f["name"]: f for f in report["functions"]}
    main = by_name["main"]
    # one input per text, each compared; the menu loop's every line and branch ran
    assert main["inputs"]["generated"] == VARIANTS and main["mismatches"] == 0
    assert main["required"] == 1
    assert main["coverage"]["percent"] == 100.0
    assert main["coverage"]["branch_percent"] == 100.0
    # read_ints parses ints: some texts return, others raise ValueError or EOFError alike
    assert by_name["read_ints"]["coverage"]["percent"] == 100.0
    assert by_name["total"]["result"] == "passed"
    # a function with parameters keeps min-inputs and its number of generated inputs
    assert by_name["scale"]["required"] == 30 and by_name["scale"]["conclusive"] > 30
    # standard input is a text stream over bytes, as a real one: .buffer reads them
    assert by_name["byte_count"]["inputs"]["generated"] == VARIANTS
    assert by_name["byte_count"]["result"] == "passed"


@pytest.mark.slow
def test_a_different_compiled_behaviour_on_some_input_is_caught_with_its_stdin(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=INTERACTIVE, min_inputs=30)
    # the "compiled" menu also stops at "quit" (CPython reads on and hits EOF)
    mutation = ('if choice == "q":', 'if choice in ("q", "quit"):')
    ctx = make_context(root, MutantBackend([mutation]), out=root / "out")
    compiled = compile_with(ctx, module, root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert not result.passed
    failed = [f for f in report["functions"] if f["result"] != "passed"]
    assert [f["name"] for f in failed] == ["main"]
    finding = failed[0]["findings"][0]
    assert finding["source"] == "generated"
    assert finding["input"]["stdin"] == "quit\n"
    assert finding["input"]["call"] == "main() with stdin 'quit\\n'"
    assert finding["cpython"].startswith("raised EOFError")
    assert finding["compiled"].startswith("returned None")
    text = render_text(report)
    assert "main() with stdin 'quit\\n'" in text
    # already minimal: without the line, both sides stop at EOF alike
    assert finding["shrunk"]["same_as_input"] is True


@pytest.mark.slow
def test_a_failing_stdin_is_shrunk_by_lines(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=INTERACTIVE, min_inputs=30)
    # the "compiled" sum leaves out the first item
    mutation = ('print("sum", sum(items))', 'print("sum", sum(items[1:]))')
    ctx = make_context(root, MutantBackend([mutation]), out=root / "out")
    compiled = compile_with(ctx, module, root)
    result, report, _ = verify_module(ctx, module, compiled)
    assert not result.passed
    main = next(f for f in report["functions"] if f["name"] == "main")
    finding = main["findings"][0]
    assert "stdout" in [d["what"] for d in finding["differences"]]
    shrunk = finding["shrunk"]
    assert not shrunk.get("same_as_input"), shrunk
    original, smaller = finding["input"]["stdin"], shrunk["input"]["stdin"]
    assert len(smaller.splitlines()) < len(original.splitlines())
    # the smallest failing session still adds an item and asks for the sum
    assert "2" in smaller.splitlines() and "1" in smaller.splitlines()
    assert shrunk["input"]["call"].startswith("main() with stdin ")
    assert "differences" in shrunk


SPINS_ON_EXIT = """\
def spin() -> int:
    if input() == "exit":
        while True:
            pass
    return 1
"""


@pytest.mark.slow
def test_an_inconclusive_input_shows_its_stdin(tmp_path: Path):
    root = tmp_path / "p"
    module = make_project(root, source=SPINS_ON_EXIT, min_inputs=30, call_seconds=1)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_with(ctx, module, root)
    result, report, _ = verify_module(ctx, module, compiled)
    spin = report["functions"][0]
    # (only the first 20 inconclusive inputs are listed with their input)
    listed = [i for i in spin["inconclusive"] if "input" in i]
    timed_out = [i for i in listed if i["input"]["stdin"] == "exit\n"]
    assert timed_out, spin["inconclusive"]
    assert timed_out[0]["input"]["call"] == "spin() with stdin 'exit\\n'"
    assert "did not finish within the 1 s per-call budget" in timed_out[0]["reason"]
    # the texts before it returned: the function is verified on them
    assert result.passed, result.message
    assert spin["conclusive"] >= 1

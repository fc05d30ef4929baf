"""Docstring sessions (pyvorin.verify.sessions) run under both sides and are compared.

Real docstrings build objects over several examples, pass lambdas and call methods, which
no literal input can express (TheAlgorithms' binary search tree, continued fractions,
Simpson's rule...). Each session runs in a copy of each side's own module namespace; its
outcome (each example's value, exception and output) is compared, and the lines it runs
are evidence for the functions it calls.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pyvorin.compiler import compile_module
from pyvorin.verify.report import render_text
from pyvorin.verify.sessions import module_sessions, session_text
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

TREE = '''\
"""A binary search tree.

>>> t = Tree()
>>> for v in (8, 3, 10, 1, 6, 14, 4, 7, 13, 3):
...     t.insert(v)
>>> inorder(t.root)
[1, 3, 3, 4, 6, 7, 8, 10, 13, 14]
>>> t.find(6).value
6
>>> t.find(5) is None
True
>>> t.depth()
5
>>> t.find(-1).value
Traceback (most recent call last):
    ...
AttributeError: 'NoneType' object has no attribute 'value'
"""

from __future__ import annotations


class Node:
    def __init__(self, value: int, *, parent: Node | None) -> None:
        self.value = value
        self.parent = parent
        self.left: Node | None = None
        self.right: Node | None = None


class Tree:
    def __init__(self) -> None:
        self.root: Node | None = None

    def insert(self, value: int) -> None:
        if self.root is None:
            self.root = Node(value, parent=None)
            return
        here = self.root
        while True:
            if value < here.value:
                if here.left is None:
                    here.left = Node(value, parent=here)
                    return
                here = here.left
            else:
                if here.right is None:
                    here.right = Node(value, parent=here)
                    return
                here = here.right

    def find(self, value: int) -> Node | None:
        here = self.root
        while here is not None and here.value != value:
            here = here.left if value < here.value else here.right
        return here

    def depth(self) -> int:
        return _depth(self.root)


def _depth(node: Node | None) -> int:
    if node is None:
        return 0
    return 1 + max(_depth(node.left), _depth(node.right))


def inorder(node: Node | None) -> list[int]:
    if node is None:
        return []
    return inorder(node.left) + [node.value] + inorder(node.right)
'''

SIMPSON = '''\
def simpson(function, a: float, b: float, steps: int = 4) -> float:
    """Simpson's rule.

    >>> simpson(lambda x: x * x, 0, 3)
    9.0
    >>> simpson(lambda x: x ** 3 - x, -2.0, -0.5, 10)
    -2.109375
    >>> simpson(len, 0, 1)
    Traceback (most recent call last):
        ...
    TypeError: object of type 'float' has no len()
    >>> simpson(abs, 2, 1, 0)
    Traceback (most recent call last):
        ...
    ValueError: steps must be a positive even number, got 0
    """
    if steps <= 0 or steps % 2:
        raise ValueError(f"steps must be a positive even number, got {steps}")
    h = (b - a) / steps
    total = function(a) + function(b)
    for i in range(1, steps):
        total += (4 if i % 2 else 2) * function(a + i * h)
    return total * h / 3
'''


def _verify_compiled(root: Path, source: str, min_inputs: int = 30):
    module = make_project(root, source=source, min_inputs=min_inputs)
    ctx = make_context(root, MutantBackend(), out=root / "out")
    compiled = compile_module(module, root / "out", workdir=root)
    return verify_module(ctx, module, compiled)


def test_sessions_are_read_from_every_docstring_in_source_order(tmp_path: Path):
    path = tmp_path / "m.py"
    path.write_text(
        textwrap.dedent(
            '''\
            """Module.

            >>> f(1)
            2
            """


            def f(x: int) -> int:
                """No examples here."""
                return x + 1


            class C:
                """
                >>> C().g()  # doctest: +SKIP
                >>> c = C()
                >>> c.g()
                3
                """

                def g(self) -> int:
                    """
                    >>> def h():
                    ...     return C().g()
                    >>> h()
                    """

                    def inner():
                        """>>> inner_example()"""

                    return 3
            '''
        ),
        encoding="utf-8",
    )
    sessions = module_sessions(path)
    assert [s.where for s in sessions] == ["module", "C", "C.g", "C.g.inner"]
    assert sessions[0].examples == ("f(1)\n",)
    assert sessions[0].lines == (3,)
    assert sessions[1].examples == ("c = C()\n", "c.g()\n")  # +SKIP is not run
    assert sessions[1].lines == (16, 17)
    assert sessions[2].examples == ("def h():\n    return C().g()\n", "h()\n")
    assert [s.name for s in sessions][:2] == ["doctests of module", "doctests of C"]
    assert session_text(sessions[2].examples) == ">>> def h():\n...     return C().g(); >>> h()"


def test_a_file_without_examples_or_that_does_not_parse_has_no_sessions(tmp_path: Path):
    plain = tmp_path / "plain.py"
    plain.write_text('def f():\n    """Says >>> nothing runnable."""\n', encoding="utf-8")
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n", encoding="utf-8")
    assert module_sessions(plain) == []
    assert module_sessions(broken) == []
    assert module_sessions(tmp_path / "missing.py") == []


@pytest.mark.slow
def test_a_tree_built_by_the_module_docstring_verifies_the_functions_it_runs(tmp_path: Path):
    result, report, _ = _verify_compiled(tmp_path / "p", TREE)
    assert result.passed, result.message
    (session,) = report["sessions"]
    assert session["name"] == "doctests of module"
    assert session["result"] == "passed"
    assert session["examples"] == 7
    entries = {f["name"]: f for f in report["functions"]}
    # nothing else gives inorder/_depth a tree: the session's matching run is the evidence
    for name in ("inorder", "_depth"):
        assert entries[name]["result"] == "passed"
        assert "doctests of module" in entries[name]["by_coverage"]["callers"]
    assert "1 of 1 docstring session(s) ran the same as under CPython" in render_text(report)


@pytest.mark.slow
def test_a_lambda_in_a_docstring_is_an_input_the_literal_doctests_cannot_give(tmp_path: Path):
    result, report, _ = _verify_compiled(tmp_path / "p", SIMPSON)
    assert result.passed, result.message
    (session,) = report["sessions"]
    assert session["name"] == "doctests of simpson"
    assert session["result"] == "passed"


def test_a_difference_only_a_lambda_reaches_is_caught_by_the_session(tmp_path: Path):
    # wrong only for a negative upper limit: the generated callables (the module's
    # functions, len, abs, repr, sorted) cannot tell, the docstring's polynomial can
    result, report, _ = _verify_mutant(
        tmp_path, SIMPSON, [("function(a) + function(b)", "function(a) + function(abs(b))")]
    )
    assert not result.passed
    assert report["functions"][0]["result"] == "passed"
    (session,) = report["sessions"]
    assert session["result"] == "mismatch"
    assert "-2.109375" in session["findings"][0]["cpython"]


def _verify_mutant(tmp_path: Path, source: str, mutations: list[tuple[str, str]]):
    root = tmp_path / "m"
    module = make_project(root, source=source, min_inputs=30)
    ctx = make_context(root, MutantBackend(mutations))
    compiled = compile_with(ctx, module, tmp_path)
    return verify_module(ctx, module, compiled)


def test_a_method_that_differs_only_inside_a_session_fails_the_build(tmp_path: Path):
    # duplicates go left instead of right: the same values in order, another shape
    result, report, _ = _verify_mutant(
        tmp_path, TREE, [("if value < here.value:", "if value <= here.value:")]
    )
    assert not result.passed
    (session,) = report["sessions"]
    assert session["result"] == "mismatch"
    text = render_text(report)
    assert "1 docstring session(s) differ" in text
    assert "doctests of module (kernels.py:1, 7 examples) differs from CPython" in text
    assert ">>> t = Tree()" in text
    finding = session["findings"][0]
    assert "(6, 'value', '5'" in finding["cpython"]  # the depth: 5 under CPython,
    assert "(6, 'value', '4'" in finding["compiled"]  # 4 with duplicates on the left


def test_an_exception_message_that_differs_in_a_session_is_a_mismatch(tmp_path: Path):
    result, report, _ = _verify_mutant(
        tmp_path, SIMPSON, [("positive even number, got", "positive even number; got")]
    )
    assert not result.passed
    (session,) = report["sessions"]
    assert session["result"] == "mismatch"
    assert "ValueError" in session["findings"][0]["compiled"]
    assert "number; got 0" in session["findings"][0]["compiled"]


def test_output_printed_by_an_example_is_compared(tmp_path: Path):
    source = SIMPSON + textwrap.dedent(
        '''

        def show(x: float) -> None:
            """
            >>> show(simpson(abs, -1, 1))
            """
            print(f"{x:.4f}")
        '''
    )
    result, report, _ = _verify_mutant(
        tmp_path, source, [('print(f"{x:.4f}")', 'print(f"{x:.3f}")')]
    )
    assert not result.passed
    (session,) = [s for s in report["sessions"] if s["name"] == "doctests of show"]
    assert session["result"] == "mismatch"
    assert "stdout" in [d["what"] for d in session["findings"][0]["differences"]]


def test_a_session_that_differs_from_itself_under_cpython_is_inconclusive(tmp_path: Path):
    source = '''\
    import time


    def stamp() -> int:
        """
        >>> stamp() > 0
        True
        >>> time.perf_counter_ns()
        """
        return 1
    '''
    result, report, _ = _verify_mutant(tmp_path, source, [("return 1", "return 1  # same")])
    (session,) = report["sessions"]
    assert session["result"] == "inconclusive"
    assert "nondeterministic" in session["reason"]
    assert result.passed, result.message  # stamp is verified on its own inputs


CLASSES_ONLY = '''\
class Graph:
    """A directed graph and its transitive closure (keon/algorithms' shape: no
    top-level function, the class's docstring is the only example).

    >>> g = Graph(3)
    >>> g.add_edge(0, 1)
    >>> g.add_edge(1, 2)
    >>> g.closure_of()
    [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
    """

    def __init__(self, vertices: int) -> None:
        self.count = vertices
        self.edges: dict[int, list[int]] = {}

    def add_edge(self, source: int, target: int) -> None:
        self.edges.setdefault(source, []).append(target)

    def closure_of(self) -> list[list[int]]:
        closure = [[0] * self.count for _ in range(self.count)]
        for start in range(self.count):
            stack = [start]
            while stack:
                here = stack.pop()
                if closure[start][here]:
                    continue
                closure[start][here] = 1
                stack.extend(self.edges.get(here, []))
        return closure
'''


def test_a_module_of_classes_only_runs_its_sessions(tmp_path: Path):
    # no top-level function to verify: the sessions ran only when some function was
    # verified (a vacuous pass); the class's methods are targets of their own too
    result, report, _ = _verify_mutant(
        tmp_path, CLASSES_ONLY, [("closure[start][here] = 1", "closure[start][here] = 2")]
    )
    names = [f["name"] for f in report["functions"]]
    assert names == ["Graph.__init__", "Graph.add_edge", "Graph.closure_of"]
    (session,) = report["sessions"]
    assert session["name"] == "doctests of Graph"
    assert session["result"] == "mismatch"
    assert not result.passed


def test_a_module_of_classes_only_whose_sessions_match_passes(tmp_path: Path):
    result, report, _ = _verify_mutant(tmp_path, CLASSES_ONLY, [])
    (session,) = report["sessions"]
    assert session["result"] == "passed"
    assert result.passed


ONE_LINE = '''\
def closure(edges: list[tuple[int, int]], count: int) -> list[list[int]]:
    """The transitive closure, as doctest shows it for a line of statements.

    >>> edges = [(0, 1)]; edges.append((1, 2)); closure(edges, 3)
    [[1, 1, 1], [0, 1, 1], [0, 0, 1]]
    >>> for n in (1, 2):
    ...     closure([], n)
    [[1]]
    [[1, 0], [0, 1]]
    """
    result = [[0] * count for _ in range(count)]
    for start in range(count):
        stack = [start]
        while stack:
            here = stack.pop()
            if result[start][here]:
                continue
            result[start][here] = 1
            stack.extend(b for a, b in edges if a == here)
    return result
'''


@pytest.mark.parametrize(
    "mutation",
    [
        # reached only by the one-line example (its edges), then only by the loop's
        ("if a == here", "if a == here and b != 2"),
        ("result[start][here] = 1", "result[start][here] = 1 if count != 2 else 3"),
    ],
)
def test_the_values_an_example_of_statements_displays_are_compared(tmp_path: Path, mutation):
    # doctest compiles each example in "single" mode: `a = ...; f(a)` and an expression
    # statement in a loop display their values, which the session compared as a bare "ok"
    result, report, _ = _verify_mutant(tmp_path, ONE_LINE, [mutation])
    (session,) = report["sessions"]
    assert session["result"] == "mismatch", session
    assert not result.passed

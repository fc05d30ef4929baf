"""Input source: docstring sessions, run differentially (compiled against CPython).

A docstring example that calls one function with literal arguments is an input of that
function (:mod:`.doctests`). Real docstrings do more: they build objects and use them
over several examples (``>>> t = BinarySearchTree().insert(8, 3, 6)`` then ``>>>
inorder(t.root)``), pass lambdas (``>>> simpson_integration(lambda x: x * x, 1, 2, 3)``),
bind names (``>>> a = b"A"``) and exercise methods, which no literal can express.

Every docstring of the module with examples (the module's, and those of its functions,
classes and methods, nested ones included) is a **session**: its examples, in order, are
run by each worker in a fresh copy of its own module's namespace, as :mod:`doctest` runs
them, so on the compiled side every name the examples use is the compiled function or
class. What each example ends with is recorded: the value of an expression (encoded as
every result is, :mod:`.values`; immediately, before a later example can change it) or
the exception an example raised (type and message), and what it printed. The session's
outcome is that sequence, compared between the two sides as a call's result is. The
expected output written in the docstring is not read: CPython is the reference.

A session is not an input of one function: it is reported on its own (a difference is a
mismatch that fails the build, as any other), and the lines it runs are evidence for the
functions it calls (``verified by coverage``, docs/verification.md). Examples marked
``# doctest: +SKIP`` are not run.
"""

from __future__ import annotations

import ast
import doctest
from dataclasses import dataclass
from pathlib import Path

from .signature import FunctionInfo, TypeSpec

SESSION_PREFIX = "doctests of "  # owner names: never a Python identifier
MAX_SESSIONS = 200  # per module
MAX_EXAMPLES = 400  # per session
SESSION_FILENAME = "<docstring session>"


@dataclass(frozen=True)
class Session:
    """The examples of one docstring, in order."""

    where: str  # "module", "inorder", "BinarySearchTree.insert"
    lineno: int  # the docstring's first line in the file
    examples: tuple[str, ...]  # the source of each example
    lines: tuple[int, ...]  # each example's line in the file

    @property
    def name(self) -> str:
        return SESSION_PREFIX + self.where


def is_session(name: str) -> bool:
    return name.startswith(SESSION_PREFIX)


def _docstring_nodes(tree: ast.Module) -> list[tuple[str, ast.AST]]:
    """(qualified name, node) of the module and of every function and class in it."""
    found: list[tuple[str, ast.AST]] = [("module", tree)]

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                found.append((name, child))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def module_sessions(path: Path) -> list[Session]:
    """The docstring sessions of the source at ``path``, in source order."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    parser = doctest.DocTestParser()
    sessions: list[Session] = []
    for where, node in _docstring_nodes(tree):
        docstring = ast.get_docstring(node, clean=False)  # type: ignore[arg-type]
        if not docstring or ">>>" not in docstring:
            continue
        try:
            examples = parser.get_examples(docstring)
        except ValueError:  # malformed example indentation: doctest itself refuses it
            continue
        first = node.body[0].lineno if getattr(node, "body", None) else 1  # type: ignore[attr-defined]
        kept = [e for e in examples if not e.options.get(doctest.SKIP)]
        if not kept:
            continue
        sessions.append(
            Session(
                where,
                first,
                tuple(e.source for e in kept[:MAX_EXAMPLES]),
                tuple(first + e.lineno for e in kept[:MAX_EXAMPLES]),
            )
        )
        if len(sessions) >= MAX_SESSIONS:
            break
    return sessions


def session_owner(module: str, path: Path, session: Session) -> FunctionInfo:
    """A stand-in for the requests' owner: what the run machinery keys calls by."""
    return FunctionInfo(
        module=module,
        name=session.name,
        params=(),
        returns=TypeSpec("any"),
        docstring=None,
        lineno=session.lineno,
        path=Path(path),
    )


def session_text(examples: list[str] | tuple[str, ...], limit: int = 6) -> str:
    """The session as a person reads it: ``>>> a = 1; >>> f(a)`` (at most ``limit``)."""
    shown = [">>> " + e.strip().replace("\n", "\n... ") for e in examples[:limit]]
    more = len(examples) - limit
    return "; ".join(shown) + (f"; ... ({more} more examples)" if more > 0 else "")

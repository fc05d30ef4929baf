"""The names CPython 3.13+ puts in every class namespace: ``__firstlineno__`` and
``__static_attributes__`` (computed from the class statement, as its compiler does)."""

from __future__ import annotations

import ast
import sys

CLASS_METADATA = sys.version_info >= (3, 13)

# code units of CPython's compiler; list/set/dict comprehensions are inlined (no unit)
_UNITS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.GeneratorExp)


def first_lineno(node: ast.ClassDef) -> int:
    """``__firstlineno__``: the line of the first decorator, else of ``class``."""
    return node.decorator_list[0].lineno if node.decorator_list else node.lineno


def static_attributes(cls: ast.ClassDef) -> tuple[str, ...]:
    """``__static_attributes__``: the sorted attribute names ``X`` of every ``self.X``
    stored (as an assignment, ``for``, ``with``, comprehension or annotated-with-value
    target; not augmented, not deleted) by code whose nearest enclosing class, not
    counting the code itself, is ``cls``; ``self`` is that literal name, the name
    unmangled. Code units are functions, lambdas, classes and generator expressions."""
    found: set[str] = set()

    def visit(node: ast.AST, units: list[ast.AST]) -> None:
        if isinstance(node, ast.AugAssign) or (
            isinstance(node, ast.AnnAssign) and node.value is None
        ):
            # the target is not compiled as a plain store: only its parts are visited
            target = node.target
            visit(target.value if isinstance(target, ast.Attribute) else target, units)
            other = node.value if isinstance(node, ast.AugAssign) else node.annotation
            visit(other, units)
            return
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
            and _owner(units[:-1]) is cls
        ):
            found.add(node.attr)
        if isinstance(node, _UNITS) and node is not units[-1]:
            outer, inner = _split(node)
            for part in outer:
                visit(part, units)
            for part in inner:
                visit(part, [*units, node])
            return
        for child in ast.iter_child_nodes(node):
            visit(child, units)

    for stmt in cls.body:
        visit(stmt, [cls])
    return tuple(sorted(found))


def _owner(enclosing: list[ast.AST]) -> ast.AST | None:
    for unit in reversed(enclosing):
        if isinstance(unit, ast.ClassDef):
            return unit
    return None


def _split(node: ast.AST) -> tuple[list[ast.AST], list[ast.AST]]:
    """A unit's parts evaluated in the enclosing code, and its own code."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        a = node.args
        outer: list[ast.AST] = [*getattr(node, "decorator_list", []), *a.defaults]
        outer += [d for d in a.kw_defaults if d is not None]
        if not isinstance(node, ast.Lambda):
            args = [*a.posonlyargs, *a.args, a.vararg, *a.kwonlyargs, a.kwarg]
            outer += [x.annotation for x in args if x is not None and x.annotation is not None]
            if node.returns is not None:
                outer.append(node.returns)
            return outer, list(node.body)
        return outer, [node.body]
    if isinstance(node, ast.ClassDef):
        return [*node.decorator_list, *node.bases, *node.keywords], list(node.body)
    assert isinstance(node, ast.GeneratorExp)
    first, *rest = node.generators
    inner: list[ast.AST] = [first.target, *first.ifs, *rest, node.elt]
    return [first.iter], inner

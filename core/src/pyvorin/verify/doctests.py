"""Input source 2: calls written in the function's docstring as doctest examples.

Every ``>>> f(...)`` example that calls the function itself with literal arguments
(numbers, strings, bytes, ``bytearray(b"...")``, ``True``/``False``/``None``, lists and
tuples of them, ``float('nan')``, ``float('inf')``, ``math.inf``, ``math.nan``,
negatives) becomes an input, also where
the call is compared (``>>> f(grid) is None``). An argument may name a module-level
constant (``>>> sudoku(initial_grid)``): a name the module assigns exactly once, at its
top level and outside ``if __name__ == "__main__":``, to such a literal, and that no
function rebinds with ``global``; the call is given that literal's value, as a fresh
import of the module would see it. The expected output written in the docstring is not
used: the reference is CPython's own outcome.
"""

from __future__ import annotations

import ast
import copy
import doctest
import math
from typing import Any

from ..bindings import bound_names, declared_global
from ..hookspecs import hookimpl
from ..model import BuildContext, ModuleSpec
from .inputs import InputCase
from .signature import FunctionInfo


class NotLiteral(ValueError):
    pass


def literal(node: ast.expr, names: dict[str, Any] | None = None) -> Any:
    if names and isinstance(node, ast.Name) and node.id in names:
        return copy.deepcopy(names[node.id])
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal(node.operand, names)
        if type(value) in (int, float):
            return -value if isinstance(node.op, ast.USub) else +value
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and not node.keywords
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, (str, int, float))
        and not isinstance(node.args[0].value, bool)
    ):
        try:
            return float(node.args[0].value)
        except ValueError:
            raise NotLiteral from None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "bytearray"
        and len(node.args) <= 1
        and not node.keywords
        and all(isinstance(a, ast.Constant) and type(a.value) is bytes for a in node.args)
    ):
        return bytearray(node.args[0].value if node.args else b"")
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "math"
        and node.attr in ("inf", "nan", "pi", "e", "tau")
    ):
        return getattr(math, node.attr)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [literal(e, names) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    raise NotLiteral


_constants: dict[tuple[str, int], dict[str, Any]] = {}


def module_constants(path: Any) -> dict[str, Any]:
    """The module's top-level names bound once to a literal (see the module docstring)."""
    from pathlib import Path

    try:
        source = Path(path).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError):
        return {}
    cache_key = (str(path), hash(source))
    if cache_key in _constants:
        return _constants[cache_key]
    bound: dict[str, int] = {}
    values: dict[str, Any] = {}
    for node in tree.body:
        for target in bound_names(node):
            bound[target] = bound.get(target, 0) + 1
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            try:
                values[target.id] = literal(value)
            except NotLiteral:
                pass
    rebound = declared_global(tree)
    found = {
        name: value
        for name, value in values.items()
        if bound.get(name) == 1 and name not in rebound
    }
    _constants[cache_key] = found
    return found


def cases_for(function: FunctionInfo) -> list[InputCase]:
    if not function.docstring:
        return []
    try:
        examples = doctest.DocTestParser().get_examples(function.docstring)
    except ValueError:
        return []
    cases = []
    for example in examples:
        try:
            tree = ast.parse(example.source, mode="eval")
        except SyntaxError:
            continue
        call = tree.body
        if isinstance(call, ast.Compare):  # >>> f(x) is None, >>> f(x) == 3
            call = call.left
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == function.name
        ):
            continue
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            continue
        try:
            names = module_constants(function.path)
            args = tuple(literal(a, names) for a in call.args)
            kwargs = {k.arg: literal(k.value, names) for k in call.keywords if k.arg}
        except NotLiteral:
            continue
        bound = function.bind(args, kwargs)
        if isinstance(bound, str):
            continue
        line = function.lineno + 1 + example.lineno
        origin = f"docstring of {function.name}, {function.path.name}:{line}"
        cases.append(InputCase(bound[0], bound[1], "doctests", origin))
    return cases


@hookimpl
def pyvorin_generate_inputs(
    ctx: BuildContext, module: ModuleSpec, function: FunctionInfo
) -> list[InputCase]:
    return cases_for(function)

"""Input source 2: calls written in the function's docstring as doctest examples.

Every ``>>> f(...)`` example that calls the function itself with literal arguments
(numbers, ``True``/``False``/``None``, lists and tuples of them, ``float('nan')``,
``float('inf')``, ``math.inf``, ``math.nan``, negatives) becomes an input. The expected
output written in the docstring is not used: the reference is CPython's own outcome.
"""

from __future__ import annotations

import ast
import doctest
import math
from typing import Any

from ..hookspecs import hookimpl
from ..model import BuildContext, ModuleSpec
from .inputs import InputCase
from .signature import FunctionInfo


class NotLiteral(ValueError):
    pass


def literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = literal(node.operand)
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
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "math"
        and node.attr in ("inf", "nan", "pi", "e", "tau")
    ):
        return getattr(math, node.attr)
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [literal(e) for e in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    raise NotLiteral


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
            args = tuple(literal(a) for a in call.args)
            kwargs = {k.arg: literal(k.value) for k in call.keywords if k.arg}
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

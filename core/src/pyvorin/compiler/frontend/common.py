"""What the native frontend's checks share: the tables of the subset (the math module's
names, the builtins, the dynamic features, the operators), the error type ``ERR``, and
:class:`FunctionState`, the state of the function checker its parts work on."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Any

from ..ir import Param

if TYPE_CHECKING:
    from .module import Checker

ERR = "?"

MATH_FUNCS_FLOAT1 = {"sqrt", "sin", "cos", "tan", "exp", "log10", "fabs"}
MATH_FUNCS = MATH_FUNCS_FLOAT1 | {
    "log",
    "atan2",
    "pow",
    "hypot",
    "floor",
    "ceil",
    "isnan",
    "isinf",
    "isfinite",
}
MATH_CONSTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan, "tau": math.tau}
BUILTINS = {
    "abs",
    "all",
    "any",
    "min",
    "max",
    "len",
    "int",
    "float",
    "bool",
    "round",
    "divmod",
    "range",
    "print",
    "str",
    "ord",
    "chr",
    "sum",
    "list",
    "sorted",
    "set",
}
DYNAMIC = {
    "eval",
    "exec",
    "getattr",
    "setattr",
    "hasattr",
    "delattr",
    "globals",
    "locals",
    "vars",
    "compile",
    "__import__",
    "open",
    "input",
    "type",
    "isinstance",
    "issubclass",
    "id",
    "hash",
    "dir",
    "callable",
    "breakpoint",
    "super",
    "object",
}
BUILTIN_HINTS = {
    "enumerate": "loop over indices: `for i in range(len(xs)): x = xs[i]`",
    "zip": "loop over indices: `for i in range(len(xs)): a, b = xs[i], ys[i]`",
    "pow": "use the `**` operator or math.pow(x, y)",
    "reversed": "loop with a negative step: `for i in range(len(xs) - 1, -1, -1)`",
}
TYPING_NAMES = {"Final", "List", "Tuple", "annotations"}
ARITH = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "truediv",
    ast.FloorDiv: "floordiv",
    ast.Mod: "mod",
    ast.Pow: "pow",
    ast.BitAnd: "and",
    ast.BitOr: "or",
    ast.BitXor: "xor",
    ast.LShift: "lshift",
    ast.RShift: "rshift",
}
CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
OP_SYMBOL = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "truediv": "/",
    "floordiv": "//",
    "mod": "%",
    "pow": "**",
    "and": "&",
    "or": "|",
    "xor": "^",
    "lshift": "<<",
    "rshift": ">>",
}


class FunctionState:
    """The function checker's state, shared by its parts (:mod:`.statements`,
    :mod:`.expressions`, :mod:`.calls`, :mod:`.typesys`); set up by
    :class:`.function.FunctionChecker`."""

    m: Checker  # the module checker: constants, functions, signatures, math/typing names
    fn: ast.FunctionDef
    params: list[Param]
    ret: Any
    types: dict[str, Any]  # local name -> type
    local_names: set[str]  # every name the body assigns, and the parameters
    calls: set[str]  # the module functions called
    loop_depth: int
    comp_scopes: list[dict[str, tuple[str, Any]]]  # comprehension target -> (C name, type)
    comp_counter: int
    hints: dict[str, Any]  # inferred types of lists made empty (infer_empty_lists)
    partial: dict[str, list[Any]] | None  # probing: such a list's name -> its uses' types

    def error(self, node: ast.AST, code: str, message: str, hint: str = "") -> None:
        self.m.error(node, code, message, hint)

    def partial_use(self, e: Any, t: Any) -> None:
        """Probing (see ``infer_empty_lists``): the value ``e`` is used as a ``t``; when
        it is a list made empty whose type is being inferred, ``t`` is a candidate."""
        if (
            self.partial is not None
            and e.kind == "local"
            and e.data in self.partial
            and isinstance(t, tuple)
            and t[0] == "list"
        ):
            self.partial[e.data].append(t)

    def builtin_name(self, node: ast.expr, name: str) -> bool:
        """``node`` names the builtin ``name``: not a local, a module function or a
        constant of the module (the per-function guard checks at run time that it is
        neither shadowed by a module global nor rebound in ``builtins``)."""
        return (
            isinstance(node, ast.Name)
            and node.id == name
            and name not in self.local_names
            and name not in self.m.functions
            and name not in self.m.constants
            and not any(name in scope for scope in self.comp_scopes)
        )


_S, _I, _B = "str", "int", "bool"
_LS = ("list", "str")
# str methods native code calls on an exact str: name -> (the accepted argument lists,
# the result type). Each is the method itself, called through the C API with the
# arguments as CPython passes them (a bool stays a bool), so values and exceptions are
# str's own; on an exact str they run no Python code and return exact results.
STR_METHODS: dict[str, tuple[tuple[tuple[str, ...], ...], object]] = {
    **{m: (((),), _S) for m in ("upper", "lower", "title", "capitalize", "swapcase", "casefold")},
    **{m: (((), (_S,)), _S) for m in ("strip", "lstrip", "rstrip")},
    **{m: (((), (_S,), (_S, _I)), _LS) for m in ("split", "rsplit")},
    "splitlines": (((),), _LS),
    "join": (((_LS,),), _S),
    **{m: (((_S,), (_S, _I), (_S, _I, _I)), _B) for m in ("startswith", "endswith")},
    **{
        m: (((_S,), (_S, _I), (_S, _I, _I)), _I)
        for m in ("find", "rfind", "index", "rindex", "count")
    },
    "replace": (((_S, _S), (_S, _S, _I)), _S),
    "zfill": (((_I,),), _S),
    **{m: (((_I,), (_I, _S)), _S) for m in ("center", "ljust", "rjust")},
    **{
        m: (((),), _B)
        for m in (
            "isdigit",
            "isalpha",
            "isalnum",
            "isspace",
            "isupper",
            "islower",
            "isdecimal",
            "isnumeric",
            "isidentifier",
            "istitle",
            "isascii",
            "isprintable",
        )
    },
}

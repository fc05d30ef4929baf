"""The function checker's calls: module functions (arguments bound to the signature),
the list methods append and pop, math functions, and the supported builtins."""

from __future__ import annotations

import ast
from typing import Any

from .. import ir
from ..ir import BOOL, FLOAT, INT, NONE, STR, Expr
from .common import (
    BUILTIN_HINTS,
    BUILTINS,
    DYNAMIC,
    ERR,
    MATH_CONSTS,
    MATH_FUNCS,
    STR_METHODS,
    FunctionState,
)

# the Python class of a native value of each type: exact (see isinstance_call)
_PYTHON_CLASS: dict[Any, type] = {
    INT: int,
    FLOAT: float,
    BOOL: bool,
    STR: str,
    "list": list,
    "tuple": tuple,
    "dict": dict,  # exact dicts and sets: the entry tests them, native code makes only those
    "set": set,
}


class CallChecks(FunctionState):
    """Part of :class:`.function.FunctionChecker`: calls."""

    def call(self, node: ast.Call, defined: set[str], expected: Any) -> Expr:
        line = node.lineno
        f = node.func
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            self.error(
                node,
                "PV117",
                "*args and **kwargs in calls are not supported",
                "pass each argument explicitly",
            )
            return Expr("error", ERR, line)
        if isinstance(f, ast.Attribute):
            if (
                isinstance(f.value, ast.Name)
                and f.value.id in self.m.math_aliases
                and (f.value.id not in self.local_names)
            ):
                return self.math_call(node, f.attr, defined)
            if f.attr in ("append", "pop", "get", "sort", "add", "discard") or (
                f.attr in STR_METHODS
            ):
                return self.method(node, f, defined)
            self.error(
                f,
                "PV305",
                f"method or attribute '{ast.unparse(f)}' is not supported",
                "lists support .append(x) and .pop() / .pop(i)",
            )
            return Expr("error", ERR, line)
        if not isinstance(f, ast.Name):
            self.error(
                f,
                "PV308",
                f"cannot call '{ast.unparse(f)}'",
                "call module functions, supported builtins or math functions by name",
            )
            return Expr("error", ERR, line)
        n = f.id
        if n in self.local_names or any(n in s for s in self.comp_scopes):
            self.error(
                f,
                "PV308",
                f"'{n}' is a variable and cannot be called",
                "call module functions by name",
            )
            return Expr("error", ERR, line)
        if n in self.m.functions:
            return self.user_call(node, n, defined)
        if n in self.m.math_names:
            return self.math_call(node, self.m.math_names[n], defined)
        if n in BUILTINS:
            return self.builtin(node, n, defined, expected)
        if n == "isinstance" and self.m.per_function and n not in self.m.constants:
            return self.isinstance_call(node, defined)
        if n in DYNAMIC:
            self.error(
                f,
                "PV303",
                f"'{n}()' is a dynamic feature and is not supported",
                "keep dynamic code in an interpreted module",
            )
            return Expr("error", ERR, line)
        if n in self.m.constants:
            self.error(f, "PV308", f"'{n}' is a constant and cannot be called", "")
            return Expr("error", ERR, line)
        import builtins

        if hasattr(builtins, n):
            self.error(
                f,
                "PV302",
                f"builtin '{n}()' is not supported",
                BUILTIN_HINTS.get(n, "supported builtins: " + ", ".join(sorted(BUILTINS))),
            )
            return Expr("error", ERR, line)
        self.error(
            f,
            "PV301",
            f"name '{n}' is not defined in this module",
            "call a function defined in this module",
        )
        return Expr("error", ERR, line)

    def isinstance_call(self, node: ast.Call, defined: set[str]) -> Expr:
        """``isinstance(x, T)``, ``T`` a builtin class or a tuple of them (nested), in a
        native version: its arguments are exactly of their native types (the entry's
        test), and so is every value native code makes, so the class of ``x`` is known
        at compile time (an exact int is not a bool; a bool is an int) and the result is
        the constant ``issubclass(type_of_x, T)`` over the builtin classes. ``x`` is
        still evaluated (``isinstance(xs[i], int)`` can raise). The guard checks that
        ``isinstance`` and each class name are the builtins at run time. In a module
        native whole, arguments are converted at the call boundary (``f(True)`` of an
        ``int`` parameter sees 1), so there it stays unsupported (PV303)."""
        line = node.lineno
        classes = self.builtin_classes(node.args[1]) if len(node.args) == 2 else None
        if node.keywords or classes is None:
            self.error(
                node,
                "PV303",
                "isinstance() is native only of a value against builtin classes "
                "(int, float, str, ... or a tuple of them)",
                "keep other type tests in an interpreted function",
            )
            return Expr("error", ERR, line)
        x = self.expr(node.args[0], defined)
        if x.type == ERR:
            return x
        cls = _PYTHON_CLASS[x.type if not isinstance(x.type, tuple) else x.type[0]]
        value = issubclass(cls, classes)
        return Expr("isinstance", BOOL, line, [x], data=value)

    def builtin_classes(self, node: ast.expr) -> tuple[type, ...] | None:
        """The builtin classes ``node`` names (a name or a tuple of them, nested), or
        None. Only classes whose metaclass is ``type`` itself: their isinstance is the
        plain subclass test (no ``__instancecheck__``)."""
        import builtins

        if isinstance(node, ast.Tuple):
            out: list[type] = []
            for elt in node.elts:
                inner = self.builtin_classes(elt)
                if inner is None:
                    return None
                out += inner
            return tuple(out)
        if not isinstance(node, ast.Name) or not self.builtin_name(node, node.id):
            return None
        cls = getattr(builtins, node.id, None)
        if type(cls) is not type:
            return None
        return (cls,)

    def user_call(self, node: ast.Call, n: str, defined: set[str]) -> Expr:
        line = node.lineno
        params, ret = self.m.signatures[n]
        self.calls.add(n)
        slots: list[Expr | None] = [None] * len(params)
        nodes: list[ast.AST | None] = [None] * len(params)
        if len(node.args) > len(params):
            self.error(
                node,
                "PV212",
                f"{n}() takes {len(params)} arguments but {len(node.args)} were given",
                "pass the right number of arguments",
            )
            return Expr("error", ERR, line)
        for i, a in enumerate(node.args):
            slots[i] = self.expr(a, defined, expected=params[i].type)
            nodes[i] = a
        names = [p.name for p in params]
        for k in node.keywords:
            if k.arg not in names:
                self.error(
                    k,
                    "PV309",
                    f"{n}() has no parameter named '{k.arg}'",
                    "parameters: " + ", ".join(names),
                )
                return Expr("error", ERR, line)
            i = names.index(k.arg)
            if slots[i] is not None:
                self.error(
                    k, "PV309", f"{n}() got multiple values for argument '{k.arg}'", "pass it once"
                )
                return Expr("error", ERR, line)
            slots[i] = self.expr(k.value, defined, expected=params[i].type)
            nodes[i] = k.value
        args = []
        for i, p in enumerate(params):
            e = slots[i]
            if e is None:
                if not p.has_default:
                    self.error(
                        node, "PV212", f"{n}() is missing argument '{p.name}'", f"pass {p.name}=..."
                    )
                    return Expr("error", ERR, line)
                if self.m.per_function:
                    # the generic function's __defaults__ can be rebound: no compiled-in value
                    self.error(
                        node,
                        "PV212",
                        f"the call to {n}() leaves argument '{p.name}' to its default",
                        f"pass {p.name}=... explicitly for a native call",
                    )
                    return Expr("error", ERR, line)
                e = Expr("const", p.type, line, data=p.default)
            else:
                self.compatible(nodes[i] or node, e, p.type, f"argument '{p.name}' of {n}()")
            args.append(e)
        if ret == ERR or any(p.type == ERR for p in params):
            return Expr("error", ERR, line)
        return Expr("call", ret, line, args, data=n)

    def method(self, node: ast.Call, f: ast.Attribute, defined: set[str]) -> Expr:
        line = node.lineno
        obj = self.expr(f.value, defined)
        if (
            self.partial is not None
            and obj.kind == "local"
            and obj.data in self.partial
            and f.attr == "append"
            and len(node.args) == 1
        ):
            # probing: the items appended to a list made empty fix its type
            v = self.expr(node.args[0], defined)
            self.partial[obj.data].append(ERR if v.type == ERR else ir.list_of(v.type))
            return Expr("error", ERR, line)
        if obj.type == ERR:
            return obj
        if obj.type == STR and f.attr in STR_METHODS:
            return self.str_method(node, f.attr, obj, defined)
        if ir.is_dict(obj.type) and f.attr == "get":
            return self.dict_get_method(node, obj, defined)
        if ir.is_set(obj.type) and f.attr in ("add", "discard"):
            if node.keywords or len(node.args) != 1:
                self.error(node, "PV212", f"set.{f.attr}() takes one item", "pass one item")
                return Expr("error", ERR, line)
            item = self.expr(node.args[0], defined)
            if not self.dict_key(node.args[0], item, obj.type):
                return Expr("error", ERR, line)
            return Expr(f"set_{f.attr}", NONE, line, [obj, item])
        if not ir.is_list(obj.type) or f.attr not in ("append", "pop", "sort"):
            self.error(
                f,
                "PV305",
                f"{ir.show(obj.type)} has no supported method '{f.attr}'",
                "append and pop are supported on lists",
            )
            return Expr("error", ERR, line)
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"list.{f.attr}() takes no keyword arguments",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        elem = obj.type[1]
        if f.attr == "sort":
            if node.args:
                self.error(
                    node, "PV212", "list.sort() takes no positional arguments", "call xs.sort()"
                )
                return Expr("error", ERR, line)
            return Expr("list_sort", NONE, line, [obj])
        if f.attr == "append":
            if len(node.args) != 1:
                self.error(
                    node,
                    "PV212",
                    "list.append() takes exactly one argument",
                    "append one item at a time",
                )
                return Expr("error", ERR, line)
            v = self.expr(node.args[0], defined, expected=elem)
            self.compatible(node.args[0], v, elem, "list.append() argument")
            return Expr("append", NONE, line, [obj, v])
        if len(node.args) > 1:
            self.error(
                node,
                "PV212",
                "list.pop() takes at most one argument",
                "write lst.pop() or lst.pop(i)",
            )
            return Expr("error", ERR, line)
        args = [obj] + [self.index_expr(a, defined) for a in node.args]
        return Expr("pop", elem, line, args)

    def str_method(self, node: ast.Call, name: str, s: Expr, defined: set[str]) -> Expr:
        """``s.name(args)`` of a str method in :data:`STR_METHODS`: the arguments must be
        one of the method's accepted lists (an int parameter takes a bool, passed as the
        bool it is); called as CPython calls it, the result of the listed type."""
        line = node.lineno
        accepted, result = STR_METHODS[name]
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"str.{name}() keyword arguments are not supported",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        args = [self.expr(a, defined) for a in node.args]
        if any(a.type == ERR for a in args):
            return Expr("error", ERR, line)
        given = tuple(INT if a.type == BOOL else a.type for a in args)
        if given not in accepted:
            shown = " or ".join(
                "(" + ", ".join(ir.show(t) for t in types) + ")" for types in accepted
            )
            self.error(
                node,
                "PV204",
                f"str.{name}() takes {shown} here, not "
                f"({', '.join(ir.show(a.type) for a in args)})",
                "pass arguments of those types",
            )
            return Expr("error", ERR, line)
        return Expr("str_method", result, line, [s, *args], data=name)

    def dict_get_method(self, node: ast.Call, d: Expr, defined: set[str]) -> Expr:
        """``d.get(k, default)``: the value of ``k``, or ``default`` (of the value type:
        ``d.get(k)`` would be None when ``k`` is missing, which no native type holds)."""
        line = node.lineno
        if node.keywords or len(node.args) != 2:
            self.error(
                node,
                "PV212",
                "dict.get() takes a key and a default here",
                "pass a default of the value type: d.get(k, 0)",
            )
            return Expr("error", ERR, line)
        key = self.expr(node.args[0], defined)
        default = self.expr(node.args[1], defined, expected=d.type[2])
        if ERR in (key.type, default.type):
            return Expr("error", ERR, line)
        self.dict_key(node.args[0], key, d.type)
        self.compatible(node.args[1], default, d.type[2], "dict.get() default")
        return Expr("dict_get_default", d.type[2], line, [d, key, default])

    def math_call(self, node: ast.Call, fname: str, defined: set[str]) -> Expr:
        line = node.lineno
        if fname not in MATH_FUNCS:
            self.error(
                node.func,
                "PV304",
                f"math.{fname} is not supported",
                "supported: " + ", ".join(sorted(MATH_FUNCS | set(MATH_CONSTS))),
            )
            return Expr("error", ERR, line)
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"math.{fname}() takes no keyword arguments",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        args = [self.expr(a, defined) for a in node.args]
        if any(a.type == ERR for a in args):
            return Expr("error", ERR, line)
        for a, an in zip(args, node.args, strict=False):
            if a.type not in (INT, FLOAT, BOOL):
                self.error(
                    an,
                    "PV204",
                    f"math.{fname}() argument must be a number, not {ir.show(a.type)}",
                    "pass an int or float",
                )
                return Expr("error", ERR, line)
        arity = {"atan2": (2, 2), "pow": (2, 2), "log": (1, 2), "hypot": (0, 64)}.get(fname, (1, 1))
        if not arity[0] <= len(args) <= arity[1]:
            self.error(
                node,
                "PV212",
                f"math.{fname}() takes {arity[0]}"
                + (f" to {arity[1]}" if arity[1] != arity[0] else "")
                + f" arguments, {len(args)} given",
                "pass the right number of arguments",
            )
            return Expr("error", ERR, line)
        args = [self.to_int(a) for a in args]
        if fname in ("floor", "ceil"):
            return Expr("math", INT, line, args, data=fname)
        if fname in ("isnan", "isinf", "isfinite"):
            return Expr("math", BOOL, line, args, data=fname)
        return Expr("math", FLOAT, line, args, data=fname)

    def builtin(self, node: ast.Call, n: str, defined: set[str], expected: Any) -> Expr:
        line = node.lineno
        if n == "print":
            args = [self.expr(a, defined) for a in node.args]
            kws = {}
            for k in node.keywords:
                if k.arg not in ("sep", "end") or not (
                    isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)
                ):
                    self.error(
                        k,
                        "PV309",
                        f"print() keyword '{k.arg}' is not supported",
                        "only sep= and end= with string literals are supported",
                    )
                    return Expr("error", ERR, line)
                kws[k.arg] = k.value.value
            if any(a.type == ERR for a in args):
                return Expr("error", ERR, line)
            return Expr("print", NONE, line, args, data=kws)
        if n == "range":
            self.error(
                node,
                "PV205",
                "range() can only be used in a for loop or comprehension",
                "build a list with [i for i in range(...)]",
            )
            return Expr("error", ERR, line)
        if node.keywords:
            self.error(
                node,
                "PV309",
                f"{n}() keyword arguments are not supported",
                "pass the arguments positionally",
            )
            return Expr("error", ERR, line)
        if n in ("all", "any", "sum"):
            return self.reduction(node, n, defined)
        if (
            n == "float"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Constant)
            and (isinstance(node.args[0].value, str))
        ):
            try:
                return Expr("const", FLOAT, line, data=float(node.args[0].value))
            except ValueError:
                self.error(
                    node,
                    "PV210",
                    f"float({node.args[0].value!r}) is not a number",
                    "write float('inf'), float('-inf') or float('nan')",
                )
                return Expr("error", ERR, line)
        args = [self.expr(a, defined) for a in node.args]
        if any(a.type == ERR for a in args):
            return Expr("error", ERR, line)
        types = [a.type for a in args]

        def bad(msg: str, hint: str, code: str = "PV204") -> Expr:
            self.error(node, code, msg, hint)
            return Expr("error", ERR, line)

        if n in ("int", "float", "bool", "str") and not args:
            return Expr(
                "const",
                {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR}[n],
                line,
                data={"int": 0, "float": 0.0, "bool": False, "str": ""}[n],
            )
        if n in ("int", "float") and args and types[0] == STR:
            # int(s), int(s, base), float(s) of a str: the builtin itself, called with the
            # str (and the base as it is): its parsing, its ValueError messages
            if len(args) > (2 if n == "int" else 1) or (
                len(args) == 2 and types[1] not in (INT, BOOL)
            ):
                return bad(
                    f"{n}() takes a str{' and an int base' if n == 'int' else ''} here",
                    f"write {n}(s)" + (" or int(s, base)" if n == "int" else ""),
                    "PV212",
                )
            return Expr("builtin_call", INT if n == "int" else FLOAT, line, args, data=n)
        if n in ("abs", "int", "float", "bool", "len", "str", "ord", "chr") and len(args) != 1:
            return bad(
                f"{n}() takes exactly one argument here ({len(args)} given)",
                "pass one argument",
                "PV212",
            )
        if n == "len":
            if ir.is_tuple(types[0]):
                return Expr("const", INT, line, data=len(types[0][1]))
            if types[0] == STR:
                return Expr("str_len", INT, line, args)
            if ir.is_dict(types[0]) or ir.is_set(types[0]):
                return Expr("dict_len", INT, line, args)
            if not ir.is_list(types[0]):
                return bad(
                    f"len() of {ir.show(types[0])} is not supported",
                    "len() applies to lists, tuples and strs",
                )
            return Expr("len", INT, line, args)
        if n == "set":
            if not args and expected is not None and ir.is_set(expected):
                return Expr("set", expected, line, [])
            if len(args) != 1:
                return bad(
                    "set() takes one iterable here (set() of no items needs its type: "
                    "s: set[int] = set())",
                    "pass the items, or annotate the empty set",
                    "PV212",
                )
            t = types[0]
            if ir.is_list(t) or ir.is_dict(t) or ir.is_set(t) or t == STR:
                elem = STR if t == STR else t[1]
                if elem in (INT, STR):
                    return Expr("set_from", ir.set_of(elem), line, args)
            return bad(f"set() of {ir.show(t)} is not supported", "pass ints or strs")
        if n in ("list", "sorted"):
            # a new list of the items (list(d), sorted(d): the keys; list(s): the
            # characters); sorted() sorts it as list.sort() does: comparing native values
            # runs no Python code
            if len(args) != 1:
                return bad(f"{n}() takes one argument here", "pass the iterable", "PV212")
            t = types[0]
            if ir.is_list(t) or ir.is_dict(t) or ir.is_set(t):
                elem = t[1]
            elif t == STR:
                elem = STR
            else:
                return bad(f"{n}() of {ir.show(t)} is not supported", "pass a list, dict or str")
            return Expr("list_copy" if n == "list" else "sorted", ir.list_of(elem), line, args)
        if n == "str":
            # PyObject_Str of the boxed value: an exact int, float, bool or str runs no
            # Python code (a list's str would call its items' __repr__)
            if types[0] == STR:
                return args[0]
            if types[0] not in (INT, FLOAT, BOOL):
                return bad(
                    f"str() of {ir.show(types[0])} is not supported",
                    "str() applies to ints, floats, bools and strs",
                )
            return Expr("to_str", STR, line, args)
        if n == "ord":
            if types[0] != STR:
                return bad(
                    f"ord() of {ir.show(types[0])} is not supported",
                    "ord() applies to a str of one character",
                )
            return Expr("ord", INT, line, args)
        if n == "chr":
            if types[0] not in (INT, BOOL):
                return bad(
                    f"chr() of {ir.show(types[0])} is not supported",
                    "chr() applies to an int",
                )
            return Expr("chr", STR, line, [self.to_int(args[0])])
        if n == "bool":
            return self.truth(node, args[0])
        if types[0] not in (INT, FLOAT, BOOL) and n in ("abs", "int", "float", "round", "divmod"):
            return bad(
                f"{n}() of {ir.show(types[0])} is not supported",
                f"{n}() applies to numbers",
                "PV210" if types[0] == STR else "PV204",
            )
        if n == "abs":
            a = args[0]
            return Expr(
                "abs",
                FLOAT if a.type == FLOAT else INT,
                line,
                [a if a.type == FLOAT else self.to_int(a)],
            )
        if n == "int":
            a = args[0]
            if a.type == FLOAT:
                return Expr("float_to_int", INT, line, [a])
            return self.to_int(a) if a.type == BOOL else a
        if n == "float":
            return self.to_float(args[0])
        if n == "round":
            if len(args) not in (1, 2):
                return bad(
                    "round() takes 1 or 2 arguments", "round(x) or round(x, ndigits)", "PV212"
                )
            a = args[0]
            if len(args) == 2:
                if args[1].type not in (INT, BOOL):
                    return bad("round() ndigits must be int", "pass an int")
                t = FLOAT if a.type == FLOAT else INT
                return Expr(
                    "round2", t, line, [a if t == FLOAT else self.to_int(a), self.to_int(args[1])]
                )
            if a.type == FLOAT:
                return Expr("round", INT, line, [a])
            return self.to_int(a)
        if n == "divmod":
            if len(args) != 2:
                return bad("divmod() takes exactly two arguments", "divmod(a, b)", "PV212")
            if args[1].type not in (INT, FLOAT, BOOL):
                return bad(
                    f"divmod() of {ir.show(args[1].type)} is not supported",
                    "divmod() applies to numbers",
                )
            if FLOAT in types:
                a, b = self.to_float(args[0]), self.to_float(args[1])
                return Expr("divmod", ir.tuple_of((FLOAT, FLOAT)), line, [a, b])
            a, b = self.to_int(args[0]), self.to_int(args[1])
            return Expr("divmod", ir.tuple_of((INT, INT)), line, [a, b])
        if n in ("min", "max"):
            if len(args) == 1:
                if not ir.is_list(types[0]) or types[0][1] not in (INT, FLOAT, BOOL):
                    return bad(
                        f"{n}() of a single {ir.show(types[0])} is not supported",
                        f"pass a list of numbers or several numbers to {n}()",
                    )
                return Expr("minmax_list", types[0][1], line, args, data=n)
            if not args:
                return bad(f"{n}() needs arguments", "pass a list or two numbers", "PV212")
            if len(set(types)) != 1 or types[0] not in (INT, FLOAT, BOOL):
                return bad(
                    f"{n}() arguments have different types ("
                    + ", ".join(ir.show(t) for t in types)
                    + "): CPython returns the "
                    "winning argument unchanged, so the result type would depend on "
                    "the values",
                    "convert all arguments to one type, e.g. float(...)",
                    "PV207",
                )
            return Expr("minmax", types[0], line, args, data=n)
        raise AssertionError(n)

"""Lowering of expressions: each returns a temporary holding a new reference.

Evaluation order is the interpreter's (left to right, callee before arguments, the
object before the subscript...), so side effects happen in the same order.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from .. import gir
from ..gprims import BINARY, COMPARE
from .builder import FunctionBuilder, Unsupported

Lower = Callable[[FunctionBuilder, ast.expr], gir.Reg]
_LOWER: dict[type, Lower] = {}


def lowers(*types: type):
    def deco(fn: Lower) -> Lower:
        for t in types:
            _LOWER[t] = fn
        return fn

    return deco


def expr(b: FunctionBuilder, node: ast.expr) -> gir.Reg:
    fn = _LOWER.get(type(node))
    if fn is None:
        raise Unsupported(
            node,
            "PV499",
            f"{type(node).__name__} expressions are not compiled yet",
            "declare the function interpreted ([tool.pyvorin] interpreted) until it is",
        )
    saved = b.line
    b.at(node)
    try:
        return fn(b, node)
    finally:
        b.line = saved


@lowers(ast.Constant)
def _constant(b: FunctionBuilder, node: ast.Constant) -> gir.Reg:
    return b.load_const(node.value)


@lowers(ast.Name)
def _name(b: FunctionBuilder, node: ast.Name) -> gir.Reg:
    return b.load_name(node.id)


@lowers(ast.BinOp)
def _binop(b: FunctionBuilder, node: ast.BinOp) -> gir.Reg:
    left = expr(b, node.left)
    right = expr(b, node.right)
    b.at(node)
    r = b.prim(f"bin_{type(node.op).__name__}", left, right)
    b.free(left, right)
    return r


@lowers(ast.UnaryOp)
def _unary(b: FunctionBuilder, node: ast.UnaryOp) -> gir.Reg:
    v = expr(b, node.operand)
    b.at(node)
    if isinstance(node.op, ast.Not):
        t = b.prim("istrue", v, kind="cint")
        b.free(v)
        n = b.prim("cint_not", t, kind="cint")
        return b.prim("bool_of", n)
    name = {ast.USub: "neg", ast.UAdd: "pos", ast.Invert: "invert"}[type(node.op)]
    r = b.prim(name, v)
    b.free(v)
    return r


@lowers(ast.BoolOp)
def _boolop(b: FunctionBuilder, node: ast.BoolOp) -> gir.Reg:
    result = b.temp()
    end = b.label("bool_end")
    for i, value in enumerate(node.values):
        v = expr(b, value)
        b.emit(gir.Move(b.line, result, v))
        if i == len(node.values) - 1:
            break
        t = b.prim("istrue", result, kind="cint")
        nxt = b.label("bool_next")
        if isinstance(node.op, ast.And):
            b.emit(gir.Branch(b.line, t, nxt, end))
        else:
            b.emit(gir.Branch(b.line, t, end, nxt))
        b.place(nxt)
        b.emit(gir.DecRef(b.line, result))
    b.place(end)
    return result


def compare_op(b: FunctionBuilder, op: ast.cmpop, left: gir.Reg, right: gir.Reg) -> gir.Reg:
    name = type(op).__name__
    if name in COMPARE:
        return b.prim(f"cmp_{name}", left, right)
    if name == "Is":
        return b.prim("is", left, right)
    if name == "IsNot":
        return b.prim("is_not", left, right)
    t = b.prim("contains", left, right, kind="cint")
    if name == "NotIn":
        t = b.prim("cint_not", t, kind="cint")
    return b.prim("bool_of", t)


@lowers(ast.Compare)
def _compare(b: FunctionBuilder, node: ast.Compare) -> gir.Reg:
    left = expr(b, node.left)
    if len(node.ops) == 1:
        right = expr(b, node.comparators[0])
        b.at(node)
        r = compare_op(b, node.ops[0], left, right)
        b.free(left, right)
        return r
    # a < b < c: each operand evaluated once, stop at the first false comparison
    result = b.temp()
    end = b.label("cmp_end")
    for i, (op, comp) in enumerate(zip(node.ops, node.comparators, strict=True)):
        right = expr(b, comp)
        b.at(node)
        r = compare_op(b, op, left, right)
        b.free(left)
        b.emit(gir.Move(b.line, result, r))
        if i == len(node.ops) - 1:
            b.free(right)
            break
        t = b.prim("istrue", result, kind="cint")
        nxt = b.label("cmp_next")
        stop = b.label("cmp_stop")
        b.emit(gir.Branch(b.line, t, nxt, stop))
        b.place(stop)
        b.free(right)
        b.goto(end)
        b.place(nxt)
        b.emit(gir.DecRef(b.line, result))
        left = right
    b.place(end)
    return result


@lowers(ast.IfExp)
def _ifexp(b: FunctionBuilder, node: ast.IfExp) -> gir.Reg:
    result = b.temp()
    then, orelse, end = b.label("if_then"), b.label("if_else"), b.label("if_end")
    cond(b, node.test, then, orelse)
    b.place(then)
    b.emit(gir.Move(b.line, result, expr(b, node.body)))
    b.goto(end)
    b.place(orelse)
    b.emit(gir.Move(b.line, result, expr(b, node.orelse)))
    b.place(end)
    return result


def cond(b: FunctionBuilder, node: ast.expr, then: str, orelse: str) -> None:
    """Branch on the truth of ``node`` (short-circuits and ``not`` without boxing)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        cond(b, node.operand, orelse, then)
        return
    if isinstance(node, ast.BoolOp):
        for value in node.values[:-1]:
            nxt = b.label("cond_next")
            if isinstance(node.op, ast.And):
                cond(b, value, nxt, orelse)
            else:
                cond(b, value, then, nxt)
            b.place(nxt)
        cond(b, node.values[-1], then, orelse)
        return
    v = expr(b, node)
    b.at(node)
    t = b.prim("istrue", v, kind="cint")
    b.free(v)
    b.emit(gir.Branch(b.line, t, then, orelse))


@lowers(ast.NamedExpr)
def _walrus(b: FunctionBuilder, node: ast.NamedExpr) -> gir.Reg:
    v = expr(b, node.value)
    keep = b.temp()
    b.emit(gir.Copy(b.line, keep, v))
    b.store_name(node.target.id, v)
    return keep


@lowers(ast.Attribute)
def _attribute(b: FunctionBuilder, node: ast.Attribute) -> gir.Reg:
    obj = expr(b, node.value)
    b.at(node)
    r = b.prim("getattr", obj, b.attr_const(node.attr))
    b.free(obj)
    return r


def slice_or_index(b: FunctionBuilder, node: ast.expr) -> gir.Reg:
    if isinstance(node, ast.Slice):
        parts = []
        for p in (node.lower, node.upper, node.step):
            parts.append(expr(b, p) if p is not None else b.prim("none"))
        r = b.prim("slice", *parts)
        b.free(*parts)
        return r
    return expr(b, node)


@lowers(ast.Subscript)
def _subscript(b: FunctionBuilder, node: ast.Subscript) -> gir.Reg:
    obj = expr(b, node.value)
    key = slice_or_index(b, node.slice)
    b.at(node)
    r = b.prim("getitem", obj, key)
    b.free(obj, key)
    return r


@lowers(ast.Slice)
def _slice(b: FunctionBuilder, node: ast.Slice) -> gir.Reg:
    return slice_or_index(b, node)


def _has_star(items: list[ast.expr]) -> bool:
    return any(isinstance(e, ast.Starred) for e in items)


def build_list(b: FunctionBuilder, elts: list[ast.expr]) -> gir.Reg:
    """A new list of the elements, ``*x`` unpacked."""
    if not _has_star(elts):
        items = [expr(b, e) for e in elts]
        dst = b.temp()
        b.emit(gir.Pack(b.line, dst, "list", items, b.err))
        b.free(*items)
        return dst
    lst = b.prim("new_list")
    for e in elts:
        if isinstance(e, ast.Starred):
            v = expr(b, e.value)
            b.at(e)
            b.do("list_extend", lst, v)
        else:
            v = expr(b, e)
            b.do("list_append", lst, v)
        b.free(v)
    return lst


@lowers(ast.List)
def _list(b: FunctionBuilder, node: ast.List) -> gir.Reg:
    return build_list(b, node.elts)


@lowers(ast.Tuple)
def _tuple(b: FunctionBuilder, node: ast.Tuple) -> gir.Reg:
    if not _has_star(node.elts):
        if all(isinstance(e, ast.Constant) for e in node.elts):
            return b.load_const(tuple(e.value for e in node.elts))
        items = [expr(b, e) for e in node.elts]
        dst = b.temp()
        b.emit(gir.Pack(b.line, dst, "tuple", items, b.err))
        b.free(*items)
        return dst
    lst = build_list(b, node.elts)
    r = b.prim("list_to_tuple", lst)
    b.free(lst)
    return r


@lowers(ast.Set)
def _set(b: FunctionBuilder, node: ast.Set) -> gir.Reg:
    if not _has_star(node.elts):
        items = [expr(b, e) for e in node.elts]
        dst = b.temp()
        b.emit(gir.Pack(b.line, dst, "set", items, b.err))
        b.free(*items)
        return dst
    s = b.prim("new_set")
    for e in node.elts:
        if isinstance(e, ast.Starred):
            v = expr(b, e.value)
            b.do("set_update", s, v)
        else:
            v = expr(b, e)
            b.do("set_add", s, v)
        b.free(v)
    return s


@lowers(ast.Dict)
def _dict(b: FunctionBuilder, node: ast.Dict) -> gir.Reg:
    if all(k is not None for k in node.keys):
        items: list[gir.Reg] = []
        for k, v in zip(node.keys, node.values, strict=True):
            items.append(expr(b, k))
            items.append(expr(b, v))
        dst = b.temp()
        b.emit(gir.Pack(b.line, dst, "dict", items, b.err))
        b.free(*items)
        return dst
    d = b.prim("new_dict")
    for k, v in zip(node.keys, node.values, strict=True):
        if k is None:
            m = expr(b, v)
            b.do("dict_update", d, m)
            b.free(m)
        else:
            kr = expr(b, k)
            vr = expr(b, v)
            b.do("dict_setitem", d, kr, vr)
            b.free(kr, vr)
    return d


@lowers(ast.JoinedStr)
def _fstring(b: FunctionBuilder, node: ast.JoinedStr) -> gir.Reg:
    parts = [expr(b, v) for v in node.values]
    if len(parts) == 1 and isinstance(node.values[0], ast.FormattedValue):
        return parts[0]
    dst = b.temp()
    b.emit(gir.Pack(b.line, dst, "str", parts, b.err))
    b.free(*parts)
    return dst


@lowers(ast.FormattedValue)
def _formatted(b: FunctionBuilder, node: ast.FormattedValue) -> gir.Reg:
    v = expr(b, node.value)
    spec = expr(b, node.format_spec) if node.format_spec is not None else gir.CExpr("NULL")
    b.at(node)
    conv = {-1: "0", 115: "'s'", 114: "'r'", 97: "'a'"}[node.conversion]
    r = b.prim("format_value", v, gir.CExpr(conv), spec)
    b.free(v, spec if isinstance(spec, gir.Reg) else None)
    return r


# -- calls -------------------------------------------------------------------------


def _is_zero_arg_super(b: FunctionBuilder, node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Name)
        and node.func.id == "super"
        and not node.args
        and not node.keywords
        and b.kind in ("function", "generator", "coroutine")
        and "__class__" in b.cells
    )


@lowers(ast.Call)
def _call(b: FunctionBuilder, node: ast.Call) -> gir.Reg:
    if _is_zero_arg_super(b, node):
        func = expr(b, node.func)
        self_reg = b.super_self()
        if self_reg is not None:
            r = b.prim("super0", func, b.cell_reg("__class__"), self_reg)
            b.free(self_reg)
        else:
            r = b.prim("super0", func, b.cell_reg("__class__"), gir.CExpr("NULL"))
        b.free(func)
        return r
    if (
        isinstance(node.func, ast.Name)
        and node.func.id == "globals"
        and not node.args
        and not node.keywords
    ):
        func = expr(b, node.func)
        b.at(node)
        r = b.prim("call_globals", func)
        b.free(func)
        return r
    starred = _has_star(node.args) or any(k.arg is None for k in node.keywords)
    if (
        not starred
        and isinstance(node.func, ast.Attribute)
        and not isinstance(node.func.value, ast.Starred)
    ):
        # obj.meth(...): as CPython, the method is looked up before the arguments are
        # evaluated (an AttributeError comes first, a __getattr__ runs first), without
        # making a bound method when it is a plain method of the type
        obj = expr(b, node.func.value)
        b.at(node.func)
        meth, unbound = b.temp(), b.temp("cint")
        b.emit(gir.LoadMethod(b.line, meth, unbound, obj, b.attr_const(node.func.attr), b.err))
        args = [expr(b, a) for a in node.args] + [expr(b, k.value) for k in node.keywords]
        kwnames = b.const(tuple(k.arg for k in node.keywords)) if node.keywords else None
        b.at(node)
        dst = b.temp()
        b.emit(gir.Call(b.line, dst, meth, [obj, *args], kwnames, b.err, unbound=unbound))
        b.free(meth, obj, *args)
        return dst
    func = expr(b, node.func)
    if not starred:
        args = [expr(b, a) for a in node.args] + [expr(b, k.value) for k in node.keywords]
        kwnames = b.const(tuple(k.arg for k in node.keywords)) if node.keywords else None
        b.at(node)
        dst = b.temp()
        b.emit(gir.Call(b.line, dst, func, args, kwnames, b.err))
        b.free(func, *args)
        return dst
    # f(*a, **k): positional tuple and keyword dict, then PyObject_Call (CALL_FUNCTION_EX)
    if len(node.args) == 1 and isinstance(node.args[0], ast.Starred):
        it = expr(b, node.args[0].value)
        b.at(node)
        pos = b.prim("star_args", func, it)
        b.free(it)
    else:
        lst = build_list(b, node.args)
        pos = b.prim("list_to_tuple", lst)
        b.free(lst)
    kw: gir.Reg | gir.CExpr = gir.CExpr("NULL")
    if node.keywords:
        kw = b.prim("new_dict")
        for k in node.keywords:
            v = expr(b, k.value)
            b.at(node)
            if k.arg is None:
                b.do("merge_kwargs", func, kw, v)
            else:
                key = b.load_const(k.arg)
                single = b.temp()
                b.emit(gir.Pack(b.line, single, "dict", [key, v], b.err))
                b.do("merge_kwargs", func, kw, single)
                b.free(single, key)
            b.free(v)
    b.at(node)
    r = b.prim("call_ex", func, pos, kw)
    b.free(func, pos, kw if isinstance(kw, gir.Reg) else None)
    return r


@lowers(ast.Starred)
def _starred(b: FunctionBuilder, node: ast.Starred) -> gir.Reg:
    raise Unsupported(node, "PV499", "a starred expression here is not compiled yet")


def binary_prim(op: ast.operator) -> str:
    name = type(op).__name__
    if name not in BINARY and name != "Pow":
        raise KeyError(name)
    return f"bin_{name}"

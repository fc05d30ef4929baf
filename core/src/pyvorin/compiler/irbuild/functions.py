"""Lowering of code objects: ``def``, ``lambda``, comprehensions, generator expressions,
``yield`` and ``yield from``; and of the ``class`` statement.

Each becomes its own :class:`~..gir.FuncIR`; the enclosing code makes the function object
at run time with its defaults, keyword defaults, closure (a tuple of the cells it captures,
in the order of the code object's ``freevars``) and annotations, then applies decorators.
"""

from __future__ import annotations

import ast

from .. import gir
from ..gir import FuncIR
from . import asyncs, classattrs, scopes
from .builder import FunctionBuilder, ModuleBuilder, Unsupported
from .expressions import cond, expr, lowers
from .statements import assign, block, stmt

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def contains_yield(body: list[ast.AST]) -> bool:
    """Does this code (not counting nested scopes) contain yield / yield from?"""
    stack = list(body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(n, (*_NESTED, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # parts evaluated in this scope: defaults, decorators, the first iterable
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                stack.extend(n.args.defaults)
                stack.extend(k for k in n.args.kw_defaults if k is not None)
                stack.extend(getattr(n, "decorator_list", []))
            elif isinstance(n, ast.ClassDef):
                stack.extend(n.decorator_list + n.bases + [k.value for k in n.keywords])
            else:
                stack.append(n.generators[0].iter)
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def docstring_of(body: list[ast.stmt]) -> str | None:
    if body and isinstance(body[0], ast.Expr):
        v = body[0].value
        if isinstance(v, ast.Constant) and isinstance(v.value, str):
            return v.value
    return None


_COMP_NAMES = {
    ast.ListComp: "<listcomp>",
    ast.SetComp: "<setcomp>",
    ast.DictComp: "<dictcomp>",
    ast.GeneratorExp: "<genexpr>",
}


def _inlined(b: FunctionBuilder) -> bool:
    """Is ``b`` a comprehension the running CPython inlines into its enclosing code
    (3.12+, PEP 709: list, set and dict comprehensions)? Such a one is no code object of
    CPython's: what it defines is named, and its errors reported, as the enclosing code's."""
    return scopes.INLINED_COMPREHENSIONS and b.ir.name in ("<listcomp>", "<setcomp>", "<dictcomp>")


def child_qualname(b: FunctionBuilder, name: str) -> str:
    """CPython's compiler_set_qualname: ``name`` defined in ``b``'s code."""
    while _inlined(b) and b.parent is not None:
        b = b.parent
    if b.kind == "module":
        return name
    if not name.startswith("<") and b.symbol_scope(name) == scopes.GLOBAL_EXPLICIT:
        return name  # a def or class declared global where it stands
    if b.kind == "class" or b.ir.name in _COMP_NAMES.values():
        return f"{b.ir.qualname}.{name}"
    return f"{b.ir.qualname}.<locals>.{name}"


def _setup_scope(fb: FunctionBuilder, fir: FuncIR, table) -> None:
    """Cells of this scope's own captured variables and of its free variables."""
    params = set(fir.argnames)
    for sym in table.get_symbols():
        name = sym.get_name()
        if scopes.scope_of(sym) == scopes.CELL and name not in params:
            r = fb.reg(name, role="cell")
            fb.cells[name] = r
            fb.own_cells.add(name)
            fir.cell_regs.append((r, None))
    frees = {s.get_name() for s in table.get_symbols() if scopes.scope_of(s) == scopes.FREE}
    if table.get_type() == "class":
        # a class scope is transparent: its children's free variables pass through it
        frees |= _children_frees(table) - {"__class__"}
    for name in sorted(frees):
        r = fb.reg(name, role="cell")
        fb.cells[name] = r
        fir.freevars.append(name)
        fir.free_regs.append(r)


def _children_frees(table) -> set[str]:
    out: set[str] = set()
    for child in table.get_children():
        if child.get_type() == "function":
            out |= set(child.get_frees())
        elif child.get_type() == "class":
            out |= _children_frees(child) - {"__class__"}
            out |= {s.get_name() for s in child.get_symbols() if scopes.scope_of(s) == scopes.FREE}
    return out


def new_code(
    mb: ModuleBuilder,
    parent: FunctionBuilder,
    node: ast.AST,
    name: str,
    qualname: str,
    args: ast.arguments | None,
    kind: str,
) -> tuple[FuncIR, FunctionBuilder]:
    table = mb.scopes.table(node)
    fir = FuncIR(mb.unique_cname(qualname), name, qualname, kind, getattr(node, "lineno", 1))
    mb.functions.append(fir)
    fb = FunctionBuilder(mb, fir, table, parent)
    if args is not None:
        pos = args.posonlyargs + args.args
        fir.argnames = [fb.mangle(a.arg) for a in pos + args.kwonlyargs]
        fir.argcount = len(pos)
        fir.posonlyargcount = len(args.posonlyargs)
        fir.kwonlyargcount = len(args.kwonlyargs)
        if args.vararg is not None:
            fir.argnames.append(fb.mangle(args.vararg.arg))
            fir.varargs = True
        if args.kwarg is not None:
            fir.argnames.append(fb.mangle(args.kwarg.arg))
            fir.varkw = True
    for i, pname in enumerate(fir.argnames):
        if fb.symbol_scope(pname) == scopes.CELL:
            r = fb.reg(pname, role="cell")
            fb.cells[pname] = r
            fb.own_cells.add(pname)
            fir.cell_regs.append((r, i))
            fir.params.append(fb.reg(pname + "_arg", role="special"))
        else:
            fir.params.append(fb.local_reg(pname))
    if fir.argcount:
        fb.first_arg = fir.argnames[0]
    _setup_scope(fb, fir, table)
    return fir, fb


def _finish(fb: FunctionBuilder) -> None:
    none = fb.prim("none")
    fb.emit(gir.Return(fb.line, none))


def make_function(
    b: FunctionBuilder,
    fir: FuncIR,
    doc: str | None,
    defaults: gir.Operand,
    kwdefaults: gir.Operand,
) -> gir.Reg:
    closure: gir.Operand = gir.CExpr("NULL")
    if fir.freevars:
        cells = [b.cells[n] for n in fir.freevars]
        closure = b.temp()
        b.emit(gir.Pack(b.line, closure, "tuple", cells, b.err))
    func = b.prim(
        "make_function",
        gir.CExpr(f"pvs_{fir.cname}"),
        b.const(fir.qualname, "str"),
        b.const(doc),
        defaults,
        kwdefaults,
        closure,
    )
    for r in (defaults, kwdefaults, closure):
        if isinstance(r, gir.Reg):
            b.free(r)
    return func


def _defaults(b: FunctionBuilder, args: ast.arguments) -> tuple[gir.Operand, gir.Operand]:
    defaults: gir.Operand = gir.CExpr("NULL")
    if args.defaults:
        items = [expr(b, d) for d in args.defaults]
        defaults = b.temp()
        b.emit(gir.Pack(b.line, defaults, "tuple", items, b.err))
        b.free(*items)
    kwdefaults: gir.Operand = gir.CExpr("NULL")
    pairs = [
        (a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None
    ]
    if pairs:
        items = []
        for k, d in pairs:
            items.append(b.load_const(b.mangle(k)))
            items.append(expr(b, d))
        kwdefaults = b.temp()
        b.emit(gir.Pack(b.line, kwdefaults, "dict", items, b.err))
        b.free(*items)
    return defaults, kwdefaults


def _annotations(b: FunctionBuilder, node: ast.FunctionDef) -> gir.Reg | None:
    from .statements import annotation_value

    a = node.args
    pairs = [
        (x.arg, x.annotation)
        for x in a.posonlyargs
        + a.args
        + ([a.vararg] if a.vararg else [])
        + a.kwonlyargs
        + ([a.kwarg] if a.kwarg else [])
        if x.annotation is not None
    ]
    if node.returns is not None:
        pairs.append(("return", node.returns))
    if not pairs:
        return None
    items = []
    for k, ann in pairs:
        items.append(b.load_const(b.mangle(k)))
        items.append(annotation_value(b, ann))
    d = b.temp()
    b.emit(gir.Pack(b.line, d, "dict", items, b.err))
    b.free(*items)
    return d


def function_def(b: FunctionBuilder, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """``def``: decorators, defaults and annotations evaluated here in source order, the
    function made (compiled, or from the interpreter's code object when declared
    interpreted), decorated innermost first and bound to its name."""
    declared = b.mb.declared.by_node.get(id(node)) if b.mb.declared else None
    decorators = [expr(b, d) for d in node.decorator_list]
    b.at(node)
    defaults, kwdefaults = _defaults(b, node.args)
    ann = _annotations(b, node)
    if declared is not None:
        func = _interpreted_function(b, declared, defaults, kwdefaults)
    else:
        func = _compiled_function(b, node, defaults, kwdefaults)
    if ann is not None:
        b.do("setattr", func, b.name_const("__annotations__"), ann)
        b.free(ann)
    for d in reversed(decorators):
        res = b.temp()
        b.emit(gir.Call(b.line, res, d, [func], None, b.err))
        b.free(func, d)
        func = res
    b.store_name(node.name, func)


def _compiled_function(
    b: FunctionBuilder, node: ast.FunctionDef, defaults: gir.Operand, kwdefaults: gir.Operand
) -> gir.Reg:
    is_gen = contains_yield(node.body)
    if isinstance(node, ast.AsyncFunctionDef):
        kind = "asyncgen" if is_gen else "coroutine"
    else:
        kind = "generator" if is_gen else "function"
    fir, fb = new_code(b.mb, b, node, node.name, child_qualname(b, node.name), node.args, kind)
    doc = docstring_of(node.body)
    body = node.body[1:] if doc is not None else node.body
    block(fb, body)
    _finish(fb)
    b.at(node)
    func = make_function(b, fir, doc, defaults, kwdefaults)
    stub = asyncs.coroutine_code(fir) if kind in ("coroutine", "asyncgen") else None
    if stub is not None:  # a __code__ with CO_COROUTINE/CO_ASYNC_GENERATOR (inspect...)
        text, path = stub
        code = b.const((text, b.mb.path, b.mb.future_flags, path), "code")
        b.do("setattr", func, b.name_const("__code__"), code)
    return func


def _interpreted_function(
    b: FunctionBuilder, declared, defaults: gir.Operand, kwdefaults: gir.Operand
) -> gir.Reg:
    """The function of a ``def`` declared interpreted: its code object is compiled by the
    interpreter from the exact source text (a module constant made at exec); the closure
    carries the cells it captures from here (a method's ``__class__``)."""
    from ..interpreted import code_source

    node = declared.node
    text, path = code_source(b.mb.source, declared)
    code = b.const((text, b.mb.path, b.mb.future_flags, path), "code")
    frees = sorted(b.mb.scopes.table(node).get_frees())
    closure: gir.Operand = gir.CExpr("NULL")
    if frees:
        closure = b.temp()
        b.emit(gir.Pack(b.line, closure, "tuple", [b.cells[n] for n in frees], b.err))
    func = b.temp()
    qualname = b.const(child_qualname(b, node.name), "str")
    b.emit(gir.InterpretedDef(b.line, func, code, qualname, defaults, kwdefaults, closure, b.err))
    for r in (defaults, kwdefaults, closure):
        if isinstance(r, gir.Reg):
            b.free(r)
    return func


@lowers(ast.Lambda)
def _lambda(b: FunctionBuilder, node: ast.Lambda) -> gir.Reg:
    defaults, kwdefaults = _defaults(b, node.args)
    is_gen = contains_yield([node.body])
    fir, fb = new_code(
        b.mb,
        b,
        node,
        "<lambda>",
        child_qualname(b, "<lambda>"),
        node.args,
        "generator" if is_gen else "function",
    )
    fb.at(node.body)
    value = expr(fb, node.body)
    fb.emit(gir.Return(fb.line, value))
    b.at(node)
    return make_function(b, fir, None, defaults, kwdefaults)


@lowers(ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
def _comprehension(b: FunctionBuilder, node) -> gir.Reg:
    """A comprehension is a function called with iter(first iterable), as in CPython 3.11."""
    is_async = asyncs.is_async_comprehension(node)
    first = expr(b, node.generators[0].iter)
    b.at(node)
    it = b.prim("get_aiter" if node.generators[0].is_async else "getiter", first)
    b.free(first)
    name = _COMP_NAMES[type(node)]
    if isinstance(node, ast.GeneratorExp):
        kind = "asyncgen" if is_async else "generator"
    else:
        kind = "coroutine" if is_async else "function"
    fir, fb = new_code(b.mb, b, node, name, child_qualname(b, name), None, kind)
    inlined = _inlined(fb)
    if inlined:
        fir.tb_name = b.ir.tb_name or b.ir.name
    fir.argnames = [".0"]
    fir.argcount = 1
    fir.params = [fb.local_reg(".0")]
    # super() in the comprehension binds its code object's first argument: the iterator
    # ".0" (as CPython's raises for it), or, inlined, the enclosing code's first argument
    fb.first_arg = None if inlined else ".0"
    outer_self = b.super_self() if inlined and "__class__" in fb.cells else None
    if outer_self is not None:
        fb.super_arg = fb.local_reg(".super")
        fir.argnames.append(".super")
        fir.argcount = 2
        fir.params.append(fb.super_arg)
    fb.at(node)
    if isinstance(node, ast.ListComp):
        result = fb.prim("new_list")
    elif isinstance(node, ast.SetComp):
        result = fb.prim("new_set")
    elif isinstance(node, ast.DictComp):
        result = fb.prim("new_dict")
    else:
        result = None
    _comp_loop(fb, node, 0, result)
    if result is None:
        _finish(fb)
    else:
        fb.emit(gir.Return(fb.line, result))
    func = make_function(b, fir, None, gir.CExpr("NULL"), gir.CExpr("NULL"))
    b.at(node)
    r = b.temp()
    args = [it] if outer_self is None else [it, outer_self]
    b.emit(gir.Call(b.line, r, func, args, None, b.err, tb=not inlined))
    b.free(func, *args)
    if kind == "coroutine":  # the comprehension's coroutine, awaited where it stands
        value = asyncs.await_value(b, r, tb=not inlined)
        b.free(r)
        return value
    return r


def _comp_loop(fb: FunctionBuilder, node, i: int, result: gir.Reg | None) -> None:
    gen = node.generators[i]
    if i == 0:
        it = fb.local_reg(".0")
    else:
        src = expr(fb, gen.iter)
        fb.at(gen.iter)
        it = fb.prim("get_aiter" if gen.is_async else "getiter", src)
        fb.free(src)
    top, done = fb.label("comp"), fb.label("comp_done")
    fb.place(top)
    fb.at(node)
    if gen.is_async:
        item = asyncs.anext_or_done(fb, it, done)
    else:
        item = fb.temp()
        fb.emit(gir.ForIter(fb.line, item, it, done, fb.err))
    assign(fb, gen.target, item)
    for test in gen.ifs:
        ok = fb.label("comp_ok")
        cond(fb, test, ok, top)
        fb.place(ok)
    if i + 1 < len(node.generators):
        _comp_loop(fb, node, i + 1, result)
    else:
        fb.at(node)
        if isinstance(node, ast.ListComp):
            v = expr(fb, node.elt)
            fb.do("list_append", result, v)
            fb.free(v)
        elif isinstance(node, ast.SetComp):
            v = expr(fb, node.elt)
            fb.do("set_add", result, v)
            fb.free(v)
        elif isinstance(node, ast.DictComp):
            k = expr(fb, node.key)
            v = expr(fb, node.value)
            fb.do("dict_setitem", result, k, v)
            fb.free(k, v)
        else:
            v = expr(fb, node.elt)
            sent = fb.temp()
            fb.states += 1
            fb.emit(gir.Yield(fb.line, v, sent, fb.states, fb.err))
            fb.free(sent)
    fb.goto(top)
    fb.place(done)
    if i > 0:
        fb.free(it)


@lowers(ast.Yield)
def _yield(b: FunctionBuilder, node: ast.Yield) -> gir.Reg:
    _check_yield(b, node)
    v = expr(b, node.value) if node.value is not None else b.prim("none")
    b.at(node)
    sent = b.temp()
    b.states += 1
    b.emit(gir.Yield(b.line, v, sent, b.states, b.err))
    return sent


@lowers(ast.YieldFrom)
def _yield_from(b: FunctionBuilder, node: ast.YieldFrom) -> gir.Reg:
    _check_yield(b, node)
    src = expr(b, node.value)
    b.at(node)
    it = b.prim("yf_iter", src)
    b.free(src)
    dst = b.temp()
    b.states += 1
    b.emit(gir.YieldFrom(b.line, it, dst, b.states, b.err))
    return dst


def _check_yield(b: FunctionBuilder, node: ast.expr) -> None:
    if b.kind not in ("generator", "asyncgen"):
        raise Unsupported(node, "PV499", "'yield' outside a function body is not compiled")


# -- classes -------------------------------------------------------------------------


def find_annotations(body: list[ast.stmt]) -> bool:
    """CPython's find_ann: an annotated assignment anywhere in this scope's statements."""
    for s in body:
        if isinstance(s, ast.AnnAssign):
            return True
        for field in ("body", "orelse", "finalbody"):
            sub = getattr(s, field, None)
            if (
                isinstance(sub, list)
                and sub
                and isinstance(sub[0], ast.stmt)
                and not isinstance(s, _NESTED)
                and find_annotations(sub)
            ):
                return True
        if isinstance(s, ast.Try):
            for h in s.handlers:
                if find_annotations(h.body):
                    return True
        if isinstance(s, ast.Match):
            for case in s.cases:
                if find_annotations(case.body):
                    return True
    return False


def class_def(b: FunctionBuilder, node: ast.ClassDef) -> None:
    from .expressions import build_list

    decorators = [expr(b, d) for d in node.decorator_list]
    b.at(node)
    bases_list = build_list(b, node.bases)
    bases = b.prim("list_to_tuple", bases_list)
    b.free(bases_list)
    kw: gir.Operand = gir.CExpr("NULL")
    if node.keywords:
        kw = b.prim("new_dict")
        for k in node.keywords:
            v = expr(b, k.value)
            if k.arg is None:
                b.do("dict_update", kw, v)
            else:
                key = b.load_const(k.arg)
                b.do("dict_setitem", kw, key, v)
                b.free(key)
            b.free(v)
    qualname = child_qualname(b, node.name)
    table = b.mb.scopes.table(node)
    fir = FuncIR(b.mb.unique_cname(qualname), node.name, qualname, "class", node.lineno)
    b.mb.functions.append(fir)
    fb = FunctionBuilder(b.mb, fir, table, b)
    fb.private = node.name
    fb.ns = gir.Reg("ns", "obj", "special")
    _setup_scope(fb, fir, table)
    needs_cell = any(
        c.get_type() == "function" and "__class__" in c.get_frees() for c in table.get_children()
    )
    if needs_cell:
        cell = fb.reg("__class__", role="cell")
        fb.cells["__class__"] = cell
        fb.own_cells.add("__class__")
        fir.cell_regs.append((cell, None))
    fb.at(node)
    modname = fb.prim("load_name", fb.ns, fb.name_const("__name__"))
    fb.do("store_name", fb.ns, fb.name_const("__module__"), modname)
    fb.free(modname)
    qn = fb.load_const(qualname)
    fb.do("store_name", fb.ns, fb.name_const("__qualname__"), qn)
    fb.free(qn)
    if classattrs.CLASS_METADATA:
        line = fb.load_const(classattrs.first_lineno(node))
        fb.do("store_name", fb.ns, fb.name_const("__firstlineno__"), line)
        fb.free(line)
    # CPython's compiler_body: __annotations__ made before __doc__ is stored
    if find_annotations(node.body):
        fb.do("setup_annotations", fb.ns)
    doc = docstring_of(node.body)
    body = node.body
    if doc is not None:
        d = fb.load_const(doc)
        fb.do("store_name", fb.ns, fb.name_const("__doc__"), d)
        fb.free(d)
        body = body[1:]
    block(fb, body)
    fb.at(node)
    if classattrs.CLASS_METADATA:
        attrs = fb.load_const(classattrs.static_attributes(node))
        fb.do("store_name", fb.ns, fb.name_const("__static_attributes__"), attrs)
        fb.free(attrs)
    if needs_cell:
        c = fb.temp()
        fb.emit(gir.Copy(fb.line, c, fb.cells["__class__"]))
        fb.do("store_name", fb.ns, fb.name_const("__classcell__"), c)
        fb.emit(gir.Return(fb.line, c))
    else:
        _finish(fb)
    closure: gir.Operand = gir.CExpr("NULL")
    b.at(node)
    if fir.freevars:
        cells = [b.cells[n] for n in fir.freevars]
        closure = b.temp()
        b.emit(gir.Pack(b.line, closure, "tuple", cells, b.err))
    cls = b.prim(
        "build_class", gir.CExpr(f"pvc_{fir.cname}"), closure, b.const(node.name, "str"), bases, kw
    )
    b.free(bases, kw if isinstance(kw, gir.Reg) else None)
    if isinstance(closure, gir.Reg):
        b.free(closure)
    for d in reversed(decorators):
        res = b.temp()
        b.emit(gir.Call(b.line, res, d, [cls], None, b.err))
        b.free(cls, d)
        cls = res
    b.store_name(node.name, cls)


def _register_statements() -> None:
    from .statements import _LOWER

    _LOWER[ast.FunctionDef] = function_def
    _LOWER[ast.AsyncFunctionDef] = function_def
    _LOWER[ast.ClassDef] = class_def


_register_statements()
__all__ = ["class_def", "contains_yield", "function_def", "stmt"]

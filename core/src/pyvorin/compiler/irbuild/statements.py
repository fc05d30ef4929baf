"""Lowering of statements: control flow, assignment, exceptions, ``with``, imports (and
``match``, lowered by :mod:`.patterns`)."""

from __future__ import annotations

import ast
import contextlib
import sys
from collections.abc import Callable

from .. import gir
from ..cstrings import c_string_literal
from .builder import (
    FinallyFrame,
    FunctionBuilder,
    HandlerStateFrame,
    LoopFrame,
    Unsupported,
    WithFrame,
)
from .expressions import cond, expr, slice_or_index
from .patterns import lower_match

Lower = Callable[[FunctionBuilder, ast.stmt], None]
_LOWER: dict[type, Lower] = {}


def lowers(*types: type):
    def deco(fn: Lower) -> Lower:
        for t in types:
            _LOWER[t] = fn
        return fn

    return deco


def stmt(b: FunctionBuilder, node: ast.stmt) -> None:
    fn = _LOWER.get(type(node))
    if fn is None:
        raise Unsupported(
            node,
            "PV499",
            f"{type(node).__name__} statements are not compiled yet",
            "declare the function interpreted ([tool.pyvorin] interpreted) until it is",
        )
    b.at(node)
    fn(b, node)


def block(b: FunctionBuilder, body: list[ast.stmt]) -> None:
    for s in body:
        stmt(b, s)


# -- assignment ----------------------------------------------------------------------


def assign(b: FunctionBuilder, target: ast.expr, value: gir.Reg) -> None:
    """Store ``value`` (a temporary; consumed) into ``target``."""
    if isinstance(target, ast.Name):
        b.store_name(target.id, value)
    elif isinstance(target, ast.Attribute):
        obj = expr(b, target.value)
        b.at(target)
        b.do("setattr", obj, b.attr_const(target.attr), value)
        b.free(obj, value)
    elif isinstance(target, ast.Subscript):
        obj = expr(b, target.value)
        key = slice_or_index(b, target.slice)
        b.at(target)
        b.do("setitem", obj, key, value)
        b.free(obj, key, value)
    elif isinstance(target, (ast.Tuple, ast.List)):
        stars = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
        n = len(target.elts)
        dsts = [b.temp() for _ in range(n)]
        before = stars[0] if stars else n
        after = n - before - 1 if stars else -1
        b.at(target)
        b.emit(gir.Unpack(b.line, dsts, value, before, after, b.err))
        b.free(value)
        for e, d in zip(target.elts, dsts, strict=True):
            assign(b, e.value if isinstance(e, ast.Starred) else e, d)
    elif isinstance(target, ast.Starred):
        raise Unsupported(target, "PV499", "starred assignment target outside a tuple")
    else:
        raise Unsupported(target, "PV499", f"assignment to {type(target).__name__}")


def _may_append_str(value: ast.expr) -> bool:
    """Whether ``value`` may be a str: anything but a constant of another type (``i += 1``
    keeps the plain lowering, whose operand the borrowing pass can take from ``i``)."""
    return not isinstance(value, ast.Constant) or isinstance(value.value, str)


def _fast_local(b: FunctionBuilder, target: ast.expr) -> str | None:
    """The mangled name of ``target`` when it is a fast local of a function (not a cell,
    free variable, global, or a module or class body's name), else None."""
    if not isinstance(target, ast.Name):
        return None
    name = b.mangle(target.id)
    return name if b.name_kind(name) == "fast" else None


def _add_to_local(b: FunctionBuilder, name: str, operand: ast.expr, at: ast.AST, prim: str) -> None:
    """``x += operand`` (``iadd_local``) or ``x = x + operand`` (``add_local``) on the
    fast local ``x``: CPython's BINARY_OP_INPLACE_ADD_UNICODE (3.11-3.13 specialise a
    str ``+``/``+=`` whose result is stored into the local holding its left operand, and
    append in place when the local holds the only reference; 3.10's unicode_concatenate
    did the same for STORE_FAST, and also for cells and names, which 3.11 dropped: cells,
    globals and names keep PyNumber_InPlaceAdd here, the behaviour common to 3.10-3.13).
    ``x`` is read (and checked bound) before the operand is evaluated, as LOAD_FAST; the
    primitive consumes both values and stores the result into ``x`` (see pv_fast.h)."""
    b.at(at)  # the statement, or x = x + y's BinOp (whose first line reads x)
    cur = b.load_name(name)
    rhs = expr(b, operand)
    b.at(at)
    b.do(prim, b.local_reg(name), cur, rhs)


@lowers(ast.Assign)
def _assign(b: FunctionBuilder, node: ast.Assign) -> None:
    if len(node.targets) == 1:
        name = _fast_local(b, node.targets[0])
        v = node.value
        if (
            name is not None
            and isinstance(v, ast.BinOp)
            and isinstance(v.op, ast.Add)
            and _fast_local(b, v.left) == name
            and _may_append_str(v.right)
        ):
            _add_to_local(b, name, v.right, v, "add_local")
            return
    value = expr(b, node.value)
    for i, target in enumerate(node.targets):
        if i < len(node.targets) - 1:
            copy = b.temp()
            b.emit(gir.Copy(b.line, copy, value))
            assign(b, target, copy)
        else:
            assign(b, target, value)


@lowers(ast.AugAssign)
def _augassign(b: FunctionBuilder, node: ast.AugAssign) -> None:
    op = f"inplace_{type(node.op).__name__}"
    t = node.target
    name = _fast_local(b, t)
    if name is not None and isinstance(node.op, ast.Add) and _may_append_str(node.value):
        _add_to_local(b, name, node.value, node, "iadd_local")
    elif isinstance(t, ast.Name):
        cur = b.load_name(t.id)
        rhs = expr(b, node.value)
        b.at(node)
        r = b.prim(op, cur, rhs)
        b.free(cur, rhs)
        b.store_name(t.id, r)
    elif isinstance(t, ast.Attribute):
        obj = expr(b, t.value)
        b.at(t)
        cur = b.prim("getattr", obj, b.attr_const(t.attr))
        rhs = expr(b, node.value)
        b.at(node)
        r = b.prim(op, cur, rhs)
        b.free(cur, rhs)
        b.at(t)
        b.do("setattr", obj, b.attr_const(t.attr), r)
        b.free(obj, r)
    elif isinstance(t, ast.Subscript):
        obj = expr(b, t.value)
        key = slice_or_index(b, t.slice)
        b.at(t)
        cur = b.prim("getitem", obj, key)
        rhs = expr(b, node.value)
        b.at(node)
        r = b.prim(op, cur, rhs)
        b.free(cur, rhs)
        b.at(t)
        b.do("setitem", obj, key, r)
        b.free(obj, key, r)
    else:
        raise Unsupported(t, "PV499", "augmented assignment to this target")


def annotation_value(b: FunctionBuilder, ann: ast.expr) -> gir.Reg:
    if b.mb.future_annotations:
        return b.load_const(ast.unparse(ann))
    return expr(b, ann)


@lowers(ast.AnnAssign)
def _annassign(b: FunctionBuilder, node: ast.AnnAssign) -> None:
    if node.value is not None:
        assign(b, node.target, expr(b, node.value))
    if b.kind not in ("module", "class"):
        return  # annotations of locals are not evaluated
    if node.simple and isinstance(node.target, ast.Name):
        ann = annotation_value(b, node.annotation)
        ns = b.ns if b.kind == "class" else gir.CExpr("pv_globals")
        b.at(node)
        b.do("store_annotation", ns, b.attr_const(node.target.id), ann)
        b.free(ann)
    elif not b.mb.future_annotations:
        # the annotation of a complex target is evaluated (not stored); so are its parts
        if isinstance(node.target, ast.Attribute):
            b.free(expr(b, node.target.value))
        elif isinstance(node.target, ast.Subscript):
            b.free(expr(b, node.target.value))
            b.free(slice_or_index(b, node.target.slice))
        b.free(expr(b, node.annotation))


@lowers(ast.Delete)
def _delete(b: FunctionBuilder, node: ast.Delete) -> None:
    for t in node.targets:
        delete(b, t)


def delete(b: FunctionBuilder, t: ast.expr) -> None:
    b.at(t)
    if isinstance(t, ast.Name):
        b.delete_name(t.id)
    elif isinstance(t, ast.Attribute):
        obj = expr(b, t.value)
        b.at(t)
        b.do("delattr", obj, b.attr_const(t.attr))
        b.free(obj)
    elif isinstance(t, ast.Subscript):
        obj = expr(b, t.value)
        key = slice_or_index(b, t.slice)
        b.at(t)
        b.do("delitem", obj, key)
        b.free(obj, key)
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            delete(b, e)
    else:
        raise Unsupported(t, "PV499", "deletion of this target")


@lowers(ast.Expr)
def _expr_stmt(b: FunctionBuilder, node: ast.Expr) -> None:
    start = len(b.ops)
    value = expr(b, node.value)
    for op in b.ops[start:]:
        if isinstance(op, gir.Call) and op.dst is value:
            op.discarded = True
    b.free(value)


@lowers(ast.Pass, ast.Global, ast.Nonlocal)
def _nothing(b: FunctionBuilder, node: ast.stmt) -> None:
    return None


# -- control flow --------------------------------------------------------------------


@lowers(ast.If)
def _if(b: FunctionBuilder, node: ast.If) -> None:
    then, orelse, end = b.label("then"), b.label("else"), b.label("endif")
    cond(b, node.test, then, orelse)
    b.place(then)
    block(b, node.body)
    b.goto(end)
    b.place(orelse)
    block(b, node.orelse)
    b.place(end)


@lowers(ast.While)
def _while(b: FunctionBuilder, node: ast.While) -> None:
    top, body, orelse, brk = b.label("while"), b.label("wbody"), b.label("welse"), b.label("wend")
    b.place(top)
    b.at(node)
    cond(b, node.test, body, orelse)
    b.place(body)
    b.unwind.append(LoopFrame(brk, top))
    block(b, node.body)
    b.unwind.pop()
    b.goto(top)
    b.place(orelse)
    block(b, node.orelse)
    b.place(brk)


@lowers(ast.For)
def _for(b: FunctionBuilder, node: ast.For) -> None:
    src = expr(b, node.iter)
    b.at(node)
    it = b.prim("getiter", src)
    b.free(src)
    top, done, brk, end = b.label("for"), b.label("fdone"), b.label("fbreak"), b.label("fend")
    b.place(top)
    b.at(node)
    item = b.temp()
    b.emit(gir.ForIter(b.line, item, it, done, b.err))
    assign(b, node.target, item)
    b.unwind.append(LoopFrame(brk, top))
    block(b, node.body)
    b.unwind.pop()
    b.goto(top)
    b.place(done)
    b.free(it)
    block(b, node.orelse)
    b.goto(end)
    b.place(brk)
    b.free(it)
    b.place(end)


@contextlib.contextmanager
def outside(b: FunctionBuilder, hdepth: int, udepth: int):
    """Emit code as if only the outer ``hdepth`` handlers and ``udepth`` unwind frames
    were active (the exit actions of a frame run outside of it)."""
    saved_h, saved_u = b.handlers, b.unwind
    b.handlers, b.unwind = saved_h[:hdepth], saved_u[:udepth]
    try:
        yield
    finally:
        b.handlers, b.unwind = saved_h, saved_u


def exit_frames(b: FunctionBuilder, down_to: int) -> None:
    """Run the exit actions of the unwind frames above index ``down_to`` (innermost first)."""
    for i in range(len(b.unwind) - 1, down_to - 1, -1):
        frame = b.unwind[i]
        hdepth = getattr(frame, "hdepth", len(b.handlers))
        with outside(b, hdepth, i):
            if isinstance(frame, FinallyFrame):
                block(b, frame.body)
            elif isinstance(frame, WithFrame) and frame.is_async:
                from .asyncs import await_exit_ok

                await_exit_ok(b, frame.exit)
            elif isinstance(frame, WithFrame):
                b.do("with_exit_ok", frame.exit)
                b.free(frame.exit)
            elif isinstance(frame, HandlerStateFrame):
                b.do("set_handled", frame.saved)
                b.free(frame.saved, frame.exc)
                if frame.name is not None:
                    unbind(b, frame.name)


def unbind(b: FunctionBuilder, name: str) -> None:
    """`name = None; del name`: what the end of `except ... as name` does."""
    b.store_name(name, b.prim("none"))
    b.delete_name(name)


def _loop_index(b: FunctionBuilder, node: ast.stmt) -> int:
    for i in range(len(b.unwind) - 1, -1, -1):
        if isinstance(b.unwind[i], LoopFrame):
            return i
    raise Unsupported(node, "PV100", "'break' or 'continue' outside loop")


@lowers(ast.Break)
def _break(b: FunctionBuilder, node: ast.Break) -> None:
    i = _loop_index(b, node)
    exit_frames(b, i + 1)
    b.goto(b.unwind[i].break_label)


@lowers(ast.Continue)
def _continue(b: FunctionBuilder, node: ast.Continue) -> None:
    i = _loop_index(b, node)
    exit_frames(b, i + 1)
    b.goto(b.unwind[i].continue_label)


@lowers(ast.Return)
def _return(b: FunctionBuilder, node: ast.Return) -> None:
    value = expr(b, node.value) if node.value is not None else b.prim("none")
    exit_frames(b, 0)
    b.emit(gir.Return(b.line, value))


@lowers(ast.Match)
def _match(b: FunctionBuilder, node: ast.Match) -> None:
    lower_match(b, node)


# -- exceptions ----------------------------------------------------------------------


@lowers(ast.Raise)
def _raise(b: FunctionBuilder, node: ast.Raise) -> None:
    if node.exc is None:
        b.do("reraise_handled", tb=False)
        return
    exc = expr(b, node.exc)
    cause = expr(b, node.cause) if node.cause is not None else gir.CExpr("NULL")
    b.at(node)
    b.do("raise", exc, cause)


@lowers(ast.Assert)
def _assert(b: FunctionBuilder, node: ast.Assert) -> None:
    check, fail, end = b.label("acheck"), b.label("afail"), b.label("aend")
    on = b.prim("asserts_enabled", kind="cint")
    b.emit(gir.Branch(b.line, on, check, end))
    b.place(check)
    cond(b, node.test, end, fail)
    b.place(fail)
    b.at(node)
    err = b.prim("assertion_error")
    if node.msg is not None:
        msg = expr(b, node.msg)
        b.at(node)
        inst = b.temp()
        b.emit(gir.Call(b.line, inst, err, [msg], None, b.err))
        b.do("raise", inst, gir.CExpr("NULL"))
    else:
        b.do("raise", err, gir.CExpr("NULL"))
    b.place(end)


def _enter_handler_state(b: FunctionBuilder, exc: gir.Reg) -> gir.Reg:
    saved = b.prim("get_handled")
    b.do("set_handled", exc)
    return saved


# ``try``/``except*`` (PEP 654): an ast.TryStar from 3.11 (before, it does not parse)
_TRY_STAR: tuple[type, ...] = (ast.TryStar,) if sys.version_info >= (3, 11) else ()


@lowers(ast.Try, *_TRY_STAR)
def _try(b: FunctionBuilder, node: ast.Try) -> None:
    if node.finalbody:
        _try_finally(b, node)
    else:
        _handlers_lowering(node)(b, node.body, node.handlers, node.orelse)


def _handlers_lowering(node: ast.stmt):
    return _try_except_star if isinstance(node, _TRY_STAR) else _try_except


def _try_except(
    b: FunctionBuilder,
    body: list[ast.stmt],
    handlers: list[ast.ExceptHandler],
    orelse: list[ast.stmt],
) -> None:
    end = b.label("tend")
    h = b.push_handler(b.label("except"))
    block(b, body)
    b.pop_handler(h)
    block(b, orelse)
    b.goto(end)
    b.landing(h)
    exc = b.prim("fetch_exc")
    saved = _enter_handler_state(b, exc)
    escape = b.push_handler(b.label("except_escape"))
    done = b.label("except_done")
    for clause in handlers:
        b.at(clause)
        nxt = b.label("except_next")
        if clause.type is not None:
            t = expr(b, clause.type)
            b.at(clause)
            m = b.prim("exc_match", exc, t, kind="cint")
            b.free(t)
            body_label = b.label("except_body")
            b.emit(gir.Branch(b.line, m, body_label, nxt))
            b.place(body_label)
        named = None
        if clause.name is not None:
            copy = b.temp()
            b.emit(gir.Copy(b.line, copy, exc))
            b.store_name(clause.name, copy)
            named = b.push_handler(b.label("except_unbind"))
        b.unwind.append(HandlerStateFrame(saved, clause.name, exc))
        b.unwind[-1].hdepth = len(b.handlers) - (2 if named else 1)
        block(b, clause.body)
        b.unwind.pop()
        if named is not None:
            b.pop_handler(named)
            unbind(b, clause.name)
        b.goto(done)
        if named is not None:
            b.landing(named)
            unbind(b, clause.name)
            b.goto(escape.label)
        b.place(nxt)
        if clause.type is None:
            break
    b.pop_handler(escape)
    # no clause matched: re-raise, with the handled exception restored
    b.do("set_handled", saved)
    b.free(saved)
    b.do("restore_exc", exc, tb=False)
    b.place(done)
    b.do("set_handled", saved)
    b.free(saved, exc)
    b.goto(end)
    b.landing(escape)
    b.do("set_handled", saved)
    b.free(saved, exc)
    b.goto(b.err)
    b.place(end)


def _try_except_star(
    b: FunctionBuilder,
    body: list[ast.stmt],
    handlers: list[ast.ExceptHandler],
    orelse: list[ast.stmt],
) -> None:
    """``try``/``except*``, step for step as CPython's ``compiler_try_star_except``: the
    exception caught (``orig``) becomes the one being handled; each clause evaluates its
    type and takes its part of what is left (CHECK_EG_MATCH, which makes that part the
    exception being handled); what a clause body raises or re-raises is collected, not
    propagated; at the end the collected exceptions and the unmatched rest are combined
    (PREP_RERAISE_STAR) and raised as they are, without an entry for this frame (RERAISE).
    ``return``/``break``/``continue`` cannot leave a clause body (CPython's compiler
    refuses them: PV100), so the bodies need no unwind frame."""
    end = b.label("tsend")
    h = b.push_handler(b.label("exceptstar"))
    block(b, body)
    b.pop_handler(h)
    block(b, orelse)
    b.goto(end)
    b.landing(h)
    orig = b.prim("fetch_exc")
    saved = _enter_handler_state(b, orig)
    escape = b.push_handler(b.label("exceptstar_escape"))
    raised = b.prim("new_list")
    rest = b.temp()
    b.emit(gir.Copy(b.line, rest, orig))
    func = gir.CExpr(c_string_literal(b.ir.tb_name or b.ir.name))
    none = gir.CExpr("Py_None")
    for clause in handlers:
        nxt, matched, unmatched = b.label("xs_next"), b.label("xs_body"), b.label("xs_none")
        t = expr(b, clause.type)
        b.at(clause)
        match = b.prim("eg_match", rest, t, func, gir.CExpr(str(b.line)))
        b.free(t)
        b.emit(gir.Branch(b.line, b.prim("is_c", match, none, kind="cint"), unmatched, matched))
        b.place(matched)
        if clause.name is not None:
            b.store_name(clause.name, match)
        else:
            b.free(match)
        collect = b.push_handler(b.label("xs_raised"))
        block(b, clause.body)
        b.pop_handler(collect)
        if clause.name is not None:
            unbind(b, clause.name)
        b.goto(nxt)
        # the body raised (or re-raised): collect the exception, go on with the next clause
        b.landing(collect)
        e = b.prim("fetch_exc")
        if clause.name is not None:
            unbind(b, clause.name)
        b.do("list_append", raised, e)
        b.free(e)
        b.goto(nxt)
        b.place(unmatched)
        b.free(match)
        b.place(nxt)
    b.do("list_append", raised, rest)
    b.free(rest)
    result = b.prim("prep_reraise_star", orig, raised)
    b.free(raised)
    b.pop_handler(escape)
    reraise, done = b.label("xs_reraise"), b.label("xs_done")
    b.emit(gir.Branch(b.line, b.prim("is_c", result, none, kind="cint"), done, reraise))
    b.place(reraise)
    b.do("set_handled", saved)
    b.free(saved, orig)
    b.do("restore_exc", result, tb=False)
    b.place(done)
    b.free(result)
    b.do("set_handled", saved)
    b.free(saved, orig)
    b.goto(end)
    b.landing(escape)
    b.do("set_handled", saved)
    b.free(saved, orig)
    b.goto(b.err)
    b.place(end)


def _try_finally(b: FunctionBuilder, node: ast.Try) -> None:
    end = b.label("fin_end")
    h = b.push_handler(b.label("finally_exc"))
    frame = FinallyFrame(node.finalbody)
    frame.hdepth = len(b.handlers) - 1
    b.unwind.append(frame)
    if node.handlers:
        _handlers_lowering(node)(b, node.body, node.handlers, node.orelse)
    else:
        block(b, node.body)
        block(b, node.orelse)
    b.unwind.pop()
    b.pop_handler(h)
    block(b, node.finalbody)  # normal exit
    b.goto(end)
    # exit by exception: run the finally body while the exception is being handled
    b.landing(h)
    exc = b.prim("fetch_exc")
    saved = _enter_handler_state(b, exc)
    escape = b.push_handler(b.label("finally_escape"))
    state = HandlerStateFrame(saved, None, exc)
    state.hdepth = len(b.handlers) - 1
    b.unwind.append(state)
    block(b, node.finalbody)
    b.unwind.pop()
    b.pop_handler(escape)
    b.do("set_handled", saved)
    b.free(saved)
    b.do("restore_exc", exc, tb=False)
    b.landing(escape)
    b.do("set_handled", saved)
    b.free(saved, exc)
    b.goto(b.err)
    b.place(end)


@lowers(ast.With)
def _with(b: FunctionBuilder, node: ast.With) -> None:
    with_items(b, node, list(node.items))


def with_items(
    b: FunctionBuilder,
    node: ast.With | ast.AsyncWith,
    items: list[ast.withitem],
    is_async: bool = False,
) -> None:
    """``with`` (or ``async with``, whose enter and exits are awaited) over ``items``, the
    first item around the rest, as CPython nests them."""
    if not items:
        block(b, node.body)
        return
    if is_async:
        from .asyncs import await_exit_ok, await_value
    kind = "awith" if is_async else "with"
    item = items[0]
    mgr = expr(b, item.context_expr)
    b.at(item.context_expr)
    exit_reg = b.temp()
    if is_async:
        res = b.prim("async_with_enter", mgr, exit_reg)
        b.free(mgr)
        value = await_value(b, res, 1)
        b.free(res)
    else:
        value = b.prim("with_enter", mgr, exit_reg)
        b.free(mgr)
    end = b.label(f"{kind}_end")
    h = b.push_handler(b.label(f"{kind}_exc"))
    frame = WithFrame(exit_reg, is_async=is_async)
    frame.hdepth = len(b.handlers) - 1
    b.unwind.append(frame)
    if item.optional_vars is not None:
        assign(b, item.optional_vars, value)
    else:
        b.free(value)
    with_items(b, node, items[1:], is_async)
    b.unwind.pop()
    b.pop_handler(h)
    b.at(node)
    if is_async:
        await_exit_ok(b, exit_reg)
    else:
        b.do("with_exit_ok", exit_reg)
        b.free(exit_reg)
    b.goto(end)
    # exit by exception: __exit__(type, exc, tb) (awaited for async) while it is handled
    b.landing(h)
    exc = b.prim("fetch_exc")
    saved = _enter_handler_state(b, exc)
    escape = b.push_handler(b.label(f"{kind}_escape"))
    if is_async:
        r = b.prim("async_with_exit_exc", exit_reg, exc)
        v = await_value(b, r, 2)
        b.free(r)
        suppress = b.prim("istrue", v, kind="cint")
        b.free(v)
    else:
        suppress = b.prim("with_exit_exc", exit_reg, exc, kind="cint")
    b.pop_handler(escape)
    yes, no = b.label(f"{kind}_suppress"), b.label(f"{kind}_reraise")
    b.emit(gir.Branch(b.line, suppress, yes, no))
    b.place(no)
    b.do("set_handled", saved)
    b.free(saved, exit_reg)
    b.do("restore_exc", exc, tb=False)
    b.place(yes)
    b.do("set_handled", saved)
    b.free(saved, exc, exit_reg)
    b.goto(end)
    b.landing(escape)
    b.do("set_handled", saved)
    b.free(saved, exc, exit_reg)
    b.goto(b.err)
    b.place(end)


# -- imports -------------------------------------------------------------------------


@lowers(ast.Import)
def _import(b: FunctionBuilder, node: ast.Import) -> None:
    for alias in node.names:
        mod = b.prim(
            "import_name", b.const(b.mangle(alias.name), "str"), b.const(None), gir.CExpr("0")
        )
        if alias.asname is None:
            b.store_name(alias.name.split(".")[0], mod)
            continue
        for part in alias.name.split(".")[1:]:
            sub = b.prim("import_from", mod, b.name_const(part))
            b.free(mod)
            mod = sub
        b.store_name(alias.asname, mod)


@lowers(ast.ImportFrom)
def _import_from(b: FunctionBuilder, node: ast.ImportFrom) -> None:
    names = tuple(a.name for a in node.names)
    mod = b.prim(
        "import_name",
        b.const(b.mangle(node.module or ""), "str"),
        b.const(names),
        gir.CExpr(str(node.level)),
    )
    if names == ("*",):
        ns = b.ns if b.kind == "class" else gir.CExpr("pv_globals")
        b.do("import_star", ns, mod)
        b.free(mod)
        return
    for alias in node.names:
        v = b.prim("import_from", mod, b.attr_const(alias.name))
        b.store_name(alias.asname or alias.name, v)
    b.free(mod)

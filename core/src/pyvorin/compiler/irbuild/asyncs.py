"""Lowering of PEP 492 code: ``await``, ``async with``, ``async for`` and the parts of
``async def`` and async comprehensions that differ from their plain forms.

A coroutine is compiled as a generator is (a resumable C function over a heap frame) and
made as a ``coroutine`` object (runtime/pv_coroutine.c). ``await x`` is CPython's
GET_AWAITABLE then the ``yield from`` loop (SEND); ``async for`` is GET_AITER, then per
item GET_ANEXT, an await, and END_ASYNC_FOR's StopAsyncIteration test; ``async with`` is
BEFORE_ASYNC_WITH, with ``__aenter__``'s and ``__aexit__``'s results awaited. Async
generators (``yield`` in ``async def``) and asynchronous generator expressions are made
as ``async_generator`` objects (runtime/pv_asyncgen.c) whose yields are wrapped values.
"""

from __future__ import annotations

import ast

from .. import gir
from .builder import FunctionBuilder, Unsupported
from .expressions import expr, lowers

ASYNC_KINDS = ("coroutine", "asyncgen")  # code objects that may await


def await_value(b: FunctionBuilder, src: gir.Reg, where: int = 0, tb: bool = True) -> gir.Reg:
    """``await src`` (src borrowed): GET_AWAITABLE ``where`` (0 await, 1 the result of
    ``__aenter__``, 2 of ``__aexit__``), then delegate until it returns."""
    if b.kind not in ASYNC_KINDS:
        raise Unsupported(_node_at(b), "PV404", "'await' outside a coroutine is not compiled")
    aw = b.prim("get_awaitable", src, gir.CExpr(str(where)))
    dst = b.temp()
    b.states += 1
    b.emit(gir.YieldFrom(b.line, aw, dst, b.states, b.err, tb))
    return dst


def _node_at(b: FunctionBuilder) -> ast.AST:
    node = ast.Pass()
    node.lineno, node.col_offset = b.line, 0
    return node


@lowers(ast.Await)
def _await(b: FunctionBuilder, node: ast.Await) -> gir.Reg:
    src = expr(b, node.value)
    b.at(node)
    r = await_value(b, src)
    b.free(src)
    return r


def await_exit_ok(b: FunctionBuilder, exit_reg: gir.Reg) -> None:
    """Leave an ``async with`` without an exception: ``await __aexit__(None, None, None)``."""
    r = b.prim("async_with_exit_ok", exit_reg)
    v = await_value(b, r, 2)
    b.free(r, v, exit_reg)


def async_with(b: FunctionBuilder, node: ast.AsyncWith) -> None:
    from .statements import with_items

    with_items(b, node, list(node.items), is_async=True)


def anext_or_done(b: FunctionBuilder, it: gir.Reg, done: str) -> gir.Reg:
    """One step of ``async for``: ``await anext(it)``; StopAsyncIteration goes to ``done``
    (END_ASYNC_FOR), any other exception propagates."""
    if b.kind not in ASYNC_KINDS:
        raise Unsupported(_node_at(b), "PV404", "'async for' outside a coroutine is not compiled")
    aw = b.prim("get_anext", it)
    h = b.push_handler(b.label("anext_exc"))
    item = b.temp()
    b.states += 1
    b.emit(gir.YieldFrom(b.line, aw, item, b.states, b.err))
    b.pop_handler(h)
    got = b.label("anext_got")
    b.goto(got)
    b.landing(h)
    exc = b.prim("fetch_exc")
    stop = b.prim("is_stop_async", exc, kind="cint")
    stopped, other = b.label("anext_stop"), b.label("anext_raise")
    b.emit(gir.Branch(b.line, stop, stopped, other))
    b.place(other)
    b.do("restore_exc", exc, tb=False)
    b.place(stopped)
    b.free(exc)
    b.goto(done)
    b.place(got)
    return item


def async_for(b: FunctionBuilder, node: ast.AsyncFor) -> None:
    from .builder import LoopFrame
    from .statements import assign, block

    src = expr(b, node.iter)
    b.at(node)
    it = b.prim("get_aiter", src)
    b.free(src)
    top, done, brk, end = b.label("afor"), b.label("afdone"), b.label("afbreak"), b.label("afend")
    b.place(top)
    b.at(node)
    item = anext_or_done(b, it, done)
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


def is_async_comprehension(node: ast.AST) -> bool:
    """Does a comprehension need to run as a coroutine (an ``async for`` clause, or an
    ``await`` in what its own code evaluates: not the first iterable)?"""
    if any(g.is_async for g in node.generators):  # type: ignore[attr-defined]
        return True
    parts: list[ast.AST] = []
    for i, g in enumerate(node.generators):  # type: ignore[attr-defined]
        parts.append(g.target)
        parts.extend(g.ifs)
        if i:
            parts.append(g.iter)
    for f in ("elt", "key", "value"):
        if getattr(node, f, None) is not None:
            parts.append(getattr(node, f))
    return any(_has_await(p) for p in parts)


def _has_await(node: ast.AST) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Await):
            return True
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            if isinstance(n, ast.Lambda):
                continue
            if is_async_comprehension(n):
                return True
            stack.append(n.generators[0].iter)
            continue
        stack.extend(ast.iter_child_nodes(n))
    return False


def coroutine_code(fir: gir.FuncIR) -> tuple[str, tuple[str, ...]] | None:
    """The source of a stub ``async def`` with the function's parameters, on its line, for
    its ``__code__``: a code object with CO_COROUTINE (CO_ASYNC_GENERATOR for an async
    generator: the stub then has a ``yield``) and the same signature, as
    ``inspect.iscoroutinefunction``/``asyncio.iscoroutinefunction``/``inspect.signature``
    read it. None when the name is not an identifier (a comprehension)."""
    if not fir.name.isidentifier():
        return None
    names = list(fir.argnames)
    pos = names[: fir.argcount]
    kwonly = names[fir.argcount : fir.argcount + fir.kwonlyargcount]
    rest = names[fir.argcount + fir.kwonlyargcount :]
    parts = pos[: fir.posonlyargcount]
    if fir.posonlyargcount:
        parts.append("/")
    parts += pos[fir.posonlyargcount :]
    if fir.varargs:
        parts.append("*" + rest.pop(0))
    elif kwonly:
        parts.append("*")
    parts += kwonly
    if fir.varkw:
        parts.append("**" + rest.pop(0))
    body = "yield" if fir.kind == "asyncgen" else "pass"
    text = "\n" * (fir.line - 1) + f"async def {fir.name}({', '.join(parts)}):\n    {body}\n"
    return text, (fir.name,)


def _register() -> None:
    from .statements import _LOWER

    _LOWER[ast.AsyncWith] = async_with
    _LOWER[ast.AsyncFor] = async_for


_register()

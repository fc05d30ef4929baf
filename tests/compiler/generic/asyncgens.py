"""Conformance source: async generators (PEP 525) compiled by the generic tier and
compared with CPython (tests/compiler/test_exact_asyncgens.py): iteration with ``async
for`` and async comprehensions, ``asend``/``athrow``/``aclose`` driven by hand and under
asyncio, ``sys.set_asyncgen_hooks`` (firstiter, finalizer) and asyncio's
``shutdown_asyncgens``, asynchronous generator expressions, the interpreter's errors and
messages, and what inspect/collections.abc see. Each scenario returns a log."""

import asyncio
import collections.abc
import inspect
import sys


def _err(e):
    return (type(e).__name__, str(e))


def _info():
    e = sys.exc_info()[1]
    return None if e is None else f"{type(e).__name__}({e})"


async def ticks(n, log=None):
    try:
        for i in range(n):
            await asyncio.sleep(0)
            got = yield i
            if got is not None:
                yield ("got", got)
    finally:
        if log is not None:
            log.append(("finally", _info()))


class Suspend:
    def __await__(self):
        v = yield "suspended"
        return v


async def by_hand_gen(log):
    try:
        v = await Suspend()
        log.append(("awaited", v))
        x = yield "first"
        log.append(("sent", x))
        yield "second"
    except KeyError as e:
        log.append(("caught", str(e), _info()))
        yield "from handler"
    finally:
        log.append(("finally", _info()))


def iteration():
    async def main():
        log = []
        a = [x async for x in ticks(3, log)]
        b = {x: x * x async for x in ticks(3)}
        total = 0
        async for x in ticks(5, log):
            if x == 3:
                break
            total += x
        c = [y async for y in (x * 10 async for x in ticks(3))]
        gx = (x async for x in ticks(2))
        return a, b, total, c, type(gx).__name__, [v async for v in gx], log

    return asyncio.run(main())


def drive(aw, sends=()):
    """Step an awaitable by hand: what it yields, and how it ends."""
    out = []
    sends = list(sends)
    try:
        v = aw.send(None)
        while True:
            out.append(("yield", v))
            v = aw.send(sends.pop(0) if sends else None)
    except StopIteration as e:
        out.append(("stop", e.value))
    except Exception as e:
        out.append(("raised", _err(e)))
    return out


def by_hand():
    log = []
    g = by_hand_gen(log)
    out = [drive(g.__anext__(), ["resumed"])]
    out.append(drive(g.asend("x")))
    a = g.asend(None)
    out.append(drive(a))
    out.append(drive(a))  # reuse
    out.append(drive(g.athrow(KeyError("k"))))
    out.append(drive(g.aclose()))
    out.append(drive(g.__anext__()))
    out.append(drive(g.aclose()))
    g2 = by_hand_gen(log)
    out.append(drive(g2.asend(5)))
    g3 = by_hand_gen(log)
    out.append(drive(g3.aclose()))
    out.append(drive(g3.__anext__()))
    return out, log


def athrow_paths():
    log = []

    async def catcher():
        while True:
            try:
                yield "ready"
            except ValueError as e:
                log.append(("caught", str(e)))
                yield "recovered"
            except GeneratorExit:
                log.append("exit")
                yield "ignored exit"

    async def main():
        g = catcher()
        out = [await g.__anext__(), await g.athrow(ValueError("v"))]
        out.append(await g.__anext__())
        try:
            await g.aclose()
        except RuntimeError as e:
            out.append(_err(e))
        g2 = ticks(3)
        await g2.__anext__()
        try:
            await g2.athrow(IndexError("boom"))
        except IndexError as e:
            out.append(("propagated", str(e)))
        try:
            await g2.__anext__()
        except StopAsyncIteration as e:
            out.append(("exhausted", type(e).__name__))
        out.append(await g2.aclose())
        return out

    return asyncio.run(main()), log


def errors_inside():
    async def raises_stop():
        yield 1
        raise StopAsyncIteration

    async def raises_stopiter():
        yield 1
        raise StopIteration

    async def main():
        out = []
        for f in (raises_stop, raises_stopiter):
            g = f()
            await g.__anext__()
            try:
                await g.__anext__()
            except RuntimeError as e:
                out.append((_err(e), _err(e.__cause__)))
        g = ticks(2)
        a1 = g.__anext__()
        a1.send(None)
        try:
            g.__anext__().send(None)
        except RuntimeError as e:
            out.append(_err(e))
        try:
            g.aclose().send(None)
        except RuntimeError as e:
            out.append(_err(e))
        a1.close()
        return out

    return asyncio.run(main())


def hooks():
    log = []

    def firstiter(g):
        log.append(("firstiter", g.__qualname__))

    def finalizer(g):
        log.append(("finalizer", g.__qualname__))

    old = sys.get_asyncgen_hooks()
    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
    try:
        g = ticks(3)
        log.append("made")
        a = g.__anext__()
        log.append("anext made")
        drive(a)
        del a, g
        g2 = ticks(2)
        del g2  # never iterated: no hook ever ran for it
        g3 = ticks(2)
        drive(g3.__anext__())
        drive(g3.aclose())
        del g3  # closed: the finalizer is not called
    finally:
        sys.set_asyncgen_hooks(*old)
    return log


def asyncio_shutdown():
    log = []

    async def main():
        g = ticks(10, log)
        await g.__anext__()
        log.append("left suspended")
        return "main done"

    r = asyncio.run(main())
    return r, log


def introspection():
    g = ticks(1)
    out = [
        type(g).__name__,
        g.__name__,
        g.__qualname__,
        isinstance(g, collections.abc.AsyncGenerator),
        isinstance(g, collections.abc.AsyncIterator),
        inspect.isasyncgenfunction(ticks),
        inspect.iscoroutinefunction(ticks),
        str(inspect.signature(ticks)),
        g.ag_running,
        g.ag_await,
        repr(g).startswith("<async_generator object ticks at 0x"),
        g.__aiter__() is g,
        type(g.__anext__()).__name__,
        type(g.aclose()).__name__,
    ]
    return out


async def carry(obj, log):
    try:
        got = yield obj
        log.append(got)
        await asyncio.sleep(0)
        yield obj
    except KeyError as e:
        yield e.args[0]
    finally:
        log.append(obj)


def probe(obj):
    """``obj`` through every async generator path (yielded, sent, thrown, closed, awaited
    in an event loop, finalized by the hooks), for refcount checks."""
    log = []
    g = carry(obj, log)
    drive(g.__anext__())
    drive(g.asend(obj))
    drive(g.athrow(KeyError(obj)))
    drive(g.aclose())
    g = carry(obj, log)
    drive(g.__anext__())
    del g

    async def main():
        out = [x async for x in carry(obj, log)]
        h = carry(obj, log)
        out.append(await h.__anext__())
        return len(out)

    return asyncio.run(main()), len(log)

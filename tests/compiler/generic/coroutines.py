"""Conformance source: coroutines (PEP 492) compiled by the generic tier and compared with
CPython (tests/compiler/test_exact_coroutines.py): ``async def``, ``await``, ``async
with``, ``async for``, async comprehensions, ``return``; driven by asyncio (run, gather,
tasks, cancellation, timeouts) and by hand (send/throw/close); the interpreter's errors
and messages; what asyncio, inspect and collections.abc see. Each scenario is a plain
function returning a log, so both sides are compared by value."""

import asyncio
import collections.abc
import gc
import inspect
import sys
import types
import warnings


class Yielder:
    """An awaitable that suspends once with a value (as a future does)."""

    def __init__(self, value):
        self.value = value

    def __await__(self):
        got = yield self.value
        return ("resumed", got)


class Ticker:
    """An async iterator class: __aiter__/__anext__."""

    def __init__(self, n, log=None, fail_at=None):
        self.i = 0
        self.n = n
        self.log = log
        self.fail_at = fail_at

    def __aiter__(self):
        return self

    async def __anext__(self):
        await asyncio.sleep(0)
        if self.i == self.fail_at:
            raise ValueError(f"tick {self.i} failed")
        if self.i >= self.n:
            raise StopAsyncIteration
        self.i += 1
        if self.log is not None:
            self.log.append(("tick", self.i))
        return self.i


class Manager:
    def __init__(self, log, name, suppress=False):
        self.log = log
        self.name = name
        self.suppress = suppress

    async def __aenter__(self):
        self.log.append(("enter", self.name, _info()))
        await asyncio.sleep(0)
        return self.name.upper()

    async def __aexit__(self, typ, exc, tb):
        self.log.append(("exit", self.name, None if typ is None else typ.__name__, _info()))
        await asyncio.sleep(0)
        return self.suppress


def _info():
    e = sys.exc_info()[1]
    return None if e is None else f"{type(e).__name__}({e})"


def _err(e):
    return (type(e).__name__, str(e))


async def add(a, b=2, *, c=3):
    await asyncio.sleep(0)
    return a + b + c


async def chain(n):
    if n == 0:
        return []
    rest = await chain(n - 1)
    return [n, *rest]


def basic():
    async def main():
        return await add(1), await add(1, 10, c=100), await chain(4)

    return asyncio.run(main())


def gather_and_tasks():
    log = []

    async def worker(name, n):
        for i in range(n):
            log.append((name, i))
            await asyncio.sleep(0)
        return name * n

    async def main():
        t = asyncio.create_task(worker("t", 2))
        r = await asyncio.gather(worker("a", 3), worker("b", 2), add(5))
        return r, await t

    return asyncio.run(main()), log


def cancellation():
    log = []

    async def victim():
        try:
            log.append("start")
            await asyncio.sleep(10)
        except asyncio.CancelledError as e:
            log.append(("cancelled", type(e).__name__, _info()))
            raise
        finally:
            log.append(("finally", _info()))

    async def main():
        t = asyncio.create_task(victim())
        await asyncio.sleep(0)
        t.cancel()
        try:
            await t
        except asyncio.CancelledError:
            log.append(("main saw", t.cancelled()))
        try:
            await asyncio.wait_for(asyncio.sleep(10), 0.001)
        except asyncio.TimeoutError as e:
            log.append(("timeout", type(e).__name__))
        return "done"

    return asyncio.run(main()), log


def async_with_paths():
    log = []

    async def normal():
        async with Manager(log, "a") as a, Manager(log, "b") as b:
            log.append(("body", a, b))
        return "normal"

    async def suppressed():
        async with Manager(log, "s", suppress=True):
            raise KeyError("inside")
        return "after suppress"

    async def propagated():
        try:
            async with Manager(log, "p"):
                raise ValueError("out")
        except ValueError as e:
            return ("caught", str(e), _info())

    async def returns():
        for i in range(3):
            async with Manager(log, f"r{i}"):
                if i == 1:
                    continue
                if i == 2:
                    break
        async with Manager(log, "ret"):
            return "returned"

    async def main():
        return [await normal(), await suppressed(), await propagated(), await returns()]

    return asyncio.run(main()), log


def async_with_errors():
    out = []

    class NoEnter:
        pass

    class NoExit:
        async def __aenter__(self):
            return 1

    class BadEnter:
        def __aenter__(self):
            return 1

        def __aexit__(self, *a):
            return 2

    class BadExit:
        async def __aenter__(self):
            return 1

        def __aexit__(self, *a):
            return 2

    async def use(m):
        async with m:
            pass

    for m in (NoEnter(), NoExit(), BadEnter(), BadExit()):
        try:
            asyncio.run(use(m))
        except Exception as e:
            out.append(_err(e))
    return out


def async_for_paths():
    log = []

    async def main():
        total = 0
        async for i in Ticker(3, log):
            total += i
        else:
            log.append("else")
        async for i in Ticker(5, log):
            if i == 2:
                continue
            if i == 4:
                break
            log.append(("body", i))
        else:
            log.append("not reached")
        try:
            async for i in Ticker(5, log, fail_at=1):
                pass
        except ValueError as e:
            log.append(_err(e))
        return total

    return asyncio.run(main()), log


def async_for_errors():
    out = []

    class NoAnext:
        def __aiter__(self):
            return self

    class BadAnext:
        def __aiter__(self):
            return self

        def __anext__(self):
            return 5

    async def loop(obj):
        async for _ in obj:
            pass

    for obj in ([1, 2], NoAnext(), BadAnext()):
        try:
            asyncio.run(loop(obj))
        except TypeError as e:
            out.append((_err(e), None if e.__cause__ is None else _err(e.__cause__)))
    return out


def comprehensions():
    async def main():
        a = [i async for i in Ticker(3)]
        b = {i % 2 async for i in Ticker(4)}
        c = {i: await add(i) async for i in Ticker(2) if i > 1}
        d = [await add(x) for x in range(3)]
        e = [(i, j) async for i in Ticker(2) for j in range(i) if j >= 0]
        f = [[j async for j in Ticker(i)] async for i in Ticker(2)]
        return a, sorted(b), c, d, e, f

    return asyncio.run(main())


def await_errors():
    out = []

    class NotIter:
        def __await__(self):
            return 5

    class ReturnsCoro:
        def __await__(self):
            return add(1)

    async def await_it(x):
        return await x

    for obj in (5, None, NotIter(), ReturnsCoro()):
        try:
            asyncio.run(await_it(obj))
        except TypeError as e:
            out.append(_err(e))
    gc.collect()
    return out


def reuse_and_awaited_twice():
    out = []

    async def main():
        c = add(1)
        out.append(await c)
        try:
            await c
        except RuntimeError as e:
            out.append(_err(e))

        async def waiter(coro):
            return await coro

        inner = slow()
        t1 = asyncio.ensure_future(waiter(inner))
        await asyncio.sleep(0)
        try:
            await inner
        except RuntimeError as e:
            out.append(_err(e))
        out.append(await t1)

    async def slow():
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        return "slow"

    asyncio.run(main())
    return out


async def driven(log):
    try:
        got = await Yielder("first")
        log.append(got)
        got = await Yielder("second")
        log.append(got)
    except KeyError as e:
        log.append(("caught", str(e), _info()))
        got2 = await Yielder("from handler")
        log.append((got2, _info()))
    finally:
        log.append(("finally", _info()))
    return "result"


def by_hand():
    log = []
    c = driven(log)
    log.append(("started", c.cr_running, c.cr_await is None))
    log.append(c.send(None))
    log.append(("await", type(c.cr_await).__name__))
    log.append(c.send(1))
    try:
        c.send(2)
    except StopIteration as e:
        log.append(("stop", e.value))
    try:
        c.send(None)
    except RuntimeError as e:
        log.append(_err(e))
    c.close()
    c2 = driven(log)
    try:
        c2.send(5)
    except TypeError as e:
        log.append(_err(e))
    log.append(c2.send(None))
    log.append(c2.throw(KeyError("k")))
    try:
        c2.send("x")
    except StopIteration as e:
        log.append(("stop", e.value))
    c3 = driven(log)
    c3.send(None)
    c3.close()
    log.append(("closed", c3.cr_await))
    try:
        c3.send(None)
    except RuntimeError as e:
        log.append(_err(e))
    c4 = driven(log)
    c4.close()
    return log


def await_protocol():
    c = add(1)
    w = c.__await__()
    out = [type(w).__name__, iter(w) is w]
    try:
        next(w)
        out.append("yielded")
        next(w)
    except StopIteration as e:
        out.append(("stop", e.value))
    return out


def stop_iteration_inside():
    async def bad():
        raise StopIteration("x")

    try:
        asyncio.run(bad())
    except RuntimeError as e:
        return [_err(e), _err(e.__cause__)]
    return "no error"


def await_in_handlers():
    log = []

    async def main():
        try:
            raise ValueError("v")
        except ValueError:
            await asyncio.sleep(0)
            log.append(("except", _info()))
            try:
                await asyncio.sleep(0)
                raise KeyError("k")
            except KeyError as e:
                log.append(("ctx", _err(e.__context__)))
        try:
            try:
                raise IndexError("i")
            finally:
                await asyncio.sleep(0)
                log.append(("finally", _info()))
        except IndexError:
            pass
        return _info()

    return asyncio.run(main()), log


def introspection():
    c = add(1)
    out = [
        type(c).__name__,
        c.__name__,
        c.__qualname__,
        isinstance(c, collections.abc.Coroutine),
        isinstance(c, collections.abc.Awaitable),
        asyncio.iscoroutine(c),
        inspect.isawaitable(c),
        inspect.iscoroutinefunction(add),
        asyncio.iscoroutinefunction(add),
        inspect.iscoroutinefunction(basic),
        str(inspect.signature(add)),
        c.cr_running,
        c.cr_origin,
        hasattr(c, "__iter__"),
        hasattr(c, "__next__"),
        repr(c).startswith("<coroutine object add at 0x"),
    ]
    c.close()
    return out


def never_awaited():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c = add(1)
        del c
        gc.collect()
    return [(w.category.__name__, str(w.message)) for w in caught]


def methods_and_closures():
    class Account:
        def __init__(self):
            self.balance = 0

        async def deposit(self, n):
            await asyncio.sleep(0)
            self.balance += n
            return self.balance

        @classmethod
        async def make(cls):
            return cls()

        async def sup(self):
            return super().__repr__().split(" ")[0]

    def counter():
        count = 0

        async def bump():
            nonlocal count
            await asyncio.sleep(0)
            count += 1
            return count

        return bump

    async def main():
        a = await Account.make()
        await a.deposit(5)
        bump = counter()
        return [await a.deposit(7), await bump(), await bump(), await a.sup()]

    return asyncio.run(main())


def types_coroutine_interop():
    @types.coroutine
    def legacy():
        v = yield "legacy-yield"
        return ("legacy", v)

    async def main():
        return await legacy()

    c = main()
    out = [c.send(None)]
    try:
        c.send(42)
    except StopIteration as e:
        out.append(e.value)
    return out


async def divide(x):
    await asyncio.sleep(0)
    return 1 / x


async def chain_error():
    return await divide(0)


class Carrier:
    """An async iterator and async context manager that hand out ``obj``."""

    def __init__(self, obj, n):
        self.obj = obj
        self.n = n

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.n == 0:
            raise StopAsyncIteration(self.obj)
        self.n -= 1
        return self.obj

    async def __aenter__(self):
        return self.obj

    async def __aexit__(self, typ, exc, tb):
        return typ is KeyError


async def echo(obj):
    await asyncio.sleep(0)
    return obj


async def echo_by_hand(obj):
    await Yielder(obj)
    return obj


def probe(obj):
    """Every path of the coroutine code with ``obj`` flowing through it (values, awaited
    results, context managers, iteration, exceptions, cancellation), for refcount checks."""

    async def main():
        out = [await echo(obj)]
        async with Carrier(obj, 0) as o:
            out.append(o)
        async with Carrier(obj, 0) as o:
            raise KeyError(o)
        try:
            async with Carrier(obj, 0) as o:
                raise ValueError(o)
        except ValueError as e:
            out.append(e.args[0])
        async for o in Carrier(obj, 2):
            out.append(o)
        out += [o async for o in Carrier(obj, 2)]
        out += [await echo(o) for o in (obj, obj)]
        try:
            async for o in Carrier(obj, 3):
                raise IndexError(o)
        except IndexError:
            pass
        t = asyncio.ensure_future(echo(obj))
        await asyncio.sleep(0)
        t.cancel()
        try:
            await t
        except asyncio.CancelledError:
            pass
        return len(out)

    c = echo_by_hand(obj)
    c.send(None)
    c.close()
    c = echo_by_hand(obj)
    c.send(None)
    try:
        c.throw(KeyError(obj))
    except KeyError:
        pass
    return asyncio.run(main())

"""Conformance source: ``yield`` inside ``except`` and ``finally`` blocks, compiled by the
generic tier and compared with CPython (tests/compiler/test_exact_handlers.py). A
generator keeps the exception its code handles while it is suspended (CPython's
gi_exc_state): ``sys.exc_info()``, a bare ``raise`` and implicit ``__context__``
chaining inside it see that exception, whatever the consumer handles between steps.
Each scenario returns a log of what both sides observe."""

import sys


def _info():
    e = sys.exc_info()[1]
    return None if e is None else f"{type(e).__name__}({e})"


def _ctx(e):
    c = e.__context__
    return None if c is None else f"{type(c).__name__}({c})"


def gen_yield_in_except():
    try:
        raise ValueError("a")
    except ValueError as e:
        yield ("in", _info())
        yield ("again", _info(), str(e))
    yield ("after", _info())


def yield_in_except(consumer_raises):
    log = []
    g = gen_yield_in_except()
    log.append(next(g))
    log.append(("consumer", _info()))
    if consumer_raises:
        try:
            raise KeyError("k")
        except KeyError:
            log.append(("consumer-handling", _info()))
            log.append(next(g))
            log.append(("consumer-back", _info()))
    else:
        log.append(next(g))
    log.append(next(g))
    log.append(("end", _info()))
    return log


def gen_bare_raise():
    try:
        raise TypeError("t")
    except TypeError:
        yield 1
        raise


def bare_raise_after_resume():
    g = gen_bare_raise()
    log = [next(g)]
    try:
        raise OSError("consumer")
    except OSError:
        pass
    try:
        next(g)
    except TypeError as e:
        log.append(("reraised", str(e), _ctx(e)))
    return log


def gen_chain():
    try:
        raise ValueError("inner")
    except ValueError:
        yield 1
        raise KeyError("outer")


def implicit_chaining():
    g = gen_chain()
    next(g)
    try:
        raise IndexError("consumer")
    except IndexError:
        try:
            next(g)
        except KeyError as e:
            return [repr(e), _ctx(e), _ctx(e.__context__)]
    return "no error"


def gen_catch_thrown():
    try:
        raise ValueError("held")
    except ValueError:
        try:
            yield 1
        except KeyError as e:
            yield ("caught", str(e), _ctx(e), _info())
        yield ("back", _info())


def throw_into_handler():
    g = gen_catch_thrown()
    log = [next(g)]
    log.append(g.throw(KeyError("thrown")))
    log.append(next(g))
    return log


def gen_plain():
    try:
        yield 1
    except KeyError as e:
        yield ("caught", str(e), _ctx(e))


def throw_no_handler_state():
    g = gen_plain()
    log = [next(g)]
    try:
        raise OSError("consumer")
    except OSError:
        log.append(g.throw(KeyError("thrown")))
    return log


def throw_escapes_handler():
    g = gen_catch_thrown()
    next(g)
    try:
        g.throw(IndexError("x"))
    except IndexError as e:
        return ["escaped", str(e), _ctx(e), _info()]
    return "no error"


def gen_finally(log):
    try:
        yield 1
        raise ValueError("v")
    finally:
        log.append(("finally", _info()))
        yield 2
        log.append(("finally-resumed", _info()))


def yield_in_finally_exc():
    log = []
    g = gen_finally(log)
    log.append(next(g))
    log.append(next(g))
    try:
        next(g)
    except ValueError as e:
        log.append(("raised", str(e)))
    log.append(("end", _info()))
    return log


def close_in_finally():
    log = []
    g = gen_finally(log)
    next(g)
    next(g)
    try:
        g.close()
    except ValueError as e:
        log.append(("close-raised", str(e)))
    return log


def gen_finally_close(log):
    try:
        yield 1
    finally:
        log.append(("finally", _info()))
        yield 2


def close_ignored_in_finally():
    log = []
    g = gen_finally_close(log)
    next(g)
    try:
        g.close()
    except RuntimeError as e:
        log.append(("close", type(e).__name__, str(e)))
    g.close()
    return log


def gen_return_in_finally():
    try:
        raise ValueError("pending")
    finally:
        yield _info()
        return "swallowed"


def return_through_finally():
    g = gen_return_in_finally()
    log = [next(g)]
    try:
        next(g)
    except StopIteration as e:
        log.append(("stop", e.value, _info()))
    return log


def gen_break_continue():
    for i in range(4):
        try:
            raise ValueError(i)
        finally:
            yield ("fin", i, _info())
            if i == 1:
                continue
            if i == 2:
                break
    yield ("done", _info())


def break_continue_through_finally():
    return list(gen_break_continue())


def gen_nested():
    try:
        raise ValueError("outer")
    except ValueError:
        try:
            raise KeyError("inner")
        except KeyError:
            yield _info()
        yield _info()
    yield _info()


def nested_handlers():
    return list(gen_nested())


def gen_yield_from_handler():
    try:
        raise ValueError("x")
    except ValueError:
        r = yield from gen_nested()
        yield ("r", r, _info())


def yield_from_in_handler():
    return list(gen_yield_from_handler())


def sub_exc_info():
    yield _info()


def gen_delegate_sees():
    try:
        raise ValueError("outer-gen")
    except ValueError:
        yield from sub_exc_info()


def delegate_sees_handler():
    return list(gen_delegate_sees())


def gen_send_in_except():
    try:
        raise ValueError("s")
    except ValueError:
        got = yield "first"
        yield ("got", got, _info())


def send_into_handler():
    g = gen_send_in_except()
    return [g.send(None), g.send(42)]


def gen_exc_handled_then_yield():
    try:
        raise ValueError("done")
    except ValueError:
        pass
    yield _info()


def state_restored_after_handler():
    try:
        raise KeyError("consumer")
    except KeyError:
        return list(gen_exc_handled_then_yield())


def genexp_in_handler():
    try:
        raise ValueError("gx")
    except ValueError:
        g = (_info() for _ in range(2))
    return list(g)


def gen_except_as_yield():
    try:
        raise ValueError("bound")
    except ValueError as err:
        yield str(err)
    try:
        yield err
    except NameError as e:
        yield ("unbound", str(e))


def except_as_unbound_after():
    return list(gen_except_as_yield())


def gen_raise_in_finally_after_yield():
    try:
        raise ValueError("first")
    finally:
        yield 1
        raise KeyError("second")


def raise_in_finally_after_yield():
    g = gen_raise_in_finally_after_yield()
    next(g)
    try:
        next(g)
    except KeyError as e:
        return [repr(e), _ctx(e)]
    return "no error"


class CM:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return True


def gen_with_yield_in_exit_handler():
    with CM():
        try:
            raise ValueError("w")
        except ValueError:
            yield _info()
    yield _info()


def with_and_handler():
    return list(gen_with_yield_in_exit_handler())

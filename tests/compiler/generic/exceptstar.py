"""``try``/``except*`` (PEP 654) scenarios, run as plain Python and compiled (3.11+).

Each scenario returns a log or raises; the test compares the outcome, and the whole
structure of any exception group raised (nested exceptions, messages, notes, context,
cause, tracebacks), with CPython's."""

import sys


def group():
    return ExceptionGroup(
        "eg",
        [ValueError(1), TypeError(2), ExceptionGroup("inner", [ValueError(3), KeyError(4)])],
    )


def raise_group():
    raise group()


def naked_matched():
    log = []
    try:
        raise ValueError("v")
    except* ValueError as e:
        log.append(repr(e))
        log.append(sys.exc_info()[1] is e)
        log.append(type(e.exceptions[0]).__name__)
        log.append(e.__traceback__ is None)
    log.append(sys.exc_info())
    return log


def naked_matched_value():
    """The wrapping group is what the clause binds; it is returned for inspection."""
    try:
        raise KeyError("k")
    except* LookupError as e:
        return_me = e
    return return_me


def naked_unmatched():
    try:
        raise ValueError("not caught")
    except* TypeError:
        got = "wrong"
    return got


def naked_base_exception():
    try:
        raise KeyboardInterrupt("ki")
    except* KeyboardInterrupt as e:
        got = repr(e), type(e).__name__
    return got


def group_split(log):
    try:
        raise_group()
    except* ValueError as v:
        log.append(("V", repr(v), sys.exc_info()[1] is v))
    except* TypeError as t:
        log.append(("T", repr(t)))


def all_matched():
    log = []
    try:
        raise_group()
    except* ValueError as v:
        log.append(repr(v))
    except* (TypeError, KeyError) as rest:
        log.append(repr(rest))
    log.append(sys.exc_info())
    return log


def handler_raises():
    try:
        raise_group()
    except* ValueError:
        raise RuntimeError("new")


def handler_raises_from_none():
    try:
        raise_group()
    except* ValueError:
        raise RuntimeError("new") from None


def handler_raises_from():
    try:
        raise_group()
    except* TypeError as t:
        raise RuntimeError("from t") from t


def two_handlers_raise():
    try:
        raise_group()
    except* ValueError:
        raise RuntimeError("one")
    except* TypeError:
        raise OSError("two")


def bare_reraise():
    try:
        raise_group()
    except* ValueError:
        raise


def bare_reraise_all():
    """Re-raising every part gives back the original structure (a new group)."""
    orig = group()
    try:
        raise orig
    except* ValueError:
        raise
    except* TypeError:
        raise
    except* KeyError:
        raise


def bare_reraise_identity():
    orig = group()
    try:
        try:
            raise orig
        except* ValueError:
            raise
    except ExceptionGroup as out:
        leaves = [orig.exceptions[0], orig.exceptions[2].exceptions[0]]
        kept = [out.exceptions[0], out.exceptions[2].exceptions[0]]
        return (
            out is orig,
            [a is b for a, b in zip(leaves, kept)],
            out.__traceback__ is orig.__traceback__,
            out.exceptions[1] is orig.exceptions[1],
        )


def naked_bare_reraise():
    try:
        raise ValueError("naked")
    except* ValueError:
        raise


def naked_handler_raises():
    try:
        raise ValueError("naked")
    except* ValueError:
        raise TypeError("instead")


def reraise_and_raise():
    try:
        raise_group()
    except* ValueError:
        raise
    except* TypeError:
        raise RuntimeError("added")


def raise_match_explicitly():
    """``raise e`` of the bound part adds a traceback entry: it counts as raised."""
    try:
        raise_group()
    except* ValueError as e:
        raise e


def with_notes_and_cause():
    eg = group()
    eg.add_note("a note")
    try:
        raise eg from KeyError("cause")
    except* ValueError as v:
        v.add_note("only on the match")
        log = [v.__notes__, repr(v.__cause__)]
    return log


def notes_on_rest():
    eg = group()
    eg.add_note("kept")
    try:
        raise eg
    except* ValueError:
        pass


def context_of_group():
    try:
        try:
            raise OSError("earlier")
        except OSError:
            raise_group()
    except* ValueError as v:
        got = repr(v.__context__), repr(sys.exc_info()[1].__context__)
    return got


def else_and_finally(fail):
    log = []
    try:
        if fail:
            raise_group()
        log.append("body")
    except* ValueError:
        log.append("V")
    except* TypeError:
        log.append("T")
    except* KeyError:
        log.append("K")
    else:
        log.append("else")
    finally:
        log.append("finally")
    return log


def finally_with_rest(log):
    try:
        raise_group()
    except* TypeError:
        log.append("T")
    finally:
        log.append(("finally", type(sys.exc_info()[1]).__name__))


def pick(log, t):
    log.append(t.__name__)
    return t


def clause_types_evaluated(log):
    """Every clause's type is evaluated in order, even once nothing is left."""
    try:
        raise ValueError("x")
    except* pick(log, ValueError):
        log.append("matched")
    except* pick(log, TypeError):
        log.append("never")
    return log


def catch_exception_group(what):
    try:
        raise_group()
    except* what:
        got = "no"
    return got


def invalid_type_after_match(log):
    try:
        raise ValueError("x")
    except* ValueError:
        log.append("ran")
    except* 42:
        log.append("never")


def tuple_types():
    log = []
    try:
        raise_group()
    except* (ValueError, KeyError) as e:
        log.append(repr(e))
    except* TypeError as e:
        log.append(repr(e))
    return log


def base_group_rest():
    try:
        raise BaseExceptionGroup("b", [KeyboardInterrupt("k"), ValueError("v")])
    except* ValueError as e:
        got = repr(e)
    return got


def nested(log):
    try:
        raise_group()
    except* ValueError as outer:
        try:
            raise ExceptionGroup("second", [OSError("o"), ValueError("w")])
        except* OSError as inner:
            log.append((repr(inner), sys.exc_info()[1] is inner))
        log.append(("after inner", sys.exc_info()[1] is outer))


def name_unbound_after():
    try:
        raise ValueError("v")
    except* ValueError as e:  # noqa: F841
        pass
    try:
        return e  # noqa: F821
    except NameError as exc:
        return str(exc)


def name_deleted_in_body():
    try:
        raise ValueError("v")
    except* ValueError as e:
        del e
    return "ok"


def loop_in_body():
    """break/continue of a loop inside the clause body, return in the try body."""
    out = []
    try:
        for i in range(3):
            if i == 2:
                raise_group()
            out.append(i)
    except* ValueError:
        for j in range(5):
            if j == 1:
                continue
            if j == 3:
                break
            out.append(("j", j))
    except* (TypeError, KeyError):
        out.append("rest")
    return out


def loop_around(n):
    out = []
    for i in range(n):
        try:
            if i % 2:
                raise ValueError(i)
            if i == 4:
                break
            if i == 0:
                continue
            out.append(("even", i))
        except* ValueError as e:
            out.append(("odd", e.exceptions[0].args))
        else:
            out.append("else")
    return out


def return_in_try_and_else(k):
    try:
        if k == 0:
            return "try"
        if k == 1:
            raise ValueError
    except* ValueError:
        pass
    else:
        return "else"
    return "after"


def handled_restored_in_outer():
    try:
        raise OSError("outer")
    except OSError:
        try:
            raise ValueError("inner")
        except* ValueError:
            pass
        return repr(sys.exc_info()[1])


def gen_across_yield():
    try:
        raise_group()
    except* ValueError as v:
        sent = yield ("in handler", repr(v))
        yield ("resumed", sent, sys.exc_info()[1] is v)
    except* TypeError as t:
        yield ("TypeError part", repr(t))
    yield "after"


def drive_gen():
    log = []
    g = gen_across_yield()
    log.append(next(g))
    log.append(g.send("hello"))
    log.append(sys.exc_info())
    log.append(next(g))
    try:
        log.append(next(g))
    except BaseException as exc:  # the rest (KeyError part) is re-raised from the generator
        return log, exc
    return log, None


def gen_throw_into_handler():
    log = []

    def gen():
        try:
            raise ValueError("v")
        except* ValueError:
            yield "suspended"

    g = gen()
    log.append(next(g))
    try:
        g.throw(TypeError("thrown"))
    except BaseException as exc:  # collected by except*, re-raised at the statement's end
        return log, exc
    return log, None


def gen_close_in_handler():
    def gen():
        try:
            raise ValueError("v")
        except* ValueError:
            yield "suspended"

    g = gen()
    first = next(g)
    g.close()
    return first, g.gi_frame is None


class Step:
    def __await__(self):
        return (yield "step")


async def coro_handler():
    try:
        raise_group()
    except* ValueError as v:
        got = await Step()
        return_value = (repr(v), got)
    return return_value


def drive_coro():
    c = coro_handler()
    log = [c.send(None)]
    try:
        c.send("sent")
    except StopIteration:
        return log, None
    except BaseException as exc:
        return log, exc
    return log, "not finished"


class MyGroup(ExceptionGroup):
    def derive(self, excs):
        return MyGroup(self.message + "!", excs)


def derive_override():
    try:
        raise MyGroup("mine", [ValueError(1), TypeError(2)])
    except* ValueError as v:
        return_me = repr(v)
    return return_me


def derive_override_rest():
    try:
        raise MyGroup("mine", [ValueError(1), TypeError(2)])
    except* ValueError:
        pass


def type_expression_fails():
    """An error evaluating a clause's type propagates, chained to what is handled."""
    try:
        raise_group()
    except* ValueError:
        pass
    except* undefined_name:  # noqa: F821
        pass


def seen_while_matching(log, t):
    log.append(repr(sys.exc_info()[1]))
    return t


def handled_during_type_evaluation(log):
    """A later clause's type is evaluated while the last matched part is handled."""
    try:
        raise_group()
    except* seen_while_matching(log, ValueError):
        pass
    except* seen_while_matching(log, KeyError):
        pass
    except* seen_while_matching(log, TypeError):
        pass
    return log


def else_raises():
    try:
        pass
    except* ValueError:
        pass
    else:
        raise ValueError("from else, not caught")


def c_level_error(d):
    try:
        return 1 / d
    except* ArithmeticError as e:
        got = repr(e)
    return got


def closure_over_name():
    try:
        raise ValueError("v")
    except* ValueError as e:  # noqa: F841
        f = lambda: e  # noqa: E731, F821
        first = repr(f())
    try:
        f()
    except NameError as exc:
        return first, str(exc)


def gen_throw_into_body():
    """The exception thrown into the try body is what the clauses split."""

    def gen():
        try:
            yield "in body"
        except* ValueError as v:
            yield ("caught", repr(v))
        yield "end"

    g = gen()
    log = [next(g)]
    log.append(g.throw(ExceptionGroup("thrown", [ValueError(1), KeyError(2)])))
    try:
        next(g)
    except BaseException as exc:
        return log, exc
    return log, None


try:
    raise ExceptionGroup("module", [ValueError("m"), TypeError("t")])
except* ValueError as module_part:
    MODULE_LOG = [repr(module_part)]
except* TypeError:
    MODULE_LOG.append("t")
MODULE_LOG.append("module_part" in globals())


class ClassBody:
    try:
        raise KeyError("k")
    except* KeyError as class_part:
        seen = repr(class_part)
    try:
        class_part  # noqa: B018
        bound = True
    except NameError as exc:
        bound = str(exc)


def module_and_class():
    return MODULE_LOG, ClassBody.seen, ClassBody.bound


def orig_without_traceback(raise_new):
    """The original re-raised bare after its traceback was cleared (the interpreter
    accepts an original without a traceback; 3.12's exported helper would not)."""
    try:
        try:
            raise_group()
        except ExceptionGroup as g:
            g.__traceback__ = None
            raise
    except* ValueError:
        if raise_new:
            raise OSError("new")

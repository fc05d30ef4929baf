"""The generic tier's IR transform passes (pyvorin.compiler.gtransform).

Definite assignment: (a) on the IR, which unbound-local checks the must-dataflow keeps
and which it drops, shape by shape; (b) compiled against CPython, every read that may
be unbound still raises CPython's exact UnboundLocalError; (c) the C of a function that
only reads its parameters holds no unbound-local check at all."""

from __future__ import annotations

import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from pyvorin.compiler import generate_c, generic, gir, gtransform
from pyvorin.model import ModuleSpec

from .harness import python_and_compiled
from .test_generic import outcome

SOURCE = Path(__file__).parent / "generic" / "unbound.py"


def _module(source: str) -> gir.ModuleIR:
    ir, diags = generic.analyse(textwrap.dedent(source), "m.py", "m")
    assert ir is not None, diags
    return ir


def _func(source: str, name: str = "f") -> tuple[gir.ModuleIR, gir.FuncIR]:
    m = _module(source)
    return m, next(f for f in m.functions if f.name == name)


def checked(source: str, name: str = "f") -> list[tuple[str, int]]:
    """(name, line) of each unbound-local check left in function ``name``."""
    m, f = _func(source, name)
    return [
        (m.consts[op.name.index][1], op.line)
        for op in f.ops
        if isinstance(op, gir.CheckBound) and op.what == "local"
    ]


# -- (a) the analysis, on the IR ----------------------------------------------------------


def test_parameters_are_bound() -> None:
    assert checked("def f(a, b=1, *c, d, **e):\n    return a, b, c, d, e, a\n") == []


def test_cell_parameter_is_not_a_register_fact() -> None:
    # a parameter captured by a closure lives in its cell; its reads are cell reads
    src = "def f(a):\n    def g():\n        return a\n    del a\n    return g\n"
    _, f = _func(src)
    bound = gtransform.definitely_bound(f)
    assert bound is not None
    arg_reg = f.params[0]
    assert arg_reg.role == "special" and arg_reg not in bound[0]


def test_del_in_one_branch_keeps_the_check() -> None:
    src = """
    def f(flag):
        x = 1
        if flag:
            del x
        return x
    """
    assert checked(src) == [("x", 6)]  # the del's own check (line 5) goes: x is bound


def test_assignment_in_one_branch_only() -> None:
    src = """
    def f(flag):
        if flag:
            y = 1
        return y
    """
    assert checked(src) == [("y", 5)]


def test_assignment_in_both_branches() -> None:
    src = """
    def f(flag):
        if flag:
            y = 1
        else:
            y = 2
        return y
    """
    assert checked(src) == []


def test_loops() -> None:
    src = """
    def f(items):
        x = 0
        for i in items:
            x = x + i
            last = i
        while x:
            x = x - 1
        return x, last
    """
    assert checked(src) == [("last", 9)]


def test_del_on_the_back_edge() -> None:
    src = """
    def f(n):
        x = 0
        for i in range(n):
            print(x)
            if i:
                del x
        return 1
    """
    # the del's own check goes: the read just before it in the iteration checked x
    assert checked(src) == [("x", 5)]


def test_try_body_assignment_read_in_handler() -> None:
    src = """
    def f(a):
        try:
            v = a[0]
        except IndexError:
            return v
        return v
    """
    assert checked(src) == [("v", 6)]


def test_assignment_before_try_survives_a_failing_rebind() -> None:
    src = """
    def f(a):
        v = 0
        try:
            v = a[0]
        except IndexError:
            return v
        return v
    """
    assert checked(src) == []


def test_finally_reads_keep_the_check() -> None:
    src = """
    def f(a):
        try:
            z = a[0]
        finally:
            print(z)
        return z
    """
    lines = [line for name, line in checked(src) if name == "z"]
    assert 6 in lines and 7 not in lines


def test_del_then_read_keeps_the_check() -> None:
    src = """
    def f(a):
        x = a
        del x
        return x, a
    """
    assert checked(src) == [("x", 5)]


def test_except_as_is_unbound_after_the_handler() -> None:
    src = """
    def f():
        try:
            pass
        except ValueError as e:
            pass
        return e
    """
    assert checked(src) == [("e", 7)]


def test_a_passed_check_makes_the_local_bound() -> None:
    src = """
    def f(flag):
        if flag:
            w = 1
        return w + w
    """
    assert checked(src) == [("w", 5)]  # one check, not two


def test_generators_are_left_alone() -> None:
    src = "def f(a):\n    yield a\n"
    assert checked(src) == [("a", 2)]


def test_unknown_ops_stop_the_analysis() -> None:
    class Mystery(gir.Op):
        pass

    _, f = _func("def f(a):\n    return a\n")
    f.ops.insert(0, Mystery(1))
    assert gtransform.definitely_bound(f) is None
    f.ops.append(gir.CheckBound(1, f.params[0], gir.Const(0), "local"))
    assert gtransform.drop_bound_checks(f) == 0


def test_writing_primitives_kill() -> None:
    # a primitive whose template assigns an argument (restore_exc) or takes its address
    assert gtransform._PRIM_WRITES["restore_exc"] == {0}
    assert gtransform._PRIM_WRITES["with_enter"] == {1}
    assert gtransform._PRIM_WRITES["eg_match"] == {0}
    assert gtransform._PRIM_WRITES["getattr"] == frozenset()
    assert gtransform._PRIM_WRITES["is"] == frozenset()


def test_str_append_binds_its_local_on_success_only() -> None:
    # `s += c` on a fast local is one primitive that writes s (gprims.BINDS: s is set
    # when it succeeds): the next read needs no check, but a handler after a failed
    # append (PyUnicode_Append left s NULL, as in CPython) keeps its check
    src = """
def f(text):
    s = ""
    for c in text:
        s += c
        s = s + c
    try:
        s += text
    except MemoryError:
        return s
    return s
"""
    _, f = _func(src)
    prims = [op.prim for op in f.ops if isinstance(op, gir.Prim)]
    assert prims.count("iadd_local") == 2 and prims.count("add_local") == 1
    assert "inplace_Add" not in prims and "bin_Add" not in prims
    assert gtransform._PRIM_WRITES["iadd_local"] == {0, 1, 2}
    assert checked(src) == [("s", 10)]


def test_non_str_constants_keep_the_plain_lowering() -> None:
    # `i += 1` cannot append a str: the plain in-place add, with i borrowed; cells,
    # globals and attributes are never appended in place
    src = """
g = ""
def f(o):
    global g
    i = 0
    i += 1
    i = i + 2.0
    c = ""
    def inner():
        return c
    c += "x"
    g += "x"
    o.a += "x"
    return i
"""
    _, f = _func(src)
    prims = [op.prim for op in f.ops if isinstance(op, gir.Prim)]
    assert "iadd_local" not in prims and "add_local" not in prims
    assert prims.count("inplace_Add") == 4 and prims.count("bin_Add") == 1


def test_error_edge_kills_the_destination() -> None:
    a = gir.Reg("l0", role="local")
    t = gir.Reg("t1")
    f = gir.FuncIR("f", "f", "f", "function", 1, ops=[], regs=[a, t], params=[a])
    f.ops = [
        gir.Prim(1, a, "getattr", [a, gir.Const(0)], err="h"),  # fails: a = NULL
        gir.Return(1, a),
        gir.Label(1, "h"),
        gir.CheckBound(1, a, gir.Const(0), "local"),
        gir.Return(1, a),
    ]
    bound = gtransform.definitely_bound(f)
    assert bound is not None
    assert a in bound[0] and a in bound[1] and a not in bound[3]
    assert gtransform.drop_bound_checks(f) == 0


def test_for_iter_done_edge_kills_the_destination() -> None:
    x, it = gir.Reg("l0", role="local"), gir.Reg("l1", role="local")
    f = gir.FuncIR("f", "f", "f", "function", 1, regs=[x, it], params=[it])
    f.ops = [
        gir.Label(1, "top"),
        gir.ForIter(1, x, it, "done"),
        gir.Goto(1, "top"),
        gir.Label(1, "done"),
        gir.CheckBound(1, x, gir.Const(0), "local"),
        gir.Return(1, x),
    ]
    assert gtransform.drop_bound_checks(f) == 0


# -- (b) compiled against CPython -------------------------------------------------------

SCENARIOS = [
    ("params_only", (1,)),
    ("del_in_branch", (True,)),
    ("del_in_branch", (False,)),
    ("assign_in_branch", (True,)),
    ("assign_in_branch", (False,)),
    ("assign_in_both", (False,)),
    ("assigned_in_loop", ([],)),
    ("assigned_in_loop", ([1, 2],)),
    ("while_loop", (0,)),
    ("while_loop", (3,)),
    ("del_in_loop", (1,)),
    ("del_in_loop", (2,)),
    ("del_in_loop", (3,)),
    ("rebound_in_loop", (2,)),
    ("rebound_in_loop", (3,)),
    ("try_body_assignment", (True,)),
    ("try_body_assignment", (False,)),
    ("try_failing_call", ([],)),
    ("try_failing_call", ([7],)),
    ("before_try", ([],)),
    ("finally_read", (True,)),
    ("finally_read", (False,)),
    ("except_as_after", ()),
    ("del_then_read", ()),
    ("del_param_then_read", (1,)),
    ("read_twice", (True,)),
    ("read_twice", (False,)),
    ("with_body", (True,)),
    ("with_body", (False,)),
    ("match_capture", ([1, 2],)),
    ("match_capture", (3,)),
    ("break_before_assign", ([None],)),
    ("break_before_assign", ([1, None],)),
    ("unpack_partial", ((1, 2),)),
    ("unpack_partial", ((1, 2, 3),)),
    ("nested_handlers", (0,)),
    ("nested_handlers", (2,)),
    ("walrus_branch", (True,)),
    ("walrus_branch", (False,)),
    ("del_then_assign", (True,)),
    ("del_then_assign", (False,)),
    ("listcomp_reads", ([1, 2],)),
]


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, SOURCE)


@pytest.mark.parametrize(("name", "args"), SCENARIOS, ids=[f"{n}{a}" for n, a in SCENARIOS])
def test_same_as_cpython(modules, name: str, args: tuple) -> None:
    py, compiled = modules
    assert outcome(getattr(compiled, name), args, {}) == outcome(getattr(py, name), args, {})


@pytest.mark.parametrize("flag", [True, False])
def test_generators_same_as_cpython(modules, flag: bool) -> None:
    py, compiled = modules
    for gen, arg in (("gen_del", flag), ("gen_params", 4)):
        expected = outcome(lambda g=gen, a=arg: list(getattr(py, g)(a)), (), {})
        assert outcome(lambda g=gen, a=arg: list(getattr(compiled, g)(a)), (), {}) == expected


def test_unbound_error_is_unboundlocalerror(modules) -> None:
    _, compiled = modules
    with pytest.raises(UnboundLocalError) as info:
        compiled.assign_in_branch(False)
    assert sys.exc_info() == (None, None, None)
    assert "'y'" in str(info.value)


# -- (c) the C ------------------------------------------------------------------------


def test_parameter_reads_make_no_unbound_checks() -> None:
    src = "def f(a, b, *c, d=1, **e):\n    return (a + b) * d if c else (a, b, c, d, e, a, b)\n"
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "m.py"
        path.write_text(src)
        text = generate_c(ModuleSpec("m", path))
    body = text[text.index("static PyObject *pvf_") :]
    assert "pv_unbound_local(" not in body
    assert "pv_unbound_local(" in gcodegen_check_text()


def gcodegen_check_text() -> str:
    """The emitter still writes the check where one is kept (the test above is not vacuous)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "m.py"
        path.write_text("def f(flag):\n    if flag:\n        y = 1\n    return y\n")
        return generate_c(ModuleSpec("m", path))


# -- borrowed local operands ------------------------------------------------------------

BORROWING = Path(__file__).parent / "generic" / "borrowing.py"


def copies(source: str, name: str = "f") -> list[int]:
    """The lines of the copies of locals into temporaries left in function ``name``."""
    _, f = _func(source, name)
    return [
        op.line
        for op in f.ops
        if isinstance(op, gir.Copy) and isinstance(op.src, gir.Reg) and op.src.role == "local"
    ]


def test_plain_reads_borrow() -> None:
    assert copies("def f(a, b):\n    return a.x + b[a] + len([a, b])\n") == []


def test_walrus_rebinding_keeps_the_copy() -> None:
    assert copies("def f(x):\n    return x + (x := 1)\n") == [2]


def test_a_moved_copy_is_kept() -> None:
    # y = x, return y: the temporary's reference is taken over by y, by the return
    assert copies("def f(x):\n    y = x\n    del x\n    return y\n") == [2, 4]


def test_across_a_join_the_copy_is_kept() -> None:
    assert copies("def f(x, c):\n    return x + (1 if c else 2)\n") == [2]


def test_generators_keep_their_copies() -> None:
    assert copies("def f(x):\n    yield x + 1\n") == [2]


BORROW_SCENARIOS = [
    ("walrus_rebind", (1,)),
    ("walrus_rebind", ("a",)),
    ("walrus_in_call", ("old",)),
    ("walrus_in_args", (3,)),
    ("aug_assign", (1,)),
    ("aug_assign", ("s",)),
    ("aug_assign_list", ([1],)),
    ("rebinding_loop", (5,)),
    ("del_after_use", ("abc",)),
    ("raise_between", (1,)),
    ("raise_in_method", ([],)),
    ("raise_many", ("x", 3)),
    ("attribute_chain", ("  Ab ",)),
    ("subscript_store", ({}, "k", 2)),
    ("compare_chain", (1, 2, 3)),
    ("compare_chain", (3, 2, 1)),
]


@pytest.fixture(scope="module")
def borrowing(tmp_path_factory: pytest.TempPathFactory):
    return python_and_compiled(tmp_path_factory, BORROWING)


@pytest.mark.parametrize(
    ("name", "args"), BORROW_SCENARIOS, ids=[f"{n}{a}" for n, a in BORROW_SCENARIOS]
)
def test_borrowing_same_as_cpython(borrowing, name: str, args: tuple) -> None:
    py, compiled = borrowing
    assert outcome(getattr(compiled, name), args, {}) == outcome(getattr(py, name), args, {})


def test_no_reference_leaked_when_raising_between_load_and_use(borrowing) -> None:
    _, compiled = borrowing
    obj = object.__new__(type("Obj", (), {"__add__": lambda s, o: s}))
    lst: list[int] = []
    compiled.raise_many(obj, 3)  # warm-up (caches)
    before = sys.getrefcount(obj), sys.getrefcount(lst)
    compiled.raise_many(obj, 1000)
    for _ in range(1000):
        compiled.raise_between(obj)
        compiled.raise_in_method(lst)
    assert (sys.getrefcount(obj), sys.getrefcount(lst)) == before

"""The generic tier's IR: typed op classes over registers, in labelled blocks.

A function is a flat list of ops; ``Label`` starts a block, ``Goto``/``Branch``/``Return``
end one. Registers hold either an owned ``PyObject *`` (kind ``obj``) or a C ``int``
(kind ``cint``). Every op that can fail names its error target (the label of the
innermost handler, or the function's error exit) and the source line the traceback
entry gets; ``tb=False`` marks a re-raise, which adds no traceback entry (as RERAISE).

Reference counting is explicit and simple: an op's ``dst`` receives a new reference;
operands are borrowed; ``DecRef`` releases a temporary after its last use (and sets it to
NULL). Error edges release whatever temporaries are still set (see
:mod:`.irbuild.builder`), which is why a released temporary is always NULL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class Reg:
    name: str
    kind: str = "obj"  # "obj": owned PyObject*; "cint": C int
    role: str = "temp"  # "temp" | "local" | "cell" | "special"

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Const:
    """A module constant (made once at module exec), by index into the constant table."""

    index: int


@dataclass(frozen=True)
class CExpr:
    """A C expression known at compile time (a static, a spec address, a literal)."""

    text: str


Operand = Reg | Const | CExpr


@dataclass(eq=False)
class Op:
    line: int


@dataclass(eq=False)
class Label(Op):
    name: str


@dataclass(eq=False)
class Goto(Op):
    target: str


@dataclass(eq=False)
class Branch(Op):
    """Jump on a C int register (non-zero: then)."""

    cond: Reg
    then: str
    orelse: str


@dataclass(eq=False)
class Prim(Op):
    """A call of a runtime primitive or C-API function (see :mod:`.gprims`).

    ``prim`` names an entry of the primitive table; ``args`` fill its template. The result
    (if any) goes to ``dst``; failure (NULL, or a negative int, as the primitive declares)
    jumps to ``err``.
    """

    dst: Reg | None
    prim: str
    args: list[Operand]
    err: str | None = None
    tb: bool = True


@dataclass(eq=False)
class Call(Op):
    """``func(*args, **kwnames-values)`` by vectorcall. ``kwnames`` is a Const tuple."""

    dst: Reg
    func: Operand
    args: list[Operand]
    kwnames: Const | None
    err: str | None = None
    # set (a cint of LoadMethod): when non-zero, ``func`` is an unbound method and args[0]
    # its self; when zero, ``func`` is called without args[0]
    unbound: Reg | None = None
    tb: bool = True
    # set: an expression statement's call, its result discarded (pv_call in pv_generic.h)
    discarded: bool = False


@dataclass(eq=False)
class LoadMethod(Op):
    """``obj.name`` looked up for a call before its arguments are evaluated, as CPython
    does: ``dst`` the callable (new reference), ``unbound`` whether it takes ``obj`` as self."""

    dst: Reg
    unbound: Reg
    obj: Operand
    name: Operand
    err: str | None = None


@dataclass(eq=False)
class Pack(Op):
    """Build a tuple, list, set, dict or joined str from items (borrowed)."""

    dst: Reg
    what: str  # "tuple" | "list" | "set" | "dict" | "str"
    items: list[Operand]
    err: str | None = None


@dataclass(eq=False)
class Unpack(Op):
    """``a, b, *c, d = src`` into ``dsts`` (the starred one gets a list)."""

    dsts: list[Reg]
    src: Operand
    before: int
    after: int  # -1: no starred target
    err: str | None = None


@dataclass(eq=False)
class ForIter(Op):
    """``dst = next(it)``; on exhaustion go to ``done``; errors go to ``err``."""

    dst: Reg
    it: Reg
    done: str
    err: str | None = None


@dataclass(eq=False)
class Move(Op):
    """``dst = src`` taking over src's reference (src becomes NULL); the old dst is released."""

    dst: Reg
    src: Reg


@dataclass(eq=False)
class Copy(Op):
    """``dst = src`` with a new reference (the old dst is released)."""

    dst: Reg
    src: Operand


@dataclass(eq=False)
class DecRef(Op):
    reg: Reg


@dataclass(eq=False)
class CheckBound(Op):
    """Unbound local / free variable checks before a read (``what``: "local" | "free")."""

    reg: Reg
    name: Const
    what: str
    err: str | None = None


@dataclass(eq=False)
class Return(Op):
    value: Reg


@dataclass(eq=False)
class Yield(Op):
    """Suspend the generator with ``value``; resumes at ``state`` with the sent value in
    ``dst`` (or an exception, which goes to ``err``)."""

    value: Reg
    dst: Reg
    state: int
    err: str | None = None


@dataclass(eq=False)
class YieldFrom(Op):
    """``dst = yield from it`` (``it`` already made by GET_YIELD_FROM_ITER), or ``dst =
    await`` of the iterator GET_AWAITABLE made. ``tb=False``: a failure adds no traceback
    entry (the awaited code is an inlined comprehension, whose entries are this code's)."""

    it: Reg
    dst: Reg
    state: int
    err: str | None = None
    tb: bool = True


@dataclass(eq=False)
class InterpretedDef(Op):
    """Make the function object of a ``def`` declared interpreted (CPython's
    MAKE_FUNCTION): ``code`` is a Const of kind ``"code"``, the code object the
    interpreter compiled from the function's source text at module exec (see
    :mod:`..interpreted`); ``closure`` holds the cells it captures (a method's
    ``__class__``), in ``co_freevars`` order."""

    dst: Reg
    code: Const
    qualname: Const
    defaults: Operand
    kwdefaults: Operand
    closure: Operand
    err: str | None = None


@dataclass(eq=False)
class ClearRegs(Op):
    """On an error edge: release every temporary of a region (those still set)."""

    regs: list[Reg]


@dataclass(eq=False)
class AddTraceback(Op):
    pass


@dataclass(eq=False)
class Comment(Op):
    text: str


@dataclass(eq=False)
class FuncIR:
    """One compiled code object: a function, a generator, a class body or the module body."""

    cname: str  # C identifier stem, unique in the module
    name: str
    qualname: str
    kind: str  # "function" | "generator" | "coroutine" | "class" | "module"
    line: int
    argnames: list[str] = field(default_factory=list)
    argcount: int = 0
    posonlyargcount: int = 0
    kwonlyargcount: int = 0
    varargs: bool = False
    varkw: bool = False
    ops: list[Op] = field(default_factory=list)
    regs: list[Reg] = field(default_factory=list)
    params: list[Reg] = field(default_factory=list)  # registers the bound arguments land in
    freevars: list[str] = field(default_factory=list)  # closure tuple order
    free_regs: list[Reg] = field(default_factory=list)
    cell_regs: list[tuple[Reg, int | None]] = field(default_factory=list)  # (cell, param index)
    nstates: int = 0  # generators: number of yield points
    lines: dict[int, str] = field(default_factory=dict)  # line -> tier note, for annotate
    # the function name of its traceback entries, when not ``name`` (a comprehension that
    # CPython 3.12+ inlines reports its errors in the enclosing code's frame)
    tb_name: str | None = None


@dataclass(eq=False)
class ModuleIR:
    name: str
    path: str
    functions: list[FuncIR]
    body: FuncIR
    consts: list[tuple[str, Any]]  # (kind, value)
    doc: Any = None
    interpreted: list[str] = field(default_factory=list)  # qualnames declared interpreted


def dump(func: FuncIR) -> str:
    """A readable listing of a function's IR (for tests and ``--keep-c`` debugging)."""
    out = [f"{func.kind} {func.qualname} ({func.cname}):"]
    for op in func.ops:
        if isinstance(op, Label):
            out.append(f"{op.name}:")
            continue
        fields = ", ".join(
            f"{k}={v!r}" for k, v in vars(op).items() if k != "line" and v not in (None, [])
        )
        out.append(f"    {type(op).__name__}({fields})  # line {op.line}")
    return "\n".join(out)

"""The IR builder's state: registers, labels, error targets and the unwind stack.

Lowering functions for each construct live in :mod:`.expressions`, :mod:`.statements`,
:mod:`.functions` and :mod:`.classes`; they take a :class:`FunctionBuilder` and emit ops.

Error handling: ``handlers`` is the stack of active error targets. A handler remembers
the temporaries allocated while it is active (its *region*); its landing pad releases the
ones still set before running the handler code. ``unwind`` is the stack of what a
``return``/``break``/``continue`` must undo on its way out (finally bodies, ``with``
exits, the handled-exception state of ``except`` blocks), innermost last.
"""

from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass, field
from typing import Any

from .. import gir
from ..gir import Const, FuncIR, Op, Reg
from . import scopes
from .mangle import mangle


class Unsupported(Exception):
    """A construct the generic tier cannot compile exactly (becomes a diagnostic)."""

    def __init__(self, node: ast.AST, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.node = node
        self.code = code
        self.message = message
        self.hint = hint


@dataclass
class Handler:
    label: str
    first_temp: int
    region: list[Reg] = field(default_factory=list)


@dataclass
class LoopFrame:
    break_label: str
    continue_label: str


@dataclass
class FinallyFrame:
    body: list[ast.stmt]


@dataclass
class HandlerStateFrame:
    """Inside an ``except`` body (or a finally body run for an exception)."""

    saved: Reg
    name: str | None = None
    exc: Reg | None = None  # the pending exception of a finally body, dropped on exit


@dataclass
class WithFrame:
    exit: Reg
    is_async: bool = False  # ``async with``: __aexit__'s result is awaited


class ModuleBuilder:
    """Module-wide state: the constant table and the list of compiled code objects."""

    def __init__(self, name: str, path: str, scopes_: scopes.Scopes):
        self.name = name
        self.path = path
        self.scopes = scopes_
        self.consts: list[tuple[str, Any]] = []
        self._const_index: dict[tuple, int] = {}
        self.functions: list[FuncIR] = []
        self.future_annotations = False
        self._names: set[str] = set()
        self.source = ""  # the module's text (declared-interpreted functions are cut from it)
        self.future_flags = 0  # its __future__ compiler flags, for compile() of those
        self.declared: Any = None  # interpreted.Declarations of the module, if any

    def const(self, value: Any, kind: str | None = None) -> Const:
        """A module constant; ``kind`` overrides the kind derived from the value's type."""
        if kind is None:
            kind = type(value).__name__
            if value is None:
                kind = "none"
            elif value is Ellipsis:
                kind = "ellipsis"
        key = (kind, _const_key(value))
        idx = self._const_index.get(key)
        if idx is None:
            idx = len(self.consts)
            self.consts.append((kind, value))
            self._const_index[key] = idx
        return Const(idx)

    def name_const(self, name: str) -> Const:
        return self.const(name, "name")  # an interned str

    def unique_cname(self, qualname: str) -> str:
        stem = "".join(c if c.isalnum() and c.isascii() else "_" for c in qualname)[:40]
        cname = f"{stem}_{len(self.functions)}"
        while cname in self._names:
            cname += "_"
        self._names.add(cname)
        return cname


def _const_key(value: Any) -> Any:
    if isinstance(value, float):
        import struct

        return struct.pack("<d", value)
    if isinstance(value, complex):
        import struct

        return struct.pack("<dd", value.real, value.imag)
    if isinstance(value, tuple):
        return tuple((type(v).__name__, _const_key(v)) for v in value)
    if isinstance(value, frozenset):
        return tuple(sorted(repr(v) for v in value))
    return value


class FunctionBuilder:
    def __init__(
        self,
        mb: ModuleBuilder,
        ir: FuncIR,
        table: symtable.SymbolTable,
        parent: FunctionBuilder | None = None,
    ):
        self.mb = mb
        self.ir = ir
        self.table = table
        self.parent = parent
        self.kind = ir.kind
        self.line = ir.line
        self.ops: list[Op] = ir.ops
        self.temps: list[Reg] = []
        self.locals: dict[str, Reg] = {}
        self.cells: dict[str, Reg] = {}
        self.own_cells: set[str] = set()
        self.handlers: list[Handler] = []
        self.unwind: list[Any] = []
        self._labels = 0
        self.ns: Reg | None = None  # class body: the namespace
        self.class_cell: Reg | None = None  # methods: the __class__ cell (a free variable)
        self.first_arg: str | None = None
        # an inlined comprehension (3.12+): the enclosing code's first argument, passed in
        self.super_arg: Reg | None = None
        # the class whose private names are mangled here: a class body's own name, else
        # the enclosing code's (set by the class statement's lowering)
        self.private: str | None = parent.private if parent is not None else None
        self.states = 0

    # -- registers, labels, ops ------------------------------------------------------

    def reg(self, hint: str, kind: str = "obj", role: str = "temp") -> Reg:
        r = Reg(f"{role[0]}{len(self.ir.regs)}", kind, role)
        self.ir.regs.append(r)
        return r

    def temp(self, kind: str = "obj") -> Reg:
        r = self.reg("t", kind, "temp")
        if kind == "obj":
            self.temps.append(r)
            for h in self.handlers:
                h.region.append(r)
        return r

    def label(self, hint: str = "L") -> str:
        self._labels += 1
        return f"{hint}{self._labels}"

    def emit(self, op: Op) -> Op:
        self.ops.append(op)
        return op

    def place(self, label: str) -> None:
        self.emit(gir.Label(self.line, label))

    def goto(self, label: str) -> None:
        self.emit(gir.Goto(self.line, label))

    @property
    def err(self) -> str:
        return self.handlers[-1].label if self.handlers else "L_error"

    def prim(self, name: str, *args: gir.Operand, kind: str = "obj", tb: bool = True) -> Reg:
        dst = self.temp(kind)
        self.emit(gir.Prim(self.line, dst, name, list(args), self.err, tb))
        return dst

    def do(self, name: str, *args: gir.Operand, tb: bool = True) -> None:
        """A primitive whose result is only a status."""
        from ..gprims import PRIMS

        result = PRIMS[name][1]
        dst = self.temp("cint") if result in ("cint", "cint_ok") else None
        self.emit(gir.Prim(self.line, dst, name, list(args), self.err, tb))

    def free(self, *regs: Reg | Const | None) -> None:
        for r in regs:
            if isinstance(r, Reg) and r.role == "temp" and r.kind == "obj":
                self.emit(gir.DecRef(self.line, r))

    def const(self, value: Any, kind: str | None = None) -> Const:
        return self.mb.const(value, kind)

    def name_const(self, name: str) -> Const:
        return self.mb.name_const(name)

    def load_const(self, value: Any) -> Reg:
        dst = self.temp()
        self.emit(gir.Copy(self.line, dst, self.const(value)))
        return dst

    def at(self, node: ast.AST) -> None:
        line = getattr(node, "lineno", None)
        if line is not None:
            self.line = line

    # -- handlers ------------------------------------------------------------------

    def push_handler(self, label: str) -> Handler:
        h = Handler(label, len(self.temps))
        self.handlers.append(h)
        return h

    def pop_handler(self, h: Handler) -> None:
        assert self.handlers[-1] is h
        self.handlers.pop()

    def landing(self, h: Handler) -> None:
        """Place a handler's landing pad: release its region's live temporaries."""
        self.place(h.label)
        if h.region:
            self.emit(gir.ClearRegs(self.line, list(h.region)))

    def super_self(self) -> Reg | None:
        """A new reference to what zero-argument ``super()`` binds here: the first argument
        of the code object it runs in (CPython's super_init_without_args); None: none."""
        if self.super_arg is not None:
            r = self.temp()
            self.emit(gir.Copy(self.line, r, self.super_arg))
            return r
        if self.first_arg is not None:
            return self.load_name(self.first_arg)
        return None

    # -- names -------------------------------------------------------------------

    def mangle(self, name: str) -> str:
        """``name`` as CPython's compiler stores it here (private names mangled)."""
        return mangle(self.private, name)

    def attr_const(self, name: str) -> Const:
        """The interned, mangled name of an attribute (or of an imported name)."""
        return self.name_const(self.mangle(name))

    def symbol_scope(self, name: str) -> int:
        try:
            return scopes.scope_of(self.table.lookup(self.mangle(name)))
        except KeyError:
            return scopes.GLOBAL_IMPLICIT

    def name_kind(self, name: str) -> str:
        """fast | cell | free | global | name | classderef."""
        if self.kind == "module":
            return "global"
        sc = self.symbol_scope(name)
        if self.kind == "class":
            if sc == scopes.FREE:
                return "classderef"
            if sc == scopes.GLOBAL_EXPLICIT:
                return "global"
            return "name"
        if sc == scopes.LOCAL:
            return "fast"
        if sc == scopes.CELL:
            return "cell"
        if sc == scopes.FREE:
            return "free"
        return "global"

    def local_reg(self, name: str) -> Reg:
        r = self.locals.get(name)
        if r is None:
            r = self.reg(name, role="local")
            self.locals[name] = r
        return r

    def cell_reg(self, name: str) -> Reg:
        r = self.cells.get(name)
        if r is None:
            raise KeyError(name)
        return r

    def load_name(self, name: str) -> Reg:
        name = self.mangle(name)
        kind = self.name_kind(name)
        nc = self.name_const(name)
        if kind == "fast":
            src = self.local_reg(name)
            self.emit(gir.CheckBound(self.line, src, nc, "local", self.err))
            dst = self.temp()
            self.emit(gir.Copy(self.line, dst, src))
            return dst
        if kind == "cell":
            return self.prim("cell_get_local", self.cell_reg(name), nc)
        if kind == "free":
            return self.prim("cell_get", self.cell_reg(name), nc)
        if kind == "classderef":
            return self.prim("load_classderef", self.ns, self.cell_reg(name), nc)
        if kind == "name":
            return self.prim("load_name", self.ns, nc)
        return self.prim("load_global", nc)

    def store_name(self, name: str, value: Reg) -> None:
        """Store ``value`` (a temporary, consumed) under ``name``."""
        name = self.mangle(name)
        kind = self.name_kind(name)
        nc = self.name_const(name)
        if kind == "fast":
            dst = self.local_reg(name)
            if value.role == "temp":
                self.emit(gir.Move(self.line, dst, value))
            else:
                self.emit(gir.Copy(self.line, dst, value))
            return
        if kind in ("cell", "free") or kind == "classderef":
            self.do("cell_set", self.cell_reg(name), value)
        elif kind == "name":
            self.do("store_name", self.ns, nc, value)
        else:
            self.do("store_global", nc, value)
        self.free(value)

    def delete_name(self, name: str) -> None:
        name = self.mangle(name)
        kind = self.name_kind(name)
        nc = self.name_const(name)
        if kind == "fast":
            r = self.local_reg(name)
            self.emit(gir.CheckBound(self.line, r, nc, "local", self.err))
            self.emit(gir.DecRef(self.line, r))
        elif kind == "cell":
            self.do("cell_del_local", self.cell_reg(name), nc)
        elif kind in ("free", "classderef"):
            self.do("cell_del_free", self.cell_reg(name), nc)
        elif kind == "name":
            self.do("del_name", self.ns, nc)
        else:
            self.do("del_global", nc)

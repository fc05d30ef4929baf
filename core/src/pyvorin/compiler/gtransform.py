"""IR transform passes of the generic tier, run on each function before C generation.

Like mypyc's ``transform/`` passes, these rewrite the IR that :mod:`.irbuild` built
(naively, one read of a local at a time) into IR that makes less C for the compiler to
chew on, without changing what the program does.

Definite assignment (:func:`definitely_bound`, :func:`drop_bound_checks`)
------------------------------------------------------------------------
irbuild guards every read of a fast local with ``CheckBound`` (``if (l == NULL)`` raise
UnboundLocalError). A forward *must* dataflow over the function's control-flow graph
computes, before each op, the set of registers that are certainly non-NULL on every path
that reaches it; a ``CheckBound`` of a local in that set can never fire and is dropped.

Soundness rests on three rules:

* **Every edge is modelled.** Successors of an op are its fall-through (unless it always
  jumps: ``Goto``, ``Branch``, ``Return``, a ``fail`` primitive), its jump targets
  (``Goto``, ``Branch``, ``ForIter.done``) and its error target ``err`` (a handler's
  landing pad; ``None``/``L_error`` leave the function). A jump to a label that is not in
  the op list (the emitter's own ``L_error``/``L_return``) leaves the function.
* **Only proven facts are added.** A register becomes bound only after an op whose C
  leaves it non-NULL on that edge: the success edge of an op whose ``dst`` result is
  checked against NULL (``Prim`` of result ``obj``, ``Call``, ``LoadMethod``, ``Pack``,
  ``Unpack``, ``ForIter``, ``InterpretedDef``), a ``Copy`` of a constant or of a bound
  register (and ``Move`` of a bound one), a passed ``CheckBound``, and the function's
  parameters at entry (a parameter that is a cell variable lives in its cell: its
  argument register is cleared at entry and is not a fact). Any other write kills:
  ``DecRef`` (``del x``), ``Move`` (its source), ``ClearRegs``, ``Return``, a primitive
  whose template assigns or takes the address of an argument (``&{1}``, ``{0} = NULL``)
  unless ``gprims.BINDS`` says it leaves that argument set when it succeeds,
  a ``dst`` on a failing op's error edge (the emitter assigns the NULL before jumping),
  ``ForIter.dst`` on the ``done`` edge. The state on an error edge is the state before
  the op minus everything the op may write.
* **Anything unknown stops the pass.** An op class this module does not know makes it
  leave the function unchanged, as do function kinds other than ``"function"``:
  generators, coroutines and async generators suspend and resume through emitter labels
  (``L_resume_k``) and can have their frame cleared by the garbage collector, so they
  keep every check (class and module bodies read no fast locals).

Unreachable ops keep the initial "everything bound" state and lose their checks, which
is harmless: they never run.

Borrowed local operands (:func:`borrow_locals`)
----------------------------------------------
irbuild reads a local ``x`` into a fresh temporary (``Copy(t, x)``: a new reference),
uses ``t`` as a borrowed operand, then releases it (``DecRef(t)``). When nothing can
rebind or clear ``x`` before the last use of ``t``, ``x`` itself can be the operand: the
``Copy`` and the ``DecRef`` go, and the uses of ``t`` read ``x``. This is exactly
CPython's order of evaluation: ``x`` is evaluated (its value fixed) before the later
operands, and the value ``x`` holds at the use is that value as long as ``x`` is not
rebound in between. A compiled function's registers are C variables: only the
function's own ops change them (no frame exposes them to other code, whatever Python
code a call in between runs), so "nothing rebinds ``x``" is decided on the IR alone,
and ``x``'s reference keeps the object alive as the temporary's did. The rewrite is
done only when all of these hold:

* ``t`` is a temporary written by this ``Copy`` only, and every other mention of it is
  in the window from the ``Copy`` to its ``DecRef`` (``ClearRegs`` of landing pads
  aside: ``t`` is then never set, so clearing it is a no-op, and it is dropped there);
* the window is straight-line code: no ``Label`` (no join), no jump or return;
* in the window, ``t`` is only a borrowed operand (``Prim`` arguments the template
  does not assign, ``Call``, ``LoadMethod``, ``Pack``, ``Unpack``, ``ForIter``,
  ``Copy`` sources, ``InterpretedDef``), never a ``Move`` source, a returned or
  yielded value, or a written register (other registers' ``Move``, ``DecRef`` and
  ``ClearRegs`` may be in the window);
* no op in the window writes ``x`` (a ``dst``, ``Move``, ``DecRef``, ``ClearRegs``,
  a writing primitive): ``x + (x := 1)`` keeps its copy.

An error edge out of the window is unchanged but for the temporary, which is NULL:
``x`` keeps its own reference, released as before. Only ``"function"`` code is
rewritten (a generator suspends between ops; its frame is cleared by the collector).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import gir
from .gir import FuncIR, ModuleIR, Op, Reg
from .gprims import BINDS, PRIMS

# the function kinds the passes rewrite (see the module docstring)
TRANSFORMED_KINDS = ("function",)

_WRITES = re.compile(r"&\{(\d+)\}|\{(\d+)\}\s*=(?!=)")


def _prim_writes(prim: str) -> frozenset[int]:
    """Indexes of the arguments a primitive's C template assigns or takes the address of."""
    template = PRIMS[prim][0]
    return frozenset(int(a or b) for a, b in _WRITES.findall(template))


_PRIM_WRITES = {name: _prim_writes(name) for name in PRIMS}


class _Unknown(Exception):
    """An op the analysis does not model: the function is left as it is."""


Edge = tuple[str | None, int]  # (jump target label, or None: fall-through; state)


class _Bits:
    """Registers as bits of a Python int (sets of registers, cheap to meet and copy)."""

    def __init__(self) -> None:
        self.index: dict[int, int] = {}

    def bit(self, reg: Reg) -> int:
        key = id(reg)
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.index)
        return 1 << i

    def of(self, regs: Iterator[Reg] | list[Reg]) -> int:
        mask = 0
        for r in regs:
            mask |= self.bit(r)
        return mask


def _regs(xs: list[gir.Operand]) -> Iterator[Reg]:
    return (x for x in xs if isinstance(x, Reg))


def _err(op: Op) -> str:
    """An op's error target: a handler's landing pad, or the function's error exit."""
    return getattr(op, "err", None) or "L_error"


def _edges(op: Op, state: int, bits: _Bits) -> list[Edge]:
    """The edges out of ``op`` and the state each carries, given the state before it; the
    fall-through edge has target None, an error edge the op's ``err`` (None: L_error)."""
    b = bits.bit
    if isinstance(op, (gir.Label, gir.Comment, gir.AddTraceback)):
        return [(None, state)]
    if isinstance(op, gir.Goto):
        return [(op.target, state)]
    if isinstance(op, gir.Branch):
        return [(op.then, state), (op.orelse, state)]
    if isinstance(op, gir.Prim):
        result = PRIMS[op.prim][1]
        written = [op.args[i] for i in _PRIM_WRITES[op.prim] if i < len(op.args)]
        killed = bits.of(_regs(written))
        dst = b(op.dst) if op.dst is not None else 0
        err_state = state & ~killed & ~dst
        out: list[Edge] = []
        if result in ("obj", "cint", "fail"):
            out.append((_err(op), err_state))
        if result == "fail":
            return out
        ok = state & ~killed
        ok = ok | dst if result == "obj" else ok & ~dst
        ok |= bits.of(_regs([op.args[i] for i in BINDS.get(op.prim, ()) if i < len(op.args)]))
        out.append((None, ok))
        return out
    if isinstance(op, (gir.Call, gir.Pack, gir.InterpretedDef)):
        d = b(op.dst)
        return [(_err(op), state & ~d), (None, state | d)]
    if isinstance(op, gir.LoadMethod):
        d, u = b(op.dst), b(op.unbound)
        return [(_err(op), state & ~d & ~u), (None, (state | d) & ~u)]
    if isinstance(op, gir.Unpack):
        d = bits.of(op.dsts)
        return [(_err(op), state & ~d), (None, state | d)]
    if isinstance(op, gir.ForIter):
        d = b(op.dst)
        return [(_err(op), state & ~d), (op.done, state & ~d), (None, state | d)]
    if isinstance(op, gir.Move):
        src_bound = state & b(op.src)
        out_state = state & ~b(op.dst)
        if src_bound:
            out_state |= b(op.dst)
        return [(None, out_state & ~b(op.src))]
    if isinstance(op, gir.Copy):
        src = op.src
        src_bound = isinstance(src, gir.Const) or (isinstance(src, Reg) and state & b(src))
        out_state = state & ~b(op.dst)
        if src_bound:
            out_state |= b(op.dst)
        return [(None, out_state)]
    if isinstance(op, gir.DecRef):
        return [(None, state & ~b(op.reg))]
    if isinstance(op, gir.ClearRegs):
        return [(None, state & ~bits.of(op.regs))]
    if isinstance(op, gir.CheckBound):
        return [(_err(op), state), (None, state | b(op.reg))]
    if isinstance(op, gir.Return):
        return []
    if isinstance(op, gir.Yield):
        v, d = b(op.value), b(op.dst)
        return [(_err(op), state & ~v & ~d), (None, (state & ~v) | d)]
    if isinstance(op, gir.YieldFrom):
        it, d = b(op.it), b(op.dst)
        return [(_err(op), state & ~it & ~d), (None, (state & ~it) | d)]
    raise _Unknown(type(op).__name__)


def _analyse(func: FuncIR) -> tuple[_Bits, list[int]] | None:
    """The must-dataflow: for each op, the bit set of registers certainly non-NULL when it
    starts (unreachable ops: every register); None for an op the analysis does not model."""
    ops = func.ops
    bits = _Bits()
    for r in [*func.regs, *func.params]:
        bits.bit(r)
    labels = {op.name: i for i, op in enumerate(ops) if isinstance(op, gir.Label)}
    cell_params = {id(func.params[i]) for _, i in func.cell_regs if i is not None}
    entry = bits.of(p for p in func.params if id(p) not in cell_params)
    top = (1 << len(bits.index)) - 1
    states: list[int | None] = [None] * len(ops)
    if ops:
        states[0] = entry
    work = [0] if ops else []
    queued = set(work)
    try:
        while work:
            i = work.pop()
            queued.discard(i)
            state = states[i]
            assert state is not None
            for target, out in _edges(ops[i], state, bits):
                j = i + 1 if target is None else labels.get(target, -1)
                if j < 0 or j >= len(ops):
                    continue  # leaves the function (L_error, L_return)
                old = states[j]
                new = out if old is None else old & out
                if new != old:
                    states[j] = new
                    if j not in queued:
                        queued.add(j)
                        work.append(j)
    except _Unknown:
        return None
    return bits, [top if s is None else s for s in states]


def definitely_bound(func: FuncIR) -> list[frozenset[Reg]] | None:
    """For each op of ``func``, the registers certainly non-NULL when it starts; None
    when the function holds an op the analysis does not model."""
    analysed = _analyse(func)
    if analysed is None:
        return None
    bits, states = analysed
    regs = [(bits.bit(r), r) for r in {id(r): r for r in [*func.regs, *func.params]}.values()]
    return [frozenset(r for bit, r in regs if s & bit) for s in states]


def drop_bound_checks(func: FuncIR) -> int:
    """Remove the unbound-local checks of locals definitely bound where they are read;
    returns how many were removed."""
    if func.kind not in TRANSFORMED_KINDS:
        return 0
    analysed = _analyse(func)
    if analysed is None:
        return 0
    bits, states = analysed
    kept: list[Op] = []
    for op, state in zip(func.ops, states, strict=True):
        if (
            isinstance(op, gir.CheckBound)
            and op.what == "local"
            and op.reg.role == "local"
            and state & bits.bit(op.reg)
        ):
            continue
        kept.append(op)
    dropped = len(func.ops) - len(kept)
    func.ops = kept
    return dropped


def _written(op: Op) -> list[Reg]:
    """The registers ``op`` may assign, clear or take over (None: an unknown op)."""
    if isinstance(op, gir.Prim):
        out = [op.args[i] for i in _PRIM_WRITES[op.prim] if i < len(op.args)]
        return [r for r in [op.dst, *out] if isinstance(r, Reg)]
    if isinstance(op, (gir.Call, gir.Pack, gir.InterpretedDef, gir.ForIter, gir.Copy)):
        return [op.dst]
    if isinstance(op, gir.LoadMethod):
        return [op.dst, op.unbound]
    if isinstance(op, gir.Unpack):
        return list(op.dsts)
    if isinstance(op, gir.Move):
        return [op.dst, op.src]
    if isinstance(op, gir.DecRef):
        return [op.reg]
    if isinstance(op, gir.ClearRegs):
        return list(op.regs)
    if isinstance(op, gir.Return):
        return [op.value]
    if isinstance(op, gir.Yield):
        return [op.value, op.dst]
    if isinstance(op, gir.YieldFrom):
        return [op.it, op.dst]
    if isinstance(op, (gir.CheckBound, gir.AddTraceback, gir.Comment)):
        return []
    raise _Unknown(type(op).__name__)


def _borrowed_fields(op: Op) -> list[str] | None:
    """The fields of a straight-line op that hold borrowed operands (None: ``op`` ends
    the window or is not known to borrow)."""
    if isinstance(op, gir.Prim):
        return ["args"]  # minus the written arguments: see _substitute
    fields = {
        gir.Call: ["func", "args"],
        gir.LoadMethod: ["obj", "name"],
        gir.Pack: ["items"],
        gir.Unpack: ["src"],
        gir.ForIter: ["it"],
        gir.Copy: ["src"],
        gir.InterpretedDef: ["code", "qualname", "defaults", "kwdefaults", "closure"],
        gir.CheckBound: [],
        # these only write (other registers, as checked by the caller)
        gir.Move: [],
        gir.DecRef: [],
        gir.ClearRegs: [],
        gir.AddTraceback: [],
        gir.Comment: [],
    }
    return fields.get(type(op))


def _substitute(op: Op, t: Reg, local: Reg) -> None:
    """Make ``op`` read ``local`` where it reads ``t`` (``op`` passed
    :func:`_substitute_check`)."""
    for name in _borrowed_fields(op) or []:
        value = getattr(op, name)
        if isinstance(value, list):
            setattr(op, name, [local if x is t else x for x in value])
        elif value is t:
            setattr(op, name, local)


def _window(ops: list[Op], i: int, t: Reg, local: Reg) -> int | None:
    """The index of ``DecRef(t)`` ending a rewritable window after ``ops[i]`` (the
    ``Copy(t, local)``), or None."""
    for j in range(i + 1, len(ops)):
        op = ops[j]
        if isinstance(op, gir.DecRef) and op.reg is t:
            return j
        if _borrowed_fields(op) is None:  # a label, jump, return, or an op that takes over
            return None
        written = _written(op)
        if any(r is local or r is t for r in written):
            return None
    return None


def borrow_locals(func: FuncIR) -> int:
    """Replace ``Copy(t, local)`` ... ``DecRef(t)`` windows by reads of ``local`` itself
    (see the module docstring); returns how many copies were removed."""
    if func.kind not in TRANSFORMED_KINDS:
        return 0
    ops = func.ops
    writes: dict[int, int] = {}  # id(temp) -> how many ops write it
    try:
        for op in ops:
            if isinstance(op, gir.Label | gir.Goto | gir.Branch):
                continue
            for r in _written(op):
                if not isinstance(op, gir.ClearRegs | gir.DecRef):
                    writes[id(r)] = writes.get(id(r), 0) + 1
    except _Unknown:
        return 0
    # every op index that mentions a register, for "no mention outside the window"
    mentions: dict[int, list[int]] = {}
    for k, op in enumerate(ops):
        if isinstance(op, gir.ClearRegs):
            continue
        for value in vars(op).values():
            for x in value if isinstance(value, list) else [value]:
                if isinstance(x, Reg):
                    mentions.setdefault(id(x), []).append(k)
    drop: set[int] = set()
    borrowed: set[int] = set()
    for i, op in enumerate(ops):
        if not (
            isinstance(op, gir.Copy)
            and isinstance(op.src, Reg)
            and op.src.role == "local"
            and op.dst.role == "temp"
            and writes.get(id(op.dst)) == 1
        ):
            continue
        t, local = op.dst, op.src
        end = _window(ops, i, t, local)
        if end is None or any(k < i or k > end for k in mentions.get(id(t), [])):
            continue
        window = ops[i + 1 : end]
        if not all(_substitute_check(w, t) for w in window):
            continue
        for w in window:
            _substitute(w, t, local)
        drop.update((i, end))
        borrowed.add(id(t))
    if not drop:
        return 0
    kept: list[Op] = []
    for k, op in enumerate(ops):
        if k in drop:
            continue
        if isinstance(op, gir.ClearRegs) and any(id(r) in borrowed for r in op.regs):
            op.regs = [r for r in op.regs if id(r) not in borrowed]
            if not op.regs:
                continue
        kept.append(op)
    func.ops = kept
    func.regs = [r for r in func.regs if id(r) not in borrowed]
    return len(borrowed)


def _substitute_check(op: Op, t: Reg) -> bool:
    """Whether :func:`_substitute` would accept ``op`` (checked for a whole window
    before any op of it is rewritten)."""
    fields = _borrowed_fields(op)
    if fields is None or t in _written(op):
        return False
    for name, value in vars(op).items():
        if name in fields:
            continue
        if value is t or (isinstance(value, list) and any(x is t for x in value)):
            return False
    if isinstance(op, gir.Prim):
        writes = _PRIM_WRITES[op.prim]
        if any(x is t for k, x in enumerate(op.args) if k in writes):
            return False
    return True


def transform_function(func: FuncIR) -> None:
    drop_bound_checks(func)
    borrow_locals(func)


def transform_module(m: ModuleIR) -> ModuleIR:
    """Run the passes over every code object of ``m`` (in place); returns ``m``."""
    for f in [*m.functions, m.body]:
        transform_function(f)
    return m

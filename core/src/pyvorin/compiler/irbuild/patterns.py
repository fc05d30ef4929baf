"""Lowering of ``match`` statements (PEP 634), step for step as CPython's compiler does it
(``compiler_match`` and ``compiler_pattern_*`` of Python/compile.c, 3.10-3.13).

The subject is evaluated once; the cases are tried in order. A pattern's captures are
held in temporaries while it is matched and stored only once the whole pattern matched,
in the order CPython stores them (its ``pc->stores``: order of appearance, a ``P as x``
after ``P``'s own, an or-pattern's in its first alternative's order); then the guard runs
(a failed guard leaves the names bound). Every observable step is the interpreter's, in
its order: ``==`` of value patterns (the subject on the left), ``is`` of None/True/False,
the type flags of sequence and mapping patterns, ``len()`` before anything is extracted,
items by ``UNPACK_SEQUENCE``/``UNPACK_EX`` or, with a ``*_`` wildcard, by subscripts,
mapping keys evaluated after the length check and looked up with ``get``, class patterns
by ``isinstance`` and ``__match_args__`` (see ``runtime/pv_match.c``).

Failure of a pattern jumps to its case's failure label, which releases the temporaries the
pattern made (those still set: a released temporary is always NULL). The compile-time
errors of patterns (unreachable cases, alternatives that bind different names, duplicate
literal keys...) are CPython's own SyntaxErrors, reported before the module is lowered
(PV100, see :func:`..generic.analyse`).

Line numbers: from 3.12 every instruction of a pattern carries that pattern's location;
3.10 and 3.11 set the location at each (sub)pattern and do not restore it afterwards, so an
error after a sub-pattern (a later subscript of the sequence, the ``**rest`` copy, a
capture's store) is reported at the line of the last sub-pattern compiled before it.
"""

from __future__ import annotations

import ast
import sys

from .. import gir
from .builder import FunctionBuilder
from .expressions import cond, expr

# 3.10/3.11: a pattern's location stays set after it (SET_LOC without restoring)
STICKY_LINES = sys.version_info < (3, 12)
# 3.10 skips the wildcard values of a mapping pattern without visiting them
MAPPING_SKIPS_WILDCARDS = sys.version_info < (3, 11)

Captures = list[tuple[str, gir.Reg]]
_SINGLETONS = {None: "Py_None", True: "Py_True", False: "Py_False"}


def is_wildcard(p: ast.pattern) -> bool:
    """CPython's WILDCARD_CHECK: ``_``."""
    return isinstance(p, ast.MatchAs) and p.name is None and p.pattern is None


def _is_star_wildcard(p: ast.pattern) -> bool:
    return isinstance(p, ast.MatchStar) and p.name is None


def lower_match(b: FunctionBuilder, node: ast.Match) -> None:
    from .statements import block

    subject = expr(b, node.subject)
    end = b.label("match_end")
    cases = node.cases
    # a trailing `case _:` needs no pattern code (compiler_match_inner's has_default)
    has_default = len(cases) > 1 and is_wildcard(cases[-1].pattern)
    last = len(cases) - has_default - 1
    for i, case in enumerate(cases[: last + 1]):
        b.at(case.pattern)
        fail = b.label("case_fail")
        first = len(b.temps)
        caps: Captures = []
        pattern(b, case.pattern, subject, fail, caps)
        made = b.temps[first:]
        if i == last:
            b.free(subject)  # the last case consumes the subject (no copy is kept)
        for name, reg in caps:
            b.store_name(name, reg)
        if case.guard is not None:
            body = b.label("case_body")
            cond(b, case.guard, body, fail)
            b.place(body)
        if i != last:
            b.free(subject)
        block(b, case.body)
        b.goto(end)
        b.place(fail)
        if made:
            b.emit(gir.ClearRegs(b.line, list(made)))
        if i == last:
            b.free(subject)
    if has_default:
        case = cases[-1]
        b.at(case.pattern)  # the subject was released by the case before it
        if case.guard is not None:
            body = b.label("case_body")
            cond(b, case.guard, body, end)
            b.place(body)
        block(b, case.body)
    b.place(end)


def pattern(b: FunctionBuilder, p: ast.pattern, subject: gir.Reg, fail: str, caps: Captures):
    """Match ``subject`` (a reference held by the caller) against ``p``: fall through on a
    match, with ``p``'s captures appended to ``caps`` (temporaries holding the values);
    jump to ``fail`` otherwise."""
    saved = b.line
    b.at(p)
    _LOWER[type(p)](b, p, subject, fail, caps)
    if not STICKY_LINES:
        b.line = saved


def _branch(b: FunctionBuilder, ok: gir.Reg, fail: str) -> None:
    then = b.label("pm_ok")
    b.emit(gir.Branch(b.line, ok, then, fail))
    b.place(then)


def _capture(b: FunctionBuilder, caps: Captures, name: str, value: gir.Reg) -> None:
    keep = b.temp()
    b.emit(gir.Copy(b.line, keep, value))
    caps.append((name, keep))


def _value(b: FunctionBuilder, node: ast.expr) -> gir.Reg:
    """A value pattern's or a mapping key's value: a dotted name is looked up each time; a
    literal (``-1``, ``1+2j`` included) is a constant, as CPython's AST optimizer folds it."""
    if isinstance(node, ast.Attribute):
        return expr(b, node)
    try:
        value = ast.literal_eval(node)
    except ValueError:  # pragma: no cover - the grammar allows nothing else
        return expr(b, node)
    return b.load_const(value)


def _match_value(b: FunctionBuilder, p: ast.MatchValue, subject, fail, caps) -> None:
    value = _value(b, p.value)
    r = b.prim("cmp_Eq", subject, value)
    b.free(value)
    t = b.prim("istrue", r, kind="cint")
    b.free(r)
    _branch(b, t, fail)


def _match_singleton(b: FunctionBuilder, p: ast.MatchSingleton, subject, fail, caps) -> None:
    t = b.prim("is_c", subject, gir.CExpr(_SINGLETONS[p.value]), kind="cint")
    _branch(b, t, fail)


def _match_as(b: FunctionBuilder, p: ast.MatchAs, subject, fail, caps) -> None:
    if p.pattern is not None:
        pattern(b, p.pattern, subject, fail, caps)
    if p.name is not None:
        _capture(b, caps, p.name, subject)


def _match_star(b: FunctionBuilder, p: ast.MatchStar, subject, fail, caps) -> None:
    if p.name is not None:
        _capture(b, caps, p.name, subject)


def _match_or(b: FunctionBuilder, p: ast.MatchOr, subject, fail, caps) -> None:
    done = b.label("or_done")
    results: dict[str, gir.Reg] = {}
    control: list[str] = []
    for i, alt in enumerate(p.patterns):
        nxt = b.label("or_next")
        first = len(b.temps)
        alt_caps: Captures = []
        pattern(b, alt, subject, nxt, alt_caps)
        made = b.temps[first:]
        if i == 0:
            # the first alternative's names, in its order, are the or-pattern's
            control = [name for name, _ in alt_caps]
            results = {name: b.temp() for name in control}
        for name, reg in alt_caps:
            b.emit(gir.Move(b.line, results[name], reg))
        b.goto(done)
        b.place(nxt)
        if made:
            b.emit(gir.ClearRegs(b.line, list(made)))
    b.goto(fail)
    b.place(done)
    caps.extend((name, results[name]) for name in control)


def _match_sequence(b: FunctionBuilder, p: ast.MatchSequence, subject, fail, caps) -> None:
    pats = p.patterns
    size = len(pats)
    stars = [i for i, q in enumerate(pats) if isinstance(q, ast.MatchStar)]
    star = stars[0] if stars else -1
    star_wildcard = star >= 0 and _is_star_wildcard(pats[star])
    only_wildcards = all(
        _is_star_wildcard(q) if i == star else is_wildcard(q) for i, q in enumerate(pats)
    )
    _branch(b, b.prim("match_sequence", subject, kind="cint"), fail)
    if star < 0:
        t = b.prim("match_len", subject, gir.CExpr(str(size)), gir.CExpr("1"), kind="cint")
        _branch(b, t, fail)
    elif size > 1:  # `[*x]` alone: len() >= 0 always holds, CPython does not call it
        t = b.prim("match_len", subject, gir.CExpr(str(size - 1)), gir.CExpr("0"), kind="cint")
        _branch(b, t, fail)
    if only_wildcards:
        return
    if star_wildcard:
        # items by subscript, each matched before the next is taken
        for i, q in enumerate(pats):
            if i == star or is_wildcard(q):
                continue
            if i < star:
                item = b.prim("match_item", subject, gir.CExpr(str(i)))
            else:
                item = b.prim("match_item_from_end", subject, gir.CExpr(str(size - i)))
            pattern(b, q, item, fail, caps)
            b.free(item)
        return
    # UNPACK_SEQUENCE / UNPACK_EX: all items first, then the sub-patterns in order
    items = [b.temp() for _ in pats]
    before = star if star >= 0 else size
    after = size - star - 1 if star >= 0 else -1
    b.emit(gir.Unpack(b.line, items, subject, before, after, b.err))
    for q, item in zip(pats, items, strict=True):
        pattern(b, q, item, fail, caps)
        b.free(item)


def _match_mapping(b: FunctionBuilder, p: ast.MatchMapping, subject, fail, caps) -> None:
    _branch(b, b.prim("match_mapping", subject, kind="cint"), fail)
    n = len(p.keys)
    if not n and p.rest is None:
        return
    if n:
        t = b.prim("match_len", subject, gir.CExpr(str(n)), gir.CExpr("0"), kind="cint")
        _branch(b, t, fail)
    # the keys are evaluated after the length check, every time the pattern is tried
    if all(not isinstance(k, ast.Attribute) for k in p.keys):
        keys = b.load_const(tuple(ast.literal_eval(k) for k in p.keys))
    else:
        parts = [_value(b, k) for k in p.keys]
        keys = b.temp()
        b.emit(gir.Pack(b.line, keys, "tuple", parts, b.err))
        b.free(*parts)
    values = b.temp()
    _branch(b, b.prim("match_keys", subject, keys, values, kind="cint"), fail)
    if n:
        items = [b.temp() for _ in range(n)]
        b.emit(gir.Unpack(b.line, items, values, n, -1, b.err))
        b.free(values)
        for q, item in zip(p.patterns, items, strict=True):
            if not (MAPPING_SKIPS_WILDCARDS and is_wildcard(q)):
                pattern(b, q, item, fail, caps)
            b.free(item)
    else:
        b.free(values)
    if p.rest is not None:
        rest = b.prim("match_rest", subject, keys)
        caps.append((p.rest, rest))
    b.free(keys)


def _match_class(b: FunctionBuilder, p: ast.MatchClass, subject, fail, caps) -> None:
    cls = expr(b, p.cls)
    nargs = len(p.patterns)
    # keyword attribute names are looked up as written (CPython does not mangle them)
    names = b.const(tuple(p.kwd_attrs))
    attrs = b.temp()
    t = b.prim("match_class", subject, cls, gir.CExpr(str(nargs)), names, attrs, kind="cint")
    b.free(cls)
    _branch(b, t, fail)
    subs = [*p.patterns, *p.kwd_patterns]
    if not subs:
        b.free(attrs)
        return
    items = [b.temp() for _ in subs]
    b.emit(gir.Unpack(b.line, items, attrs, len(subs), -1, b.err))
    b.free(attrs)
    for q, item in zip(subs, items, strict=True):
        if not is_wildcard(q):
            pattern(b, q, item, fail, caps)
        b.free(item)


_LOWER = {
    ast.MatchValue: _match_value,
    ast.MatchSingleton: _match_singleton,
    ast.MatchAs: _match_as,
    ast.MatchStar: _match_star,
    ast.MatchOr: _match_or,
    ast.MatchSequence: _match_sequence,
    ast.MatchMapping: _match_mapping,
    ast.MatchClass: _match_class,
}

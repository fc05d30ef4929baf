"""Scopes from CPython's own symbol table (the :mod:`symtable` module).

Name resolution is the compiler's, not ours: which names are fast locals, cells, free
variables, globals or class-namespace names comes from the same analysis the interpreter's
compiler runs, so compiled code resolves every name exactly as interpreted code does.

Comprehensions are compiled as their own functions (CPython 3.11's model). From 3.12 on
(PEP 709) CPython inlines list, set and dict comprehensions into the enclosing code and
its symbol table no longer has a table for them; their names are merged into the
enclosing table, which then cannot tell a comprehension's names from the enclosing
code's (a class body's ``x`` from a comprehension's global ``x``). There the symbol
table is taken of the source with those comprehensions written as generator
expressions, which are never inlined: the same names, scopes and lines, and each
comprehension its own table, whose resolution is the inlined comprehension's (an
inlined comprehension keeps its own scope: its variables do not leak, and in a class
body it sees no class-level name but in its first iterable).
"""

from __future__ import annotations

import ast
import symtable
import sys
from collections.abc import Collection
from dataclasses import dataclass

LOCAL = symtable.LOCAL
GLOBAL_EXPLICIT = symtable.GLOBAL_EXPLICIT
GLOBAL_IMPLICIT = symtable.GLOBAL_IMPLICIT
FREE = symtable.FREE
CELL = symtable.CELL

SCOPE_NODES = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.Lambda,
    ast.ClassDef,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)

INLINED_COMPREHENSIONS = sys.version_info >= (3, 12)  # PEP 709

_GENEXPR = ("genexpr", "<genexpr>")
_TABLE_NAMES = {
    ast.Lambda: ("lambda", "<lambda>"),
    ast.ListComp: _GENEXPR if INLINED_COMPREHENSIONS else ("listcomp", "<listcomp>"),
    ast.SetComp: _GENEXPR if INLINED_COMPREHENSIONS else ("setcomp", "<setcomp>"),
    ast.DictComp: _GENEXPR if INLINED_COMPREHENSIONS else ("dictcomp", "<dictcomp>"),
    ast.GeneratorExp: _GENEXPR,
}


def scope_of(sym: symtable.Symbol) -> int:
    return sym._Symbol__scope  # the compiler's scope constant (LOCAL, CELL, FREE, ...)


@dataclass
class Scopes:
    """Maps every scope-creating AST node to its symbol table."""

    top: symtable.SymbolTable
    tables: dict[int, symtable.SymbolTable]

    def table(self, node: ast.AST) -> symtable.SymbolTable:
        return self.tables[id(node)]


def _node_names(node: ast.AST) -> tuple[str, ...]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (node.name,)
    return _TABLE_NAMES[type(node)]


def _scope_children(node: ast.AST) -> list[ast.AST]:
    """Scope nodes directly inside ``node``'s scope, in source order."""
    found: list[ast.AST] = []

    def visit(n: ast.AST, top: bool) -> None:
        if not top and isinstance(n, SCOPE_NODES):
            found.append(n)
            # parts evaluated in the enclosing scope still belong to it
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                for d in getattr(n, "decorator_list", []):
                    visit(d, False)
                for d in n.args.defaults + [k for k in n.args.kw_defaults if k is not None]:
                    visit(d, False)
                if not isinstance(n, ast.Lambda):
                    for a in _annotations(n):
                        visit(a, False)
            elif isinstance(n, ast.ClassDef):
                for d in n.decorator_list + n.bases + [k.value for k in n.keywords]:
                    visit(d, False)
            elif isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                visit(n.generators[0].iter, False)
            return
        for child in ast.iter_child_nodes(n):
            visit(child, False)

    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for stmt in node.body:
            visit(stmt, False)
    elif isinstance(node, ast.Lambda):
        visit(node.body, False)
    elif isinstance(node, ast.ClassDef):
        for stmt in node.body:
            visit(stmt, False)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        first = True
        for gen in node.generators:
            if not first:
                visit(gen.iter, False)
            first = False
            visit(gen.target, False)
            for cond in gen.ifs:
                visit(cond, False)
        if isinstance(node, ast.DictComp):
            visit(node.key, False)
            visit(node.value, False)
        else:
            visit(node.elt, False)
    else:  # module
        for stmt in node.body:
            visit(stmt, False)
    found.sort(key=lambda n: (n.lineno, n.col_offset))
    return found


def _annotations(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    a = fn.args
    out = [
        x.annotation
        for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]
        if x is not None and x.annotation is not None
    ]
    if fn.returns is not None:
        out.append(fn.returns)
    return out


def analyse(tree: ast.Module, source: str, path: str, interpreted: Collection[int] = ()) -> Scopes:
    """``interpreted``: ids of the ``def`` nodes declared interpreted. Their own table is
    matched (the enclosing code needs their free variables) but not what is inside them:
    the interpreter compiles their bodies, and the symbol table of some Python versions
    (3.12/3.13 inline comprehensions) would not match the AST there anyway."""
    if INLINED_COMPREHENSIONS:
        source = _comprehensions_as_genexprs(tree, source)
    top = symtable.symtable(source, path, "exec")
    tables: dict[int, symtable.SymbolTable] = {id(tree): top}

    def match(node: ast.AST, table: symtable.SymbolTable) -> None:
        nodes = _scope_children(node)
        kids = list(table.get_children())
        pool: dict[tuple[str, int], list[symtable.SymbolTable]] = {}
        for k in kids:
            pool.setdefault((k.get_name(), k.get_lineno()), []).append(k)
        for n in nodes:
            for name in _node_names(n):
                lst = pool.get((name, n.lineno))
                if lst:
                    t = lst.pop(0)
                    tables[id(n)] = t
                    if id(n) not in interpreted:
                        match(n, t)
                    break
            else:
                raise LookupError(f"no symbol table for {type(n).__name__} at line {n.lineno}")

    match(tree, top)
    return Scopes(top, tables)


def _comprehensions_as_genexprs(tree: ast.Module, source: str) -> str:
    """``source`` with every list, set and dict comprehension written as a generator
    expression, on the same lines: ``[e for ...]`` -> ``(e for ...)``, ``{k: v for ...}``
    -> ``((k, v) for ...)``. Only the symbol table reads it."""
    # the tokenizer's lines: \r\n and lone \r end a line like \n
    lines = source.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8").split(b"\n")
    edits: list[tuple[int, int, int, bytes]] = []  # (line, byte column, length, new text)

    def expect(line: int, col: int, char: bytes) -> None:
        if lines[line - 1][col : col + 1] != char:
            raise LookupError(f"unexpected source at line {line}, column {col}")

    for node in ast.walk(tree):
        if not isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp)):
            continue
        end_line, end_col = node.end_lineno or node.lineno, (node.end_col_offset or 1) - 1
        expect(node.lineno, node.col_offset, b"[" if isinstance(node, ast.ListComp) else b"{")
        expect(end_line, end_col, b"]" if isinstance(node, ast.ListComp) else b"}")
        edits.append((end_line, end_col, 1, b")"))
        if isinstance(node, ast.DictComp):
            edits.append((node.lineno, node.col_offset, 1, b"(("))
            line, col = _colon_after(lines, node.key, node.value)
            edits.append((line, col, 1, b","))
            v_line, v_col = node.value.end_lineno or 0, node.value.end_col_offset or 0
            edits.append((v_line, v_col, 0, b")"))
        else:
            edits.append((node.lineno, node.col_offset, 1, b"("))
    # from the end backwards, so earlier positions stay valid
    for line, col, length, text in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        b = lines[line - 1]
        lines[line - 1] = b[:col] + text + b[col + length :]
    return b"\n".join(lines).decode("utf-8")


def _colon_after(lines: list[bytes], key: ast.expr, value: ast.expr) -> tuple[int, int]:
    """The ``:`` between a dict comprehension's key and value (past closing parentheses,
    line continuations and comments)."""
    line, col = key.end_lineno or key.lineno, key.end_col_offset or 0
    while (line, col) < (value.lineno, value.col_offset):
        text = lines[line - 1]
        if col >= len(text) or text[col : col + 1] == b"#":
            line, col = line + 1, 0
            continue
        if text[col : col + 1] == b":":
            return line, col
        col += 1
    raise LookupError(f"no ':' after the key of the dict comprehension at line {key.lineno}")

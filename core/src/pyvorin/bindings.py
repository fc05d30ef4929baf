"""Names Python source binds, read from its syntax tree.

One place for the questions several parts ask of a module's source: the compiler's
per-function tiering (which module globals may be rebound, so native code must not compile
them in), the verifier's doctest constants (a top-level name bound once to a literal) and
its ``__main__`` hint (a global only the ``if __name__ == "__main__":`` block binds).
Conservative on purpose: a statement's names include those of the scopes nested in it.
"""

from __future__ import annotations

import ast


def bound_names(stmt: ast.AST) -> set[str]:
    """Every name ``stmt`` may bind or delete: assignment and ``del`` targets, ``def`` and
    ``class`` names, imports, ``except ... as`` names and ``match`` captures (nested
    scopes' own names included)."""
    out: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out |= {a.asname or a.name.split(".")[0] for a in node.names}
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            out.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            out.add(node.rest)
    return out


def declared_global(tree: ast.AST) -> set[str]:
    """Every name some function declares ``global`` or ``nonlocal`` (it may rebind it)."""
    return {
        name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Global, ast.Nonlocal))
        for name in node.names
    }

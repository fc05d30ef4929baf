"""The native tier's frontend: parse, resolve names, check types, build the typed IR
(:mod:`..ir`), collect diagnostics.

Every construct outside the subset produces one diagnostic and checking continues, so a
single run reports all of them. An expression that failed to check gets the type ``"?"``,
which silences follow-on errors about the same expression.

Entry points: :func:`analyse` / :func:`analyse_file` (a whole module), and
:class:`Checker` with :func:`mark_recursive` for the generic tier's per-function mode
(:mod:`..tiering`). Layout: :mod:`.module` (the module checker: imports, constants,
functions table), :mod:`.function` (the function checker, composed of :mod:`.statements`,
:mod:`.expressions`, :mod:`.calls` and :mod:`.typesys`), :mod:`.common` (shared tables).
"""

from __future__ import annotations

import ast
from pathlib import Path

from ...diagnostics import Diagnostic
from .. import ir
from .module import Checker, mark_recursive

__all__ = ["Checker", "analyse", "analyse_file", "mark_recursive"]


def analyse(source: str, path: str, module_name: str) -> tuple[ir.Module | None, list[Diagnostic]]:
    """Parse and check ``source``; returns the IR (None if there are errors) and diagnostics."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as exc:
        col = exc.offset or 1
        return None, [
            Diagnostic(
                path,
                exc.lineno or 1,
                col,
                "PV100",
                f"syntax error: {exc.msg}",
                "fix the syntax error first",
            )
        ]
    checker = Checker(source, path, module_name)
    module = checker.check_module(tree)
    diags = sorted(set(checker.diags))
    if any(d.severity == "error" for d in diags):
        return None, diags
    return module, diags


def analyse_file(
    path: Path, module_name: str | None = None
) -> tuple[ir.Module | None, list[Diagnostic]]:
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [
            Diagnostic(
                str(path), 1, 1, "PV100", f"the file is not UTF-8: {exc}", "save the file as UTF-8"
            )
        ]
    return analyse(source, str(path), module_name or path.stem)

"""The generic tier's front door: parse, reject what cannot be compiled exactly, build IR,
run the IR transform passes (:mod:`.gtransform`)."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from ..diagnostics import Diagnostic
from . import gir, gtransform
from . import interpreted as declarations
from .irbuild import Unsupported, build_module
from .irbuild.reject import INTERPRETED_HINT, find_rejections


def analyse(
    source: str, path: str, module_name: str, interpreted: tuple[str, ...] = ()
) -> tuple[gir.ModuleIR | None, list[Diagnostic]]:
    """IR for the module, or None and the errors that keep it from compiling.

    ``interpreted``: qualnames declared interpreted by the configuration (the decorator
    form is found in the source); every declared function gets a PV490 note. A
    configured name that is not a declarable function raises
    :class:`~.interpreted.DeclarationError`.
    """
    try:
        tree = ast.parse(source, filename=path)
        _compile_check(source, path)
    except SyntaxError as exc:
        return None, [
            Diagnostic(
                path,
                exc.lineno or 1,
                exc.offset or 1,
                "PV100",
                f"the file is not valid Python: {exc.msg}",
                "fix the syntax error",
            )
        ]
    declared = declarations.find(tree, path, interpreted)
    notes = declared.notes(path, module_name)
    diags = declared.diagnostics + find_rejections(tree, path, module_name, declared.by_node)
    if diags:
        return None, diags + notes
    try:
        ir = build_module(tree, source, path, module_name, declared)
        return gtransform.transform_module(ir), notes
    except Unsupported as exc:
        node = exc.node
        hint = exc.hint or INTERPRETED_HINT.format(module=module_name, func="<function>")
        return None, [
            Diagnostic(
                path,
                getattr(node, "lineno", 1),
                getattr(node, "col_offset", 0) + 1,
                exc.code,
                exc.message,
                hint,
            ),
            *notes,
        ]


def _compile_check(source: str, path: str) -> None:
    """Raise the SyntaxError the interpreter's compiler raises for ``source``, if any.

    Some errors come from CPython's symbol table and compiler, not its parser, so
    ``ast.parse`` accepts what the interpreter refuses to import: irrefutable or
    unreachable ``match`` cases, or-patterns binding different names, duplicate literal
    keys in a mapping pattern, ``return``/``break`` outside their statement, a
    ``nonlocal`` without a binding... The module is compiled by the interpreter once
    (the code object is dropped), so exactly those errors, with CPython's message and
    position, keep it from compiling. Warnings of that compilation are not the module's
    warnings at import: they are not shown."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(source, path, "exec", dont_inherit=True)


def analyse_file(
    path: Path, module_name: str, interpreted: tuple[str, ...] = ()
) -> tuple[gir.ModuleIR | None, list[Diagnostic]]:
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic(str(path), 1, 1, "PV100", f"the file cannot be read: {exc}", "")]
    return analyse(source, str(path), module_name, interpreted)

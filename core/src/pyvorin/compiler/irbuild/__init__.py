"""The generic tier's IR builder: Python AST (with CPython's own symbol table) -> IR.

Entry point: :func:`build_module`. Constructs the generic tier cannot compile exactly are
reported as :class:`~.builder.Unsupported` (turned into diagnostics by the caller); every
other construct lowers to ops whose behaviour is the interpreter's by construction.
"""

from __future__ import annotations

import ast

from .. import gir
from ..interpreted import Declarations, future_flags
from . import asyncs, functions, scopes, statements  # noqa: F401  (registers the lowerings)
from .builder import FunctionBuilder, ModuleBuilder, Unsupported
from .functions import docstring_of, find_annotations

__all__ = ["Unsupported", "build_module"]


def build_module(
    tree: ast.Module,
    source: str,
    path: str,
    module_name: str,
    declared: Declarations | None = None,
) -> gir.ModuleIR:
    """``declared``: the module's functions declared interpreted (not compiled; made from
    their source by the interpreter at import, see :mod:`..interpreted`)."""
    sc = scopes.analyse(tree, source, path, declared.by_node if declared is not None else ())
    mb = ModuleBuilder(module_name, path, sc)
    mb.source = source
    mb.future_flags = future_flags(tree)
    mb.declared = declared
    mb.future_annotations = any(
        isinstance(s, ast.ImportFrom)
        and s.module == "__future__"
        and any(a.name == "annotations" for a in s.names)
        for s in tree.body
    )
    body_ir = gir.FuncIR("module", "<module>", "<module>", "module", 1)
    fb = FunctionBuilder(mb, body_ir, sc.top)
    # CPython's compiler_body: __annotations__ made before __doc__ is stored
    if find_annotations(tree.body):
        fb.do("setup_annotations", gir.CExpr("pv_globals"))
    doc = docstring_of(tree.body)
    body = tree.body
    if doc is not None:
        fb.at(body[0])
        d = fb.load_const(doc)
        fb.do("store_global", fb.name_const("__doc__"), d)
        fb.free(d)
        body = body[1:]
    statements.block(fb, body)
    none = fb.prim("none")
    fb.emit(gir.Return(fb.line, none))
    interpreted = declared.qualnames if declared is not None else []
    return gir.ModuleIR(module_name, path, mb.functions, body_ir, mb.consts, doc, interpreted)

"""What the generic tier refuses: constructs that cannot be compiled exactly.

Compiled code has no interpreter frame, so anything that reads or writes the running
frame (``eval``/``exec``/``compile`` of code that would run in it, ``locals()``,
``sys._getframe``...) would behave differently; it is rejected with a precise diagnostic
instead. So is ``inspect`` reading the source of a compiled function or class
(:mod:`.source_reads`). So is what is not built yet (type-parameter syntax).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator

from ...diagnostics import Diagnostic
from ..interpreted import compiled_parts
from .source_reads import find_source_reads

INTERPRETED_HINT = (
    "or declare the function interpreted: [tool.pyvorin] interpreted = "
    '["{module}:{func}"] (listed in the manifest and the audit log)'
)

FRAME_BUILTINS = {
    "eval": (
        "PV401",
        "eval() runs interpreted code in the caller's frame; it cannot be compiled exactly",
        "parse data with ast.literal_eval or json, or dispatch on the value explicitly",
    ),
    "exec": (
        "PV401",
        "exec() runs interpreted code in the caller's frame; it cannot be compiled exactly",
        "define the code as ordinary functions in the module",
    ),
    "compile": (
        "PV401",
        "compile() of source text at run time makes interpreted code",
        "define the code as ordinary functions in the module",
    ),
    "locals": (
        "PV403",
        "locals() reads the interpreter frame, which compiled code does not have",
        "build the dict you need explicitly, e.g. dict(a=a, b=b)",
    ),
    "vars": (
        "PV403",
        "vars() without an argument reads the interpreter frame",
        "build the dict you need explicitly, or call vars(obj) with an object",
    ),
    "dir": (
        "PV403",
        "dir() without an argument reads the interpreter frame",
        "list the names you need explicitly, or call dir(obj) with an object",
    ),
}
FRAME_ATTRS = {
    ("sys", "_getframe"),
    ("sys", "_current_frames"),
    ("inspect", "currentframe"),
    ("inspect", "stack"),
    ("inspect", "getouterframes"),
    ("inspect", "getframeinfo"),
}


def _defined_names(tree: ast.Module) -> set[str]:
    """Module-level names bound by the program (which shadow builtins)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            out.add(node.id)
        elif isinstance(node, ast.alias):
            out.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            out.add(node.arg)
    return out


def find_rejections(
    tree: ast.Module, path: str, module_name: str, declared: Collection[int] = ()
) -> list[Diagnostic]:
    """Diagnostics for what cannot be compiled exactly. ``declared``: ids of the ``def``
    nodes declared interpreted, whose bodies run interpreted and are not looked at (their
    decorators, defaults and annotations are compiled, so they are)."""
    defined = _defined_names(tree)
    diags: list[Diagnostic] = []
    func_stack: list[str] = []

    def diag(node: ast.AST, code: str, message: str, hint: str) -> None:
        funcs = [f for f in func_stack if not f.endswith(".")]
        extra = INTERPRETED_HINT.format(module=module_name, func=funcs[0]) if funcs else ""
        full_hint = f"{hint}; {extra}" if extra else hint
        diags.append(Diagnostic(path, node.lineno, node.col_offset + 1, code, message, full_hint))

    for item in _walk(tree, func_stack, declared):
        _check(item, diag, defined, declared)
    return diags + find_source_reads(tree, path, module_name, declared)


def _walk(node: ast.AST, func_stack: list[str], declared: Collection[int]) -> Iterator[ast.AST]:
    if id(node) in declared:
        yield node
        for part in compiled_parts(node):  # type: ignore[arg-type]
            yield from _walk(part, func_stack, declared)
        return
    pushed = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if pushed:
        func_stack.append(_qualname(node, func_stack))
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(node, ast.ClassDef) and not func_stack and child in node.body:
            func_stack.append(f"{node.name}.")  # a method's hint names Class.method
            yield from _walk(child, func_stack, declared)
            func_stack.pop()
            continue
        yield from _walk(child, func_stack, declared)
    if pushed:
        func_stack.pop()


def _qualname(node: ast.AST, func_stack: list[str]) -> str:
    """The name a hint suggests declaring: the enclosing top-level function or method."""
    funcs = [f for f in func_stack if not f.endswith(".")]
    if funcs:
        return funcs[0]
    if func_stack:
        return func_stack[-1] + node.name  # type: ignore[attr-defined]
    return node.name  # type: ignore[attr-defined]


def _check(node: ast.AST, diag, defined: set[str], declared: Collection[int]) -> None:
    if id(node) in declared:
        if getattr(node, "type_params", None):
            diag(
                node,
                "PV408",
                "type parameter syntax is not compiled yet, on a declared function either",
                "use typing.TypeVar instead",
            )
        return
    if type(node).__name__ == "TypeAlias" or getattr(node, "type_params", None):
        diag(
            node,
            "PV408",
            "type parameter syntax is not compiled yet",
            "use typing.TypeVar and typing.TypeAlias instead",
        )
    elif isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name) and f.id in FRAME_BUILTINS and f.id not in defined:
            if f.id in ("vars", "dir") and (node.args or node.keywords):
                return
            code, message, hint = FRAME_BUILTINS[f.id]
            diag(node, code, message, hint)
        elif (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and (f.value.id, f.attr) in FRAME_ATTRS
        ):
            diag(
                node,
                "PV402",
                f"{f.value.id}.{f.attr}() inspects interpreter frames, which compiled code "
                "does not have",
                "pass the information you need as arguments instead",
            )

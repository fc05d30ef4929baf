"""What the generic tier refuses: constructs that cannot be compiled exactly.

Compiled code has no interpreter frame, so anything that reads or writes the running
frame (``eval``/``exec``/``compile`` of code that would run in it, ``locals()``,
``sys._getframe``...) would behave differently; it is rejected with a precise diagnostic
instead. So is what is not built yet (async, ``except*``, type-parameter syntax, match).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from ...diagnostics import Diagnostic

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


def find_rejections(tree: ast.Module, path: str, module_name: str) -> list[Diagnostic]:
    defined = _defined_names(tree)
    diags: list[Diagnostic] = []
    func_stack: list[str] = []

    def diag(node: ast.AST, code: str, message: str, hint: str) -> None:
        func = func_stack[-1] if func_stack else "<module>"
        extra = INTERPRETED_HINT.format(module=module_name, func=func) if func_stack else ""
        full_hint = f"{hint}; {extra}" if extra else hint
        diags.append(Diagnostic(path, node.lineno, node.col_offset + 1, code, message, full_hint))

    def visit(node: ast.AST) -> None:
        for item in _walk(node, func_stack):
            _check(item, diag, defined)

    visit(tree)
    return diags


def _walk(node: ast.AST, func_stack: list[str]) -> Iterator[ast.AST]:
    pushed = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    if pushed:
        func_stack.append(node.name)
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _walk(child, func_stack)
    if pushed:
        func_stack.pop()


def _check(node: ast.AST, diag, defined: set[str]) -> None:
    if isinstance(node, (ast.AsyncFunctionDef, ast.AsyncFor, ast.AsyncWith, ast.Await)):
        diag(
            node,
            "PV404",
            "async code is not compiled yet",
            "keep coroutines in a module that is not compiled",
        )
    elif isinstance(node, ast.comprehension) and node.is_async:
        diag(node.target, "PV404", "async comprehensions are not compiled yet", "use a for loop")
    elif isinstance(node, ast.Match):
        diag(
            node,
            "PV406",
            "match statements are not compiled yet",
            "use if/elif chains with isinstance() and comparisons",
        )
    elif type(node).__name__ == "TryStar":
        diag(
            node,
            "PV407",
            "except* (exception groups) is not compiled yet",
            "catch the ExceptionGroup with a plain except and inspect .exceptions",
        )
    elif type(node).__name__ == "TypeAlias" or getattr(node, "type_params", None):
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

"""Why a function could not be verified, when its source says so exactly.

A function that imports from ``__main__`` (``timeit``'s ``setup="from __main__ import f"``)
finds the verifier's worker there, not the program the module was written for: the report
says so too.

A function that reads a global the module defines only under
``if __name__ == "__main__":`` raises ``NameError`` on every call once the module is
imported (as the verifier imports it, and as any user of a compiled module does): no
input can reach its body. The report then names the global and the line of the block,
with the fix, instead of asking for more inputs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ..bindings import bound_names

_NAME_ERROR = re.compile(r"^name '([A-Za-z_]\w*)' is not defined")
_MAIN_IMPORT = re.compile(r"^cannot import name '([A-Za-z_]\w*)' from '__main__'")


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If):
        return False
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, *test.comparators]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names) and bool(mains)


def main_only_globals(source: str) -> dict[str, int]:
    """Names the ``if __name__ == "__main__":`` block binds and nothing else at the top
    level does: name -> the block's line."""
    tree = ast.parse(source)
    top: set[str] = set()
    main: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            top.add(node.name)  # its body's names are its own locals
            continue
        names = bound_names(node)
        if _is_main_guard(node):
            for name in names:
                main.setdefault(name, node.lineno)
        else:
            top |= names
    return {name: line for name, line in main.items() if name not in top}


def main_block_hint(path: Path, function: str, messages: list[str]) -> str | None:
    """The explanation when the NameErrors ``messages`` name a global only the
    ``__main__`` block defines, else None."""
    names = {m.group(1) for m in map(_NAME_ERROR.match, messages) if m}
    if not names:
        return None
    try:
        defined = main_only_globals(Path(path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return None
    found = sorted(n for n in names if n in defined)
    if not found:
        return None
    name = found[0]
    line = defined[name]
    return (
        f"{function} reads the global {name!r}, which {Path(path).name} assigns only in its "
        f'`if __name__ == "__main__":` block (line {line}); that block does not run when '
        f"the module is imported (by the verifier, or by any user of the compiled module), "
        f"so every call raises NameError: name {name!r} is not defined. Fix: assign "
        f"{name!r} at the module's top level, or pass it to {function} as a parameter"
    )


def main_import_hint(function: str, messages: list[str]) -> str | None:
    """The explanation when every ImportError says a name is missing from ``__main__``."""
    if not messages or not all(_MAIN_IMPORT.match(m) for m in messages):
        return None
    names = sorted({m.group(1) for m in map(_MAIN_IMPORT.match, messages) if m})
    return (
        f"{function} imports {', '.join(map(repr, names))} from `__main__` (e.g. timeit's "
        f'setup="from __main__ import ..."): `__main__` is whatever program runs, here the '
        f"verifier's worker, so every call raises ImportError whatever its arguments. Fix: "
        f"import from the module itself (or pass timeit a globals= namespace), or declare "
        f"{function} interpreted"
    )

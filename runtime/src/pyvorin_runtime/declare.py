"""``@pyvorin_runtime.interpreted``: declare a function interpreted in a compiled module.

At run time the decorator is the identity: it returns the function unchanged, so the
module behaves the same interpreted or compiled. The compiler recognises it statically
(imported from ``pyvorin_runtime``) and leaves the function uncompiled: the compiled
module makes it from its exact source text with the interpreter's ``compile()`` at
import. The declaration is never silent: ``pyvorin check``/``compile`` report it, the
signed manifest lists it and the build's audit log records it. Like the rest of the
runtime, it imports nothing heavy at run time (not even ``typing``: the type variable
exists for type checkers only).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TypeVar

    F = TypeVar("F")


def interpreted(func: F) -> F:
    """Declare ``func`` (a top-level function or a method of a top-level class) interpreted.

    Returns ``func`` itself; see the module docstring for what the compiler does with it.
    """
    return func

"""The native tier's C code generator: typed IR (:mod:`..ir`) -> the C translation units
of an extension module (or, embedded, one unit of a generic-tier module).

A small module is one unit, as it always was. A large one (see :mod:`..units`) is several:
a shared header of prototypes and ``extern`` declarations, function units (each
function with its Python-facing wrapper, functions that call each other kept together
where they fit), and a module unit with the constants, the method table and the init
function; the toolchain compiles them in parallel. Names shared between units carry a
module-unique prefix and hidden visibility; native calls between units stay direct C calls.

Modules, by concern:

- :mod:`.cvalues`: C types, literals and error values of the IR's types; ``CVal``;
- :mod:`.module`: ``ModuleGen``, a module's units (one, split, or embedded);
- :mod:`.embedding`: the names the embedded native unit shares with the generic tier;
- :mod:`.boxing`: boxing, unboxing, exact-representation tests of arguments;
- :mod:`.funcstate`: ``FuncState``, one function's emission state and shared helpers;
- :mod:`.function`: ``FuncGen``, one function's C, its wrapper and entry, and the dispatch
  of expressions to the emitter of their kind, in the mixins :mod:`.statements`,
  :mod:`.arithmetic`, :mod:`.calls` and :mod:`.sequences`.
"""

from __future__ import annotations

from .module import ModuleGen

__all__ = ["ModuleGen"]

"""The names the native unit of a generic-tier module shares with the generic unit.

The generic tier's C (:mod:`..gcodegen`) calls the native unit's init and, for each
function with a native version, its entry (see :meth:`.function.FuncGen.entry`); both
units declare these names with :data:`EMBEDDED_SHARED` (hidden visibility).
"""

from __future__ import annotations

from .. import units
from .cvalues import cid

# the hidden-visibility storage class of names the native unit shares with the generic one
EMBEDDED_SHARED = """#if defined(__GNUC__) || defined(__clang__)
#define PVM_SHARED __attribute__((visibility("hidden")))
#else
#define PVM_SHARED
#endif"""


def embedded_entry_name(module_name: str, function: str) -> str:
    """The C name of the native unit's entry for ``function`` (see :meth:`FuncGen.entry`)."""
    return f"{units.symbol_prefix(module_name)}n_e_{cid(function)}"


def embedded_init_name(module_name: str) -> str:
    return f"{units.symbol_prefix(module_name)}n_init"

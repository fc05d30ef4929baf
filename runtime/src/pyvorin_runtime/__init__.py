"""pyvorin-runtime: what an installed Pyvorin-compiled package needs at import time.

A compiled module ships as three files: the extension binary
(``<leaf>.pyvorin<EXT_SUFFIX>``), its signed manifest (``<leaf>.pyvorin.json``) and a
loader stub (``<leaf>.py``) that calls :func:`load_verified`, which verifies the
manifest's signatures against the trust store and the binary's hashes, then loads
exactly the verified bytes; it refuses a build older than one of the same distribution
already loaded here (:mod:`.builds`) and anything that would be imported in place of a
stub (:mod:`.guard`; its import hook is installed at interpreter start-up by
``pyvorin-shadow-guard.pth``, or else when this package is imported). It also provides
:func:`interpreted`, the decorator that declares a function interpreted in a compiled
module (see :mod:`.declare`). That is all this distribution does; the compiler, the
sandbox and the signing tools are in ``pyvorin``, which depends on this one.
"""

from __future__ import annotations

from .declare import interpreted
from .guard import install as _install_guard
from .loader import RefusedDowngrade, RefusedImport, load_verified

_install_guard()

__version__ = "0.1.0"
__all__ = ["RefusedDowngrade", "RefusedImport", "__version__", "interpreted", "load_verified"]

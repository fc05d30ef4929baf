"""pyvorin-runtime: what an installed Pyvorin-compiled package needs at import time.

A compiled module ships as three files: the extension binary
(``<leaf>.pyvorin<EXT_SUFFIX>``), its signed manifest (``<leaf>.pyvorin.json``) and a
loader stub (``<leaf>.py``) that calls :func:`load_verified`, which verifies the
manifest's signatures against the trust store and the binary's hashes, then loads
exactly the verified bytes. It also provides :func:`interpreted`, the decorator that
declares a function interpreted in a compiled module (see :mod:`.declare`). That is all
this distribution does; the compiler, the sandbox and the signing tools are in
``pyvorin``, which depends on this one.
"""

from __future__ import annotations

from .declare import interpreted
from .loader import RefusedImport, load_verified

__version__ = "0.1.0"
__all__ = ["RefusedImport", "__version__", "interpreted", "load_verified"]

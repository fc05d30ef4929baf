"""The one canonical-JSON function: what every signature, MAC and hash chain is computed over.

Keys sorted, no whitespace, UTF-8 (not ASCII-escaped). Manifests, licence tokens and
leases, audit records and build-cache entries all use it. It is defined by the runtime
(:func:`pyvorin_runtime.cjson.canonical`, which verifies manifests at import time without
this package) and re-exported here, not copied.
"""

from __future__ import annotations

from pyvorin_runtime.cjson import canonical

__all__ = ["canonical"]

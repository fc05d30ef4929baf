"""The one canonical-JSON function: what every signature, MAC and hash chain is computed over.

Keys sorted, no whitespace, UTF-8 (not ASCII-escaped). Manifests, licence tokens and
leases, audit records and build-cache entries all use it.
"""

from __future__ import annotations

import json
from typing import Any


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

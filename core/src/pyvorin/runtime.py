"""The verify-before-load runtime moved to the ``pyvorin-runtime`` distribution.

Loader stubs now import :mod:`pyvorin_runtime`; this module keeps the old import path
working for stubs written by earlier versions (``from pyvorin.runtime import
load_verified``), which an installed wheel may still contain. It re-exports, it does not
copy.
"""

from __future__ import annotations

from pyvorin_runtime.loader import (
    RefusedImport,
    load_verified,
    loader_source,
    refuse,
    verify_for_import,
)

__all__ = ["RefusedImport", "load_verified", "loader_source", "refuse", "verify_for_import"]

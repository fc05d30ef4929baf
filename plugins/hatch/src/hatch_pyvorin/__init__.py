"""Hatch build hook ``pyvorin``: see :mod:`hatch_pyvorin.plugin`."""

from __future__ import annotations

__version__ = "0.1.0"

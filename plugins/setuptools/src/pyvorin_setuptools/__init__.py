"""Pyvorin for setuptools: compiled, verified and signed modules in your wheels.

Two ways in, both ending in the same single call of :func:`pyvorin.build_api.build_project`:

* list ``pyvorin-setuptools`` in ``[build-system] requires``: the
  ``setuptools.finalize_distribution_options`` plugin (:mod:`pyvorin_setuptools.plugin`)
  takes over ``build_py`` for projects with a ``[tool.pyvorin]`` table;
* or use ``build-backend = "pyvorin_setuptools.build_meta"`` to pass options through
  PEP 517 ``config_settings`` (``pyvorin-include-source``).
"""

from __future__ import annotations

__version__ = "0.1.0"

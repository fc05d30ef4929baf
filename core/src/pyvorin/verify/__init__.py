"""Equivalence verification: compiled code checked against CPython on real inputs.

Modules (each built-in plugin is registered like a third-party one):

* :mod:`~pyvorin.verify.verifier` — the ``pyvorin_verify`` stage;
* input sources (``pyvorin_generate_inputs``), used in this order:
  :mod:`~pyvorin.verify.examples`, :mod:`~pyvorin.verify.doctests`,
  :mod:`~pyvorin.verify.corpus`, :mod:`~pyvorin.verify.generate`;
* :mod:`~pyvorin.verify.recorder` — records real calls into the corpus (pytest adapter);
* :mod:`~pyvorin.verify.values` — the exact, pickle-free value encoding;
* :mod:`~pyvorin.verify.worker` / :mod:`~pyvorin.verify.workers` — the worker processes.

This package imports nothing heavy at import time: the worker process imports it.
"""

from __future__ import annotations

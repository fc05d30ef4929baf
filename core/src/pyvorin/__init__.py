"""Pyvorin: compile typed Python modules to verified, signed CPython extensions."""

__version__ = "0.1.0"

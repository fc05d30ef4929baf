"""Registers the ``pyvorin`` build hook with hatchling (entry-point group ``hatch``)."""

from __future__ import annotations

from hatchling.plugin import hookimpl

from .plugin import PyvorinBuildHook


@hookimpl
def hatch_register_build_hook():
    return PyvorinBuildHook

"""The errors the runtime raises; ``pyvorin.errors`` builds the rest of its hierarchy on them.

Each class carries the exit code it maps to. The table of exit codes is
``pyvorin.exitcodes.ExitCode`` (the compiler's); the runtime does not import ``enum`` for
two numbers, so they are written here as plain integers and a test holds them equal to
``ExitCode.INTERNAL`` and ``ExitCode.SIGNATURE``.
"""

from __future__ import annotations


class PyvorinError(Exception):
    """Base class; an unexpected failure inside Pyvorin (exit 1, ``ExitCode.INTERNAL``)."""

    exit_code: int = 1


class SignatureError(PyvorinError):
    """A signature, hash or trust check failed (exit 5, ``ExitCode.SIGNATURE``)."""

    exit_code: int = 5


def fix_command(compiler_command: str, runtime_command: str) -> str:
    """The command a refusal tells the user to run: the compiler's where it is installed,
    else the runtime's own (``python -m pyvorin_runtime ...``), which does the same."""
    from .names import PathFinder

    return compiler_command if PathFinder.find_spec("pyvorin") is not None else runtime_command

"""Exception hierarchy: each error class carries the exit code it maps to.

``PyvorinError`` (the base) and ``SignatureError`` are defined by the runtime
(:mod:`pyvorin_runtime.errors`), which raises them at import time; the rest are here.

Code raises these with a message meant for the user (naming the file, key, value
or limit involved); the CLI prints the message and exits with ``exit_code``
instead of showing a traceback.
"""

from __future__ import annotations

from pyvorin_runtime.errors import PyvorinError, SignatureError

from .exitcodes import ExitCode

__all__ = [
    "BusyError",
    "ConfigError",
    "LicenceError",
    "NoCompilerError",
    "PyvorinError",
    "SandboxLimitError",
    "SignatureError",
    "ToolchainError",
    "UnsupportedError",
    "UsageError",
    "VerificationError",
]


class UsageError(PyvorinError):
    """Bad command-line usage (exit 2)."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """Invalid configuration: names the file, key path, expectation and finding (exit 2)."""


class UnsupportedError(PyvorinError):
    """Source uses constructs outside the compilable subset (exit 3)."""

    exit_code = ExitCode.UNSUPPORTED

    def __init__(self, message: str, diagnostics: list | None = None) -> None:
        super().__init__(message)
        self.diagnostics = list(diagnostics or [])


class ToolchainError(PyvorinError):
    """The C compiler failed on generated code (exit 1, with the compiler's own output).

    Generated C that a working compiler refuses is a bug in Pyvorin, hence exit 1.
    """


class NoCompilerError(ToolchainError):
    """No working C compiler: missing, not executable, or failing ``--version`` (exit 9).

    The user's machine needs a compiler (or ``CC`` pointing at one); nothing is wrong
    with their code or with Pyvorin.
    """

    exit_code = ExitCode.NO_COMPILER


class VerificationError(PyvorinError):
    """Compiled code behaved differently from CPython, or inputs were insufficient (exit 4)."""

    exit_code = ExitCode.VERIFICATION


class LicenceError(PyvorinError):
    """The licence gate refused (exit 6)."""

    exit_code = ExitCode.LICENCE


class SandboxLimitError(PyvorinError):
    """A sandboxed worker hit a limit, or required isolation was unavailable (exit 7)."""

    exit_code = ExitCode.SANDBOX_LIMIT


class BusyError(PyvorinError):
    """Another build holds the lock of the output directory or project (exit 8)."""

    exit_code = ExitCode.BUSY

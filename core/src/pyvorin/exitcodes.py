"""The exit-code table shared by every command (DESIGN.md, "Exit codes").

This is the one place where outcomes become process exit codes: the CLI, the
pipeline and the adapters all use it.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1  # a bug in Pyvorin or a plugin
    USAGE = 2  # bad command line or configuration
    UNSUPPORTED = 3  # a construct outside the compilable subset
    VERIFICATION = 4  # compiled code differs from CPython
    SIGNATURE = 5  # signature or trust failure
    LICENCE = 6  # the licence gate refused
    SANDBOX_LIMIT = 7  # time, memory, process or file limit hit (or isolation refused)
    BUSY = 8  # the output directory (or project) is locked by another build
    NO_COMPILER = 9  # no working C compiler: missing, not executable, or failing its probe

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "ok",
    ExitCode.INTERNAL: "internal error",
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.UNSUPPORTED: "unsupported construct",
    ExitCode.VERIFICATION: "verification mismatch",
    ExitCode.SIGNATURE: "signature or trust failure",
    ExitCode.LICENCE: "licence refused",
    ExitCode.SANDBOX_LIMIT: "sandbox limit hit",
    ExitCode.BUSY: "output locked by another build",
    ExitCode.NO_COMPILER: "no working C compiler",
}

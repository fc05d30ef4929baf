"""Loaded by Python workers started through ``pyvorin.sandbox.run_python``.

An uncaught exception that means a sandbox limit was hit (MemoryError under the
address-space limit, EFBIG under the file-size limit, EMFILE under the open-files limit,
EAGAIN from fork under the process limit) is reported on the marker descriptor, so the
parent can name the limit instead of guessing from the traceback text.
"""

from __future__ import annotations

import errno
import os
import sys

_FD = os.environ.get("PYVORIN_SANDBOX_MARK_FD", "")


def _mark_for(exc: BaseException) -> str | None:
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, OSError):
        if exc.errno == errno.EFBIG:
            return "file-size"
        if exc.errno in (errno.EMFILE, errno.ENFILE):
            return "open-files"
        if exc.errno == errno.EAGAIN:
            return "processes"
    if isinstance(exc, RuntimeError) and "can't start new thread" in str(exc):
        return "processes"
    return None


def _install() -> None:
    if not _FD.isdigit():
        return
    fd = int(_FD)
    previous = sys.excepthook

    def hook(kind, value, tb):  # type: ignore[no-untyped-def]
        mark = _mark_for(value)
        if mark is not None:
            try:
                os.write(fd, mark.encode() + b"\n")
            except OSError:
                pass
        previous(kind, value, tb)

    sys.excepthook = hook


_install()

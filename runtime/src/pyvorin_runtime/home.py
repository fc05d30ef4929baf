"""Where Pyvorin's state lives: ``PYVORIN_HOME``, else the per-user data directory.

The runtime reads the trust store, revocations and HMAC keys from it, and writes only
the record of loaded builds and trusted public keys (:func:`atomic_write`); the rest of
creating it and writing files safely is ``pyvorin.home``'s job. The default is the directory
``platformdirs.user_data_dir("pyvorin")`` names, computed here without that dependency:
``$XDG_DATA_HOME/pyvorin`` or ``~/.local/share/pyvorin`` on Linux and other Unix systems,
``~/Library/Application Support/pyvorin`` on macOS, ``%LOCALAPPDATA%\\pyvorin\\pyvorin``
on Windows.
"""

from __future__ import annotations

import os
import sys

ENV_HOME = "PYVORIN_HOME"


def default_home() -> str:
    """The per-user data directory (what ``platformdirs.user_data_dir("pyvorin")`` says)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return os.path.join(base, "pyvorin", "pyvorin")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~/Library/Application Support"), "pyvorin")
    base = os.environ.get("XDG_DATA_HOME", "")
    if not base.strip():
        base = os.path.expanduser("~/.local/share")
    return os.path.join(base, "pyvorin")


def home_dir() -> str:
    """``PYVORIN_HOME`` (with ``~`` expanded) or :func:`default_home`; never created here."""
    raw = os.environ.get(ENV_HOME)
    return os.path.expanduser(raw) if raw else default_home()


def atomic_write(path: str, data: bytes, mode: int) -> None:
    """Replace ``path`` with ``data`` atomically; the file has ``mode`` from creation on.

    A hidden temporary file in the same directory is written, synced and renamed over
    ``path``; on any failure it is removed and ``path`` is left as it was."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{os.urandom(6).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # exactly ``mode``, whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

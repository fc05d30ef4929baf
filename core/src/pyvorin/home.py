"""Where Pyvorin keeps state (``PYVORIN_HOME``) and how it writes files safely.

State: keys, trust store, audit log, licence lease, build cache. Secret files are
created with mode 0600 from the first byte (never chmod-ed after the fact), and every
write goes to a temporary file that is renamed into place, so a crash never leaves a
half-written file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyvorin_runtime import home as runtime_home
from pyvorin_runtime.home import home_dir


def pyvorin_home(create: bool = True) -> Path:
    """``PYVORIN_HOME`` or the per-user data directory, created 0700 on first use.

    Which directory that is, is decided in one place: :func:`pyvorin_runtime.home.home_dir`
    (the runtime reads the trust store from it at import time).
    """
    home = Path(home_dir())
    if create and not home.is_dir():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def state_dir(name: str, create: bool = True) -> Path:
    """A subdirectory of the home (``keys``, ``audit``, ``cache`` ...), created 0700."""
    path = pyvorin_home(create) / name
    if create and not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically; the file has ``mode`` from creation on
    (the parent directories are created first)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    runtime_home.atomic_write(str(path), data, mode)


def write_private(path: Path, data: bytes) -> None:
    """Atomically write a secret file readable by its owner only (0600)."""
    atomic_write(path, data, mode=0o600)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created 0600): serialises processes."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

"""Atomic outputs: the lock of an output directory, its staging directory, the commit.

A pipeline run that writes artifacts (``pyvorin compile|build``, the adapters through
:mod:`pyvorin.build_api`) goes through :func:`staged_output`:

1. **Lock.** ``OUT/.pyvorin.lock`` is taken with ``flock`` and holds the holder's pid. A
   second build into ``OUT`` waits, saying who holds it, for the run's lock timeout
   (``--lock-timeout`` / ``PYVORIN_LOCK_TIMEOUT``, default 600 s; 0 refuses at once) and
   then refuses with :class:`~pyvorin.errors.BusyError` (exit 8). The holder removes the
   file when it releases the lock; a waiter that got the lock on a removed file retries.
2. **Repair.** Under the lock, staging directories of earlier runs are dealt with: one
   whose commit journal exists was interrupted during its renames and is rolled forward
   (its remaining files are moved into place); any other one belongs to a run that died
   before its commit and is deleted (its pid, in the name, must be dead).
3. **Stage.** The stages write into ``OUT/.pyvorin-staging-<pid>-<token>/`` (same file
   system as ``OUT``, so the final moves are ``rename(2)``), never into ``OUT`` itself.
4. **Commit**, only once every module of the run passed signing: every staged file is
   fsynced, the journal (``.pyvorin-commit.json``: the files in commit order) is written
   atomically into the staging directory, then each file is renamed into ``OUT``, one
   module at a time (report, binary, other files, loader stub, manifest last), the
   directories fsynced, and the journal and the staging directory removed. SIGINT,
   SIGTERM and SIGHUP that arrive during the commit are held and acted on after it.
5. **Abort** on any failure or interruption (an exception, SIGINT, SIGTERM or SIGHUP,
   which become :class:`Interrupted` during the run): the staging directory is deleted,
   the lock released and ``OUT`` (and any parent) removed again if this run created it.

What a crash at the exact moment of the renames (a SIGKILL or power loss after the
journal was written) can leave: the modules renamed so far are new, the others old, and
the one module being renamed has some new and some old files; its loader refuses to load
it (the manifest covers the binary's and the stub's sha256), so no mix of old and new code
is ever imported. The next run into ``OUT`` (any command that takes the lock) finishes the
renames from the journal before it does anything else.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .artifacts import LOCK_NAME, STAGING_PREFIX
from .errors import BusyError, PyvorinError

JOURNAL_NAME = ".pyvorin-commit.json"
JOURNAL_FORMAT = "pyvorin-commit"
HELD_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class Interrupted(KeyboardInterrupt):
    """A build stopped by a signal (SIGINT, or SIGTERM/SIGHUP turned into an exception)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def interrupt_exit_code(exc: BaseException) -> int:
    """The conventional exit status of a build stopped by ``exc`` (130 for Ctrl-C)."""
    return exc.exit_code if isinstance(exc, Interrupted) else 128 + signal.SIGINT


def _signals() -> list[int]:
    return [getattr(signal, name) for name in HELD_SIGNALS if hasattr(signal, name)]


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def signals_as_interrupts() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP raise :class:`Interrupted` (like SIGINT
    raises KeyboardInterrupt) instead of killing the process, so cleanup runs.

    Only signals still at their default disposition are taken (a host that handles them
    keeps its handler), and only in the main thread (the only one Python signals reach).
    """
    if not _main_thread():
        yield
        return

    def raise_interrupt(signum: int, frame: Any) -> None:
        raise Interrupted(signum)

    previous = {}
    for signum in _signals():
        if signum == signal.SIGINT:
            continue
        if signal.getsignal(signum) is signal.SIG_DFL:
            previous[signum] = signal.signal(signum, raise_interrupt)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP during the block; act on the first one after it."""
    if not _main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        pending.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in _signals()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if pending:
        signum = pending[0]
        handler = previous[signum]
        if callable(handler) and handler is not signal.default_int_handler:
            handler(signum, None)
        elif handler is not signal.SIG_IGN:
            raise Interrupted(signum)


# -- the lock ------------------------------------------------------------------------------
@dataclass
class _Held:
    fd: int
    count: int = 1


_HELD: dict[str, _Held] = {}


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "a process that has not written its pid yet"


def _same_file(fd: int, path: Path) -> bool:
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino)


def _acquire(path: Path, what: str, timeout: float, say: Callable[[str], None]) -> int:
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except FileNotFoundError:  # the holder removed a directory it had created
            path.parent.mkdir(parents=True, exist_ok=True)
            continue
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _holder(fd)
                    if time.monotonic() >= deadline:
                        raise BusyError(
                            f"{what} is locked by another build ({holder}; lock file {path}); "
                            f"gave up after {timeout:g} s (--lock-timeout / "
                            "PYVORIN_LOCK_TIMEOUT sets how long to wait)"
                        ) from None
                    if not announced:
                        say(
                            f"{what} is locked by another build ({holder}); waiting up to "
                            f"{timeout:g} s for it to finish"
                        )
                        announced = True
                    time.sleep(0.1)
            if not _same_file(fd, path):
                os.close(fd)  # locked a file its holder removed on release: lock the new one
                continue
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            return fd
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


@contextmanager
def exclusive_lock(
    path: Path, *, what: str, timeout: float, say: Callable[[str], None]
) -> Iterator[None]:
    """Hold ``flock`` on ``path`` (pid recorded), re-entrant within one process.

    Waits up to ``timeout`` seconds (saying so once through ``say``), then raises
    :class:`~pyvorin.errors.BusyError`. On release the file is removed.
    """
    path = Path(path)
    key = os.path.realpath(path)
    held = _HELD.get(key)
    if held is not None:
        held.count += 1
        try:
            yield
        finally:
            held.count -= 1
        return
    fd = _acquire(path, what, timeout, say)
    _HELD[key] = _Held(fd)
    try:
        yield
    finally:
        del _HELD[key]
        _release(path, fd)


def _release(path: Path, fd: int) -> None:
    try:
        if _same_file(fd, path):
            path.unlink()  # while still holding it: a waiter sees the change and retries
    except OSError:
        pass
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def hold_until_exit(path: Path, *, what: str, timeout: float, say: Callable[[str], None]):
    """Take :func:`exclusive_lock` and keep it until the process exits (for hosts that
    give no hook at the end of a build, such as setuptools' distribution plugin)."""
    import atexit

    key = os.path.realpath(path)
    if key in _HELD:
        return
    manager = exclusive_lock(path, what=what, timeout=timeout, say=say)
    manager.__enter__()
    atexit.register(manager.__exit__, None, None, None)


# -- staging and commit --------------------------------------------------------------------
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _commit_order(names: Iterable[str]) -> list[str]:
    """One module's files together (same directory and leaf), its manifest last."""
    from .artifacts import MANIFEST_SUFFIX
    from .verify.report import REPORT_SUFFIX

    def rank(name: str) -> tuple[str, str, int, str]:
        directory, _, filename = name.rpartition("/")
        if filename.endswith(REPORT_SUFFIX):
            kind = 0
        elif filename.endswith(MANIFEST_SUFFIX):
            kind = 4
        elif filename.endswith(".py"):
            kind = 3
        elif ".pyvorin" in filename:
            kind = 1
        else:
            kind = 2
        return (directory, filename.partition(".")[0], kind, filename)

    return sorted(names, key=rank)


def _move_all(staging: Path, destination: Path, names: list[str]) -> list[str]:
    """Rename ``names`` from ``staging`` into ``destination``; the ones moved."""
    moved = []
    directories = set()
    for name in names:
        source = staging / name
        if not source.is_file() or source.is_symlink():
            continue
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        directories.add(target.parent)
        moved.append(name)
    for directory in sorted(directories):
        _fsync_dir(directory)
    return moved


def _read_journal(staging: Path) -> list[str] | None:
    try:
        document = json.loads((staging / JOURNAL_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != JOURNAL_FORMAT:
        return None
    files = document.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    # a journal names files inside the staging directory only
    if any(f.startswith("/") or ".." in f.split("/") for f in files):
        return None
    return files


def repair(destination: Path, audit: Callable[..., None]) -> list[str]:
    """Finish or delete the staging directories earlier runs left in ``destination``.

    Call it with the lock held. Returns one line per directory dealt with.
    """
    done = []
    for staging in sorted(Path(destination).glob(STAGING_PREFIX + "*")):
        if not staging.is_dir() or staging.is_symlink():
            continue
        pid_text = staging.name[len(STAGING_PREFIX) :].partition("-")[0]
        pid = int(pid_text) if pid_text.isdigit() else None
        if pid is not None and pid != os.getpid() and _pid_alive(pid):
            continue  # not ours to touch: its process is alive (it lost its lock file)
        files = _read_journal(staging)
        if files is not None:
            moved = _move_all(staging, Path(destination), files)
            done.append(f"finished the commit of an interrupted build: {len(moved)} file(s)")
            audit("build", phase="repaired", staging=staging.name, files=moved)
        else:
            done.append(f"removed the staging directory of a build that died: {staging.name}")
            audit("build", phase="stale-staging-removed", staging=staging.name)
        shutil.rmtree(staging, ignore_errors=True)
    return done


def _created_parents(path: Path) -> list[Path]:
    """``path`` and its missing parents, deepest first (what a ``mkdir -p`` creates)."""
    missing = []
    for candidate in [path, *path.parents]:
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


@dataclass
class Transaction:
    """One run's staging directory in ``destination`` and its commit."""

    destination: Path
    staging: Path
    audit: Callable[..., None]
    committed: list[str] = field(default_factory=list)
    journaled: bool = False

    def staged_files(self) -> list[str]:
        names = []
        for dirpath, dirnames, filenames in os.walk(self.staging):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for filename in filenames:
                rel = Path(dirpath, filename).relative_to(self.staging).as_posix()
                if rel != JOURNAL_NAME:
                    names.append(rel)
        return names

    def commit(self, only: Iterable[str] | None = None) -> list[str]:
        """Move the staged files (all, or ``only`` these relative names) into place."""
        staged = self.staged_files()
        if only is not None:
            wanted = set(only)
            staged = [name for name in staged if name in wanted]
        names = _commit_order(staged)
        if not names:
            return []
        self.audit("build", phase="commit", files=names, staging=self.staging.name)
        from .home import atomic_write

        with signals_held():
            for name in names:
                with open(self.staging / name, "rb") as handle:
                    os.fsync(handle.fileno())
            journal = {"format": JOURNAL_FORMAT, "version": 1, "pid": os.getpid(), "files": names}
            atomic_write(self.staging / JOURNAL_NAME, json.dumps(journal, indent=1).encode())
            self.journaled = True
            try:
                self.committed = _move_all(self.staging, self.destination, names)
            except OSError as exc:
                raise PyvorinError(
                    f"{self.destination}: moving the built files into place failed "
                    f"({exc}); the next build into this directory finishes the move"
                ) from exc
            (self.staging / JOURNAL_NAME).unlink()
            self.journaled = False
        return self.committed

    def discard(self) -> None:
        if self.journaled:
            return  # a commit stopped half-way: the next run finishes it from the journal
        shutil.rmtree(self.staging, ignore_errors=True)


@contextmanager
def staged_output(
    destination: Path,
    *,
    timeout: float,
    say: Callable[[str], None],
    audit: Callable[..., None],
) -> Iterator[Transaction]:
    """Lock ``destination``, repair it, and give a fresh staging directory inside it.

    Whatever the block commits stays; everything else staged is deleted when the block
    ends, however it ends. If ``destination`` did not exist and nothing was committed, it
    is removed again (with the parents this call created).
    """
    destination = Path(destination).absolute()
    created = _created_parents(destination)
    destination.mkdir(parents=True, exist_ok=True)
    transaction = None
    try:
        with (
            signals_as_interrupts(),
            exclusive_lock(
                destination / LOCK_NAME,
                what=f"the output directory {destination}",
                timeout=timeout,
                say=say,
            ),
        ):
            try:
                for line in repair(destination, audit):
                    say(f"{destination}: {line}")
                staging = destination / f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
                staging.mkdir()
                transaction = Transaction(destination, staging, audit)
                yield transaction
            finally:
                if transaction is not None:
                    with signals_held():
                        transaction.discard()
    finally:
        if not (transaction and transaction.committed):
            for directory in created:
                try:
                    directory.rmdir()
                except OSError as exc:
                    if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                        raise
                    break

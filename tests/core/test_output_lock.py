"""The lock of an output directory or project (pyvorin.outputs), and its timeout option."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyvorin.errors import BusyError, ConfigError
from pyvorin.exitcodes import ExitCode
from pyvorin.options import DEFAULT_LOCK_TIMEOUT, lock_timeout
from pyvorin.outputs import exclusive_lock

HOLDER = """\
import sys, time
from pathlib import Path
from pyvorin.outputs import exclusive_lock
with exclusive_lock(Path(sys.argv[1]), what="x", timeout=0, say=print):
    Path(sys.argv[2]).touch()
    time.sleep(float(sys.argv[3]))
"""


@pytest.mark.parametrize(
    ("flag", "env", "expected"),
    [(None, "", DEFAULT_LOCK_TIMEOUT), (None, "0", 0.0), (None, " 2.5 ", 2.5), (7.0, "1", 7.0)],
)
def test_lock_timeout_flag_then_environment_then_default(flag, env, expected):
    assert lock_timeout(flag, {"PYVORIN_LOCK_TIMEOUT": env}) == expected


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_lock_timeout_names_the_variable_and_the_value(value):
    with pytest.raises(ConfigError) as info:
        lock_timeout(None, {"PYVORIN_LOCK_TIMEOUT": value})
    assert str(info.value) == (
        f"PYVORIN_LOCK_TIMEOUT: expected a number of seconds >= 0, found {value!r}"
    )


def _hold(lock: Path, ready: Path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock), str(ready), str(seconds)])
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    return proc


def test_a_held_lock_refuses_with_exit_8_naming_the_holder(tmp_path):
    lock = tmp_path / ".pyvorin.lock"
    holder = _hold(lock, tmp_path / "ready", 30)
    try:
        assert lock.read_text() == f"{holder.pid}\n"
        said = []
        taking = exclusive_lock(lock, what="the output directory X", timeout=0.3, say=said.append)
        with pytest.raises(BusyError) as info, taking:
            pytest.fail("the lock was taken twice")
        assert info.value.exit_code == ExitCode.BUSY == 8
        assert str(info.value).startswith(
            f"the output directory X is locked by another build (pid {holder.pid}; "
            f"lock file {lock}); gave up after 0.3 s"
        )
        assert said == [
            f"the output directory X is locked by another build (pid {holder.pid}); "
            "waiting up to 0.3 s for it to finish"
        ]
    finally:
        holder.kill()
        holder.wait()
    # the kernel dropped the dead holder's lock: it is free at once, its pid replaced
    with exclusive_lock(lock, what="x", timeout=0, say=print):
        assert lock.read_text() == f"{os.getpid()}\n"
        with exclusive_lock(lock, what="x", timeout=0, say=print):  # re-entrant
            pass
        assert lock.exists()
    assert not lock.exists()  # removed on release


def test_a_waiter_gets_the_lock_when_the_holder_releases_it(tmp_path):
    lock = tmp_path / ".pyvorin.lock"
    holder = _hold(lock, tmp_path / "ready", 1.0)
    said = []
    started = time.monotonic()
    with exclusive_lock(lock, what="X", timeout=60, say=said.append):
        waited = time.monotonic() - started
        assert lock.read_text() == f"{os.getpid()}\n"  # the new file, not the removed one
    assert holder.wait(timeout=30) == 0
    assert 0.3 < waited < 30
    assert len(said) == 1 and "waiting up to 60 s" in said[0]

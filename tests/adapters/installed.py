"""Checks shared by every adapter's wheel: install, import, speed, tamper refusal."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from pyvorin.artifacts import BINARY_SUFFIX

from .conftest import EXAMPLE, run, tool_env

# Runs in the fresh venv: compiled (installed wheel) against the example's source.
_PROBE = r"""
import importlib.util, json, sys, time
import numkit.kernels as compiled
spec = importlib.util.spec_from_file_location("numkit_src", sys.argv[1])
source = importlib.util.module_from_spec(spec)
spec.loader.exec_module(source)

def best(fn, *args):
    times = []
    for _ in range(5):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)

POINTS = [float(i % 101) / 7.0 for i in range(300)]
print(json.dumps({
    "kind": type(compiled.spread).__name__,
    "file": getattr(compiled, "__file__", None),
    "values": [compiled.gcd(-12, 18), compiled.collatz_steps(27),
               compiled.mandelbrot_escape(-0.75, 0.1), compiled.dot([1.0, 2.0], [3.0, 4.0])],
    "source_values": [source.gcd(-12, 18), source.collatz_steps(27),
               source.mandelbrot_escape(-0.75, 0.1), source.dot([1.0, 2.0], [3.0, 4.0])],
    "cpython": best(source.spread, POINTS) + best(source.mandelbrot_escape, -0.1, 0.1),
    "compiled": best(compiled.spread, POINTS) + best(compiled.mandelbrot_escape, -0.1, 0.1),
}))
"""


def prepare_home(request, home: Path) -> Path:
    """Give a session-wide ``PYVORIN_HOME`` the suite's licence, when the suite has one.

    When the licence gate is a built-in stage, the suite provides an activated home
    template (fixture ``licensed_home_template``, see tests/licensing/support.py); every
    home the adapter tests build in gets a copy of its licence state, like the per-test
    homes do.
    """
    import pytest

    try:
        template = request.getfixturevalue("licensed_home_template")
    except pytest.FixtureLookupError:
        return home
    from tests.licensing.support import copy_licence_state

    copy_licence_state(template, home)
    return home


def pip_into_fresh_venv(home: Path, where: Path, *args) -> tuple[Path, object]:
    """A fresh venv (seeing this Pyvorin), and ``pip install --no-index ARGS`` into it."""
    from pyvorin.demo import make_venv

    python = make_venv(where / "venv")
    command = [sys.executable, "-m", "pip", "--python", python, "install", "--no-index", *args]
    return python, run(command, where, tool_env(home))


def install_into_fresh_venv(wheel: Path, home: Path, where: Path) -> tuple[Path, object]:
    return pip_into_fresh_venv(home, where, "--find-links", wheel.parent, wheel)


def assert_editable_keeps_source(project: Path, home: Path, where: Path) -> None:
    """An editable install runs the source, and the build says so."""
    python, installed = pip_into_fresh_venv(
        home, where, "-v", "--no-build-isolation", "-e", project
    )
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert "editable install: the modules in [tool.pyvorin] modules run as interpreted" in (
        installed.stdout + installed.stderr
    )
    imported = subprocess.run(
        [python, "-c", "import numkit.kernels as k; print(k.__file__); print(k.gcd(12, 18))"],
        capture_output=True,
        text=True,
        env=tool_env(home),
        cwd=where,
    )
    assert imported.returncode == 0, imported.stderr
    file, value = imported.stdout.split()
    assert Path(file) == project / "src" / "numkit" / "kernels.py"
    assert value == "6"


def assert_installed_and_faster(wheel: Path, home: Path, where: Path) -> None:
    python, installed = install_into_fresh_venv(wheel, home, where)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    probe = subprocess.run(
        [python, "-c", _PROBE, EXAMPLE / "src" / "numkit" / "kernels.py"],
        capture_output=True,
        text=True,
        env=tool_env(user_home(home, where)),
        cwd=where,
    )
    assert probe.returncode == 0, probe.stderr
    data = json.loads(probe.stdout)
    # Native code, not the interpreted source: compiled functions are not Python functions.
    assert data["kind"] != "function", data
    assert data["values"] == data["source_values"] == [6, 111, 33, 11.0]
    speedup = data["cpython"] / data["compiled"]
    print(f"{wheel.name}: speedup {speedup:.1f}x over CPython")
    assert speedup > 1.5, f"compiled is not faster than the source: {speedup:.2f}x"


def tamper(wheel: Path, dest: Path) -> Path:
    """A copy of ``wheel`` with one byte of the compiled binary flipped."""
    dest.mkdir(parents=True, exist_ok=True)
    bad = dest / wheel.name
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(BINARY_SUFFIX):
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
            out.writestr(item, data)
    return bad


def assert_tamper_refused(wheel: Path, home: Path, where: Path) -> None:
    bad = tamper(wheel, where / "tampered")
    verified = verify_as_user(home, where, bad)
    assert verified.returncode == 5, verified.stdout + verified.stderr
    assert "kernels" in verified.stdout + verified.stderr

    # At import: install the good wheel, then modify the installed binary in place.
    python, installed = install_into_fresh_venv(wheel, home, where)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    located = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    binary = Path(located.stdout.strip()) / "numkit" / ("kernels" + BINARY_SUFFIX)
    data = bytearray(binary.read_bytes())
    data[len(data) // 2] ^= 0xFF
    binary.write_bytes(bytes(data))
    imported = subprocess.run(
        [python, "-c", "import numkit.kernels"],
        capture_output=True,
        text=True,
        env=tool_env(user_home(home, where)),
        cwd=where,
    )
    assert imported.returncode != 0
    # RefusedImport is an ImportError naming the file and the reason.
    assert "RefusedImport" in imported.stderr, imported.stderr
    assert "refused to load numkit.kernels" in imported.stderr, imported.stderr
    assert f"{binary} was modified" in imported.stderr, imported.stderr
    shutil.rmtree(where / "venv", ignore_errors=True)


def user_home(home: Path, where: Path) -> Path:
    """A home of its own for a user who trusts ``home``'s keys.

    The downgrade check (``runtime/builds.json``) of such a home has seen no numkit build:
    a shared session home sees the numkit builds of every test, in whatever order xdist
    runs them, and a session wheel built early (build 1) is rightly refused there once a
    later test has loaded build 17. Verifying or importing as this user tests the wheel,
    not the order of the tests."""
    user = Path(tempfile.mkdtemp(prefix="user-home-", dir=where))
    shutil.copytree(home / "trust", user / "trust")
    return user


def verify_as_user(home: Path, where: Path, wheel: Path):
    """``pyvorin signature verify`` as a user who trusts ``home``'s keys (:func:`user_home`)."""
    return run(
        [sys.executable, "-m", "pyvorin", "signature", "verify", wheel],
        where,
        tool_env(user_home(home, where)),
    )

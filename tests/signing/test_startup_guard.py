"""The installed runtime refuses a shadowing file even as a process's first import.

pyvorin-runtime installs ``pyvorin-shadow-guard.pth`` in ``site-packages``; its line
installs the import hook (``_pyvorin_guard``) at interpreter start-up, before anything
imports ``pyvorin_runtime``. Here the real wheel is built with pip from ``runtime/`` and
installed into a fresh venv that sees nothing else, and fresh interpreters of that venv
import a signed module beside a real shadowing extension (or package) that writes a
marker file when it runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from pyvorin.artifacts import manifest_path
from tests.helpers import REPO

from .conftest import build_extension

pytestmark = pytest.mark.slow

PTH = "pyvorin-shadow-guard.pth"
START = "pyvorin-shadow-guard.start"  # PEP 829's successor of the .pth line (3.15+)
# a shadowing extension module that leaves a trace when it runs
SHADOW_C = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "NAME", NULL, -1, NULL};

PyMODINIT_FUNC PyInit_LEAF(void) {
    const char *marker = getenv("SHADOW_MARKER");
    FILE *trace = marker ? fopen(marker, "w") : NULL;
    if (trace) {
        fputs("the shadowing extension ran\n", trace);
        fclose(trace);
    }
    return PyModule_Create(&def);
}
"""
SHADOW_PY = "import os\nopen(os.environ['SHADOW_MARKER'], 'w').write('the shadowing package ran')\n"
HOOKED = "import sys; print(sum(getattr(f, '_pyvorin_shadow_guard', False) for f in sys.meta_path))"


def _copy_runtime(dest: Path) -> Path:
    """runtime/ without build output, so that building never writes into the checkout."""
    ignore = shutil.ignore_patterns("build", "*.egg-info", "__pycache__")
    return Path(shutil.copytree(REPO / "runtime", dest, ignore=ignore))


def _clean_env(**extra: str) -> dict[str, str]:
    """This environment without PYTHON* variables (no PYTHONPATH: only the venv's own
    site-packages), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def _pip(*args: str | Path) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    proc = subprocess.run(command, capture_output=True, text=True, env=_clean_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def _venv_with(wheel: Path, where: Path) -> Path:
    """A fresh venv (no pip, nothing else installed) with ``wheel``; its python."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=300
    )
    python = where / "bin" / "python"
    _pip("--python", python, "install", "--no-deps", "--no-index", wheel)
    return python


def _copy_venv(python: Path, dest: Path) -> Path:
    """A copy of the venv of ``python`` (to break without touching the shared one)."""
    shutil.copytree(python.parent.parent, dest, symlinks=True)
    return dest / "bin" / "python"


def _run(python: Path, code: str, cwd: Path, *options: str, **env: str):
    return subprocess.run(
        [str(python), *options, "-c", code],
        cwd=cwd,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(_run(python, code, python.parent).stdout.strip())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pyvorin-runtime wheel, built by pip from this checkout's runtime/."""
    work = tmp_path_factory.mktemp("runtime-wheel")
    source = _copy_runtime(work / "runtime")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", work, source)
    (built,) = work.glob("pyvorin_runtime-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the runtime wheel installed (no dependencies); its python."""
    return _venv_with(wheel, tmp_path_factory.mktemp("guarded") / "venv")


def _assert_refused(proc, manifest: Path, shadow: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("pyvorin_runtime.loader.RefusedImport: "), proc.stderr
    assert f"{manifest}: refused to load pkg.mod: {shadow}" in last, last


def test_the_wheel_carries_the_hook_at_its_root(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        lines = archive.read(PTH).decode().splitlines()
    assert {PTH, "_pyvorin_guard.py", "pyvorin_runtime/guard.py"} <= set(names)
    # one line that site.py executes; the rest are comments
    [line] = [line for line in lines if not line.startswith("#")]
    assert line.startswith("import ") and "except Exception: pass" in line
    assert line == (REPO / "runtime" / PTH).read_text().splitlines()[-1]
    # and the .start file of the same name: one entry point, which supersedes that line
    assert START in names
    assert archive_text(wheel, START) == "_pyvorin_guard:install\n"


def archive_text(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name).decode()


def test_the_start_entry_point_installs_the_hook_as_pep_829_site_calls_it(
    venv: Path, tmp_path: Path, signed_out: Path
) -> None:
    """What Python 3.15's site does with a .start file, done by hand under ``-S`` (no .pth
    line runs): resolve each entry point with pkgutil.resolve_name and call it. The hook
    is then in place before the first import, and calling it again adds no second one."""
    site = _site_packages(venv)
    [entry] = (site / START).read_text().split()
    code = (
        f"import sys, pkgutil; sys.path.append({str(site)!r}); "
        f"pkgutil.resolve_name({entry!r})(); pkgutil.resolve_name({entry!r})(); "
        + HOOKED.replace("import sys; ", "")
        + "; import pkg.mod"
    )
    package = signed_out / "pkg" / "mod"
    package.mkdir()
    (package / "__init__.py").write_text(SHADOW_PY)
    marker = tmp_path / "shadow-ran"
    proc = _run(venv, code, signed_out, "-S", SHADOW_MARKER=str(marker))
    assert proc.stdout.strip() == "1", proc.stdout + proc.stderr
    shadow = f"the package directory {package}/ (shadows mod.py)"
    _assert_refused(proc, manifest_path(signed_out, "pkg.mod"), shadow)
    assert not marker.exists()


@pytest.mark.parametrize("suffix", EXTENSION_SUFFIXES)
def test_a_shadowing_extension_is_refused_as_the_first_import(
    venv: Path, signed_out: Path, tmp_path: Path, suffix: str
) -> None:
    shadow = signed_out / "pkg" / f"mod{suffix}"
    build_extension("pkg.mod", shadow, SHADOW_C)
    manifest = manifest_path(signed_out, "pkg.mod")
    marker = tmp_path / "shadow-ran"

    proc = _run(venv, "import pkg.mod", signed_out, SHADOW_MARKER=str(marker))
    _assert_refused(proc, manifest, f"{shadow} (shadows mod.py)")
    assert not marker.exists()

    # -I keeps site-packages and their .pth files (it only leaves the current directory
    # off sys.path); -S skips them: then the old limit holds and the shadowing extension
    # runs (which also shows that the marker works)
    isolated = "import sys; sys.path.insert(0, ''); import pkg.mod"
    proc = _run(venv, isolated, signed_out, "-I", SHADOW_MARKER=str(marker))
    _assert_refused(proc, manifest, f"{shadow} (shadows mod.py)")
    assert not marker.exists()
    proc = _run(venv, "import pkg.mod", signed_out, "-S", SHADOW_MARKER=str(marker))
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text() == "the shadowing extension ran\n"


def test_a_shadowing_package_is_refused_as_the_first_import(
    venv: Path, signed_out: Path, tmp_path: Path
) -> None:
    package = signed_out / "pkg" / "mod"
    package.mkdir()
    (package / "__init__.py").write_text(SHADOW_PY)
    marker = tmp_path / "shadow-ran"
    proc = _run(venv, "import pkg.mod", signed_out, SHADOW_MARKER=str(marker))
    _assert_refused(
        proc,
        manifest_path(signed_out, "pkg.mod"),
        f"the package directory {package}/ (shadows mod.py)",
    )
    assert not marker.exists()


def test_a_compiled_module_imports_as_the_first_import(venv: Path, signed_out: Path) -> None:
    code = (
        "import pkg.mod as m\n"
        "print(m.answer(), m.__file__, sep='\\n')\n"
        # ordinary imports (packages, extension modules, plain modules) are undisturbed
        "import json, email.mime.text, sqlite3, ctypes, xml.etree.ElementTree, decimal\n"
    )
    proc = _run(venv, code, signed_out)
    assert proc.returncode == 0, proc.stderr
    answer, file = proc.stdout.splitlines()
    assert answer == "compiled mod" and file.endswith(".pyvorin" + EXTENSION_SUFFIXES[0])
    # installed once, although Python 3.11's site.py runs a venv's .pth files twice
    assert _run(venv, HOOKED, signed_out).stdout.strip() == "1"


def test_startup_imports_only_the_hook_module(venv: Path, tmp_path: Path) -> None:
    python = _copy_venv(venv, tmp_path / "venv")
    code = "import sys; print(' '.join(sorted(sys.modules)))"
    with_pth = set(_run(python, code, tmp_path).stdout.split())
    (_site_packages(python) / PTH).unlink()
    without = set(_run(python, code, tmp_path).stdout.split())
    assert with_pth - without == {"_pyvorin_guard"}
    assert without - with_pth == set()


def test_a_broken_runtime_never_breaks_startup(
    venv: Path, tmp_path: Path, signed_out: Path
) -> None:
    python = _copy_venv(venv, tmp_path / "venv")
    site = _site_packages(python)

    def quiet_start() -> None:
        proc = _run(python, "pass", tmp_path)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")

    # the package is gone (a partial uninstall): the hook still installs, and a shadow is
    # still refused (the stub could not run either: it imports pyvorin_runtime)
    shutil.rmtree(site / "pyvorin_runtime")
    quiet_start()
    assert _run(python, HOOKED, tmp_path).stdout.strip() == "1"
    package = signed_out / "pkg" / "mod"
    package.mkdir()
    (package / "__init__.py").write_text(SHADOW_PY)
    marker = tmp_path / "shadow-ran"
    proc = _run(python, "import pkg.mod", signed_out, SHADOW_MARKER=str(marker))
    assert proc.returncode == 1 and not marker.exists()
    assert "No module named 'pyvorin_runtime'" in proc.stderr

    # the hook's module fails to import, or is gone: start-up is silent, nothing installed
    guard = site / "_pyvorin_guard.py"
    shutil.rmtree(site / "__pycache__", ignore_errors=True)
    guard.write_text("raise RuntimeError('broken')\n")
    quiet_start()
    guard.unlink()
    quiet_start()
    assert _run(python, HOOKED, tmp_path).stdout.strip() == "0"


def test_an_editable_install_gets_the_hook_too(tmp_path: Path) -> None:
    source = _copy_runtime(tmp_path / "runtime")
    out = tmp_path / "editable"
    out.mkdir()
    build = (
        "import sys; from setuptools import build_meta as b; print(b.build_editable(sys.argv[1]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", build, str(out)],
        cwd=source,
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheel = out / proc.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {PTH, START} <= set(names) and any(n.startswith("__editable__.") for n in names)
    # sorted after __editable__.*.pth, which puts src/ (and _pyvorin_guard) on sys.path
    python = _venv_with(wheel, tmp_path / "venv")
    assert _run(python, HOOKED, tmp_path).stdout.strip() == "1"

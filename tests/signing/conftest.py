"""Fixtures for signing tests: real C extensions built with the system compiler.

The compiler backend is another area; to test signing and verify-before-load against a
real extension module, these fixtures compile a tiny C extension with ``cc`` and place
it where the backend would (``artifacts.binary_path``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest

from pyvorin.artifacts import binary_path
from pyvorin.config import load_settings
from pyvorin.model import CompileResult, LicenceDecision, ModuleSpec, VerificationResult
from pyvorin.options import BuildOptions
from pyvorin.pipeline import make_context

C_TEMPLATE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *answer(PyObject *self, PyObject *args) {
    return PyUnicode_FromString("compiled LEAF");
}

static PyMethodDef methods[] = {
    {"answer", answer, METH_NOARGS, "Which module this is."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "NAME", NULL, -1, methods};

PyMODINIT_FUNC PyInit_LEAF(void) { return PyModule_Create(&def); }
"""

ENV_VARS = (
    "PYVORIN_SIGNING_KEY",
    "PYVORIN_SIGNING_KEY_PASSPHRASE",
    "PYVORIN_HMAC_KEY",
    "PYVORIN_TRUSTED_KEYS",
    "PYVORIN_REQUIRE_TRUSTED",
)


@pytest.fixture(autouse=True)
def _clean_signing_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def compiler() -> str:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        raise RuntimeError("no C compiler (cc/gcc) on PATH: the signing tests need one")
    return cc


def build_extension(name: str, dest: Path, template: str = C_TEMPLATE) -> Path:
    """Compile a real extension module ``name`` (PyInit_<leaf>) to ``dest``, from
    ``template`` (C with ``LEAF`` and ``NAME`` for the module's leaf and name)."""
    leaf = name.rpartition(".")[2]
    source = template.replace("LEAF", leaf).replace("NAME", name)
    work = dest.parent / f".build-{leaf}"
    work.mkdir(parents=True, exist_ok=True)
    c_file = work / f"{leaf}.c"
    c_file.write_text(source)
    include = sysconfig.get_paths()["include"]
    cmd = [compiler(), "-shared", "-fPIC", "-O1", f"-I{include}", str(c_file), "-o", str(dest)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"building the test extension failed: {proc.stderr}")
    shutil.rmtree(work)
    return dest


@pytest.fixture(scope="session")
def ext_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Compile each module once per session; tests copy the result."""
    root = tmp_path_factory.mktemp("ext-cache")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = build_extension(name, root / f"{name}.so")
        return built[name]

    return get


def write_source(root: Path, name: str) -> Path:
    path = root / "src" / (name.replace(".", "/") + ".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"def answer() -> str:\n    return 'compiled {name.rpartition('.')[2]}'\n")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n\n[tool.pyvorin]\n')
    return root


@pytest.fixture
def sign_module(project: Path, ext_cache: Callable[[str], Path]) -> Callable[..., Path]:
    """Place a real extension for ``name`` in ``out`` and run the sign stage on it.

    Calls with the same ``out``, options and project settings share one run's context,
    as the modules of one pipeline run do: they are signed with the same build number.
    ``build_number`` signs with that number (as ``--build-number``) instead of the next
    one.
    """
    runs: dict[tuple, object] = {}

    def run(
        name: str,
        out: Path,
        *,
        release: bool = False,
        progress: Callable[[str], None] | None = None,
        verification: dict | None = None,
        build_number: int | None = None,
    ):
        settings_text = (project / "pyproject.toml").read_text()
        key = (str(out), release, id(progress), build_number, settings_text)
        ctx = runs.get(key)
        if ctx is None:
            settings = load_settings(project)
            options = BuildOptions.resolve(
                settings, command="api", release=release, build_number=build_number
            )
            ctx = make_context(settings, out, options=options, progress=progress)
            # These tests exercise the signer itself; the pipeline's gate is stood in for
            # here (tests/trust/test_one_door.py shows the signer refusing a context
            # without it), as a gate that admitted a production licence (a release needs
            # one).
            ctx.licence = LicenceDecision(True, "signing tests", "LIC-TEST", mode="production")
            runs[key] = ctx
        binary = binary_path(out, name)
        binary.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ext_cache(name), binary)
        source = write_source(project, name)
        compiled = CompileResult(
            module=ModuleSpec(name, source),
            backend="native",
            artifact=binary,
            facts={"cc": compiler(), "flags": ["-shared", "-fPIC", "-O1"]},
            # release signing needs an isolation report; this one says what happened
            isolation={"built_by": "the-test-harness-not-a-sandbox"},
        )
        # a verification record as the verify stage writes one (the runtime refuses an
        # artifact without a passed one); ``verification={}`` signs without any
        summary = {"result": "passed", "verifier": "test"} if verification is None else verification
        record = VerificationResult(True, summary) if summary else None
        return ctx.hook.pyvorin_sign(
            ctx=ctx, module=compiled.module, compiled=compiled, verification=record
        )

    return run


def run_python(
    code: str, cwd: Path, env: dict[str, str] | None = None, options: tuple[str, ...] = ()
):
    """Run ``code`` in a fresh interpreter (the real import system) inside ``cwd``, with
    the interpreter's command-line ``options``."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *options, "-c", code],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def signed_out(tmp_path: Path, sign_module: Callable[..., object]) -> Path:
    """An output directory holding a signed, importable ``pkg.mod`` and ``pkg.other``."""
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    sign_module("pkg.other", out)
    (out / "pkg" / "__init__.py").write_text("")
    return out

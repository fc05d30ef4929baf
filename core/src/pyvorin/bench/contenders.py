"""The contenders: CPython, Pyvorin, and mypyc and Cython when installed, each building a
kernel from the same source."""

from __future__ import annotations

import abc
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

from ..exitcodes import ExitCode
from ..model import ModuleSpec
from .common import BUILD_FAILED, NOT_INSTALLED, REJECTED
from .kernels import Kernel


class BuildFailed(Exception):
    """A contender could not build a kernel; ``status`` says how (rejected / build failed)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def tail_lines(text: str, lines: int = 12) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def _copy_source(kernel: Kernel, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / f"{kernel.name}.py"
    shutil.copyfile(kernel.path, target)
    return target


def _built_extension(directory: Path, name: str) -> Path:
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    found = directory / f"{name}{suffix}"
    if found.is_file():
        return found
    candidates = sorted(directory.glob(f"{name}.*.so")) + sorted(directory.glob(f"{name}.*.pyd"))
    if candidates:
        return candidates[0]
    raise BuildFailed(BUILD_FAILED, f"no extension module {name}{suffix} was produced")


def _run_build(cmd: list[str], cwd: Path, what: str, timeout: float = 900) -> None:
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise BuildFailed(BUILD_FAILED, f"{what} did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        raise BuildFailed(
            BUILD_FAILED,
            f"{what} exited with {proc.returncode}:\n{tail_lines(proc.stdout + proc.stderr)}",
        )


class Contender(abc.ABC):
    """Something that turns a kernel source file into a loadable module file."""

    name = "contender"
    label = "Contender"

    def unavailable(self) -> str | None:
        """``None`` when this contender can run here, else why not (e.g. not installed)."""
        return None

    def version(self) -> str:
        return ""

    def build_info(self) -> str:
        """How the last kernel was built (compiler command or options), for the report."""
        return ""

    @abc.abstractmethod
    def prepare(self, kernel: Kernel, workdir: Path) -> Path:
        """Build ``kernel`` in ``workdir``; return the file the harness loads."""


class CPython(Contender):
    name = "cpython"
    label = "CPython"

    def version(self) -> str:
        return platform.python_version()

    def prepare(self, kernel: Kernel, workdir: Path) -> Path:
        return _copy_source(kernel, workdir)


class Pyvorin(Contender):
    name = "pyvorin"
    label = "Pyvorin"

    def __init__(self, keep_c: Path | None = None) -> None:
        self.keep_c = keep_c.resolve() if keep_c else None
        self._command = ""

    def unavailable(self) -> str | None:
        try:
            compiler = importlib.import_module("pyvorin.compiler")
        except ImportError as exc:
            return f"not available: the compiler cannot be imported ({exc})"
        if not callable(getattr(compiler, "compile_module", None)):
            return "not available: pyvorin.compiler has no compile_module()"
        return None

    def version(self) -> str:
        from .. import __version__

        return __version__

    def prepare(self, kernel: Kernel, workdir: Path) -> Path:
        """Build through the pipeline's door: licence gate, check, sandboxed compile, audit.

        Bench artifacts stay in the bench's private work directory and are deleted with
        it; every call's result is compared with CPython's by the harness itself.
        """
        from ..config import load_settings
        from ..options import BuildOptions
        from ..pipeline import make_context, run

        source = kernel.path.resolve()  # compiled in place: tracebacks name the real file
        keep = self.keep_c / kernel.name if self.keep_c else None
        settings = load_settings(source.parent)
        options = BuildOptions.resolve(
            settings, command="bench", keep_c=keep, cache=False
        )  # hermetic: never a stale or shared build
        ctx = make_context(settings, workdir / "out", actor="bench", options=options)
        result = run(ctx, [ModuleSpec(kernel.name, source)], stages=("check", "compile"))
        if result.licence.status == "failed":
            raise BuildFailed(BUILD_FAILED, f"licence refused: {result.licence.detail}")
        [module] = result.modules
        failed = [o for o in module.stages if o.status == "failed"]
        if failed:
            lines = [f"{failed[0].stage} failed: {failed[0].detail}"]
            for diag in [d for d in module.diagnostics if d.severity == "error"][:5]:
                lines.append(
                    f"{kernel.path}:{diag.line}:{diag.col}: error {diag.code}: {diag.message}"
                )
            status = REJECTED if module.exit_code == ExitCode.UNSUPPORTED else BUILD_FAILED
            raise BuildFailed(status, "\n".join(lines))
        assert module.compiled is not None
        self._command = " ".join(str(a) for a in module.compiled.facts.get("command", []))
        return Path(module.compiled.artifact)

    def build_info(self) -> str:
        return self._command


def _sys_cflags() -> str:
    return " ".join(
        filter(None, (sysconfig.get_config_var("CFLAGS"), sysconfig.get_config_var("CCSHARED")))
    )


def dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


class _PeerCompiler(Contender):
    """A compiler installed next to Pyvorin that builds a copy of the kernel in place.

    ``module`` is what must be importable, ``distribution`` gives the version and
    ``argv`` is the build command run in the work directory on the copied ``.py``.
    """

    module = ""
    distribution = ""

    @abc.abstractmethod
    def argv(self, source_name: str) -> list[str]:
        """The build command's arguments after ``python``."""

    def unavailable(self) -> str | None:
        if importlib.util.find_spec(self.module) is None:
            return NOT_INSTALLED
        if importlib.util.find_spec("setuptools") is None:
            return f"{NOT_INSTALLED} ({self.label} needs setuptools)"
        return None

    def version(self) -> str:
        return dist_version(self.distribution)

    def prepare(self, kernel: Kernel, workdir: Path) -> Path:
        source = _copy_source(kernel, workdir)
        command = self.argv(source.name)
        _run_build([sys.executable, *command], workdir, f"{self.label} build of {source.name}")
        return _built_extension(workdir, kernel.name)


class Mypyc(_PeerCompiler):
    name = "mypyc"
    label = "mypyc"
    module = "mypyc"
    distribution = "mypy"

    def argv(self, source_name: str) -> list[str]:
        return ["-m", "mypyc", source_name]

    def build_info(self) -> str:
        level = os.environ.get("MYPYC_OPT_LEVEL", "3")
        return f"mypyc (setuptools build_ext, opt_level={level}); CFLAGS {_sys_cflags()}"


class Cython(_PeerCompiler):
    name = "cython"
    label = "Cython"
    module = "Cython"
    distribution = "Cython"

    def argv(self, source_name: str) -> list[str]:
        # Pure-Python mode: the .py itself is cythonized (annotations become C types).
        return ["-m", "Cython.Build.Cythonize", "-i", "-3", source_name]

    def build_info(self) -> str:
        return f"cythonize -i -3 (pure-Python mode); CFLAGS {_sys_cflags()}"


def default_contenders(keep_c: Path | None = None) -> list[Contender]:
    return [CPython(), Pyvorin(keep_c=keep_c), Mypyc(), Cython()]


CONTENDER_NAMES = ("cpython", "pyvorin", "mypyc", "cython")

"""The benchmark runner behind ``pyvorin bench``.

Each kernel is a plain typed Python module (``benchmarks/kernels/*.py``) with an entry
function ``main(n)`` and two module-level int constants, ``BENCH_SIZE`` and
``QUICK_SIZE``. Every contender (CPython, Pyvorin, and mypyc and Cython when they are
installed) is built from the *same* source file in a temporary directory before any timing
starts. Timing then uses one harness for all of them: every run is a fresh interpreter
process that loads the module from its file, calls ``main(n)`` once under
``time.perf_counter`` and reports the elapsed time and the result. Rounds are interleaved
(CPython, Pyvorin, mypyc, Cython, then again), so a noisy neighbour slows every contender
alike, and each contender's time is the median of its runs.

Every result is compared with CPython's by type and value (floats bit for bit). A contender
that returns something else is reported as ``wrong result`` and is not timed further.
"""

from __future__ import annotations

import abc
import ast
import dataclasses
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import UsageError
from .exitcodes import ExitCode
from .model import ModuleSpec

MIN_REPEAT = 5
DEFAULT_TIMEOUT = 300.0
ENTRY = "main"

# Statuses of one contender on one kernel.
OK = "ok"
WRONG = "wrong result"
NOT_INSTALLED = "not installed"
UNAVAILABLE = "unavailable"
BUILD_FAILED = "build failed"
REJECTED = "rejected"
ERROR = "error"

# The timing harness, run as ``python -c WORKER FILE MODULE ENTRY N RESULT_FILE`` in a fresh
# process per run. It imports nothing from Pyvorin, so every contender is timed the same way.
WORKER = r"""
import importlib.machinery, importlib.util, json, sys, time
path, name, entry, arg, out = sys.argv[1:6]
if path.endswith(".py"):
    loader = importlib.machinery.SourceFileLoader(name, path)
else:
    loader = importlib.machinery.ExtensionFileLoader(name, path)
spec = importlib.util.spec_from_file_location(name, path, loader=loader)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
func = getattr(module, entry)
n = int(arg)

def canon(value):
    kind = type(value)
    if kind is float:
        return ["float", value.hex()]
    if kind is bool:
        return ["bool", value]
    if kind is int:
        return ["int", hex(value)]
    if kind is list or kind is tuple:
        return [kind.__name__, [canon(item) for item in value]]
    if value is None:
        return ["None"]
    return [kind.__module__ + "." + kind.__qualname__, repr(value)]

start = time.perf_counter()
result = func(n)
elapsed = time.perf_counter() - start
text = repr(result)
if len(text) > 200:
    text = text[:197] + "..."
with open(out, "w") as handle:
    json.dump({"seconds": elapsed, "canon": canon(result), "repr": text}, handle)
"""


class KernelError(UsageError):
    """A kernel file does not follow the benchmark conventions (exit 2)."""


class BuildFailed(Exception):
    """A contender could not build a kernel; ``status`` says how (rejected / build failed)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


# --------------------------------------------------------------------------- kernels


@dataclass(frozen=True)
class Kernel:
    name: str
    path: Path
    size: int
    quick_size: int
    doc: str = ""
    suite: str = ""  # "" for benchmarks/kernels/*.py, else the subdirectory (e.g. "objects")


def _int_constant(tree: ast.Module, name: str, path: Path) -> int:
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == name:
            if isinstance(value, ast.Constant) and type(value.value) is int and value.value > 0:
                return value.value
            raise KernelError(f"{path}:{node.lineno}: {name} must be a positive int literal")
    raise KernelError(f"{path}: kernel has no module-level {name} = <int> constant")


def load_kernel(path: Path) -> Kernel:
    """Read a kernel's conventions (entry function, sizes) without importing it."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KernelError(f"{path}: cannot read kernel: {exc.strerror or exc}") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise KernelError(f"{path}:{exc.lineno}: kernel is not valid Python: {exc.msg}") from None
    if not path.stem.isidentifier():
        raise KernelError(f"{path}: kernel file name {path.stem!r} is not a module name")
    entry = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == ENTRY]
    if not entry:
        raise KernelError(f"{path}: kernel has no entry function {ENTRY}(n: int)")
    args = entry[0].args
    if len(args.posonlyargs) + len(args.args) != 1:
        raise KernelError(
            f"{path}:{entry[0].lineno}: entry function {ENTRY} must take exactly one "
            "parameter, the size"
        )
    size = _int_constant(tree, "BENCH_SIZE", path)
    quick = _int_constant(tree, "QUICK_SIZE", path)
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    return Kernel(path.stem, path, size, quick, doc[0] if doc else "")


def _kernel_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_") and p.is_file())


def discover_kernels(directory: Path) -> list[Kernel]:
    """The kernels of ``directory``, then those of each subdirectory (a suite, by name).

    ``benchmarks/kernels/*.py`` are the numeric kernels; ``benchmarks/kernels/objects/``
    holds kernels that use classes, dicts and strings. Kernel names are unique across suites.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise KernelError(f"{directory}: kernel directory does not exist")
    directory = directory.resolve()
    kernels = [load_kernel(p) for p in _kernel_files(directory)]
    for suite in sorted(d for d in directory.iterdir() if d.is_dir()):
        if suite.name.startswith(("_", ".")):
            continue
        for path in _kernel_files(suite):
            kernels.append(dataclasses.replace(load_kernel(path), suite=suite.name))
    if not kernels:
        raise KernelError(f"{directory}: no kernel files (*.py) found")
    seen: dict[str, Path] = {}
    for kernel in kernels:
        if kernel.name in seen:
            raise KernelError(
                f"{kernel.path}: kernel name {kernel.name!r} is already used by {seen[kernel.name]}"
            )
        seen[kernel.name] = kernel.path
    return kernels


def default_kernels_dir(start: Path | None = None) -> Path | None:
    """``benchmarks/kernels`` in the current directory or a parent, else the source tree's."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "benchmarks" / "kernels"
        if candidate.is_dir():
            return candidate
    # An editable/source checkout: core/src/pyvorin/bench.py -> <repo>/benchmarks/kernels
    candidate = Path(__file__).resolve().parents[3] / "benchmarks" / "kernels"
    return candidate if candidate.is_dir() else None


def select_kernels(kernels: Sequence[Kernel], names: Iterable[str]) -> list[Kernel]:
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return list(kernels)
    by_name = {k.name: k for k in kernels}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise UsageError(
            f"unknown kernel {', '.join(repr(n) for n in unknown)}; "
            f"available: {', '.join(sorted(by_name))}"
        )
    return [by_name[n] for n in wanted]


# --------------------------------------------------------------------------- contenders


def _tail(text: str, lines: int = 12) -> str:
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
            f"{what} exited with {proc.returncode}:\n{_tail(proc.stdout + proc.stderr)}",
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
        from . import __version__

        return __version__

    def prepare(self, kernel: Kernel, workdir: Path) -> Path:
        """Build through the pipeline's door: licence gate, check, sandboxed compile, audit.

        Bench artifacts stay in the bench's private work directory and are deleted with
        it; every call's result is compared with CPython's by the harness itself.
        """
        from .config import load_settings
        from .options import BuildOptions
        from .pipeline import make_context, run

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


def _dist_version(name: str) -> str:
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
        return _dist_version(self.distribution)

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


# --------------------------------------------------------------------------- running


@dataclass
class Sample:
    seconds: float
    canon: Any
    repr: str


class RunFailed(Exception):
    pass


def run_once(
    module_file: Path,
    module_name: str,
    arg: int,
    *,
    entry: str = ENTRY,
    timeout: float = DEFAULT_TIMEOUT,
    scratch: Path,
) -> Sample:
    """One timed call of ``entry(arg)`` in a fresh interpreter process."""
    out = scratch / "result.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, "-c", WORKER, str(module_file), module_name, entry, str(arg), str(out)]
    try:
        proc = subprocess.run(
            cmd, cwd=scratch, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise RunFailed(f"did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0 or not out.is_file():
        detail = _tail(proc.stderr, 3) or f"exit status {proc.returncode}"
        raise RunFailed(detail)
    data = json.loads(out.read_text(encoding="utf-8"))
    return Sample(float(data["seconds"]), data["canon"], data["repr"])


@dataclass
class Outcome:
    contender: str
    label: str
    status: str
    samples: list[float] = field(default_factory=list)
    detail: str = ""
    result: str = ""
    speedup: float | None = None
    build: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "median_seconds": self.median,
            "samples": self.samples,
            "speedup": self.speedup,
            "result": self.result,
            "detail": self.detail,
            "build": self.build,
        }


@dataclass
class KernelResult:
    kernel: Kernel
    size: int
    outcomes: dict[str, Outcome]
    expected: str = ""


@dataclass
class BenchReport:
    kernels: list[KernelResult]
    contenders: list[tuple[str, str, str]]  # (name, label, version or unavailable reason)
    repeat: int
    quick: bool
    environment: dict[str, str]

    def suites(self) -> list[str]:
        return list(dict.fromkeys(kr.kernel.suite for kr in self.kernels))

    def geomean(self, contender: str, suite: str | None = None) -> tuple[float | None, int]:
        """Geometric-mean speedup over CPython on the kernels where it ran correctly.

        ``suite`` limits it to one suite ("" is the top-level numeric kernels).
        """
        values = [
            kr.outcomes[contender].speedup
            for kr in self.kernels
            if contender in kr.outcomes
            and kr.outcomes[contender].speedup
            and (suite is None or kr.kernel.suite == suite)
        ]
        if not values:
            return None, 0
        return math.exp(sum(math.log(v) for v in values) / len(values)), len(values)

    def to_json(self) -> dict[str, Any]:
        return {
            "repeat": self.repeat,
            "quick": self.quick,
            "environment": self.environment,
            "contenders": [
                {"name": n, "label": lab, "version": v} for n, lab, v in self.contenders
            ],
            "kernels": [
                {
                    "name": kr.kernel.name,
                    "suite": kr.kernel.suite,
                    "file": str(kr.kernel.path),
                    "size": kr.size,
                    "expected": kr.expected,
                    "contenders": {n: o.to_json() for n, o in kr.outcomes.items()},
                }
                for kr in self.kernels
            ],
            "geomean_speedup": {
                n: self.geomean(n)[0] for n, _, _ in self.contenders if n != "cpython"
            },
            "geomean_speedup_by_suite": {
                suite or "numeric": {
                    n: self.geomean(n, suite)[0] for n, _, _ in self.contenders if n != "cpython"
                }
                for suite in self.suites()
            },
        }


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def run_bench(
    kernels: Sequence[Kernel],
    contenders: Sequence[Contender],
    *,
    repeat: int = MIN_REPEAT,
    quick: bool = False,
    progress: Callable[[str], None] = lambda message: None,
    timeout: float = DEFAULT_TIMEOUT,
    workdir: Path | None = None,
) -> BenchReport:
    """Build every kernel with every contender, then time them in interleaved rounds.

    The first contender is the reference (CPython): the others are checked against its
    result and their speedup is its median time divided by theirs.
    """
    if repeat < MIN_REPEAT:
        raise UsageError(f"--repeat must be at least {MIN_REPEAT} (got {repeat})")
    if not contenders:
        raise UsageError("no contenders selected")
    owned = workdir is None
    root = Path(tempfile.mkdtemp(prefix="pyvorin-bench-") if owned else workdir).resolve()
    try:
        reasons: dict[str, str] = {}
        listed: list[tuple[str, str, str]] = []
        for c in contenders:
            reason = c.unavailable()
            listed.append((c.name, c.label, reason or c.version()))
            if reason is not None:
                reasons[c.name] = reason
                progress(f"{c.label}: {reason}")
        results = [
            _bench_kernel(k, contenders, reasons, repeat, quick, progress, timeout, root)
            for k in kernels
        ]
        return BenchReport(results, listed, repeat, quick, environment_info())
    finally:
        if owned:
            shutil.rmtree(root, ignore_errors=True)


def _bench_kernel(
    kernel: Kernel,
    contenders: Sequence[Contender],
    reasons: dict[str, str],
    repeat: int,
    quick: bool,
    progress: Callable[[str], None],
    timeout: float,
    root: Path,
) -> KernelResult:
    size = kernel.quick_size if quick else kernel.size
    outcomes: dict[str, Outcome] = {}
    usable = [c for c in contenders if c.name not in reasons]
    for c in contenders:
        if c.name in reasons:
            reason = reasons[c.name]
            status = NOT_INSTALLED if reason.startswith(NOT_INSTALLED) else UNAVAILABLE
            outcomes[c.name] = Outcome(c.name, c.label, status, detail=reason)
    # 1. build everything before any timing
    files: dict[str, Path] = {}
    for c in usable:
        progress(f"[{kernel.name}] building with {c.label}")
        start = time.perf_counter()
        try:
            files[c.name] = c.prepare(kernel, root / kernel.name / c.name)
        except BuildFailed as exc:
            outcomes[c.name] = Outcome(c.name, c.label, exc.status, detail=exc.detail)
            progress(f"[{kernel.name}] {c.label}: {exc.status}: {_first_line(exc.detail)}")
            continue
        except Exception as exc:  # a crashing backend is reported, the others still run
            detail = f"internal error: {type(exc).__name__}: {exc}"
            outcomes[c.name] = Outcome(c.name, c.label, BUILD_FAILED, detail=detail)
            progress(f"[{kernel.name}] {c.label}: {BUILD_FAILED}: {detail}")
            continue
        progress(f"[{kernel.name}] {c.label} built in {time.perf_counter() - start:.1f} s")
        outcomes[c.name] = Outcome(c.name, c.label, OK, build=c.build_info())
    # 2. interleaved rounds of timed runs, one fresh process each
    reference = contenders[0].name
    expected: Any = None
    expected_repr = ""
    scratch = root / kernel.name / "_runs"
    scratch.mkdir(parents=True, exist_ok=True)
    for round_no in range(1, repeat + 1):
        for c in usable:
            outcome = outcomes[c.name]
            if outcome.status != OK:
                continue
            if c.name != reference and (expected is None or outcomes[reference].status != OK):
                continue
            try:
                sample = run_once(
                    files[c.name], kernel.name, size, timeout=timeout, scratch=scratch
                )
            except RunFailed as exc:
                outcome.status = ERROR
                outcome.detail = str(exc)
                outcome.samples.clear()
                progress(f"[{kernel.name}] {c.label}: error: {_first_line(str(exc))}")
                continue
            if c.name == reference:
                if expected is None:
                    expected, expected_repr = sample.canon, sample.repr
                elif sample.canon != expected:
                    outcome.status = ERROR
                    outcome.detail = (
                        f"not deterministic: run {round_no} returned {sample.repr}, "
                        f"run 1 returned {expected_repr}"
                    )
                    outcome.samples.clear()
                    continue
            elif sample.canon != expected:
                outcome.status = WRONG
                outcome.detail = f"returned {sample.repr}, CPython returned {expected_repr}"
                outcome.result = sample.repr
                outcome.samples.clear()
                progress(f"[{kernel.name}] {c.label}: WRONG RESULT: {outcome.detail}")
                continue
            outcome.result = sample.repr
            outcome.samples.append(sample.seconds)
            progress(
                f"[{kernel.name}] {c.label} run {round_no}/{repeat}: "
                f"{format_seconds(sample.seconds)}"
            )
    ref = outcomes.get(reference)
    base = ref.median if ref and ref.status == OK else None
    for outcome in outcomes.values():
        if outcome.status == OK and base and outcome.median:
            outcome.speedup = base / outcome.median
    ordered = {c.name: outcomes[c.name] for c in contenders}
    return KernelResult(kernel, size, ordered, expected_repr)


# --------------------------------------------------------------------------- environment


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cc_version() -> str:
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    try:
        proc = subprocess.run(
            [*cc, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return f"{cc[0]} (not found)"
    return _first_line(proc.stdout) or f"{cc[0]} (unknown version)"


def environment_info() -> dict[str, str]:
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cc": _cc_version(),
        "mypy": _dist_version("mypy") or NOT_INSTALLED,
        "cython": _dist_version("Cython") or _dist_version("cython") or NOT_INSTALLED,
        "load": _load_average(),
    }


def _load_average() -> str:
    """The 1/5/15-minute load average when the report was made: other work skews timings."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


# --------------------------------------------------------------------------- rendering


def format_seconds(seconds: float) -> str:
    """Three significant digits in a readable unit: ``451 ms``, ``1.23 s``, ``8.10 us``."""
    if seconds >= 1.0:
        value, unit = seconds, "s"
    elif seconds >= 1e-3:
        value, unit = seconds * 1e3, "ms"
    else:
        value, unit = seconds * 1e6, "us"
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f} {unit}"


def _fmt_time(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if outcome.status == OK and outcome.median is not None:
        return format_seconds(outcome.median)
    return outcome.status


def _fmt_speedup(outcome: Outcome | None) -> str:
    if outcome is None or outcome.speedup is None:
        return "-"
    return f"{outcome.speedup:.2f}x"


def render_text(report: BenchReport) -> str:
    names = [n for n, _, _ in report.contenders]
    labels = dict((n, lab) for n, lab, _ in report.contenders)
    headers = ["kernel", "size"]
    for n in names:
        headers.append(labels[n])
        if n != names[0]:
            headers.append("speedup")
    rows: list[list[str]] = []
    for kr in report.kernels:
        row = [kr.kernel.name, str(kr.size)]
        for n in names:
            outcome = kr.outcomes.get(n)
            row.append(_fmt_time(outcome))
            if n != names[0]:
                row.append(_fmt_speedup(outcome))
        rows.append(row)
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        out = [cells[0].ljust(widths[0])]
        out += [cell.rjust(widths[i]) for i, cell in enumerate(cells) if i > 0]
        return "  ".join(out).rstrip()

    env = report.environment
    text = [
        f"pyvorin bench: median of {report.repeat} runs per contender, each in a fresh "
        f"process{' (quick sizes)' if report.quick else ''}",
        f"machine: {env['cpu']}, {env['cores']} cores; {env['os']}",
        f"{env['python']}; {env['cc']}; load average {env['load']}",
        "contenders: " + ", ".join(f"{lab} {ver}".strip() for _, lab, ver in report.contenders),
        "",
        line(headers),
        line(["-" * w for w in widths]),
    ]
    text += [line(r) for r in rows]
    text.append("")
    for n in names[1:]:
        value, count = report.geomean(n)
        if value is not None:
            text.append(
                f"geometric-mean speedup over {labels[names[0]]}: {labels[n]} {value:.2f}x "
                f"({count} of {len(report.kernels)} kernels)"
            )
        else:
            text.append(f"geometric-mean speedup over {labels[names[0]]}: {labels[n]} n/a")
        suites = report.suites()
        if len(suites) > 1:
            for suite in suites:
                value, count = report.geomean(n, suite)
                total = sum(1 for kr in report.kernels if kr.kernel.suite == suite)
                shown = f"{value:.2f}x" if value is not None else "n/a"
                text.append(f"  {suite or 'numeric'} kernels: {shown} ({count} of {total})")
    if "pyvorin" in names and "mypyc" in names:
        compared = [
            kr
            for kr in report.kernels
            if kr.outcomes["pyvorin"].median is not None
            and kr.outcomes["pyvorin"].status == OK
            and kr.outcomes["mypyc"].status == OK
        ]
        if compared:
            faster = [
                kr.kernel.name
                for kr in compared
                if kr.outcomes["pyvorin"].median < kr.outcomes["mypyc"].median  # type: ignore[operator]
            ]
            slower = sorted({kr.kernel.name for kr in compared} - set(faster))
            msg = f"Pyvorin faster than mypyc on {len(faster)} of {len(compared)} kernels"
            text.append(msg + (f" (slower on: {', '.join(slower)})" if slower else ""))
    notes = [
        (kr.kernel.name, o)
        for kr in report.kernels
        for o in kr.outcomes.values()
        if o.status != OK and not (o.status == NOT_INSTALLED and o.detail == NOT_INSTALLED)
    ]
    if notes:
        text.append("")
        text.append("problems:")
        for kernel_name, o in notes:
            detail = o.detail.strip().splitlines() or [""]
            text.append(f"  {kernel_name} / {o.label}: {o.status}: {detail[0]}")
            text += [f"      {d}" for d in detail[1:8]]
    return "\n".join(text) + "\n"


def render_json(report: BenchReport) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"

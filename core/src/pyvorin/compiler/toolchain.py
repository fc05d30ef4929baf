"""Toolchain: turn generated C into an extension module with the platform C compiler.

The command line is built explicitly from ``sysconfig`` (CC, CFLAGS without optimisation
or fast-math flags, CCSHARED, LDSHARED, INCLUDEPY) plus our own flags: ``-O2
-fno-fast-math -ffp-contract=off`` so floating point is IEEE exactly as CPython does it,
and ``-fno-builtin-<f>`` for the libm functions of :data:`INEXACT_LIBM`, so they are called
at run time as CPython calls them.
``CC`` in the environment overrides the compiler. Results are cached under a key made of
the generated C (which is derived from the source, the module name and path and the
Pyvorin version), the runtime header, the compiler identity and flags, and the Python ABI.

A module may be several C translation units (see :func:`build`): they are compiled to
object files in parallel by :mod:`.ccdriver`, run as one (sandboxed) command, and linked
once. Symbols shared between units are hidden (``-fvisibility=hidden``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import __version__
from ..errors import NoCompilerError, ToolchainError
from .cache import ObjectCache
from .ccdriver import CPU_PREFIX

RUNTIME_HEADER = Path(__file__).parent / "runtime" / "pyvorin_rt.h"
CCDRIVER = Path(__file__).parent / "ccdriver.py"
# libm functions whose results are not exactly specified (the C library rounds them its
# own way, within an ulp or so). CPython calls them at run time, so compiled code must
# too: as builtins, the C compiler would rewrite pow(x, 2.0) as x * x and fold calls on
# constants with its own correctly rounded arithmetic, one ulp away from libm's result.
INEXACT_LIBM = (
    "pow", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "hypot", "cbrt", "erf", "erfc", "lgamma", "tgamma",
)  # fmt: skip
# -fvisibility=hidden: symbols shared between a module's units stay inside its .so
OUR_FLAGS = [
    "-O2",
    "-fno-fast-math",
    "-ffp-contract=off",
    "-fno-strict-aliasing",
    "-fvisibility=hidden",
    *(f"-fno-builtin-{name}" for name in INEXACT_LIBM),
]
_DROP_PREFIXES = ("-O", "-ffast-math", "-Ofast", "-funsafe-math", "-ffp-contract")

RunCommand = Callable[[list, Path], tuple]
Unit = tuple[str, str]  # (file name, C text)
_UNIT_NAME = re.compile(r"\w+\.[ch]\Z")


def default_run_command(argv: list[str], cwd: Path) -> tuple[int, str]:
    """An unsandboxed runner; used only when a caller passes it explicitly."""
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    return proc.returncode, (proc.stdout or "") + (proc.stderr or "")


def _run(run_command: RunCommand, argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run a toolchain command with ``run_command`` (the caller's sandboxed runner).

    A compiler that cannot be started is a clear NoCompilerError, whichever runner
    (plain or sandboxed) tried to start it.
    """
    run = run_command
    try:
        return run(argv, cwd)
    except FileNotFoundError as exc:
        raise NoCompilerError(
            f"no C compiler found: {argv[0]!r} could not be run ({exc.strerror}); install "
            "gcc or clang, or set CC to a working C compiler"
        ) from None
    except PermissionError as exc:
        raise NoCompilerError(
            f"no C compiler found: {argv[0]!r} is not executable "
            f"({exc.strerror}); set CC to a working C compiler"
        ) from None


def _missing_python_headers(output: str) -> bool:
    """Whether a failed compile is gcc's or clang's "Python.h: No such file" (no dev headers)."""
    return any(
        "Python.h" in line and ("No such file" in line or "file not found" in line)
        for line in output.splitlines()
    )


@dataclass(frozen=True)
class Toolchain:
    cc: tuple[str, ...]
    cflags: tuple[str, ...]
    ldflags: tuple[str, ...]
    identity: str

    def facts(self) -> dict:
        return {
            "backend": "native",
            "compiler": " ".join(self.cc),
            "compiler_version": self.identity,
            "cflags": list(self.cflags),
            "ldflags": list(self.ldflags),
            "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
            "soabi": sysconfig.get_config_var("SOABI"),
            "python": sys.version.split()[0],
            "implementation": sys.implementation.name,
            "pyvorin_version": __version__,
        }


_IDENTITY_CACHE: dict[tuple, str] = {}


def find_toolchain(run_command: RunCommand | None = None) -> Toolchain:
    """The C toolchain; ``run_command`` (default: a sandboxed runner) probes the compiler."""
    if run_command is None:
        from ..sandbox import SandboxPolicy, tool_runner

        run_command = tool_runner(SandboxPolicy(), "C compiler probe", [])
    cfg = sysconfig.get_config_var
    cc_text = os.environ.get("CC") or cfg("CC") or "cc"
    cc = tuple(shlex.split(cc_text))
    if not cc:
        raise NoCompilerError("no C compiler found: CC is empty; set CC to gcc or clang")
    source = "the CC environment variable" if os.environ.get("CC") else "sysconfig CC"
    if shutil.which(cc[0]) is None:
        raise NoCompilerError(
            f"no C compiler found: {cc[0]!r} (from {source}) is not on PATH or not "
            "executable; install gcc or clang, or set CC to a working C compiler"
        )
    cflags = [
        f
        for f in shlex.split(cfg("CFLAGS") or "")
        if not f.startswith(_DROP_PREFIXES) and f != "-g"
    ]
    cflags += shlex.split(cfg("CCSHARED") or "")
    cflags += OUR_FLAGS
    cflags += ["-I" + (cfg("INCLUDEPY") or "")]
    ldshared = shlex.split(cfg("LDSHARED") or "cc -shared")
    ldflags = [f for f in ldshared[1:] if not f.startswith(_DROP_PREFIXES)]
    if "-shared" not in ldflags and "-bundle" not in ldflags:
        ldflags.insert(0, "-shared")
    key = cc
    if key not in _IDENTITY_CACHE:
        with tempfile.TemporaryDirectory(prefix="pyvorin-cc-") as scratch:
            rc, out = _run(run_command, [*cc, "--version"], Path(scratch))
        if rc != 0:
            hint = ""
            if "cannot run" in out:
                hint = (
                    f"; {cc[0]!r} exists here but the sandbox does not show it to the "
                    "compiler: add its directory to sandbox.readable-paths in your user "
                    "configuration (PYVORIN_HOME/config.toml, see docs/sandbox.md)"
                )
            raise NoCompilerError(
                f"no working C compiler: `{' '.join(cc)} --version` exited {rc}: "
                f"{out.strip()[:500]}{hint}"
            )
        _IDENTITY_CACHE[key] = (out.strip().splitlines() or ["unknown"])[0]
    return Toolchain(cc, tuple(cflags), tuple(ldflags), _IDENTITY_CACHE[key])


def cache_key(
    c_source: str | Sequence[Unit],
    source_sha256: str,
    tc: Toolchain,
    runtime_sources: Sequence[Path] = (),
) -> str:
    """The build-cache key: every unit (name and text), the runtime header and every runtime
    source (name and content), the toolchain facts and the source's digest."""
    units = _as_units(c_source, "module")
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "source": source_sha256,
                "c": [[name, hashlib.sha256(text.encode()).hexdigest()] for name, text in units],
                "runtime": hashlib.sha256(RUNTIME_HEADER.read_bytes()).hexdigest(),
                "runtime_sources": [
                    [Path(p).name, hashlib.sha256(Path(p).read_bytes()).hexdigest()]
                    for p in runtime_sources
                ],
                "toolchain": tc.facts(),
            },
            sort_keys=True,
        ).encode()
    )
    return h.hexdigest()


def _cached_objects(
    objects: ObjectCache | None, runtime_sources: Sequence[Path], tc: Toolchain, work: Path
) -> tuple[list[Path], dict]:
    """The runtime object files found in ``objects``, written into ``work`` to be linked,
    and the runtime sources to compile here and then store (``{source name: key}``)."""
    if objects is None:
        return [], {}
    headers = [RUNTIME_HEADER, *(p for p in runtime_sources if p.suffix == ".h")]
    facts = tc.facts()
    prebuilt: list[Path] = []
    to_store: dict[str, str] = {}
    for source in runtime_sources:
        if source.suffix != ".c":
            continue
        key = objects.key(source, headers, facts)
        data = objects.get(key)
        if data is None:
            to_store[source.name] = key
            continue
        target = work / (source.stem + ".o")
        target.write_bytes(data)
        prebuilt.append(target)
    return prebuilt, to_store


def default_jobs() -> int:
    """Parallel compiler jobs: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class BuildInfo:
    """How an extension was built: one unit's compile command (``<unit>.c`` in the place of
    the unit), the link command (None when one command compiled and linked a single unit),
    the number of C units compiled and the parallel jobs used."""

    compile: list[str]
    link: list[str] | None
    units: int
    jobs: int
    # CPU seconds of each compiled unit (and "link"), as the parallel driver measured them
    unit_cpu: dict[str, float] = field(default_factory=dict)


def _unit_cpu(output: str) -> dict[str, float]:
    cpu: dict[str, float] = {}
    for line in output.splitlines():
        if line.startswith(CPU_PREFIX + " "):
            unit, _, seconds = line[len(CPU_PREFIX) + 1 :].rpartition(" ")
            try:
                cpu[unit] = float(seconds)
            except ValueError:
                continue
    return cpu


def _as_units(c_source: str | Sequence[Unit], leaf: str) -> list[Unit]:
    if isinstance(c_source, str):  # the single-source form: one unit named after the module
        return [(f"{leaf}.c", c_source)]
    units = [(str(name), str(text)) for name, text in c_source]
    if not any(name.endswith(".c") for name, _ in units):
        raise ToolchainError("nothing to compile: no C unit (a name ending in .c) was given")
    return units


def _check_unit_name(name: str) -> None:
    # names become file names in the work directory and words of the compiler's command line
    if not _UNIT_NAME.match(name):
        raise ToolchainError(
            f"refusing C unit name {name!r}: unit names are word characters ending in .c or .h"
        )


def build(
    units: str | Sequence[Unit],
    leaf: str,
    workdir: Path,
    output: Path,
    tc: Toolchain,
    run_command: RunCommand | None = None,
    keep_c: Path | None = None,
    label: str = "",
    runtime_sources: Sequence[Path] = (),
    jobs: int | None = None,
    objects: ObjectCache | None = None,
) -> BuildInfo:
    """Compile ``units`` (``(file name, C text)`` pairs; ``.h`` entries are headers for
    them) and ``runtime_sources`` (``.c`` files compiled with them, ``.h`` files beside
    them) into the extension ``output``.

    One ``.c`` unit and no runtime source: one compiler command compiles and links.
    Otherwise one command, the driver :mod:`.ccdriver`, compiles every unit to an object
    file, ``jobs`` at a time (default: :func:`default_jobs`), and links once; the sandbox
    runs one command at a time. Nothing is left in ``workdir``; ``output`` is replaced
    atomically, and only on success. With ``objects``, a runtime source whose object file
    is in that cache is linked from there instead of compiled, and the ones compiled here
    are stored in it after a successful build.
    """
    if not leaf.isidentifier():  # names reach the file system and C only as identifiers
        raise ToolchainError(f"refusing to build a module named {leaf!r}: not an identifier")
    if run_command is None:  # no unsandboxed default
        from ..sandbox import SandboxPolicy, tool_runner

        run_command = tool_runner(SandboxPolicy(), f"compilation of {leaf}", [])
    units = _as_units(units, leaf)
    runtime_sources = [Path(p) for p in runtime_sources]
    for name, _ in units:
        _check_unit_name(name)
    names = [name for name, _ in units] + [p.name for p in runtime_sources]
    if len(set(names)) != len(names) or RUNTIME_HEADER.name in names:
        raise ToolchainError(f"C unit names must be distinct (and not {RUNTIME_HEADER.name})")
    for p in runtime_sources:
        _check_unit_name(p.name)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    # a private directory: the compiler's cwd and TMPDIR in the sandbox (its only writable
    # place), removed whole afterwards, with whatever a failed or killed compiler left
    work = Path(tempfile.mkdtemp(prefix=f".pyvorin-build-{leaf}-", dir=workdir))
    try:
        for name, text in units:
            (work / name).write_bytes(text.encode("utf-8"))
        shutil.copyfile(RUNTIME_HEADER, work / RUNTIME_HEADER.name)
        for p in runtime_sources:
            shutil.copyfile(p, work / p.name)
        if keep_c is not None:
            keep = Path(keep_c)
            keep.mkdir(parents=True, exist_ok=True)
            for name in [*names, RUNTIME_HEADER.name]:
                shutil.copyfile(work / name, keep / name)
        prebuilt, to_store = _cached_objects(objects, runtime_sources, tc, work)
        linked_only = {p.stem + ".c" for p in prebuilt}
        # largest first: the parallel jobs then finish close together
        sources = sorted(
            (work / n for n in names if n.endswith(".c") and n not in linked_only),
            key=lambda p: -p.stat().st_size,
        )
        tmp_out = work / f"{leaf}.build.so"
        include = ["-I" + str(work)]
        if len(sources) == 1 and not prebuilt:
            argv = [*tc.cc, *tc.cflags, *include, str(sources[0]), "-o", str(tmp_out)]
            argv += tc.ldflags
            info = BuildInfo(argv, None, 1, 1)
        else:
            object_files = [work / (src.stem + ".o") for src in sources]
            n_jobs = min(len(sources), jobs if jobs is not None else default_jobs())
            if n_jobs < 1:
                raise ToolchainError(f"jobs must be at least 1, not {jobs!r}")
            plan = {
                "jobs": n_jobs,
                "compile": [
                    {
                        "unit": src.name,
                        "argv": [*tc.cc, *tc.cflags, *include, "-c", str(src), "-o", str(obj)],
                    }
                    for src, obj in zip(sources, object_files, strict=True)
                ],
                "link": [
                    *tc.cc,
                    *map(str, [*object_files, *prebuilt]),
                    "-o",
                    str(tmp_out),
                    *tc.ldflags,
                ],
            }
            plan_path = work / f"{leaf}.ccplan.json"
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            argv = [sys.executable, "-I", "-S", str(CCDRIVER), str(plan_path)]
            info = BuildInfo(
                [*tc.cc, *tc.cflags, "-c", "<unit>.c"],
                [*tc.cc, "<units>.o", "-o", "<module>.so", *tc.ldflags],
                len(sources),
                n_jobs,
            )
        rc, out = _run(run_command, argv, work)
        if rc != 0 and _missing_python_headers(out):
            include = sysconfig.get_config_var("INCLUDEPY") or "the include directory"
            raise NoCompilerError(
                f"the C compiler cannot find Python.h (the Python development headers, "
                f"expected in {include}) building {label or leaf}: install them (Debian "
                "and Ubuntu: python3-dev; Fedora: python3-devel) or use a Python that "
                "ships them"
            )
        if rc != 0 or not tmp_out.is_file():
            raise ToolchainError(
                f"the C compiler failed (exit {rc}) building {label or leaf}:\n"
                f"$ {' '.join(argv)}\n{out.strip()}"
            )
        if info.link is not None:
            info = replace(info, unit_cpu=_unit_cpu(out))
        if objects is not None:
            for name, key in to_store.items():
                objects.put(key, (work / (Path(name).stem + ".o")).read_bytes())
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = output.with_name(f".{output.name}.tmp{os.getpid()}")
        shutil.copyfile(tmp_out, staging)
        os.chmod(staging, 0o755)
        os.replace(staging, output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return info

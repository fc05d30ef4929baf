"""Toolchain: turn generated C into an extension module with the platform C compiler.

The command line is built explicitly from ``sysconfig`` (CC, CFLAGS without optimisation
or fast-math flags, CCSHARED, LDSHARED, INCLUDEPY) plus our own flags: ``-O2
-fno-fast-math -ffp-contract=off`` so floating point is IEEE exactly as CPython does it.
``CC`` in the environment overrides the compiler. Results are cached under a key made of
the generated C (which is derived from the source, the module name and path and the
Pyvorin version), the runtime header, the compiler identity and flags, and the Python ABI.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..errors import ToolchainError

RUNTIME_HEADER = Path(__file__).parent / "runtime" / "pyvorin_rt.h"
OUR_FLAGS = ["-O2", "-fno-fast-math", "-ffp-contract=off", "-fno-strict-aliasing"]
_DROP_PREFIXES = ("-O", "-ffast-math", "-Ofast", "-funsafe-math", "-ffp-contract")

RunCommand = Callable[[list, Path], tuple]


def default_run_command(argv: list[str], cwd: Path) -> tuple[int, str]:
    proc = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    return proc.returncode, (proc.stdout or "") + (proc.stderr or "")


def _run(run_command: RunCommand | None, argv: list[str], cwd: Path) -> tuple[int, str]:
    """Run a toolchain command with ``run_command`` (default: a plain subprocess).

    A compiler that cannot be started is a clear ToolchainError, whichever runner
    (plain or sandboxed) tried to start it.
    """
    run = run_command or default_run_command
    try:
        return run(argv, cwd)
    except FileNotFoundError as exc:
        raise ToolchainError(
            f"no C compiler found: {argv[0]!r} could not be run ({exc.strerror}); install "
            "gcc or clang, or set CC to a working C compiler"
        ) from None
    except PermissionError as exc:
        raise ToolchainError(
            f"no C compiler found: {argv[0]!r} is not executable "
            f"({exc.strerror}); set CC to a working C compiler"
        ) from None


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
    cfg = sysconfig.get_config_var
    cc_text = os.environ.get("CC") or cfg("CC") or "cc"
    cc = tuple(shlex.split(cc_text))
    if not cc:
        raise ToolchainError("no C compiler found: CC is empty; set CC to gcc or clang")
    source = "the CC environment variable" if os.environ.get("CC") else "sysconfig CC"
    if shutil.which(cc[0]) is None:
        raise ToolchainError(
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
            raise ToolchainError(
                f"no working C compiler: `{' '.join(cc)} --version` exited {rc}: "
                f"{out.strip()[:500]}"
            )
        _IDENTITY_CACHE[key] = (out.strip().splitlines() or ["unknown"])[0]
    return Toolchain(cc, tuple(cflags), tuple(ldflags), _IDENTITY_CACHE[key])


def cache_key(c_source: str, source_sha256: str, tc: Toolchain) -> str:
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "source": source_sha256,
                "c": hashlib.sha256(c_source.encode()).hexdigest(),
                "runtime": hashlib.sha256(RUNTIME_HEADER.read_bytes()).hexdigest(),
                "toolchain": tc.facts(),
            },
            sort_keys=True,
        ).encode()
    )
    return h.hexdigest()


def build(
    c_source: str,
    leaf: str,
    workdir: Path,
    output: Path,
    tc: Toolchain,
    run_command: RunCommand | None = None,
    keep_c: Path | None = None,
    label: str = "",
) -> list[str]:
    """Compile ``c_source`` into ``output``; returns the command line used."""
    if not leaf.isidentifier():  # names reach the file system and C only as identifiers
        raise ToolchainError(f"refusing to build a module named {leaf!r}: not an identifier")
    workdir = Path(workdir).resolve()  # the compiler runs with workdir as its cwd
    workdir.mkdir(parents=True, exist_ok=True)
    c_path = workdir / f"{leaf}.c"
    h_path = workdir / RUNTIME_HEADER.name
    c_path.write_text(c_source, encoding="utf-8")
    shutil.copyfile(RUNTIME_HEADER, h_path)
    tmp_out = workdir / f"{leaf}.build.so"
    argv = [*tc.cc, *tc.cflags, "-I" + str(workdir), str(c_path), "-o", str(tmp_out), *tc.ldflags]
    try:
        if keep_c is not None:
            keep = Path(keep_c)
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(c_path, keep / c_path.name)
            shutil.copyfile(h_path, keep / h_path.name)
        rc, out = _run(run_command, argv, workdir)
        if rc != 0 or not tmp_out.is_file():
            raise ToolchainError(
                f"the C compiler failed (exit {rc}) building {label or leaf}:\n"
                f"$ {' '.join(argv)}\n{out.strip()}"
            )
        output = Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = output.with_name(f".{output.name}.tmp{os.getpid()}")
        shutil.copyfile(tmp_out, staging)
        os.chmod(staging, 0o755)
        os.replace(staging, output)
    finally:
        for p in (c_path, h_path, tmp_out):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
    return argv

"""The native backend: a typed Python subset compiled to CPython extension modules.

Stages: :mod:`.frontend` (parse, resolve, type-check, diagnostics) -> :mod:`.ir` (typed
IR) -> :mod:`.codegen` (C) -> :mod:`.toolchain` (C compiler, build cache). The C runtime
header lives in ``runtime/pyvorin_rt.h``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ..artifacts import binary_path
from ..diagnostics import Diagnostic
from ..errors import UnsupportedError
from ..model import CompileResult, ModuleSpec
from . import cache, codegen, cstrings, frontend, toolchain
from .codes import CODES

__all__ = ["CODES", "check_file", "compile_module", "generate_c", "generate_units"]


def check_file(path: Path, module_name: str | None = None) -> list[Diagnostic]:
    """Run the frontend only; return every diagnostic for ``path``."""
    _, diags = frontend.analyse_file(Path(path), module_name)
    return diags


def _leaf(module: ModuleSpec) -> str:
    """The module's last name component; a name that is not an identifier is refused."""
    try:
        return cstrings.module_leaf(module.name)
    except cstrings.UnsafeNameError as exc:
        raise cstrings.UnsafeNameError(f"{module.path}: {exc}") from None


def _analyse(module: ModuleSpec):
    mod, diags = frontend.analyse_file(Path(module.path), module.name)
    errors = [d for d in diags if d.severity == "error"]
    if mod is None or errors:
        noun = "construct" if len(errors) == 1 else "constructs"
        raise UnsupportedError(
            f"{module.path}: {len(errors)} unsupported {noun}; not compiled", diags
        )
    return mod


def generate_c(module: ModuleSpec) -> str:
    """``module`` as one C translation unit; UnsupportedError if it is outside the subset."""
    return codegen.ModuleGen(_analyse(module), _leaf(module), split=False).generate()


def generate_units(module: ModuleSpec) -> list[tuple[str, str]]:
    """The C translation units ``compile_module`` builds for ``module``: ``(file name, C
    text)`` pairs, one unit for a small module, several for a large one (see
    :mod:`.units`); UnsupportedError if it is outside the subset."""
    return codegen.ModuleGen(_analyse(module), _leaf(module)).generate_units()


def compile_module(
    module: ModuleSpec,
    out_dir: Path,
    *,
    workdir: Path,
    keep_c: Path | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    policy: Any = None,
    run_command=None,
) -> CompileResult:
    """Compile ``module`` to ``artifacts.binary_path(out_dir, module.name)``.

    The C compiler runs in the sandbox under ``policy`` (default: the default
    :class:`~pyvorin.sandbox.SandboxPolicy`); there is no unsandboxed default. A caller
    that must run it otherwise passes ``run_command`` explicitly. ``use_cache=False``
    (release builds) neither reads nor writes the build cache.
    """
    source = Path(module.path).read_bytes()
    source_sha = hashlib.sha256(source).hexdigest()
    c_units = generate_units(module)
    reports: list[dict] = []
    if run_command is None:
        from ..sandbox import SandboxPolicy, tool_runner

        run_command = tool_runner(
            policy or SandboxPolicy(), f"compilation of {module.name}", reports
        )
    tc = toolchain.find_toolchain(run_command)
    key = toolchain.cache_key(c_units, source_sha, tc)
    leaf = _leaf(module)
    output = binary_path(Path(out_dir), module.name)
    if cache_dir is None:
        from ..home import state_dir

        cache_dir = state_dir("cache") / "native"
    facts = dict(tc.facts(), source_sha256=source_sha, cache_key=key)
    use_cache = use_cache and keep_c is None
    mac_key = cache.secret() if use_cache else b""
    hit = cache.lookup(Path(cache_dir), key, mac_key) if use_cache else None
    if hit is not None:
        data, isolation = hit
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = output.with_name(f".{output.name}.tmp{os.getpid()}")
        staging.write_bytes(data)
        os.chmod(staging, 0o755)
        os.replace(staging, output)
        return CompileResult(
            module, "native", output, facts=facts, isolation=isolation, cached=True
        )
    reports.clear()  # only the build's own runs count (not the compiler's --version probe)
    info = toolchain.build(
        c_units,
        leaf,
        Path(workdir),
        output,
        tc,
        run_command,
        keep_c,
        label=f"{module.name} ({module.path})",
    )
    if info.link is None:
        facts["command"] = [*tc.cc, *tc.cflags, "<module>.c", *tc.ldflags]
    else:
        facts["command"] = info.compile
        facts["link_command"] = info.link
    facts["c_units"] = info.units
    isolation = reports[-1] if reports else None
    if use_cache:
        cache.store(Path(cache_dir), key, mac_key, output.read_bytes(), isolation)
    return CompileResult(module, "native", output, facts=facts, isolation=isolation, cached=False)

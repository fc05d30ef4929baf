"""The native backend: Python modules compiled to CPython extension modules, in two tiers.

- The **native tier** (:mod:`.frontend` -> :mod:`.ir` -> :mod:`.ncodegen`, runtime header
  ``runtime/pyvorin_rt.h``) compiles fully typed modules with unboxed values.
- The **generic tier** (:mod:`.generic` -> :mod:`.irbuild` -> :mod:`.gir` ->
  :mod:`.gcodegen`, runtime ``runtime/pv_generic.h`` plus ``pv_*.c`` by topic) compiles all
  other Python through the C API calls the interpreter makes, so it behaves as the
  interpreter does.

A module the native tier accepts whole is compiled natively; any other module goes to the
generic tier, where the typed top-level functions the native checker accepts on their own
also get a native version behind a guard (:mod:`.tiering`). What neither tier can compile
exactly is rejected with a diagnostic.
:mod:`.toolchain` runs the C compiler (several units in parallel) and keeps the build cache.
"""

from __future__ import annotations

import ast
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..artifacts import binary_path
from ..diagnostics import Diagnostic
from ..errors import UnsupportedError
from ..model import CompileResult, ModuleSpec
from . import cache, cstrings, frontend, gcodegen, generic, ncodegen, tiering, toolchain
from .codes import CODES

__all__ = [
    "CODES",
    "Selection",
    "check_file",
    "compile_module",
    "generate_c",
    "generate_units",
    "select_tier",
]


@dataclass
class Selection:
    """Which tier compiles a module, and why."""

    tier: str | None  # "native" | "generic" | None (rejected)
    diagnostics: list[Diagnostic]  # what `check` reports (errors when rejected)
    native_ir: object = None
    generic_ir: object = None
    native_notes: list[Diagnostic] = field(default_factory=list)  # why not native
    # generic tier: the functions that also get a native version (see .tiering)
    native_part: tiering.NativePart | None = None


def select_tier(
    path: Path, module_name: str | None = None, interpreted: tuple[str, ...] = ()
) -> Selection:
    """``interpreted``: the qualnames ``[tool.pyvorin] interpreted`` declares in this
    module. A module with a declared function (configured or decorated) is compiled by the
    generic tier, which makes those functions from their source at import; the native
    tier only takes modules it compiles whole."""
    path = Path(path)
    name = module_name or path.stem
    native, ndiags = frontend.analyse_file(path, name)
    if native is not None and not interpreted:
        return Selection("native", ndiags, native_ir=native)
    if any(d.code == "PV100" for d in ndiags):
        return Selection(None, ndiags)
    gen, gdiags = generic.analyse_file(path, name, tuple(interpreted))
    if gen is None:
        return Selection(None, gdiags, native_notes=ndiags)
    part = native_functions(path, name, gen)
    return Selection(
        "generic", gdiags + part.notes(), generic_ir=gen, native_notes=ndiags, native_part=part
    )


def native_functions(path: Path, name: str, gen) -> tiering.NativePart:
    """The functions of the generic-tier module ``gen`` that get a native version."""
    source = Path(path).read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    return tiering.select_functions(tree, source, str(path), name, set(gen.interpreted))


def check_file(
    path: Path, module_name: str | None = None, interpreted: tuple[str, ...] = ()
) -> list[Diagnostic]:
    """Run the frontends only; return what keeps ``path`` from compiling (and warnings,
    and a PV490 note per function declared interpreted)."""
    return select_tier(path, module_name, interpreted).diagnostics


def _leaf(module: ModuleSpec) -> str:
    """The module's last name component; a name that is not an identifier is refused."""
    try:
        return cstrings.module_leaf(module.name)
    except cstrings.UnsafeNameError as exc:
        raise cstrings.UnsafeNameError(f"{module.path}: {exc}") from None


def _analyse(module: ModuleSpec, interpreted: tuple[str, ...] = ()) -> Selection:
    sel = select_tier(Path(module.path), module.name, interpreted)
    if sel.tier is None:
        errors = [d for d in sel.diagnostics if d.severity == "error"]
        noun = "construct" if len(errors) == 1 else "constructs"
        raise UnsupportedError(
            f"{module.path}: {len(errors)} unsupported {noun}; not compiled", sel.diagnostics
        )
    return sel


def generate_c(module: ModuleSpec, interpreted: tuple[str, ...] = ()) -> str:
    """``module``'s own C as one translation unit; UnsupportedError if it cannot be compiled.
    (A generic-tier module is built together with the runtime sources of :func:`runtime_for`.)"""
    sel = _analyse(module, interpreted)
    if sel.tier == "native":
        return ncodegen.ModuleGen(sel.native_ir, _leaf(module), split=False).generate()
    return gcodegen.ModuleEmitter(sel.generic_ir, _leaf(module)).generate()


def generate_units(module: ModuleSpec, interpreted: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The C translation units ``compile_module`` builds for ``module``: ``(file name, C
    text)`` pairs, one unit for a small module, several for a large one (see
    :mod:`.units`); UnsupportedError if it cannot be compiled."""
    return _units(module, _analyse(module, interpreted))


def _units(module: ModuleSpec, sel: Selection) -> list[tuple[str, str]]:
    leaf = _leaf(module)
    if sel.tier == "native":
        return ncodegen.ModuleGen(sel.native_ir, leaf).generate_units()
    part = sel.native_part
    out = [(f"{leaf}.c", gcodegen.ModuleEmitter(sel.generic_ir, leaf, part).generate())]
    if part is not None and part.module.functions:
        native = ncodegen.ModuleGen(part.module, leaf, embedded=True).generate_embedded()
        out.append((f"{leaf}__native.c", native))
    return out


def runtime_for(tier: str) -> tuple[Path, ...]:
    """The runtime sources (compiled with the module's units) a tier needs."""
    return gcodegen.runtime_paths() if tier == "generic" else ()


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
    interpreted: tuple[str, ...] = (),
) -> CompileResult:
    """Compile ``module`` to ``artifacts.binary_path(out_dir, module.name)``.

    The C compiler runs in the sandbox under ``policy`` (default: the default
    :class:`~pyvorin.sandbox.SandboxPolicy`); there is no unsandboxed default. A caller
    that must run it otherwise passes ``run_command`` explicitly. ``use_cache=False``
    (release builds) neither reads nor writes the build cache. ``interpreted``: the
    qualnames the configuration declares interpreted in this module (see
    :func:`select_tier`); the result lists every declared function.
    """
    source = Path(module.path).read_bytes()
    source_sha = hashlib.sha256(source).hexdigest()
    sel = _analyse(module, interpreted)
    declared = list(sel.generic_ir.interpreted) if sel.tier == "generic" else []
    c_units = _units(module, sel)
    runtime_sources = runtime_for(sel.tier)
    reports: list[dict] = []
    if run_command is None:
        from ..sandbox import SandboxPolicy, tool_runner

        run_command = tool_runner(
            policy or SandboxPolicy(), f"compilation of {module.name}", reports
        )
    tc = toolchain.find_toolchain(run_command)
    key = toolchain.cache_key(c_units, source_sha, tc, runtime_sources)
    leaf = _leaf(module)
    output = binary_path(Path(out_dir), module.name)
    if cache_dir is None:
        from ..home import state_dir

        cache_dir = state_dir("cache") / "native"
    facts = dict(tc.facts(), source_sha256=source_sha, cache_key=key, tier=sel.tier)
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
            module,
            "native",
            output,
            facts=facts,
            isolation=isolation,
            cached=True,
            interpreted=declared,
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
        runtime_sources=runtime_sources,
        objects=cache.ObjectCache(Path(cache_dir) / "objects", mac_key) if use_cache else None,
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
    return CompileResult(
        module,
        "native",
        output,
        facts=facts,
        isolation=isolation,
        cached=False,
        interpreted=declared,
    )

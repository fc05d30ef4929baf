"""The built-in ``native`` backend, registered with the plugin manager like any plugin."""

from __future__ import annotations

from pathlib import Path

from ..hookspecs import hookimpl
from ..model import BuildContext, CompileResult, ModuleSpec

BACKEND = "native"


@hookimpl
def pyvorin_backend_names() -> list[str]:
    return [BACKEND]


@hookimpl
def pyvorin_check(ctx: BuildContext, module: ModuleSpec, backend: str):
    if backend != BACKEND:
        return None
    from . import check_file

    return check_file(Path(module.path), module.name)


@hookimpl
def pyvorin_compile(
    ctx: BuildContext, module: ModuleSpec, backend: str, workdir: Path
) -> CompileResult | None:
    if backend != BACKEND:
        return None
    from . import compile_module

    options = ctx.options  # the run's one options object: sandbox policy, cache, keep-c
    return compile_module(
        module,
        ctx.out_dir,
        workdir=workdir,
        keep_c=options.keep_c,
        cache_dir=options.cache_dir,
        use_cache=options.use_cache,
        policy=options.sandbox,
    )

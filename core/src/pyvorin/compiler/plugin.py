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
    from ..sandbox import SandboxPolicy, tool_runner
    from . import compile_module

    reports: list[dict] = []
    run_command = ctx.options.get("run_command")
    if run_command is None:  # the C compiler runs in the sandbox unless a host says otherwise
        policy = SandboxPolicy.from_settings(
            ctx.settings, require_isolation=ctx.options.get("require_isolation")
        )
        run_command = tool_runner(policy, f"compilation of {module.name}", reports)
    result = compile_module(
        module,
        ctx.out_dir,
        workdir=workdir,
        keep_c=ctx.keep_c,
        cache_dir=ctx.options.get("cache_dir"),
        run_command=run_command,
    )
    if reports:
        result.isolation = reports[-1]
    return result

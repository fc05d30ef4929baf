"""The built-in ``native`` backend, registered with the plugin manager like any plugin."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from ..hookspecs import hookimpl
from ..model import BuildContext, CompileResult, ModuleSpec

BACKEND = "native"


@hookimpl
def pyvorin_backend_names() -> list[str]:
    return [BACKEND]


def declared_in(ctx: BuildContext, module: ModuleSpec) -> tuple[str, ...]:
    """The qualnames ``[tool.pyvorin] interpreted`` declares in ``module``."""
    from ..config import interpreted_for

    return interpreted_for(ctx.settings, module.name)


@contextmanager
def _entry_errors(ctx: BuildContext, module: ModuleSpec):
    """A configured entry naming no declarable function: a configuration error (exit 2)
    naming the settings file, the entry and the module's source."""
    from ..config import ROOT
    from ..errors import ConfigError
    from .interpreted import DeclarationError

    try:
        yield
    except DeclarationError as exc:
        where = getattr(ctx.settings, "file", None) or "the configuration"
        raise ConfigError(
            f"{where}: {ROOT}.interpreted: entry '{module.name}:{exc.qualname}': "
            f"{exc.reason} (in {module.path})"
        ) from exc


@hookimpl
def pyvorin_check(ctx: BuildContext, module: ModuleSpec, backend: str):
    if backend != BACKEND:
        return None
    from . import check_file

    with _entry_errors(ctx, module):
        return check_file(Path(module.path), module.name, declared_in(ctx, module))


@hookimpl
def pyvorin_compile(
    ctx: BuildContext, module: ModuleSpec, backend: str, workdir: Path
) -> CompileResult | None:
    if backend != BACKEND:
        return None
    from . import compile_module

    options = ctx.options  # the run's one options object: sandbox policy, cache, keep-c
    with _entry_errors(ctx, module):
        return compile_module(
            module,
            ctx.out_dir,
            workdir=workdir,
            keep_c=options.keep_c,
            cache_dir=options.cache_dir,
            use_cache=options.use_cache,
            policy=options.sandbox,
            interpreted=declared_in(ctx, module),
        )

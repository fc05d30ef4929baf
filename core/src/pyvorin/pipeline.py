"""The pipeline: licence gate, then check -> compile -> verify -> sign for each module.

This is the one place that sequences the stages and turns their outcomes into exit
codes (via the errors' ``exit_code``). Every stage is a hook; a stage with no
registered implementation is reported as ``not-installed`` rather than pretended.
Every stage outcome and every refusal is sent to the audit sinks.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError, PyvorinError, UnsupportedError
from .exitcodes import ExitCode
from .model import BuildContext, ModuleResult, ModuleSpec, PipelineResult, StageOutcome

STAGES = ("check", "compile", "verify", "sign")


def _installed(ctx: BuildContext, hook_name: str) -> bool:
    return bool(getattr(ctx.hook, hook_name).get_hookimpls())


def available_backends(ctx: BuildContext) -> list[str]:
    names: list[str] = []
    for result in ctx.hook.pyvorin_backend_names():
        names.extend(n for n in result if n not in names)
    return names


def _run_stage(
    ctx: BuildContext,
    result: ModuleResult,
    stage: str,
    call: Callable[[], Any],
) -> tuple[bool, Any]:
    """Run one stage, record its outcome and audit it. Returns (ok, value)."""
    started = time.perf_counter()
    try:
        value = call()
    except PyvorinError as exc:
        seconds = time.perf_counter() - started
        if isinstance(exc, UnsupportedError):
            result.diagnostics.extend(exc.diagnostics)
        result.stages.append(StageOutcome(stage, "failed", seconds, str(exc), exc.exit_code))
        ctx.audit(
            "refusal",
            module=result.module.name,
            stage=stage,
            reason=str(exc),
            exit_code=int(exc.exit_code),
        )
        return False, None
    except Exception as exc:
        seconds = time.perf_counter() - started
        detail = f"internal error in the {stage} stage: {type(exc).__name__}: {exc}"
        result.stages.append(StageOutcome(stage, "failed", seconds, detail, ExitCode.INTERNAL))
        ctx.audit(
            "refusal",
            module=result.module.name,
            stage=stage,
            reason=detail,
            traceback=traceback.format_exc(limit=8),
            exit_code=int(ExitCode.INTERNAL),
        )
        return False, None
    seconds = time.perf_counter() - started
    result.stages.append(StageOutcome(stage, "ok", seconds))
    ctx.audit(stage, module=result.module.name, seconds=round(seconds, 6), outcome="ok")
    return True, value


def licence_gate(ctx: BuildContext) -> StageOutcome:
    if not _installed(ctx, "pyvorin_licence_gate"):
        return StageOutcome("licence", "not-installed", detail="no licence plugin registered")
    started = time.perf_counter()
    try:
        decision = ctx.hook.pyvorin_licence_gate(ctx=ctx)
    except PyvorinError as exc:
        decision_ok, reason, code = False, str(exc), exc.exit_code
    else:
        if decision is None:
            return StageOutcome("licence", "not-installed", detail="no plugin decided")
        decision_ok, reason, code = decision.allowed, decision.reason, ExitCode.LICENCE
    seconds = time.perf_counter() - started
    if decision_ok:
        if decision is not None and decision.licence_id:
            ctx.options["licence_id"] = decision.licence_id  # recorded in each manifest
        ctx.audit("licence", outcome="allowed")
        return StageOutcome("licence", "ok", seconds, reason)
    ctx.audit("refusal", stage="licence", reason=reason, exit_code=int(code))
    return StageOutcome("licence", "failed", seconds, reason, code)


def check_module(ctx: BuildContext, module: ModuleSpec, backend: str) -> list:
    """Run the frontend; raise UnsupportedError if any diagnostic is an error."""
    diagnostics = ctx.hook.pyvorin_check(ctx=ctx, module=module, backend=backend)
    if diagnostics is None:
        raise ConfigError(
            f"no installed plugin provides the backend {backend!r} "
            f"(available: {', '.join(available_backends(ctx)) or 'none'})"
        )
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        noun = "construct" if len(errors) == 1 else "constructs"
        raise UnsupportedError(
            f"{module.path}: {len(errors)} unsupported {noun}; not compiled", diagnostics
        )
    return diagnostics


def run(ctx: BuildContext, modules: list[ModuleSpec]) -> PipelineResult:
    """Run the whole pipeline for ``modules``; stops a module at its first failure."""
    backend = ctx.settings["backend"]
    ctx.audit("build", phase="start", modules=[m.name for m in modules], backend=backend)
    result = PipelineResult(licence=licence_gate(ctx))
    if result.licence.status == "failed":
        ctx.audit("build", phase="end", exit_code=int(result.exit_code))
        return result

    for module in modules:
        module_result = ModuleResult(module)
        result.modules.append(module_result)
        ctx.progress(f"{module.name}: checking")
        ok, diagnostics = _run_stage(
            ctx, module_result, "check", lambda m=module: check_module(ctx, m, backend)
        )
        if not ok:
            continue
        module_result.diagnostics.extend(diagnostics)

        ctx.progress(f"{module.name}: compiling")
        with tempfile.TemporaryDirectory(prefix="pyvorin-") as workdir:
            ok, compiled = _run_stage(
                ctx,
                module_result,
                "compile",
                lambda m=module, w=workdir: ctx.hook.pyvorin_compile(
                    ctx=ctx, module=m, backend=backend, workdir=Path(w)
                ),
            )
        if not ok:
            continue
        module_result.compiled = compiled

        if _installed(ctx, "pyvorin_verify"):
            ctx.progress(f"{module.name}: verifying against CPython")
            ok, verification = _run_stage(
                ctx, module_result, "verify", lambda m=module, c=compiled: _verify(ctx, m, c)
            )
            if not ok:
                _discard(ctx, module, compiled)
                continue
            module_result.verification = verification
        else:
            module_result.stages.append(
                StageOutcome("verify", "not-installed", detail="no verify plugin registered")
            )

        if _installed(ctx, "pyvorin_sign"):
            ctx.progress(f"{module.name}: signing")
            ok, signed = _run_stage(
                ctx,
                module_result,
                "sign",
                lambda m=module, c=compiled, r=module_result: ctx.hook.pyvorin_sign(
                    ctx=ctx, module=m, compiled=c, verification=r.verification
                ),
            )
            if ok:
                module_result.signed = signed
            else:
                _discard(ctx, module, compiled)
        else:
            module_result.stages.append(
                StageOutcome("sign", "not-installed", detail="no sign plugin registered")
            )

    ctx.audit("build", phase="end", exit_code=int(result.exit_code))
    return result


def _discard(ctx: BuildContext, module: ModuleSpec, compiled: Any) -> None:
    """Remove the artifacts of a module that failed verification or signing.

    Nothing unverified or unsigned stays in the output directory to be picked up by
    mistake; reports written for the user (the verification report) stay.
    """
    from . import artifacts

    paths = [Path(compiled.artifact), *map(Path, compiled.extra_files)]
    paths += [
        artifacts.loader_path(ctx.out_dir, module.name),
        artifacts.manifest_path(ctx.out_dir, module.name),
    ]
    removed = []
    for path in paths:
        if path.resolve() == Path(module.path).resolve():
            continue  # never the user's source
        try:
            path.unlink()
            removed.append(str(path))
        except FileNotFoundError:
            pass
    ctx.audit("build", module=module.name, phase="discarded", files=removed)


def _verify(ctx: BuildContext, module: ModuleSpec, compiled: Any) -> Any:
    from .errors import VerificationError

    verification = ctx.hook.pyvorin_verify(ctx=ctx, module=module, compiled=compiled)
    if verification is not None and not verification.passed:
        raise VerificationError(verification.message or f"{module.name}: verification failed")
    return verification


def make_context(
    settings: Any,
    out_dir: Path,
    *,
    actor: str = "cli",
    release: bool = False,
    keep_c: Path | None = None,
    progress: Callable[[str], None] | None = None,
    options: dict[str, Any] | None = None,
    plugins: tuple[object, ...] = (),
) -> BuildContext:
    """Build the plugin manager for ``settings`` and a context for one run.

    ``plugins`` are extra in-process plugin objects (a host's own hooks, tests),
    registered after the built-in and allowed entry-point plugins, so they are asked
    first by ``firstresult`` hooks.
    """
    from .home import pyvorin_home
    from .plugins import build_plugin_manager

    pm, _ = build_plugin_manager(settings["plugins"])
    for plugin in plugins:
        pm.register(plugin)
    pm.check_pending()
    return BuildContext(
        settings=settings,
        hook=pm.hook,
        home=pyvorin_home(),
        out_dir=Path(out_dir),
        actor=actor,
        release=release,
        keep_c=keep_c,
        progress=progress or (lambda message: None),
        options=dict(options or {}),
    )

"""The pipeline: licence gate, then check -> compile -> verify -> sign for each module.

This is the one place that sequences the stages and turns their outcomes into exit
codes (via the errors' ``exit_code``), and the one door every producer of artifacts goes
through (``pyvorin compile|build|check|bench``, the adapters via :mod:`pyvorin.build_api`,
the Python API). Every stage is a hook. It fails closed: a run without the built-in
licence gate is refused, and a missing verify or sign stage refuses the module. Every
stage outcome and every refusal is sent to the audit sinks; a run whose licence was
confirmed online ends by anchoring the audit log's head, its last event included, at the
licence server (:func:`pyvorin.licensing.gate.anchor_run`).

A whole-pipeline run locks its output directory and stages into it; the files are moved
into place only when every module passed (:mod:`pyvorin.outputs`), so a failed or
interrupted run leaves the output directory as it was.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import ConfigError, PyvorinError, UnsupportedError
from .exitcodes import ExitCode
from .model import BuildContext, ModuleResult, ModuleSpec, PipelineResult, StageOutcome
from .options import BuildOptions

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


BUILTIN_GATE = "pyvorin.licensing.gate"


def _refuse_licence(ctx: BuildContext, reason: str, code: ExitCode, seconds: float = 0.0):
    ctx.audit("refusal", stage="licence", reason=reason, exit_code=int(code))
    return StageOutcome("licence", "failed", seconds, reason, code)


def licence_gate(ctx: BuildContext) -> StageOutcome:
    """The licence gate: the built-in decides; other plugins can only refuse. Fail closed.

    The built-in gate (:mod:`pyvorin.licensing.gate`) is called directly, never through a
    first-result hook, so no plugin can answer in its place. If it is not registered the
    run is refused. Every other ``pyvorin_licence_gate`` implementation is asked after it
    and may add a refusal (``allowed=False`` or a raised error), nothing more.
    """
    from .licensing import gate as builtin

    impls = ctx.hook.pyvorin_licence_gate.get_hookimpls()
    if not any(impl.plugin is builtin for impl in impls):
        return _refuse_licence(
            ctx,
            f"the built-in licence gate ({BUILTIN_GATE}) is not registered; refusing to "
            "compile without it",
            ExitCode.LICENCE,
        )
    started = time.perf_counter()
    try:
        decision = builtin.pyvorin_licence_gate(ctx=ctx)
        if decision is None or not decision.allowed:
            reason = decision.reason if decision is not None else "no decision"
            return _refuse_licence(ctx, reason, ExitCode.LICENCE, time.perf_counter() - started)
        for impl in impls:
            if impl.plugin is builtin:
                continue
            kwargs = {name: ctx for name in impl.argnames if name == "ctx"}
            extra = impl.function(**kwargs)
            if extra is not None and not extra.allowed:
                reason = f"plugin {impl.plugin_name!r} refused: {extra.reason or 'no reason'}"
                return _refuse_licence(ctx, reason, ExitCode.LICENCE, time.perf_counter() - started)
    except PyvorinError as exc:
        return _refuse_licence(ctx, str(exc), exc.exit_code, time.perf_counter() - started)
    except Exception as exc:  # a crashing gate plugin refuses; it never lets a run through
        reason = f"the licence gate failed: {type(exc).__name__}: {exc}"
        return _refuse_licence(ctx, reason, ExitCode.INTERNAL, time.perf_counter() - started)
    seconds = time.perf_counter() - started
    ctx.licence = decision  # signing refuses a context that has not passed the gate
    ctx.audit("licence", outcome="allowed", licence_mode=decision.mode)
    return StageOutcome("licence", "ok", seconds, decision.reason)


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


def run(
    ctx: BuildContext, modules: list[ModuleSpec], stages: tuple[str, ...] = STAGES
) -> PipelineResult:
    """Run the pipeline for ``modules``; stops a module at its first failure.

    ``stages`` is the whole pipeline, or ``("check",)`` for ``pyvorin check`` (gate and
    frontend only; nothing is written), or ``("check", "compile")`` for ``pyvorin bench``
    only (its private builds are compared with CPython by the harness and deleted). A
    verify or sign stage that no plugin provides refuses the module: nothing unverified
    or unsigned is left in the output.
    """
    from .licensing.gate import anchor_run

    if stages not in (STAGES, ("check",), ("check", "compile")):
        raise ValueError(f"stages must be {STAGES} or ('check',), not {stages!r}")
    if stages == ("check", "compile") and ctx.options.command != "bench":
        raise ValueError("only pyvorin bench compiles without verifying and signing")
    backend = ctx.settings["backend"]
    ctx.audit(
        "build",
        phase="start",
        modules=[m.name for m in modules],
        backend=backend,
        options=ctx.options.manifest_record(),
    )
    ctx.modules = tuple(modules)
    result = PipelineResult(licence=licence_gate(ctx))
    if result.licence.status == "failed":
        ctx.audit("build", phase="end", exit_code=int(result.exit_code))
        return result
    if stages == STAGES:
        _run_staged(ctx, modules, result)
    else:
        _run_modules(ctx, modules, stages, result)
    ctx.audit("build", phase="end", exit_code=int(result.exit_code))
    anchor_run(ctx)  # after the last event, so that it is anchored; never changes the result
    return result


def _run_staged(ctx: BuildContext, modules: list[ModuleSpec], result: PipelineResult) -> None:
    """Run the modules into a staging directory; commit only if every one passed.

    See :mod:`pyvorin.outputs`: the output directory is locked for the run, the stages
    write into a staging directory inside it, and its files are renamed into place once
    every module is signed. A failed run commits nothing but the verification reports of
    the modules that failed verification (the report explains the failure); an
    interrupted one (SIGINT, SIGTERM, SIGHUP, an exception) commits nothing at all.
    """
    from . import outputs
    from .errors import BusyError

    destination = Path(ctx.out_dir)
    try:
        with outputs.staged_output(
            destination, timeout=ctx.options.lock_timeout, say=ctx.progress, audit=ctx.audit
        ) as transaction:
            ctx.out_dir, ctx.destination = transaction.staging, destination
            try:
                _run_modules(ctx, modules, STAGES, result)
                if result.exit_code == ExitCode.OK:
                    ctx.progress(f"moving the signed artifacts into {destination}")
                    transaction.commit()
                    result.committed = True
                else:
                    transaction.commit(_failure_reports(ctx, result))
                    result.committed = False
            finally:
                ctx.out_dir, ctx.destination = destination, None
    except BusyError as exc:
        ctx.audit("refusal", stage="lock", reason=str(exc), exit_code=int(exc.exit_code))
        raise
    _relocate(result, transaction.staging, destination)


def _failure_reports(ctx: BuildContext, result: PipelineResult) -> list[str]:
    """The staged verification reports of the modules whose verify stage failed."""
    from .verify.report import report_path

    names = []
    for module_result in result.modules:
        if any(o.stage == "verify" and o.status == "failed" for o in module_result.stages):
            names.append(report_path(Path("."), module_result.module.name).as_posix())
    return names


def _relocate(result: PipelineResult, staging: Path, destination: Path) -> None:
    """Point the results' file paths at the output directory instead of the staging one."""

    def moved(path: Any) -> Any:
        if path is None:
            return None
        try:
            return destination / Path(path).relative_to(staging)
        except ValueError:
            return path

    for module_result in result.modules:
        compiled = module_result.compiled
        if compiled is not None:
            module_result.compiled = dataclasses.replace(
                compiled,
                artifact=moved(compiled.artifact),
                extra_files=[moved(p) for p in compiled.extra_files],
            )
        if module_result.verification is not None:
            module_result.verification.report_path = moved(module_result.verification.report_path)
        if module_result.signed is not None:
            module_result.signed.manifest_path = moved(module_result.signed.manifest_path)


def _run_modules(
    ctx: BuildContext, modules: list[ModuleSpec], stages: tuple[str, ...], result: PipelineResult
) -> None:
    """Every module through ``stages``, in order; with ``jobs`` > 1 (a whole-pipeline run
    of several modules) one process per module (:mod:`pyvorin.parallel`)."""
    from .progress import Progress

    jobs = ctx.options.jobs if stages == STAGES else 1
    if isinstance(ctx.progress, Progress):
        ctx.progress.start([m.name for m in modules], jobs)
    if jobs > 1 and len(modules) > 1:
        from .parallel import run_parallel

        run_parallel(ctx, modules, result)
        return
    for module in modules:
        module_result = ModuleResult(module)
        result.modules.append(module_result)
        if run_module(ctx, module_result, stages):
            sign_module(ctx, module_result)
        module_finished(ctx, module_result)


def run_module(ctx: BuildContext, module_result: ModuleResult, stages: tuple[str, ...]) -> bool:
    """The per-module stages before signing: check, then compile and verify when
    ``stages`` has them. Fills ``module_result``; True when the module is ready to sign.

    A parallel run calls this in a worker process (:mod:`pyvorin.parallel`); signing
    stays in the parent.
    """
    from .progress import report_stage

    module = module_result.module
    backend = ctx.settings["backend"]
    report_stage(ctx.progress, module.name, "check")
    ok, diagnostics = _run_stage(
        ctx, module_result, "check", lambda m=module: check_module(ctx, m, backend)
    )
    if not ok:
        return False
    module_result.diagnostics.extend(diagnostics)
    if stages == ("check",):
        return False

    report_stage(ctx.progress, module.name, "compile")
    with tempfile.TemporaryDirectory(prefix="pyvorin-") as workdir:
        ok, compiled = _run_stage(
            ctx,
            module_result,
            "compile",
            lambda m=module, w=workdir: _compile(ctx, m, backend, Path(w)),
        )
    if not ok:
        return False
    module_result.compiled = compiled
    _audit_interpreted(ctx, module, compiled)
    if stages == ("check", "compile"):
        return False  # bench: a private, timed build; never packaged, deleted after the run

    report_stage(ctx.progress, module.name, "verify")
    ok, verification = _run_stage(
        ctx, module_result, "verify", lambda m=module, c=compiled: _verify(ctx, m, c)
    )
    if not ok:
        _discard(ctx, module, compiled)
        return False
    module_result.verification = verification
    return True


def sign_module(ctx: BuildContext, module_result: ModuleResult) -> None:
    """The sign stage of a verified module (always in the pipeline's own process)."""
    from .progress import report_stage

    module, compiled = module_result.module, module_result.compiled
    report_stage(ctx.progress, module.name, "sign")
    ok, signed = _run_stage(
        ctx,
        module_result,
        "sign",
        lambda m=module, c=compiled, r=module_result: _sign(ctx, m, c, r.verification),
    )
    if ok:
        module_result.signed = signed
    else:
        _discard(ctx, module, compiled)


def module_finished(ctx: BuildContext, module_result: ModuleResult) -> None:
    from .progress import Progress

    if isinstance(ctx.progress, Progress):
        status = "ok" if module_result.exit_code == ExitCode.OK else "failed"
        ctx.progress.finished(module_result.module.name, status)


def _audit_interpreted(ctx: BuildContext, module: ModuleSpec, compiled: Any) -> None:
    """One ``fallback`` event per function the artifact leaves interpreted (declared so
    by the user; nothing else is ever left interpreted). ``--release`` allows them: they
    are listed in the signed manifest, and the event says it was a release build."""
    for qualname in getattr(compiled, "interpreted", None) or ():
        ctx.audit(
            "fallback",
            module=module.name,
            function=qualname,
            reason="declared interpreted",
            release=bool(ctx.release),
        )


def _compile(ctx: BuildContext, module: ModuleSpec, backend: str, workdir: Path) -> Any:
    compiled = ctx.hook.pyvorin_compile(ctx=ctx, module=module, backend=backend, workdir=workdir)
    if compiled is None:
        raise ConfigError(
            f"no installed plugin compiles with the backend {backend!r} "
            f"(available: {', '.join(available_backends(ctx)) or 'none'})"
        )
    if compiled.backend != backend:
        # A plugin may delegate to another backend (for instance to the built-in one, on
        # a source it changed): the artifact is still the asked-for backend's. The
        # manifest and the verification cache must name it, or an outcome verified for
        # the built-in compiler would be reused for this one's artifact.
        compiled = dataclasses.replace(compiled, backend=backend)
    return compiled


def _sign(ctx: BuildContext, module: ModuleSpec, compiled: Any, verification: Any) -> Any:
    from .errors import SignatureError

    if not _installed(ctx, "pyvorin_sign"):
        raise SignatureError(
            f"{module.name}: no sign plugin is registered; refusing to leave an unsigned artifact"
        )
    signed = ctx.hook.pyvorin_sign(
        ctx=ctx, module=module, compiled=compiled, verification=verification
    )
    if signed is None:
        raise SignatureError(f"{module.name}: no sign plugin signed the artifact")
    return signed


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

    if not _installed(ctx, "pyvorin_verify"):
        raise VerificationError(
            f"{module.name}: no verify plugin is registered; refusing to ship an "
            "unverified artifact"
        )
    verification = _trusted_verifier(ctx, module, compiled)
    if verification is None:
        raise VerificationError(f"{module.name}: no verify plugin verified the artifact")
    if not verification.passed:
        raise VerificationError(verification.message or f"{module.name}: verification failed")
    return verification


def _trusted_verifier(ctx: BuildContext, module: ModuleSpec, compiled: Any) -> Any:
    """The verify stage's answer, from a verifier allowed to give it.

    A plugin loaded from an entry point (allowed by ``[tool.pyvorin] plugins`` or
    ``PYVORIN_PLUGINS``, i.e. by the user or the environment) cannot replace the
    verifier: its ``pyvorin_verify`` is skipped (and audited), unless the administrator's
    configuration names it in ``verify.trusted-verifiers`` (a key nothing else may set).
    The built-in verifier and in-process plugins a host registers itself answer, most
    recently registered first. An answer from a named third-party verifier is stamped
    with its plugin name and the configuration that trusted it, whatever it says of
    itself, so the manifest records who verified.
    """
    from .plugins import ENTRY_POINT_GROUP

    prefix = ENTRY_POINT_GROUP + ":"
    trusted = set(ctx.settings["verify.trusted-verifiers"])
    for impl in reversed(ctx.hook.pyvorin_verify.get_hookimpls()):
        third_party = impl.plugin_name.startswith(prefix)
        if third_party and impl.plugin_name[len(prefix) :] not in trusted:
            ctx.audit("verify", module=module.name, skipped_verifier=impl.plugin_name)
            continue
        given = {"ctx": ctx, "module": module, "compiled": compiled}
        answer = impl.function(**{name: given[name] for name in impl.argnames})
        if answer is None:
            continue
        if third_party:
            origin = ctx.settings.origins.get("verify.trusted-verifiers", "")
            answer.summary["verifier"] = {"name": impl.plugin_name, "trusted_by": origin}
            ctx.audit("verify", module=module.name, trusted_verifier=impl.plugin_name)
        return answer
    return None


def make_context(
    settings: Any,
    out_dir: Path,
    *,
    actor: str = "cli",
    command: str = "api",
    release: bool | None = None,
    keep_c: Path | None = None,
    progress: Callable[[str], None] | None = None,
    options: BuildOptions | None = None,
    plugins: tuple[object, ...] = (),
) -> BuildContext:
    """Build the plugin manager for ``settings`` and a context for one run.

    ``options`` is the run's :class:`BuildOptions`; without it one is resolved here from
    ``release``/``keep_c`` (flags), the environment and ``settings``. ``plugins`` are
    extra in-process plugin objects (a host's own hooks, tests), registered after the
    built-in and allowed entry-point plugins; they cannot take the licence gate's place.
    """
    from .home import pyvorin_home
    from .plugins import build_plugin_manager
    from .progress import as_progress

    if options is None:
        options = BuildOptions.resolve(settings, command=command, release=release, keep_c=keep_c)
    elif release is not None or keep_c is not None:
        raise TypeError("make_context: pass release/keep_c inside options, not both")
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
        progress=as_progress(progress),
        options=options,
    )

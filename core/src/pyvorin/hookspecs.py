"""The pipeline's stages, each declared as a pluggy hook.

Built-in stages (the native backend, the verifier, the signer, the audit sink, the
licence gate) implement these hooks exactly as a third-party plugin would. A plugin is a
module or object whose functions are marked with :data:`hookimpl`::

    from pyvorin.hookspecs import hookimpl

    @hookimpl
    def pyvorin_backend_names():
        return ["mybackend"]

For ``firstresult`` hooks, plugins registered later are asked first, so an installed
third-party plugin takes precedence over the built-in one; returning ``None`` passes the
call on to the next implementation. The licence gate is the exception: see
:func:`pyvorin_licence_gate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pluggy

from .diagnostics import Diagnostic
from .model import (
    AuditEvent,
    BuildContext,
    CompileResult,
    LicenceDecision,
    ModuleSpec,
    SignResult,
    VerificationResult,
)

PROJECT = "pyvorin"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def pyvorin_licence_gate(ctx: BuildContext) -> LicenceDecision | None:
    """Add a refusal to the licence gate; called once, before any module.

    The built-in gate (:mod:`pyvorin.licensing.gate`) always decides first and is called
    by the pipeline directly; it cannot be pre-empted or replaced, and a run without it is
    refused. Other implementations are asked after it and can only refuse: return a
    :class:`LicenceDecision` with ``allowed=False`` (or raise
    :class:`pyvorin.errors.LicenceError`) to stop the run with exit 6 and ``reason``
    shown; ``None`` or ``allowed=True`` change nothing.
    """


@hookspec
def pyvorin_backend_names() -> list[str]:
    """Return the names of the backends this plugin provides (``[tool.pyvorin] backend``)."""


@hookspec(firstresult=True)
def pyvorin_check(ctx: BuildContext, module: ModuleSpec, backend: str) -> list[Diagnostic] | None:
    """Run the frontend of ``backend`` over ``module`` without compiling.

    Return every diagnostic found (all of them, not just the first); an empty list means
    the module can be compiled. Return ``None`` if ``backend`` is not yours.
    """


@hookspec(firstresult=True)
def pyvorin_compile(
    ctx: BuildContext, module: ModuleSpec, backend: str, workdir: Path
) -> CompileResult | None:
    """Compile ``module`` with ``backend``, writing the artifact into ``ctx.out_dir``.

    During a pipeline run ``ctx.out_dir`` is the run's staging directory (inside the
    output directory, same file system); its files are moved into ``ctx.output_dir``
    only once every module was verified and signed (:mod:`pyvorin.outputs`). Write
    nowhere else: a file written straight into the output directory would bypass that.

    ``workdir`` is a private temporary directory for intermediate files, removed after
    the stage. Raise :class:`~pyvorin.errors.UnsupportedError` (with diagnostics) for
    source outside the subset, :class:`~pyvorin.errors.ToolchainError` when the C
    toolchain fails, :class:`~pyvorin.errors.SandboxLimitError` when a limit is hit.
    Return ``None`` if ``backend`` is not yours.
    """


@hookspec
def pyvorin_generate_inputs(ctx: BuildContext, module: ModuleSpec, function: Any) -> list[Any]:
    """Contribute verification inputs for one compiled ``function`` of ``module``.

    Every implementation contributes (explicit examples, doctests, a recorded corpus,
    type-directed generation, ...); the verifier merges them in plugin order. Each item
    records the arguments and the name of the source that produced it.
    """


@hookspec(firstresult=True)
def pyvorin_verify(
    ctx: BuildContext, module: ModuleSpec, compiled: CompileResult
) -> VerificationResult | None:
    """Check the compiled module against CPython on representative inputs.

    Return a result with ``passed=False`` (or raise
    :class:`~pyvorin.errors.VerificationError`) on any difference: the build stops with
    exit 4. Return ``None`` to leave verification to another plugin.
    """


@hookspec(firstresult=True)
def pyvorin_sign(
    ctx: BuildContext,
    module: ModuleSpec,
    compiled: CompileResult,
    verification: VerificationResult | None,
) -> SignResult | None:
    """Write and sign the manifest for ``compiled``; raise SignatureError on failure."""


@hookspec
def pyvorin_audit_event(event: AuditEvent) -> None:
    """Record ``event``. Every sink receives every event.

    A sink that cannot record raises: the run then fails, since nothing may happen
    unaudited.
    """

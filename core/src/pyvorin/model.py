"""Plain data passed between the pipeline and its stage plugins.

Hook implementations receive and return these types; keeping them here (and free of
behaviour) lets third-party plugins depend on a small, stable surface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic
from .exitcodes import ExitCode

if TYPE_CHECKING:
    from .config import Settings


@dataclass(frozen=True)
class ModuleSpec:
    """A module to compile: its dotted import name and its source file."""

    name: str
    path: Path


@dataclass
class AuditEvent:
    """One event for the audit sinks. ``details`` must never contain secrets."""

    type: str  # access | build | check | compile | verify | sign | licence | refusal | sandbox
    #            | fallback (a function declared interpreted, one per function per build)
    actor: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class LicenceDecision:
    """The licence gate's verdict. ``mode`` is ``production`` (the lease's issuer is a
    production issuer) or ``development``; it is recorded in every manifest and a
    ``--release`` run needs ``production``. Anything not marked production is development."""

    allowed: bool
    reason: str = ""
    licence_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    mode: str = "development"
    # module name -> its build ticket (server-signed online, an offline quota slot
    # otherwise); the signer puts it in the manifest (licence.ticket)
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class CompileResult:
    """What a backend produced for one module.

    ``artifact`` is the extension module file, importable as ``module.name`` with its
    directory on ``sys.path``; ``extra_files`` are other files the import needs.
    ``facts`` records toolchain, flags and ABI for the manifest; ``isolation`` is the
    sandbox's isolation report when the backend ran sandboxed. ``interpreted`` lists the
    functions (qualnames) declared interpreted, which the artifact makes from their
    source instead of compiling them: the manifest lists them, the audit log records
    them and the verifier does not count them as verified.
    """

    module: ModuleSpec
    backend: str
    artifact: Path
    extra_files: list[Path] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    isolation: dict[str, Any] | None = None
    cached: bool = False
    interpreted: list[str] = field(default_factory=list)


@dataclass
class VerificationResult:
    """Outcome of checking compiled code against CPython.

    ``summary`` goes into the manifest: inputs run per source, seed, result.
    """

    passed: bool
    summary: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    report_path: Path | None = None


@dataclass
class SignResult:
    manifest_path: Path
    key_ids: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


def _default_options() -> Any:
    from .options import BuildOptions

    return BuildOptions()


@dataclass
class BuildContext:
    """Everything a stage needs to know about the current run.

    ``hook`` is the plugin manager's hook relay, so stages can call other stages
    (the verifier asks ``pyvorin_generate_inputs`` for inputs) and emit audit events.
    ``options`` is the run's frozen :class:`~pyvorin.options.BuildOptions` (release,
    keep-c, isolation, cache, the one sandbox policy). ``licence`` is the licence gate's
    decision, set by the pipeline only (signing refuses a context without one).
    ``build_numbers`` holds the build number the run signs for each (signing key id,
    distribution): every module of a distribution signed in one run gets the same one.
    While the pipeline runs, ``out_dir`` is the run's staging directory (inside the output
    directory, see :mod:`pyvorin.outputs`): stages write there, and the files are moved
    into ``destination``, the output directory the user named, once every module passed.
    Messages and reports name files by their place in :attr:`output_dir`.
    """

    settings: Settings
    hook: Any
    home: Path
    out_dir: Path
    actor: str = "cli"
    progress: Callable[[str], None] = lambda message: None
    options: Any = field(default_factory=_default_options)
    licence: LicenceDecision | None = None
    build_numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    modules: tuple[ModuleSpec, ...] = ()  # this run's modules (the gate tickets each)
    destination: Path | None = None

    @property
    def output_dir(self) -> Path:
        """Where the run's files end up (``destination`` while staging, else ``out_dir``)."""
        return self.destination if self.destination is not None else self.out_dir

    @property
    def release(self) -> bool:
        return bool(self.options.release)

    @property
    def keep_c(self) -> Path | None:
        return self.options.keep_c

    def audit(self, type: str, **details: Any) -> None:
        """Send an audit event to every registered sink."""
        self.hook.pyvorin_audit_event(
            event=AuditEvent(type=type, actor=self.actor, details=details)
        )


@dataclass
class StageOutcome:
    stage: str  # licence | check | compile | verify | sign
    status: str  # ok | failed | not-installed | not-run
    seconds: float = 0.0
    detail: str = ""
    exit_code: ExitCode = ExitCode.OK


@dataclass
class ModuleResult:
    module: ModuleSpec
    stages: list[StageOutcome] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    compiled: CompileResult | None = None
    verification: VerificationResult | None = None
    signed: SignResult | None = None

    @property
    def exit_code(self) -> ExitCode:
        for outcome in self.stages:
            if outcome.status == "failed":
                return outcome.exit_code
        return ExitCode.OK

    @property
    def stages_run(self) -> list[str]:
        return [o.stage for o in self.stages if o.status in ("ok", "failed")]


@dataclass
class PipelineResult:
    """``committed``: whether the run's artifacts were moved into the output directory
    (``None`` for runs that write none: ``check``, ``bench``)."""

    licence: StageOutcome
    modules: list[ModuleResult] = field(default_factory=list)
    committed: bool | None = None

    @property
    def exit_code(self) -> ExitCode:
        """The first failure decides: the licence gate, then modules in order."""
        if self.licence.status == "failed":
            return self.licence.exit_code
        for module in self.modules:
            if module.exit_code != ExitCode.OK:
                return module.exit_code
        return ExitCode.OK

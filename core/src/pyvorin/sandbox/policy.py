"""What a sandboxed run promises and reports: the isolation layers, the policy (limits and
requirements), each layer's status, the isolation report and result of a run, the
classification of how a worker ended (which limit it hit), and the plan one launch hands
to the worker."""

from __future__ import annotations

import os
import signal
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SandboxLimitError

# -- the layers ------------------------------------------------------------------------------
LAYERS: tuple[str, ...] = (
    "user-namespace",
    "pid-namespace",
    "network-namespace",
    "mount-namespace",
    "ipc-namespace",
    "uts-namespace",
    "read-only-filesystem",
    "unprivileged-uid",
    "process-limit",
    "rlimits",
    "no-new-privileges",
    "landlock",
    "seccomp",
)
LAYER_STOPS: dict[str, str] = {
    "user-namespace": "capabilities inside are worthless outside; ids are remapped",
    "pid-namespace": "cannot see or signal host processes; all die with the worker",
    "network-namespace": "no network interfaces but a private loopback: no route out",
    "mount-namespace": "private mount table: host mounts are not visible",
    "ipc-namespace": "no access to host System V IPC and POSIX message queues",
    "uts-namespace": "private host name",
    "read-only-filesystem": "only allow-listed paths are visible, read-only; "
    "the work directory is the only writable place",
    "unprivileged-uid": "the worker runs as a per-run unprivileged uid, not root",
    "process-limit": "RLIMIT_NPROC on a non-root uid: fork bombs stop at the limit",
    "rlimits": "CPU seconds, address space, open files, file size, no core dumps",
    "no-new-privileges": "setuid binaries and file capabilities grant nothing",
    "landlock": "kernel-enforced: writes only under the work directory, reads only "
    "allow-listed paths, no TCP, no signals out of the sandbox",
    "seccomp": "denies sockets other than AF_UNIX, ptrace, mount, namespaces, "
    "kernel modules, keyrings, bpf, io_uring",
}

MARK_FD = 3  # the worker's fd for limit markers (see pyvorin/_sandbox_site)
MARK_ENV = "PYVORIN_SANDBOX_MARK_FD"


# -- policy and results ----------------------------------------------------------------------
@dataclass(frozen=True)
class SandboxPolicy:
    """Limits and isolation requirements for one worker run."""

    cpu_seconds: int = 60
    memory_mb: int = 2048
    wall_seconds: int = 600
    max_processes: int = 64
    max_open_files: int = 256
    max_file_mb: int = 1024
    max_output_mb: int = 64
    require_isolation: bool = False
    read_only_paths: tuple[str, ...] = ()
    # Layers switched off on purpose (diagnostics, tests); reported as skipped.
    disable: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for name in (
            "cpu_seconds",
            "memory_mb",
            "wall_seconds",
            "max_processes",
            "max_open_files",
            "max_file_mb",
            "max_output_mb",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"sandbox policy: {name} must be a positive integer, not {value!r}"
                )
        unknown = set(self.disable) - set(LAYERS)
        if unknown:
            raise ConfigError(
                f"sandbox policy: unknown layer(s) to disable: {', '.join(sorted(unknown))}; "
                f"known layers: {', '.join(LAYERS)}"
            )
        object.__setattr__(self, "read_only_paths", tuple(str(p) for p in self.read_only_paths))
        object.__setattr__(self, "disable", frozenset(self.disable))

    @classmethod
    def from_settings(
        cls, settings: Any, require_isolation: bool | None = None, **overrides: Any
    ) -> SandboxPolicy:
        """The policy of ``[tool.pyvorin.sandbox]``; ``require_isolation`` overrides it
        (for ``--require-isolation``) when not None."""
        root = Path(getattr(settings, "root", Path.cwd()))
        readable = tuple(
            str((root / p).resolve()) for p in (settings["sandbox.readable-paths"] or [])
        )
        values: dict[str, Any] = {
            "cpu_seconds": settings["sandbox.cpu-seconds"],
            "memory_mb": settings["sandbox.memory-mb"],
            "wall_seconds": settings["sandbox.wall-seconds"],
            "max_processes": settings["sandbox.max-processes"],
            "max_open_files": settings["sandbox.max-open-files"],
            "max_file_mb": settings["sandbox.max-file-mb"],
            "require_isolation": bool(settings["sandbox.require-isolation"]),
            "read_only_paths": readable,
        }
        if require_isolation is not None:
            values["require_isolation"] = bool(require_isolation)
        values.update(overrides)
        return cls(**values)

    def limits(self) -> dict[str, int]:
        return {
            "cpu_seconds": self.cpu_seconds,
            "memory_mb": self.memory_mb,
            "wall_seconds": self.wall_seconds,
            "max_processes": self.max_processes,
            "max_open_files": self.max_open_files,
            "max_file_mb": self.max_file_mb,
            "max_output_mb": self.max_output_mb,
        }


@dataclass(frozen=True)
class LayerStatus:
    """One isolation layer: whether it was active, and why not / how."""

    name: str
    active: bool
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "active": self.active, "detail": self.detail}


# exit reasons that are limit hits, with (label, policy field, unit)
LIMIT_REASONS: dict[str, tuple[str, str, str]] = {
    "cpu-limit": ("CPU time", "cpu_seconds", "s"),
    "memory-limit": ("memory", "memory_mb", "MB"),
    "wall-limit": ("wall-clock time", "wall_seconds", "s"),
    "process-limit": ("process", "max_processes", "processes"),
    "open-files-limit": ("open-files", "max_open_files", "files"),
    "file-size-limit": ("file-size", "max_file_mb", "MB"),
    "output-limit": ("output", "max_output_mb", "MB"),
}
# the [tool.pyvorin.sandbox] setting that raises each limit (None: not configurable)
LIMIT_SETTINGS: dict[str, str | None] = {
    "cpu-limit": "cpu-seconds",
    "memory-limit": "memory-mb",
    "wall-limit": "wall-seconds",
    "process-limit": "max-processes",
    "open-files-limit": "max-open-files",
    "file-size-limit": "max-file-mb",
    "output-limit": None,
}


class SandboxLimitHit(SandboxLimitError):
    """A worker hit one of the policy's limits (exit 7); ``reason`` is its LIMIT_REASONS key."""

    def __init__(self, message: str, reason: str, policy: SandboxPolicy) -> None:
        super().__init__(message)
        self.reason = reason
        self.policy = policy

    def with_setting_hint(self, purpose: str) -> SandboxLimitHit:
        """The same hit, told as "<limit> of <value> hit during <purpose>: raise <setting>"."""
        label, attr, unit = LIMIT_REASONS[self.reason]
        value = getattr(self.policy, attr)
        setting = LIMIT_SETTINGS.get(self.reason)
        if setting is None:
            hint = f"the {label} limit is fixed; make the tool write less"
        else:
            hint = f"raise [tool.pyvorin.sandbox] {setting} (now {value})"
        message = f"{label} limit of {value} {unit} hit during {purpose}: {hint}"
        return SandboxLimitHit(message, self.reason, self.policy)


@dataclass
class IsolationReport:
    """What a run was isolated by, what it was limited to, and how it ended."""

    purpose: str
    layers: list[LayerStatus]
    limits: dict[str, int]
    exit_reason: str = "exited"  # exited | signaled | <limit>-limit | refused | setup-failed
    returncode: int | None = None
    signal: str | None = None
    cpu_seconds: float = 0.0
    peak_memory_kb: int = 0
    launcher_rss_kb: int = 0
    wall_seconds: float = 0.0
    uid: int | None = None
    env_names: list[str] = field(default_factory=list)
    env_dropped: list[str] = field(default_factory=list)
    detail: str = ""

    @property
    def active(self) -> list[str]:
        return [layer.name for layer in self.layers if layer.active]

    @property
    def skipped(self) -> dict[str, str]:
        return {layer.name: layer.detail for layer in self.layers if not layer.active}

    def layer(self, name: str) -> LayerStatus:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["layers"] = [layer.to_dict() for layer in self.layers]
        return data


@dataclass
class SandboxResult:
    returncode: int
    stdout: bytes
    stderr: bytes
    report: IsolationReport


# -- one launch's plan (made by the caller's side, read in the worker) -----------------------
@dataclass
class _Plan:
    argv: list[str] | None  # None: probe only, no exec
    workdir: str
    env: dict[str, str]
    readable: list[str]
    policy: SandboxPolicy
    newroot: str | None
    uid: int | None  # per-run uid for root callers


# -- how a worker ended ------------------------------------------------------------------------
def _classify(
    status: int | None,
    cpu: float,
    policy: SandboxPolicy,
    marks: set[str],
    stderr: bytes,
    wall_hit: bool,
    output_hit: bool,
) -> tuple[str, int | None, str | None]:
    """(exit reason, return code, signal name)."""
    if status is None:
        if wall_hit or output_hit:
            return ("wall-limit" if wall_hit else "output-limit"), None, None
        return "setup-failed", None, None
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        code = -sig
        if wall_hit:
            return "wall-limit", code, name
        if output_hit:
            return "output-limit", code, name
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu >= policy.cpu_seconds - 0.05):
            return "cpu-limit", code, name
        if sig == signal.SIGXFSZ:
            return "file-size-limit", code, name
        return "signaled", code, name
    code = os.WEXITSTATUS(status)
    if wall_hit:
        return "wall-limit", code, None
    if output_hit:
        return "output-limit", code, None
    if code != 0:
        for mark, reason in (
            ("memory", "memory-limit"),
            ("file-size", "file-size-limit"),
            ("open-files", "open-files-limit"),
            ("processes", "process-limit"),
            ("cpu", "cpu-limit"),  # a child (e.g. cc1) killed by SIGXCPU, named by its parent
        ):
            if mark in marks:
                return reason, code, None
        tail = stderr[-8192:]
        for pattern, reason in _STDERR_PATTERNS:
            if pattern in tail:
                return reason, code, None
    return "exited", code, None


_STDERR_PATTERNS: tuple[tuple[bytes, str], ...] = (
    (b"out of memory allocating", "memory-limit"),
    (b"virtual memory exhausted", "memory-limit"),
    (b"Cannot allocate memory", "memory-limit"),
    (b"std::bad_alloc", "memory-limit"),
    (b"File too large", "file-size-limit"),
    (b"Too many open files", "open-files-limit"),
    (b"cannot fork", "process-limit"),
    (b"Cannot fork", "process-limit"),
    (b"fork: Resource temporarily unavailable", "process-limit"),  # gcc starting cc1
    # gcc's "internal compiler error: CPU time limit exceeded signal terminated program cc1"
    (b"CPU time limit exceeded", "cpu-limit"),
)


def limit_message(purpose: str, reason: str, policy: SandboxPolicy) -> str:
    label, attr, unit = LIMIT_REASONS[reason]
    return f"{purpose} exceeded the {label} limit ({getattr(policy, attr)} {unit})"

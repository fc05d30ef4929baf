"""Isolated worker processes: Linux namespaces, a private file system view, seccomp,
Landlock and resource limits.

Every worker (the C compiler during compilation, a Python process during verification)
runs through :func:`run_command` or :func:`run_python`. The launch is two forks deep::

    caller ──fork──> launcher (new session; unshares PID, network, IPC, UTS namespaces)
                        └─fork──> worker (PID 1 of the new PID namespace): new mount
                                  namespace with a read-only root built from an allow-list
                                  of paths plus the writable work directory, an unprivileged
                                  uid (root callers) inside a new user namespace, rlimits,
                                  no_new_privs, Landlock, seccomp, then ``execve``.

When the worker (PID 1) ends, the kernel kills everything left in its PID namespace, so a
daemonized grandchild cannot outlive it. The wall-clock timeout kills the worker (and so
the whole namespace); without a PID namespace the launcher kills the session and, for root
callers, every process of the per-run uid.

Each layer is best effort: a layer the kernel refuses is skipped and recorded with the
reason; with ``require_isolation`` a missing layer is a refusal (exit 7) before any user
code runs. Every run yields an :class:`IsolationReport` which goes to the audit log and is
returned to the caller (for the manifest).

The package, by concept:

- :mod:`.policy`: the layers, :class:`SandboxPolicy`, :class:`LayerStatus`,
  :class:`IsolationReport`, :class:`SandboxResult`, the limits and :class:`SandboxLimitHit`,
  and the classification of how a worker ended.
- :mod:`.kernel`: the ctypes/syscall layer: namespaces, mounts, prctl, rlimits, the
  seccomp filter, Landlock.
- :mod:`.root`: what the worker sees: its read-only root, devices, id maps, loopback,
  environment and readable paths.
- :mod:`.worker`: the two forked children (launcher and worker) that set the layers up
  and run the command.
- :mod:`.launch`: the caller's side: fork, collect output and status, enforce the wall
  clock and output limit, build the report, audit it, raise on limits.
- this module: the public API (:func:`run_command`, :func:`run_python`, :func:`probe`,
  :func:`tool_runner`) and the names other modules import from ``pyvorin.sandbox``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SandboxLimitError
from .kernel import SECCOMP_DENIED, landlock_abi, seccomp_program
from .launch import UID_BASE, AuditSink, _launch, _run
from .policy import (
    LAYER_STOPS,
    LAYERS,
    LIMIT_REASONS,
    LIMIT_SETTINGS,
    MARK_ENV,
    MARK_FD,
    IsolationReport,
    LayerStatus,
    SandboxLimitHit,
    SandboxPolicy,
    SandboxResult,
    limit_message,
)
from .root import DEFAULT_PATH, DEVICES, ENV_ALLOW, SYSTEM_READABLE, python_paths

__all__ = [
    "DEFAULT_PATH",
    "DEVICES",
    "ENV_ALLOW",
    "LAYERS",
    "LAYER_STOPS",
    "LIMIT_REASONS",
    "LIMIT_SETTINGS",
    "MARK_ENV",
    "MARK_FD",
    "SECCOMP_DENIED",
    "SYSTEM_READABLE",
    "UID_BASE",
    "AuditSink",
    "IsolationReport",
    "LayerStatus",
    "SandboxLimitHit",
    "SandboxPolicy",
    "SandboxResult",
    "landlock_abi",
    "limit_message",
    "probe",
    "python_paths",
    "run_command",
    "run_python",
    "seccomp_program",
    "tool_runner",
]


def run_command(
    argv: list[str],
    *,
    workdir: Path,
    policy: SandboxPolicy,
    purpose: str,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    audit: AuditSink | bool = True,
    on_output: Callable[[bytes], None] | None = None,
) -> SandboxResult:
    """Run ``argv`` in an isolated worker in ``workdir`` (its only writable place).

    Returns the worker's return code and output (a non-zero exit is returned, not
    raised) with its :class:`IsolationReport`. Raises :class:`SandboxLimitError` (exit 7)
    when a limit is hit, naming the limit and its value, or when ``policy`` requires
    isolation and a layer is missing, naming the layer. The report goes to the audit log
    (``audit=False`` to skip, or a callable to send it elsewhere). ``on_output`` is called
    with each chunk of the worker's stdout as it arrives (live progress); the whole output
    is in the result all the same.
    """
    if not argv:
        raise ConfigError("sandbox: an empty command")
    if sys.platform != "linux":
        raise SandboxLimitError(
            f"{purpose}: the worker sandbox needs Linux (this is {sys.platform})"
        )
    return _run(
        [str(a) for a in argv], Path(workdir), policy, purpose, env, stdin, audit, on_output
    )


def run_python(
    args: list[str],
    *,
    workdir: Path,
    policy: SandboxPolicy,
    purpose: str,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
    audit: AuditSink | bool = True,
    on_output: Callable[[bytes], None] | None = None,
) -> SandboxResult:
    """:func:`run_command` with the current interpreter; ``pyvorin`` is importable and the
    interpreter's prefix and site-packages are readable inside."""
    site_dir = str(Path(__file__).resolve().parent.parent / "_sandbox_site")
    pkg_parent = str(Path(__file__).resolve().parent.parent.parent)
    merged = dict(env or {})
    python_path = [site_dir, pkg_parent]
    if merged.get("PYTHONPATH"):
        python_path += merged["PYTHONPATH"].split(os.pathsep)
    merged["PYTHONPATH"] = os.pathsep.join(python_path)
    merged.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    merged.setdefault("PYTHONNOUSERSITE", "1")
    return run_command(
        [sys.executable, *args],
        workdir=workdir,
        policy=policy,
        purpose=purpose,
        env=merged,
        stdin=stdin,
        audit=audit,
        on_output=on_output,
    )


def probe(policy: SandboxPolicy | None = None) -> list[LayerStatus]:
    """Set up every layer in a throwaway worker (no command runs) and report each."""
    policy = policy or SandboxPolicy()
    if sys.platform != "linux":
        return [
            LayerStatus(name, False, f"needs Linux (this is {sys.platform})") for name in LAYERS
        ]
    with tempfile.TemporaryDirectory(prefix="pyvorin-probe-") as tmp:
        outcome = _launch(None, Path(tmp), policy, "sandbox probe", {}, None)
    return outcome["layers"]


def tool_runner(
    policy: SandboxPolicy, purpose: str, reports: list[dict[str, Any]]
) -> Callable[[list[str], Path], tuple[int, str]]:
    """A ``run(argv, cwd) -> (returncode, output)`` for build tools such as the C compiler.

    Each command runs sandboxed with ``cwd`` as its work directory (its only writable
    place); each run's isolation report is appended to ``reports``. A command that
    cannot be started is reported the way a plain subprocess would report it
    (``FileNotFoundError``), so callers keep one error path. A limit hit is a
    :class:`SandboxLimitHit` (exit 7) that names the limit, its value and the
    ``[tool.pyvorin.sandbox]`` setting that raises it.
    """

    def run(argv: list[str], cwd: Path) -> tuple[int, str]:
        program = argv[0]
        if os.sep not in program and shutil.which(program) is None:
            raise FileNotFoundError(2, "No such file or directory", program)
        if os.sep in program and not os.access(program, os.X_OK):
            if not os.path.exists(program):
                raise FileNotFoundError(2, "No such file or directory", program)
            raise PermissionError(13, "Permission denied", program)
        try:
            result = run_command(list(argv), workdir=Path(cwd), policy=policy, purpose=purpose)
        except SandboxLimitHit as hit:
            raise hit.with_setting_hint(purpose) from None
        reports.append(result.report.to_dict())
        output = result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
        return result.returncode, output

    return run

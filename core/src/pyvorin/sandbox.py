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
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import platform
import re
import resource
import secrets
import selectors
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, PyvorinError, SandboxLimitError

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

# Environment variables passed from the caller when present (plus every LC_*).
ENV_ALLOW: frozenset[str] = frozenset(
    {
        "PATH",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TERM",
        "SOURCE_DATE_EPOCH",
        "PYTHONHASHSEED",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONFAULTHANDLER",
    }
)
_SECRET_ENV = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|PASSPHRASE|CREDENTIAL|AUTH|COOKIE|SESSION|LICEN[CS]E|"
    r"^AWS_|^AZURE_|^GOOGLE_|^GCP_|^GH_|^GITHUB_|^CI_JOB|^PYVORIN_",
    re.I,
)
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"
SYSTEM_READABLE: tuple[str, ...] = (
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/etc",
)
DEVICES: tuple[str, ...] = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
MARK_FD = 3  # the worker's fd for limit markers (see pyvorin/_sandbox_site)
MARK_ENV = "PYVORIN_SANDBOX_MARK_FD"
UID_BASE = 0x60000000  # per-run uids for root callers: UID_BASE + random 24 bits


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


# -- kernel interfaces (ctypes) ---------------------------------------------------------------
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2

_ARCH = platform.machine()
# syscall numbers: x86_64 and the generic table (aarch64); landlock is 444-446 on both
_SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        "socket": 41, "socketpair": 53, "ptrace": 101, "mount": 165, "umount2": 166,
        "pivot_root": 155, "chroot": 161, "swapon": 167, "swapoff": 168, "reboot": 169,
        "init_module": 175, "delete_module": 176, "kexec_load": 246, "add_key": 248,
        "request_key": 249, "keyctl": 250, "unshare": 272, "finit_module": 313,
        "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "process_vm_readv": 310,
        "process_vm_writev": 311, "perf_event_open": 298, "acct": 163, "quotactl": 179,
        "setns": 308, "clone": 56, "clone3": 435,
    },
    "aarch64": {
        "socket": 198, "socketpair": 199, "ptrace": 117, "mount": 40, "umount2": 39,
        "pivot_root": 41, "chroot": 51, "swapon": 224, "swapoff": 225, "reboot": 142,
        "init_module": 105, "delete_module": 106, "kexec_load": 104, "add_key": 217,
        "request_key": 218, "keyctl": 219, "unshare": 97, "finit_module": 273,
        "kexec_file_load": 294, "bpf": 280, "userfaultfd": 282, "process_vm_readv": 270,
        "process_vm_writev": 271, "perf_event_open": 241, "acct": 89, "quotactl": 60,
        "setns": 268, "clone": 220, "clone3": 435,
    },
}  # fmt: skip
_COMMON_SYSCALLS = {
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "open_tree": 428,
    "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "pidfd_getfd": 438, "mount_setattr": 442,
}  # fmt: skip
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
SECCOMP_DENIED: tuple[str, ...] = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "unshare", "setns",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "add_key", "request_key", "keyctl", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    "swapon", "swapoff", "reboot", "acct", "quotactl",
)  # fmt: skip
NR_LANDLOCK_CREATE_RULESET, NR_LANDLOCK_ADD_RULE, NR_LANDLOCK_RESTRICT_SELF = 444, 445, 446

_libc: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        lib = ctypes.CDLL(None, use_errno=True)
        lib.syscall.restype = ctypes.c_long
        lib.mount.argtypes = [
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_char_p,
            ctypes.c_ulong,
            ctypes.c_char_p,
        ]
        lib.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        lib.unshare.argtypes = [ctypes.c_int]
        lib.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                              ctypes.c_ulong]  # fmt: skip
        _libc = lib
    return _libc


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return result


def _b(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(_lib().mount(_b(source), _b(target), _b(fstype), flags, _b(data)), f"mount {target}")


def _unshare(flags: int) -> None:
    _check(_lib().unshare(flags), "unshare")


def _prctl(option: int, arg2: int = 0, arg3: int = 0) -> None:
    _check(_lib().prctl(option, arg2, arg3, 0, 0), f"prctl({option})")


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, or 0 when Landlock is unavailable."""
    try:
        result = _lib().syscall(NR_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), 1)
    except (OSError, AttributeError):
        return 0
    return int(result) if result > 0 else 0


# -- seccomp ----------------------------------------------------------------------------------
def _bpf(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)


_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_RET_ALLOW, _RET_KILL_PROCESS, _RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NS_FLAGS = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
    | CLONE_NEWNET
)  # fmt: skip


def seccomp_program(arch: str = _ARCH) -> bytes:
    """The classic-BPF filter: deny the listed calls with EPERM, sockets other than
    AF_UNIX with EPERM, clone with namespace flags with EPERM, clone3 with ENOSYS (libc
    falls back to clone), foreign syscall ABIs with a kill."""
    table = {**_SYSCALLS[arch], **_COMMON_SYSCALLS}
    eperm = _RET_ERRNO | errno.EPERM
    prog = [_bpf(_LD_ABS, 4), _bpf(_JEQ, _AUDIT_ARCH[arch], 1, 0), _bpf(_RET, _RET_KILL_PROCESS)]
    prog.append(_bpf(_LD_ABS, 0))
    if arch == "x86_64":  # x32 ABI numbers have bit 30 set
        prog += [_bpf(_JGE, 0x40000000, 0, 1), _bpf(_RET, _RET_ERRNO | errno.ENOSYS)]
    for name in SECCOMP_DENIED:
        prog += [_bpf(_JEQ, table[name], 0, 1), _bpf(_RET, eperm)]
    prog += [_bpf(_JEQ, table["clone3"], 0, 1), _bpf(_RET, _RET_ERRNO | errno.ENOSYS)]
    prog += [
        _bpf(_JEQ, table["socket"], 1, 0),
        _bpf(_JEQ, table["socketpair"], 0, 4),
        _bpf(_LD_ABS, 16),  # args[0], low 32 bits: the address family
        _bpf(_JEQ, socket.AF_UNIX, 0, 1),
        _bpf(_RET, _RET_ALLOW),
        _bpf(_RET, eperm),
    ]
    prog += [
        _bpf(_JEQ, table["clone"], 0, 3),
        _bpf(_LD_ABS, 16),  # clone flags
        _bpf(_JSET, _NS_FLAGS, 0, 1),
        _bpf(_RET, eperm),
        _bpf(_RET, _RET_ALLOW),
    ]
    return b"".join(prog)


def _install_seccomp() -> None:
    if _ARCH not in _SYSCALLS:
        raise OSError(errno.ENOSYS, f"no seccomp syscall table for {_ARCH}")
    program = seccomp_program()
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxQ", len(program) // 8, ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fbuf))


# -- landlock ---------------------------------------------------------------------------------
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8
LL_TRUNCATE, LL_IOCTL_DEV, LL_REFER = 1 << 14, 1 << 15, 1 << 13
LL_NET_BIND_TCP, LL_NET_CONNECT_TCP = 1, 2
LL_SCOPE_ABSTRACT_UNIX, LL_SCOPE_SIGNAL = 1, 2


def _landlock_fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # v1: EXECUTE .. MAKE_SYM
    if abi >= 2:
        rights |= LL_REFER
    if abi >= 3:
        rights |= LL_TRUNCATE
    if abi >= 5:
        rights |= LL_IOCTL_DEV
    return rights


def _install_landlock(abi: int, readable: Iterable[str], writable: Iterable[str],
                      devices: Iterable[str]) -> str:  # fmt: skip
    lib = _lib()
    handled = _landlock_fs_rights(abi)
    net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP if abi >= 4 else 0
    scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL if abi >= 6 else 0
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    attr = ctypes.create_string_buffer(struct.pack("QQQ", handled, net, scoped)[:size], size)
    ruleset = _check(
        lib.syscall(NR_LANDLOCK_CREATE_RULESET, attr, ctypes.c_size_t(size), 0),
        "landlock_create_ruleset",
    )
    file_rights = (
        LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | (handled & (LL_TRUNCATE | LL_IOCTL_DEV))
    )
    read = LL_EXECUTE | LL_READ_FILE | LL_READ_DIR
    try:

        def allow(path: str, rights: int) -> None:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                return  # not visible here: nothing to allow
            try:
                if not os.path.isdir(path):
                    rights &= file_rights
                rule = ctypes.create_string_buffer(struct.pack("=Qi", rights & handled, fd), 12)
                _check(
                    lib.syscall(NR_LANDLOCK_ADD_RULE, ruleset, 1, rule, 0), f"landlock rule {path}"
                )
            finally:
                os.close(fd)

        for path in readable:
            allow(path, read)
        for path in writable:
            allow(path, handled)
        for path in devices:
            allow(path, LL_READ_FILE | LL_WRITE_FILE | LL_TRUNCATE | LL_IOCTL_DEV)
        _check(lib.syscall(NR_LANDLOCK_RESTRICT_SELF, ruleset, 0), "landlock_restrict_self")
    finally:
        os.close(ruleset)
    extras = (
        ["filesystem"]
        + (["tcp"] if net else [])
        + (["signal/abstract-unix scope"] if scoped else [])
    )
    return f"ABI {abi}: " + ", ".join(extras)


# -- the private file system view --------------------------------------------------------------
class _RootBuilder:
    """Builds the worker's root: a tmpfs with read-only bind mounts of the allow-listed
    paths (at their own absolute paths, symlinks reproduced) and the work directory."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.bound: list[str] = []

    def _covered(self, path: str) -> bool:
        return any(path == b or path.startswith(b.rstrip("/") + "/") for b in self.bound)

    def expose(self, path: str, writable: bool = False, depth: int = 0) -> None:
        if depth > 16 or not os.path.lexists(path):
            return
        parts = [p for p in path.split("/") if p]
        current = ""
        for index, part in enumerate(parts):
            current += "/" + part
            if os.path.islink(current):
                target = os.readlink(current)
                if not self._covered(current):
                    dest = self.root + current
                    if not os.path.lexists(dest):
                        os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
                        os.symlink(target, dest)
                resolved = os.path.normpath(os.path.join(os.path.dirname(current), target))
                rest = "/".join(parts[index + 1 :])
                self.expose(resolved + ("/" + rest if rest else ""), writable, depth + 1)
                return
        if self._covered(current) and not writable:
            return
        dest = self.root + current
        if os.path.isdir(current):
            os.makedirs(dest, mode=0o755, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(dest), mode=0o755, exist_ok=True)
            if not os.path.exists(dest):
                with open(dest, "wb"):
                    pass
        _mount(current, dest, None, MS_BIND)
        flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | (0 if writable else MS_RDONLY)
        _mount(None, dest, None, flags)
        self.bound.append(current)


def _bring_up_loopback() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(sock, 0x8913, request)[:18])[1]  # SIOCGIFFLAGS
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))  # SIOCSIFFLAGS IFF_UP


def _write_id_maps(pid: str, uid: int, gid: int) -> None:
    for name, data in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"),
                       ("gid_map", f"{gid} {gid} 1")):  # fmt: skip
        path = f"/proc/{pid}/{name}"
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.write(fd, data.encode())
        except OSError as exc:
            raise OSError(exc.errno, f"writing {path}: {exc.strerror}") from None
        finally:
            os.close(fd)


# -- the launch --------------------------------------------------------------------------------
@dataclass
class _Plan:
    argv: list[str] | None  # None: probe only, no exec
    workdir: str
    env: dict[str, str]
    readable: list[str]
    policy: SandboxPolicy
    newroot: str | None
    uid: int | None  # per-run uid for root callers


def _send(fd: int, message: dict[str, Any]) -> None:
    data = (json.dumps(message) + "\n").encode()
    try:
        os.write(fd, data)
    except OSError:
        pass


def _launcher(plan: _Plan, status_w: int, stdio: tuple[int, int, int], mark_w: int) -> None:
    """Runs in the first child; never returns."""
    code = 0
    try:
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()
        layers: dict[str, LayerStatus] = {}
        disabled = plan.policy.disable
        wanted = {
            "pid-namespace": CLONE_NEWPID,
            "network-namespace": CLONE_NEWNET,
            "ipc-namespace": CLONE_NEWIPC,
            "uts-namespace": CLONE_NEWUTS,
        }
        for name in wanted:
            if name in disabled:
                layers[name] = LayerStatus(name, False, "disabled by policy")
        root = plan.uid is not None
        user_done = False
        if not root and "user-namespace" not in disabled:
            # unprivileged caller: a user namespace first, mapping our own ids
            uid, gid = os.geteuid(), os.getegid()
            try:
                _unshare(CLONE_NEWUSER)
                _prctl(PR_SET_DUMPABLE, 1)  # /proc/self/*_map must be ours to write
                _write_id_maps("self", uid, gid)
                layers["user-namespace"] = LayerStatus(
                    "user-namespace", True, f"uid {uid} and gid {gid} mapped to themselves"
                )
                user_done = True
            except OSError as exc:
                layers["user-namespace"] = LayerStatus("user-namespace", False, str(exc))
        if root or user_done:
            todo = {n: f for n, f in wanted.items() if n not in layers}
            combined = 0
            for flag in todo.values():
                combined |= flag
            try:
                if combined:
                    _unshare(combined)
                for name in todo:
                    layers[name] = LayerStatus(name, True, "")
            except OSError:
                for name, flag in todo.items():
                    try:
                        _unshare(flag)
                        layers[name] = LayerStatus(name, True, "")
                    except OSError as exc:
                        layers[name] = LayerStatus(name, False, str(exc))
        else:
            for name in wanted:
                layers.setdefault(name, LayerStatus(name, False, "needs a user namespace or root"))
        pid = os.fork()
        if pid == 0:
            _worker(plan, layers, root, user_done, status_w, stdio, mark_w)
        _send(status_w, {"kind": "child", "pid": pid})
        for fd in (*stdio, mark_w):
            os.close(fd)
        _wait_for(pid)  # the namespace's init; it reports the worker's status itself
        if not layers["pid-namespace"].active:
            _sweep(plan.uid)
    except BaseException:
        _send(status_w, {"kind": "setup-error", "error": traceback.format_exc(limit=4)})
        code = 1
    os._exit(code)


def _sweep(uid: int | None) -> None:
    """Without a PID namespace: kill the session, and every process of the per-run uid."""
    try:
        os.killpg(os.getpgid(0), 0)
    except OSError:
        pass
    if uid is None:
        return
    pid = os.fork()
    if pid == 0:
        try:
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _worker(
    plan: _Plan,
    layers: dict[str, LayerStatus],
    root: bool,
    user_done: bool,
    status_w: int,
    stdio: tuple[int, int, int],
    mark_w: int,
) -> None:
    """Runs in the second child (PID 1 of the new PID namespace); never returns."""
    try:
        policy, disabled = plan.policy, plan.policy.disable
        os.umask(0o022)
        can_admin = root or user_done
        # mount namespace and the read-only root
        readable = list(plan.readable)
        if "mount-namespace" in disabled:
            layers["mount-namespace"] = LayerStatus("mount-namespace", False, "disabled by policy")
        elif not can_admin:
            layers["mount-namespace"] = LayerStatus(
                "mount-namespace", False, "needs a user namespace or root"
            )
        else:
            try:
                _unshare(CLONE_NEWNS)
                _mount(None, "/", None, MS_REC | MS_PRIVATE)
                layers["mount-namespace"] = LayerStatus("mount-namespace", True, "")
            except OSError as exc:
                layers["mount-namespace"] = LayerStatus("mount-namespace", False, str(exc))
        if "read-only-filesystem" in disabled:
            layers["read-only-filesystem"] = LayerStatus(
                "read-only-filesystem", False, "disabled by policy"
            )
        elif not layers["mount-namespace"].active or plan.newroot is None:
            layers["read-only-filesystem"] = LayerStatus(
                "read-only-filesystem", False, "needs the mount namespace"
            )
        else:
            try:
                detail = _build_root(plan)
                layers["read-only-filesystem"] = LayerStatus("read-only-filesystem", True, detail)
            except OSError as exc:
                layers["read-only-filesystem"] = LayerStatus(
                    "read-only-filesystem", False, str(exc)
                )
        if layers["network-namespace"].active:
            try:
                _bring_up_loopback()
            except OSError as exc:
                layers["network-namespace"] = LayerStatus(
                    "network-namespace", True, f"loopback stays down: {exc}"
                )
            else:
                layers["network-namespace"] = LayerStatus(
                    "network-namespace", True, "loopback only"
                )
        if layers["uts-namespace"].active:
            socket.sethostname("pyvorin-sandbox")
        # identity: a per-run unprivileged uid for root callers, then a user namespace
        if root:
            uid = plan.uid
            assert uid is not None
            if "unprivileged-uid" in disabled:
                layers["unprivileged-uid"] = LayerStatus(
                    "unprivileged-uid", False, "disabled by policy"
                )
            else:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                _prctl(PR_SET_DUMPABLE, 1)
                layers["unprivileged-uid"] = LayerStatus("unprivileged-uid", True, f"uid {uid}")
            if "user-namespace" in disabled:
                layers["user-namespace"] = LayerStatus(
                    "user-namespace", False, "disabled by policy"
                )
            else:
                euid, egid = os.geteuid(), os.getegid()  # read before: unmapped after
                try:
                    _unshare(CLONE_NEWUSER)
                    _prctl(PR_SET_DUMPABLE, 1)  # new caps made us non-dumpable: /proc/self
                    _write_id_maps("self", euid, egid)
                    layers["user-namespace"] = LayerStatus(
                        "user-namespace", True, f"uid {euid} mapped to itself"
                    )
                except OSError as exc:
                    layers["user-namespace"] = LayerStatus("user-namespace", False, str(exc))
        else:
            euid = os.geteuid()
            layers["unprivileged-uid"] = (
                LayerStatus("unprivileged-uid", True, f"caller's uid {euid}")
                if euid != 0
                else LayerStatus("unprivileged-uid", False, "running as uid 0")
            )
        # resource limits: decided here, applied in the worker process below (the init
        # process of the namespace stays unlimited so that it can always report)
        if "rlimits" in disabled:
            layers["rlimits"] = LayerStatus("rlimits", False, "disabled by policy")
        else:
            layers["rlimits"] = LayerStatus(
                "rlimits", True, "CPU, address space, open files, file size, core=0"
            )
        if "process-limit" in disabled:
            layers["process-limit"] = LayerStatus("process-limit", False, "disabled by policy")
        elif os.geteuid() == 0 and not user_done:
            layers["process-limit"] = LayerStatus(
                "process-limit", False, "RLIMIT_NPROC is not enforced for root"
            )
        else:
            layers["process-limit"] = LayerStatus(
                "process-limit", True, f"RLIMIT_NPROC {policy.max_processes} on uid {os.geteuid()}"
            )
        os.chdir(plan.workdir)
        # no_new_privs, Landlock, seccomp (last: it forbids what the setup above needs)
        if "no-new-privileges" in disabled and {"landlock", "seccomp"} <= disabled:
            layers["no-new-privileges"] = LayerStatus(
                "no-new-privileges", False, "disabled by policy"
            )
        else:
            _prctl(PR_SET_NO_NEW_PRIVS, 1)
            layers["no-new-privileges"] = LayerStatus("no-new-privileges", True, "")
        abi = landlock_abi()
        if "landlock" in disabled:
            layers["landlock"] = LayerStatus("landlock", False, "disabled by policy")
        elif abi <= 0:
            layers["landlock"] = LayerStatus("landlock", False, "the kernel has no Landlock")
        else:
            try:
                extra = ["/proc"] if layers["read-only-filesystem"].active else []
                detail = _install_landlock(abi, readable + extra, [plan.workdir], DEVICES)
                layers["landlock"] = LayerStatus("landlock", True, detail)
            except OSError as exc:
                layers["landlock"] = LayerStatus("landlock", False, str(exc))
        if "seccomp" in disabled:
            layers["seccomp"] = LayerStatus("seccomp", False, "disabled by policy")
        else:
            try:
                _install_seccomp()
                layers["seccomp"] = LayerStatus(
                    "seccomp", True, f"{len(SECCOMP_DENIED)} calls denied, sockets AF_UNIX only"
                )
            except OSError as exc:
                layers["seccomp"] = LayerStatus("seccomp", False, str(exc))
        ordered = [layers[name] for name in LAYERS]
        _send(status_w, {"kind": "layers", "layers": [layer.to_dict() for layer in ordered],
                         "rss": _rss_kb(), "uid": os.geteuid()})  # fmt: skip
        if policy.require_isolation:
            missing = [layer for layer in ordered if not layer.active]
            if missing:
                _send(status_w, {"kind": "refused", "layer": missing[0].name,
                                 "detail": missing[0].detail})  # fmt: skip
                os._exit(0)
        if plan.argv is None:
            os._exit(0)
        # not dumpable: the worker (same uid) cannot open this init's /proc/1/fd/* and
        # write to the status pipe (execve makes the worker itself dumpable again)
        _prctl(PR_SET_DUMPABLE, 0)
        child = os.fork()
        if child == 0:
            _exec_worker(plan, layers, status_w, stdio, mark_w)
        for fd in (*stdio, mark_w):
            os.close(fd)
        status, usage = _wait_for(child)
        _send(status_w, {"kind": "exit", "status": status, "utime": usage.ru_utime,
                         "stime": usage.ru_stime, "maxrss": usage.ru_maxrss})  # fmt: skip
        os._exit(0)
    except BaseException:
        _send(status_w, {"kind": "setup-error", "error": traceback.format_exc(limit=6)})
    os._exit(126)


def _rss_kb() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _wait_for(pid: int) -> tuple[int, Any]:
    """Wait until ``pid`` ends; a worker that made itself our tracee is let go."""
    while True:
        _, status, usage = os.wait4(pid, 0)
        if not os.WIFSTOPPED(status):
            return status, usage
        _lib().ptrace(17, pid, None, ctypes.c_void_p(os.WSTOPSIG(status)))  # PTRACE_DETACH


def _exec_worker(
    plan: _Plan,
    layers: dict[str, LayerStatus],
    status_w: int,
    stdio: tuple[int, int, int],
    mark_w: int,
) -> None:
    """The worker process (PID 2 under the namespace's init): limits, then execve."""
    try:
        policy, mb = plan.policy, 1024 * 1024
        os.dup2(stdio[0], 0)
        os.dup2(stdio[1], 1)
        os.dup2(stdio[2], 2)
        os.dup2(mark_w, MARK_FD)
        os.set_inheritable(MARK_FD, True)
        os.dup2(status_w, MARK_FD + 1, inheritable=False)
        status_w = MARK_FD + 1
        os.closerange(MARK_FD + 2, 1 << 16)
        if layers["rlimits"].active:
            _setrlimit(resource.RLIMIT_CPU, policy.cpu_seconds, policy.cpu_seconds + 1)
            _setrlimit(resource.RLIMIT_AS, policy.memory_mb * mb)
            _setrlimit(resource.RLIMIT_FSIZE, policy.max_file_mb * mb)
            _setrlimit(resource.RLIMIT_CORE, 0)
            _setrlimit(resource.RLIMIT_NOFILE, policy.max_open_files)
        if layers["process-limit"].active:
            # the namespace's init process counts too: the worker tree gets max_processes
            _setrlimit(resource.RLIMIT_NPROC, policy.max_processes + 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        try:
            os.execvpe(plan.argv[0], plan.argv, plan.env)  # type: ignore[index]
        except OSError as exc:
            _send(status_w, {"kind": "exec-error", "error": f"{plan.argv[0]}: {exc.strerror}"})  # type: ignore[index]
            os._exit(127)
    except BaseException:
        _send(status_w, {"kind": "setup-error", "error": traceback.format_exc(limit=6)})
    os._exit(126)


def _setrlimit(which: int, soft: int, hard: int | None = None) -> None:
    """Set a limit, never above an existing hard limit (a sandbox inside a sandbox)."""
    hard = soft if hard is None else hard
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _hides_workdir(path: str, workdir: str, uid: int | None) -> bool:
    """Whether binding ``path`` (an ancestor of the work directory) would make the work
    directory unreachable for the worker's own uid: a directory on the way down from it
    that the uid cannot search (a caller's 0700 temporary directory, say, when the
    caller's script directory /tmp is on sys.path). Such a path is left out; the work
    directory is then reached through directories the root builder makes (0755)."""
    if uid is None or not workdir.startswith(path.rstrip("/") + "/"):
        return False
    top = path.rstrip("/")
    below = workdir[len(top) + 1 :].split("/")[:-1]
    for index in range(len(below) + 1):
        current = "/".join([top, *below[:index]]) or "/"
        try:
            st = os.stat(current)
        except OSError:
            return True
        if st.st_uid != uid and not st.st_mode & 0o001:
            return True
    return False


def _build_root(plan: _Plan) -> str:
    root = plan.newroot
    assert root is not None
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m")
    builder = _RootBuilder(root)
    uid = None if "unprivileged-uid" in plan.policy.disable else plan.uid
    for path in sorted(set(plan.readable), key=lambda p: (p.count("/"), p)):
        if _hides_workdir(path, plan.workdir, uid):
            continue
        builder.expose(path)
    builder.expose(plan.workdir, writable=True)
    os.makedirs(root + "/dev", mode=0o755, exist_ok=True)
    for device in DEVICES:
        if os.path.exists(device):
            target = root + device
            with open(target, "wb"):
                pass
            _mount(device, target, None, MS_BIND)
            _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):  # fmt: skip
        os.symlink(target, f"{root}/dev/{name}")
    # a proc of the worker's PID namespace (the host's when there is none: the user
    # namespace set-up needs /proc/self)
    os.makedirs(root + "/proc", mode=0o555, exist_ok=True)
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(root)
    _check(_lib().syscall(_pivot_root_nr(), b".", b"."), "pivot_root")
    _check(_lib().umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    _mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    return f"{len(builder.bound)} read-only paths; writable: {plan.workdir}"


def _pivot_root_nr() -> int:
    return _SYSCALLS.get(_ARCH, _SYSCALLS["x86_64"])["pivot_root"]


# -- the caller's side ------------------------------------------------------------------------
def _clean_env(extra: Mapping[str, str] | None, workdir: str) -> tuple[dict[str, str], list[str]]:
    env: dict[str, str] = {}
    dropped: list[str] = []
    for name, value in os.environ.items():
        if name in ENV_ALLOW or name.startswith("LC_"):
            env[name] = value
    env.setdefault("PATH", DEFAULT_PATH)
    for name, value in (extra or {}).items():
        if _SECRET_ENV.search(name) and not name.startswith("PYVORIN_SANDBOX_"):
            dropped.append(name)
            continue
        env[name] = str(value)
    for name in ("HOME", "TMPDIR", "TMP", "TEMP", "PWD"):
        env[name] = workdir
    return env, sorted(dropped)


def python_paths() -> list[str]:
    """Directories the current interpreter needs to read to start and import pyvorin."""
    paths = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        os.path.dirname(os.path.abspath(sys.executable)),
        os.path.dirname(os.path.realpath(sys.executable)),
        str(Path(__file__).resolve().parent.parent),
    }
    for entry in sys.path:
        if entry and os.path.isabs(entry) and os.path.exists(entry):
            paths.add(entry)
    return sorted(p for p in paths if p)


def _readable_paths(policy: SandboxPolicy) -> list[str]:
    paths = [p for p in SYSTEM_READABLE if os.path.lexists(p)]
    paths += python_paths()
    paths += [os.path.abspath(p) for p in policy.read_only_paths]
    seen: list[str] = []
    for path in paths:
        if path not in seen:
            seen.append(path)
    return seen


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


AuditSink = Callable[[IsolationReport, list[str]], None]


def _audit_default(report: IsolationReport, argv: list[str]) -> None:
    from .audit import emit

    details = report.to_dict()
    details["argv0"] = argv[0] if argv else None
    emit("sandbox", "sandbox", details)


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
    site_dir = str(Path(__file__).resolve().parent / "_sandbox_site")
    pkg_parent = str(Path(__file__).resolve().parent.parent)
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


def _run(
    argv: list[str],
    workdir: Path,
    policy: SandboxPolicy,
    purpose: str,
    env: dict[str, str] | None,
    stdin: bytes | None,
    audit: AuditSink | bool,
    on_output: Callable[[bytes], None] | None = None,
) -> SandboxResult:
    outcome = _launch(argv, workdir, policy, purpose, env, stdin, on_output)
    report: IsolationReport = outcome["report"]
    if audit is True:
        _audit_default(report, argv)
    elif callable(audit):
        audit(report, argv)
    if report.exit_reason == "refused":
        raise SandboxLimitError(
            f"{purpose} refused: isolation layer {report.detail} is unavailable and "
            "require-isolation is set"
        )
    if report.exit_reason == "setup-failed":
        raise PyvorinError(f"{purpose}: the sandbox could not be set up: {report.detail}")
    if report.exit_reason in LIMIT_REASONS:
        raise SandboxLimitHit(
            limit_message(purpose, report.exit_reason, policy), report.exit_reason, policy
        )
    assert report.returncode is not None
    return SandboxResult(report.returncode, outcome["stdout"], outcome["stderr"], report)


def _launch(
    argv: list[str] | None,
    workdir: Path,
    policy: SandboxPolicy,
    purpose: str,
    env: dict[str, str] | None,
    stdin: bytes | None,
    on_output: Callable[[bytes], None] | None = None,
) -> dict[str, Any]:
    workdir_s = os.path.realpath(workdir)
    if not os.path.isdir(workdir_s):
        raise ConfigError(f"sandbox: work directory {workdir} does not exist or is not accessible")
    clean, dropped = _clean_env(env, workdir_s)
    clean[MARK_ENV] = str(MARK_FD)
    is_root = os.geteuid() == 0
    uid = UID_BASE + secrets.randbelow(1 << 24) if is_root else None
    newroot = tempfile.mkdtemp(prefix="pyvorin-root-")
    owners: list[tuple[str, int, int]] = []
    try:
        if is_root and uid is not None and "unprivileged-uid" not in policy.disable:
            owners = _chown_tree(workdir_s, uid)
        plan = _Plan(argv, workdir_s, clean, _readable_paths(policy), policy, newroot, uid)
        in_r, in_w = os.pipe2(os.O_CLOEXEC)
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        mark_r, mark_w = os.pipe2(os.O_CLOEXEC)
        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, never returns
            for fd in (in_w, out_r, err_r, mark_r, status_r):
                os.close(fd)
            _launcher(plan, status_w, (in_r, out_w, err_w), mark_w)
        for fd in (in_r, out_w, err_w, mark_w, status_w):
            os.close(fd)
        collected = _collect(
            pid, policy, stdin, in_w, out_r, err_r, mark_r, status_r, started, on_output
        )
    finally:
        try:
            os.rmdir(newroot)
        except OSError:
            pass
        _restore_owners(owners)
    wall = time.monotonic() - started
    messages = collected["messages"]
    layer_msg = next((m for m in messages if m["kind"] == "layers"), None)
    layers = (
        [LayerStatus(x["name"], x["active"], x["detail"]) for x in layer_msg["layers"]]
        if layer_msg
        else [LayerStatus(name, False, "not reached") for name in LAYERS]
    )
    exit_msg = next((m for m in messages if m["kind"] == "exit"), None)
    cpu = (exit_msg["utime"] + exit_msg["stime"]) if exit_msg else 0.0
    status = exit_msg["status"] if exit_msg else None
    marks = set(collected["marks"].decode(errors="replace").split())
    reason, code, sig = _classify(
        status, cpu, policy, marks, collected["stderr"], collected["wall_hit"],
        collected["output_hit"],
    )  # fmt: skip
    detail = ""
    refused = next((m for m in messages if m["kind"] == "refused"), None)
    problem = next((m for m in messages if m["kind"] in ("setup-error", "exec-error")), None)
    if refused is not None:
        reason, detail = "refused", f"{refused['layer']!r} ({refused['detail']})"
    elif problem is not None and problem["kind"] == "setup-error":
        reason, detail = "setup-failed", problem["error"].strip().splitlines()[-1]
    elif problem is not None:
        detail = problem["error"]
        collected["stderr"] += f"pyvorin sandbox: cannot run {problem['error']}\n".encode()
    elif exit_msg is None and not (collected["wall_hit"] or collected["output_hit"]):
        reason, detail = "setup-failed", "the launcher ended without a report"
    report = IsolationReport(
        purpose=purpose,
        layers=layers,
        limits=policy.limits(),
        exit_reason=reason,
        returncode=code,
        signal=sig,
        cpu_seconds=round(cpu, 4),
        peak_memory_kb=int(exit_msg["maxrss"]) if exit_msg else 0,
        launcher_rss_kb=int(layer_msg.get("rss", 0)) if layer_msg else 0,
        wall_seconds=round(wall, 4),
        uid=layer_msg.get("uid") if layer_msg else None,
        env_names=sorted(clean),
        env_dropped=dropped,
        detail=detail,
    )
    return {
        "report": report,
        "layers": layers,
        "stdout": collected["stdout"],
        "stderr": collected["stderr"],
    }


def _chown_tree(top: str, uid: int) -> list[tuple[str, int, int]]:
    owners: list[tuple[str, int, int]] = []
    for base, _dirs, files in os.walk(top):  # every directory once as base
        for name in [base, *(os.path.join(base, n) for n in files)]:
            try:
                st = os.lstat(name)
                os.chown(name, uid, uid, follow_symlinks=False)
                owners.append((name, st.st_uid, st.st_gid))
            except OSError:
                pass
    return owners


def _restore_owners(owners: list[tuple[str, int, int]]) -> None:
    """Give the work directory back to its owners (new files: to the caller)."""
    if not owners:
        return
    before = {name: (u, g) for name, u, g in owners}
    top = owners[0][0]
    me = (os.geteuid(), os.getegid())
    for base, _dirs, files in os.walk(top):
        for name in [base, *(os.path.join(base, n) for n in files)]:
            uid, gid = before.get(name, me)
            try:
                os.chown(name, uid, gid, follow_symlinks=False)
            except OSError:
                pass


def _collect(
    pid: int,
    policy: SandboxPolicy,
    stdin: bytes | None,
    in_w: int,
    out_r: int,
    err_r: int,
    mark_r: int,
    status_r: int,
    started: float,
    on_output: Callable[[bytes], None] | None = None,
) -> dict[str, Any]:
    """Feed stdin, gather output and status until the launcher reports; enforce the wall
    clock and the output limit by killing the worker (and so its PID namespace)."""
    sel = selectors.DefaultSelector()
    buffers: dict[int, bytearray] = {out_r: bytearray(), err_r: bytearray(), mark_r: bytearray()}
    status_buf = bytearray()
    messages: list[dict[str, Any]] = []
    for fd in (out_r, err_r, mark_r, status_r):
        sel.register(fd, selectors.EVENT_READ)
    pending = memoryview(stdin or b"")
    if pending:
        os.set_blocking(in_w, False)
        sel.register(in_w, selectors.EVENT_WRITE)
    else:
        os.close(in_w)
    deadline = started + policy.wall_seconds
    max_output = policy.max_output_mb * 1024 * 1024
    worker_pid: int | None = None
    wall_hit = output_hit = False
    status_done = False
    linger_until: float | None = None

    def kill_all() -> None:
        # the worker is PID 1 of its namespace: killing it kills every process inside
        if worker_pid:
            try:
                os.kill(worker_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    try:
        while sel.get_map():
            now = time.monotonic()
            if not status_done and now >= deadline and not wall_hit:
                wall_hit = True
                kill_all()
                if worker_pid is None:
                    os.kill(pid, signal.SIGKILL)
            if status_done and linger_until is None:
                linger_until = now + 2.0
            if linger_until is not None and now >= linger_until:
                break  # something outside a PID namespace still holds a pipe
            if wall_hit and not status_done and now >= deadline + 10:
                os.kill(pid, signal.SIGKILL)  # the launcher itself is stuck
                break
            timeout = (linger_until or (deadline if not wall_hit else now + 5)) - now
            for key, _ in sel.select(max(0.0, min(timeout, 1.0))):
                fd = key.fd
                if fd == in_w:
                    try:
                        written = os.write(in_w, pending[:65536])
                    except (BrokenPipeError, BlockingIOError) as exc:
                        if isinstance(exc, BlockingIOError):
                            continue
                        written = len(pending)
                    pending = pending[written:]
                    if not pending:
                        sel.unregister(in_w)
                        os.close(in_w)
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    sel.unregister(fd)
                    if fd == status_r:
                        status_done = True
                    continue
                if fd == status_r:
                    status_buf += chunk
                    for line in bytes(status_buf).split(b"\n")[:-1]:
                        message = json.loads(line)
                        messages.append(message)
                        if message["kind"] == "child" and worker_pid is None:
                            worker_pid = message["pid"]
                            if wall_hit:
                                kill_all()
                    status_buf = status_buf[status_buf.rfind(b"\n") + 1 :]
                    continue
                buffers[fd] += chunk
                if fd == out_r and on_output is not None:
                    on_output(chunk)
                if (
                    fd != mark_r
                    and len(buffers[out_r]) + len(buffers[err_r]) > max_output
                    and not output_hit
                ):
                    output_hit = True
                    kill_all()
    finally:
        for key in list(sel.get_map().values()):
            sel.unregister(key.fd)
            os.close(key.fd)
        sel.close()
        if not status_done:
            kill_all()
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os.waitpid(pid, 0)
        for fd in (out_r, err_r, mark_r, status_r):
            try:
                os.close(fd)
            except OSError:
                pass
    messages += [json.loads(line) for line in bytes(status_buf).split(b"\n") if line.strip()]
    return {
        "messages": messages,
        "stdout": bytes(buffers[out_r]),
        "stderr": bytes(buffers[err_r]),
        "marks": bytes(buffers[mark_r]),
        "wall_hit": wall_hit,
        "output_hit": output_hit,
    }


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

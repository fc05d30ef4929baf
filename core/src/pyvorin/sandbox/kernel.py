"""The kernel interfaces the worker sets itself up with (ctypes over libc): namespaces
(unshare), mounts, prctl, resource limits, the seccomp filter and Landlock."""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import socket
import struct
from collections.abc import Iterable

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


def _setrlimit(which: int, soft: int, hard: int | None = None) -> None:
    """Set a limit, never above an existing hard limit (a sandbox inside a sandbox)."""
    hard = soft if hard is None else hard
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(which, (soft, hard))


def _pivot_root_nr() -> int:
    return _SYSCALLS.get(_ARCH, _SYSCALLS["x86_64"])["pivot_root"]

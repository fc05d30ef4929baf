"""What the worker sees: the private file system view (a read-only root of allow-listed
paths plus the writable work directory), its devices, its identity maps and loopback, and
its environment (allow-listed, secrets dropped)."""

from __future__ import annotations

import fcntl
import os
import re
import socket
import struct
import sys
from collections.abc import Mapping
from pathlib import Path

from .kernel import (
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REMOUNT,
    _check,
    _lib,
    _mount,
    _pivot_root_nr,
)
from .policy import SandboxPolicy, _Plan

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


# -- the worker's environment and readable paths (decided on the caller's side) ---------------
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
        str(Path(__file__).resolve().parent.parent.parent),
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

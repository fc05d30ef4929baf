"""Each layer does its job on its own; missing layers are reported, and refused under
require-isolation."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from pyvorin.errors import SandboxLimitError
from pyvorin.sandbox import LAYERS, SandboxPolicy, landlock_abi, probe, run_command, run_python

from .conftest import assert_no_children

PTRACE_AND_FRIENDS = r"""
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
def call(name, *args):
    ctypes.set_errno(0)
    result = getattr(libc, name)(*args)
    return "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()]
out = {}
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM).close(); out["inet"] = "ok"
except OSError as exc:
    out["inet"] = errno.errorcode[exc.errno]
try:
    socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).close(); out["inet6"] = "ok"
except OSError as exc:
    out["inet6"] = errno.errorcode[exc.errno]
a, b = socket.socketpair(socket.AF_UNIX); a.close(); b.close(); out["unix"] = "ok"
out["ptrace"] = call("ptrace", 0, 0, None, None)  # PTRACE_TRACEME
out["unshare"] = call("unshare", 0x10000000)  # CLONE_NEWUSER
out["keyctl"] = call("syscall", 250, 0, 0, 0)  # keyctl(GET_KEYRING_ID) on x86_64
pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
out["fork"] = "ok"
print(__import__("json").dumps(out))
"""


def run_probe_script(workdir: Path, policy: SandboxPolicy) -> dict:
    result = run_python(["-c", PTRACE_AND_FRIENDS], workdir=workdir, policy=policy,
                        purpose="verification of pkg.mod:f")  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_probe_reports_every_layer_with_a_reason_when_missing(layers):
    assert list(layers) == list(LAYERS)
    for layer in layers.values():
        assert layer.active or layer.detail, f"{layer.name} missing without a reason"
    # on this Linux machine the kernel offers all of them; report what is missing
    missing = {name: layer.detail for name, layer in layers.items() if not layer.active}
    print("missing layers on this machine:", missing or "none")


@pytest.mark.skipif(sys.platform != "linux", reason="Linux kernel interfaces")
def test_seccomp_denies_inet_sockets_ptrace_namespaces_and_keyrings(workdir, layers):
    policy = SandboxPolicy(wall_seconds=20)
    out = run_probe_script(workdir, policy)
    if not layers["seccomp"].active:
        pytest.fail(f"seccomp unavailable here: {layers['seccomp'].detail}")
    assert out == {
        "inet": "EPERM",
        "inet6": "EPERM",
        "unix": "ok",
        "ptrace": "EPERM",
        "unshare": "EPERM",
        "keyctl": "EPERM",
        "fork": "ok",
    }


def test_without_seccomp_the_same_calls_succeed(workdir):
    """The control: it is the seccomp layer that denies them, not something else."""
    policy = SandboxPolicy(wall_seconds=20, disable=frozenset({"seccomp"}))
    out = run_probe_script(workdir, policy)
    assert out["inet"] == "ok" and out["ptrace"] == "ok"


def test_landlock_alone_denies_writes_outside_the_work_directory(tmp_path, workdir, layers):
    """Mount namespace and uid switch off: only Landlock stands between the worker and a
    directory that root could otherwise write."""
    outside = tmp_path / "outside"
    outside.mkdir()
    target = outside / "x.txt"
    code = (
        "import errno\n"
        "try:\n"
        f"    open({str(target)!r}, 'w').write('x'); print('wrote')\n"
        "except OSError as exc:\n"
        "    print(errno.errorcode[exc.errno])\n"
        "open('inside.txt', 'w').write('fine'); print('inside ok')\n"
    )
    only_landlock = frozenset({"mount-namespace", "read-only-filesystem", "unprivileged-uid"})
    policy = SandboxPolicy(wall_seconds=20, disable=only_landlock)
    result = run_python(["-c", code], workdir=workdir, policy=policy, purpose="t")
    if landlock_abi() == 0:
        assert not result.report.layer("landlock").active
        assert "no Landlock" in result.report.layer("landlock").detail
        with pytest.raises(SandboxLimitError, match="'landlock'"):
            run_python(["-c", "pass"], workdir=workdir, purpose="t",
                       policy=SandboxPolicy(require_isolation=True))  # fmt: skip
        return
    assert result.report.layer("landlock").active
    assert result.stdout == b"EACCES\ninside ok\n", result.stderr
    assert not target.exists()
    assert (workdir / "inside.txt").read_text() == "fine"
    # control: with Landlock off too, the same write goes through
    policy = SandboxPolicy(wall_seconds=20, disable=only_landlock | {"landlock"})
    result = run_python(["-c", code], workdir=workdir, policy=policy, purpose="t")
    assert result.stdout == b"wrote\ninside ok\n"
    assert target.exists()


def test_the_read_only_root_shows_only_allow_listed_paths(workdir, layers):
    code = "import os\nprint(os.getpid(), os.getppid())\n"
    result = run_python(["-c", code], workdir=workdir, policy=SandboxPolicy(), purpose="t")
    if layers["pid-namespace"].active:
        # the worker is PID 2 under the namespace's init (PID 1)
        assert result.stdout == b"2 1\n"
    code = (
        "import os, errno\n"
        "print(os.path.exists('/root'), os.path.exists('/home'), os.path.exists('/var'))\n"
        "try:\n"
        "    open('/usr/x', 'w')\n"
        "except OSError as exc:\n"
        "    print(errno.errorcode[exc.errno])\n"
    )
    no_landlock = SandboxPolicy(disable=frozenset({"landlock"}))
    result = run_python(["-c", code], workdir=workdir, policy=no_landlock, purpose="t")
    if layers["read-only-filesystem"].active:
        assert result.stdout.splitlines()[1] == b"EROFS"
        assert b"False" in result.stdout.splitlines()[0]


def test_a_missing_layer_is_refused_under_require_isolation(workdir):
    policy = SandboxPolicy(require_isolation=True, disable=frozenset({"seccomp"}))
    with pytest.raises(SandboxLimitError) as info:
        run_command(["/bin/sh", "-c", "touch ran"], workdir=workdir, policy=policy,
                    purpose="compilation of pkg.mod")  # fmt: skip
    assert str(info.value) == (
        "compilation of pkg.mod refused: isolation layer 'seccomp' (disabled by policy) "
        "is unavailable and require-isolation is set"
    )
    assert info.value.exit_code == 7
    assert not (workdir / "ran").exists()  # nothing ran
    assert_no_children()


def test_layers_really_missing_inside_a_sandbox_are_reported_and_refused(workdir, layers):
    """A sandbox inside the sandbox: seccomp there forbids namespaces, for real. The
    nested probe must report them missing, and require-isolation must refuse (exit 7)."""
    nested = (
        "import json, subprocess, sys\n"
        "probe = subprocess.run([sys.executable, '-m', 'pyvorin', 'sandbox', 'probe',"
        " '--format', 'json'], capture_output=True, text=True)\n"
        "run = subprocess.run([sys.executable, '-m', 'pyvorin', 'sandbox', 'run',"
        " '--require-isolation', '--', '/bin/true'], capture_output=True, text=True)\n"
        "print(json.dumps({'probe': json.loads(probe.stdout), 'probe_rc': probe.returncode,"
        " 'run_rc': run.returncode, 'run_err': run.stderr}))\n"
    )
    policy = SandboxPolicy(wall_seconds=60, memory_mb=1024)
    result = run_python(["-c", nested], workdir=workdir, policy=policy, purpose="t")
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    out = json.loads(result.stdout)
    inner = {layer["name"]: layer for layer in out["probe"]["layers"]}
    assert out["probe_rc"] == 0
    if layers["seccomp"].active:
        for name in ("user-namespace", "pid-namespace", "mount-namespace"):
            assert inner[name]["active"] is False
            assert inner[name]["detail"]
    assert out["probe"]["complete"] is False
    assert out["run_rc"] == 7
    assert "refused: isolation layer" in out["run_err"]
    assert "Traceback" not in out["run_err"]


def test_probe_cli_json_and_text(tmp_path):
    from tests.helpers import run_cli

    done = run_cli("sandbox", "probe", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [layer["name"] for layer in data["layers"]] == list(LAYERS)
    assert all(isinstance(layer["active"], bool) and layer["stops"] for layer in data["layers"])
    assert data["complete"] == all(layer["active"] for layer in data["layers"])
    text = run_cli("sandbox", "probe", cwd=tmp_path)
    assert text.returncode == 0
    for name in LAYERS:
        assert name in text.stdout


def test_probe_function_matches_the_kernel(layers):
    again = {layer.name: layer.active for layer in probe()}
    assert again == {name: layer.active for name, layer in layers.items()}
    if os.geteuid() == 0:
        assert layers["unprivileged-uid"].active


def test_the_worker_cannot_reach_the_init_process_or_its_status_pipe(workdir, layers):
    code = (
        "import os, signal, errno\n"
        "out = []\n"
        "for fd in range(0, 8):\n"
        "    try:\n"
        "        os.open(f'/proc/1/fd/{fd}', os.O_WRONLY); out.append(f'OPENED {fd}')\n"
        "    except OSError as exc:\n"
        "        out.append(errno.errorcode[exc.errno])\n"
        "try:\n"
        "    os.kill(1, signal.SIGKILL); out.append('sent')\n"
        "except OSError as exc:\n"
        "    out.append(errno.errorcode[exc.errno])\n"
        "print(' '.join(out))\n"
    )
    result = run_python(["-c", code], workdir=workdir, policy=SandboxPolicy(), purpose="t")
    assert result.returncode == 0, result.stderr
    assert b"OPENED" not in result.stdout
    # SIGKILL to the namespace's init from inside is ignored by the kernel (or refused)
    assert result.report.exit_reason == "exited"

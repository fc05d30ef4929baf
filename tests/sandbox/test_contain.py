"""Adversarial workers: each escape attempt is contained, reported, and leaves nothing."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from pyvorin.audit import AuditLog
from pyvorin.errors import SandboxLimitError
from pyvorin.exitcodes import ExitCode
from pyvorin.sandbox import SandboxPolicy, run_python

from .conftest import assert_no_children, processes_of


def py(code: str, workdir: Path, policy: SandboxPolicy, purpose: str = "verification of pkg.mod:f"):
    return run_python(["-c", code], workdir=workdir, policy=policy, purpose=purpose)


def limit_hit(code: str, workdir: Path, policy: SandboxPolicy) -> SandboxLimitError:
    started = time.monotonic()
    with pytest.raises(SandboxLimitError) as info:
        py(code, workdir, policy)
    assert time.monotonic() - started < policy.wall_seconds + 5
    assert info.value.exit_code == ExitCode.SANDBOX_LIMIT == 7
    assert_no_children()
    return info.value


def last_report() -> dict:
    records = AuditLog().show(("sandbox",), None, None)
    assert records, "every run is audited"
    return records[-1]["details"]


def test_infinite_loop_hits_the_cpu_limit(workdir, policy):
    error = limit_hit("while True: pass", workdir, policy)
    assert str(error) == "verification of pkg.mod:f exceeded the CPU time limit (2 s)"
    report = last_report()
    assert report["exit_reason"] == "cpu-limit"
    assert report["signal"] in ("SIGXCPU", "SIGKILL")
    assert report["cpu_seconds"] >= 1.5
    assert processes_of(report["uid"]) == []


def test_memory_bomb_hits_the_address_space_limit(workdir, policy):
    error = limit_hit("x = []\nwhile True: x.append(bytearray(16 << 20))", workdir, policy)
    assert str(error) == "verification of pkg.mod:f exceeded the memory limit (256 MB)"
    assert last_report()["exit_reason"] == "memory-limit"


def test_fork_bomb_stops_at_the_process_limit(workdir, policy, layers):
    code = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while True:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(60); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print(n, exc.errno, flush=True)\n"
    )
    result = py(code, workdir, policy)
    forked, err = map(int, result.stdout.split())
    if layers["process-limit"].active:
        # 16 processes in all, the worker included
        assert forked == policy.max_processes - 1
        assert err == 11  # EAGAIN
    else:
        pytest.fail(f"no process limit on this machine: {layers['process-limit'].detail}")
    # the sleeping children died with the worker (PID namespace) or the sweep
    assert processes_of(result.report.uid) == []
    assert_no_children()


def test_uncaught_fork_failure_is_reported_as_the_process_limit(workdir, policy):
    code = "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(60)\n"
    error = limit_hit(code, workdir, policy)
    assert str(error) == "verification of pkg.mod:f exceeded the process limit (16 processes)"


def test_writing_outside_the_work_directory_is_denied(tmp_path, workdir, policy):
    outside = tmp_path / "outside"
    outside.mkdir()
    code = (
        "import errno\n"
        "for target in ([{!r}, '/usr/pyvorin-owned', '/etc/passwd', '/tmp/pyvorin-x']):\n"
        "    try:\n"
        "        open(target, 'a').write('owned')\n"
        "        print('WROTE', target)\n"
        "    except OSError as exc:\n"
        "        print('denied', target, errno.errorcode[exc.errno])\n"
    ).format(str(outside / "x.txt"))
    result = py(code, workdir, policy)
    assert result.returncode == 0, result.stderr
    assert b"WROTE" not in result.stdout
    assert result.stdout.count(b"denied") == 4
    assert not (outside / "x.txt").exists()
    assert not Path("/usr/pyvorin-owned").exists()
    assert b"owned" not in Path("/etc/passwd").read_bytes()


def test_a_secret_file_outside_the_work_directory_cannot_be_read(tmp_path, workdir, policy, layers):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2-top-secret")
    secret.chmod(0o600)
    code = (
        "import errno\n"
        "try:\n"
        f"    print(open({str(secret)!r}).read())\n"
        "except OSError as exc:\n"
        "    print('denied', errno.errorcode[exc.errno])\n"
    )
    result = py(code, workdir, policy)
    assert b"hunter2" not in result.stdout + result.stderr
    if layers["read-only-filesystem"].active:
        assert result.stdout.strip() == b"denied ENOENT"  # not even visible
    else:
        assert result.stdout.startswith(b"denied")


def test_connecting_to_a_host_tcp_listener_fails(workdir, policy):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    code = (
        "import socket, errno\n"
        "try:\n"
        f"    s = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        "    print('CONNECTED')\n"
        "except OSError as exc:\n"
        "    print('failed', errno.errorcode.get(exc.errno, exc.errno))\n"
    )
    try:
        result = py(code, workdir, policy)
        assert result.stdout.startswith(b"failed"), result.stdout + result.stderr
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected
    finally:
        listener.close()


def test_writing_a_huge_file_hits_the_file_size_limit(workdir, policy):
    code = "f = open('big.bin', 'wb')\nwhile True:\n    f.write(b'x' * 65536)\n    f.flush()\n"
    error = limit_hit(code, workdir, policy)
    assert str(error) == "verification of pkg.mod:f exceeded the file-size limit (1 MB)"
    assert (workdir / "big.bin").stat().st_size <= 1024 * 1024


def test_exhausting_file_descriptors_stops_at_the_limit(workdir, policy):
    code = (
        "import os\nfds = []\n"
        "try:\n"
        "    while True: fds.append(os.open('/dev/null', os.O_RDONLY))\n"
        "except OSError as exc:\n"
        "    print(len(fds), exc.errno)\n"
    )
    result = py(code, workdir, policy)
    opened, err = map(int, result.stdout.split())
    assert err == 24  # EMFILE
    assert 50 <= opened < policy.max_open_files
    error = limit_hit("import os\nwhile True: os.open('/dev/null', os.O_RDONLY)", workdir, policy)
    assert str(error) == "verification of pkg.mod:f exceeded the open-files limit (64 files)"


def test_a_daemonized_grandchild_dies_with_the_worker(workdir, policy):
    code = (
        "import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        for fd in (0, 1, 2): os.close(fd)\n"
        "        time.sleep(1.5)\n"
        "        open('still-alive', 'w').write(str(os.getpid()))\n"
        "        time.sleep(60)\n"
        "    os._exit(0)\n"
        "time.sleep(0.3)\n"
        "print('worker done')\n"
    )
    result = py(code, workdir, policy)
    assert result.stdout == b"worker done\n"
    assert processes_of(result.report.uid) == []
    time.sleep(2.0)
    assert not (workdir / "still-alive").exists()
    assert_no_children()


def test_wall_clock_limit_kills_a_sleeping_worker_tree(workdir):
    policy = SandboxPolicy(cpu_seconds=5, wall_seconds=1, max_processes=16)
    code = "import os, time\nos.fork()\ntime.sleep(60)\n"
    started = time.monotonic()
    with pytest.raises(SandboxLimitError) as info:
        run_python(["-c", code], workdir=workdir, policy=policy, purpose="compilation of pkg.mod")
    assert time.monotonic() - started < 8
    assert str(info.value) == "compilation of pkg.mod exceeded the wall-clock time limit (1 s)"
    report = last_report()
    assert report["exit_reason"] == "wall-limit"
    assert processes_of(report["uid"]) == []
    assert_no_children()


def test_runaway_output_hits_the_output_limit(workdir):
    policy = SandboxPolicy(max_output_mb=1, wall_seconds=20)
    code = "import sys\nwhile True: sys.stdout.write('y' * 65536)\n"
    with pytest.raises(SandboxLimitError, match=r"exceeded the output limit \(1 MB\)"):
        run_python(["-c", code], workdir=workdir, policy=policy, purpose="verification of m:f")
    assert_no_children()


def test_environment_secrets_are_absent_inside(workdir, policy, monkeypatch):
    monkeypatch.setenv("PYVORIN_HMAC_KEY", "hmac-secret-value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-value")
    monkeypatch.setenv("PYVORIN_SIGNING_KEY", "signing-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    code = "import os\nprint('\\n'.join(f'{k}={v}' for k, v in sorted(os.environ.items())))"
    result = run_python(
        ["-c", code],
        workdir=workdir,
        policy=policy,
        purpose="verification of pkg.mod:f",
        env={"AWS_SECRET_ACCESS_KEY": "explicit", "CC": "gcc"},
    )
    out = result.stdout.decode()
    names = {line.split("=", 1)[0] for line in out.splitlines()}
    for secret in (
        "PYVORIN_HMAC_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "PYVORIN_SIGNING_KEY",
        "GITHUB_TOKEN",
    ):
        assert secret not in names
    for value in ("hmac-secret-value", "aws-secret-value", "signing-secret", "ghp_secret",
                  "explicit"):  # fmt: skip
        assert value not in out
    assert {"CC", "LC_ALL", "PATH", "HOME", "TMPDIR"} <= names
    assert f"HOME={workdir}" in out and f"TMPDIR={workdir}" in out
    assert result.report.env_dropped == ["AWS_SECRET_ACCESS_KEY"]


def test_the_parent_stays_healthy_after_limit_hits(workdir, policy):
    for code in ("while True: pass", "x = bytearray(1 << 31)"):
        with pytest.raises(SandboxLimitError):
            py(code, workdir, policy)
    result = py("print(6 * 7)", workdir, policy)
    assert result.stdout == b"42\n" and result.returncode == 0
    assert_no_children()

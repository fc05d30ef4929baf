"""The unprivileged path: a caller that is not root gets its namespaces from a user
namespace (mapping its own uid), and the limits still hold.

The test process is root, so the test forks, drops to ``nobody`` for real and runs the
sandbox there (shell workers: this machine's interpreter lives under /root, which nobody
cannot read)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import traceback
from pathlib import Path

import pytest

from pyvorin import sandbox

from .conftest import assert_no_children

NOBODY = 65534


def as_nobody(fn) -> dict:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        try:
            os.close(read)
            os.setgroups([])
            os.setresgid(NOBODY, NOBODY, NOBODY)
            os.setresuid(NOBODY, NOBODY, NOBODY)
            out = fn()
        except BaseException:
            out = {"error": traceback.format_exc()}
        os.write(write, json.dumps(out).encode())
        os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.fixture
def nobody_tmp():
    """A directory nobody can reach (pytest's own tmp_path is under a 0700 directory)."""
    base = Path(tempfile.mkdtemp(prefix="pyvorin-nobody-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def nobody_workdir(nobody_tmp: Path) -> Path:
    path = nobody_tmp / "work"
    path.mkdir()
    os.chown(path, NOBODY, NOBODY)
    return path


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_an_unprivileged_caller_gets_every_layer_from_a_user_namespace(nobody_workdir, nobody_tmp):
    secret = nobody_tmp / "nobody-secret.txt"
    secret.write_text("s3cret")
    os.chown(secret, NOBODY, NOBODY)  # readable by nobody itself: only isolation hides it
    secret.chmod(0o600)
    script = (
        f"id -u; echo $$; touch ok; touch /usr/x 2>&1; cat {secret} 2>&1; "
        # the fork loop runs in one subshell (a fork that happens before it starts) and its
        # error goes to a file read by builtins: with `| head -1` the shell forked head
        # while the loop was already forking, and when the limit refused head first the
        # shell exited 2 and the whole run became a process-limit hit (seen under load)
        "i=0; (while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done) 2>forks; "
        'read -r first < forks; echo "$first"'
    )

    def body() -> dict:
        layers = {layer.name: [layer.active, layer.detail] for layer in sandbox.probe()}
        policy = sandbox.SandboxPolicy(max_processes=8, wall_seconds=20)
        result = sandbox.run_command(["/bin/sh", "-c", script], workdir=nobody_workdir,
                                     policy=policy, purpose="t", audit=False)  # fmt: skip
        return {"layers": layers, "rc": result.returncode, "out": result.stdout.decode(),
                "report": result.report.to_dict()}  # fmt: skip

    out = as_nobody(body)
    assert "error" not in out, out.get("error")
    missing = {name: detail for name, (active, detail) in out["layers"].items() if not active}
    print("layers missing for an unprivileged caller:", missing or "none")
    for active, detail in out["layers"].values():
        assert active or detail
    lines = out["out"].splitlines()
    assert lines[0] == str(NOBODY)
    assert (nobody_workdir / "ok").exists()
    assert "s3cret" not in out["out"]
    if out["layers"]["user-namespace"][0]:
        assert lines[1] == "2"  # PID namespace: the shell is PID 2 under init
        assert "Read-only file system" in lines[2]
        assert "No such file or directory" in lines[3]
        assert "fork" in lines[4].lower() or "resource" in lines[4].lower()
    assert_no_children()

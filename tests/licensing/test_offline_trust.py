"""Issue 13, finding 6: offline state is no longer editable client memory.

Each test reproduces an attack from the review against a real licence server process
on loopback, with the real ``pyvorin`` CLI where the attack is a command (the clock is
moved in-process: the real client reads it through ``LicenceClient(now=...)``), and
asserts the refusal: exit code, message, nothing written, the event in the audit log.
The network is cut for real (a TCP gateway in front of the server is closed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyvorin.exitcodes import ExitCode
from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.state import load_state, save_state, state_mac, state_path
from pyvorin.licensing.tokens import b64d, b64e
from tests.helpers import run_cli
from tests.licensing.support import Gateway, LicenceServer, activate_through, free_port
from tests.licensing.test_gate_e2e import audit_records, compile_once

HOUR = 3600


@pytest.fixture
def home(pyvorin_home: Path) -> Path:
    return pyvorin_home


def cli(home: Path, *args: str, cwd: Path | None = None, **env: str):
    return run_cli(*args, cwd=cwd, env={"PYVORIN_HOME": str(home), **env})


def edit_state(home: Path, **fields) -> None:
    """Edit lease.json the way a user with a text editor would (the MAC is left alone)."""
    path = state_path(home)
    data = json.loads(path.read_text())
    data.update(fields)
    path.write_text(json.dumps(data, indent=2))


def licence_refusals(home: Path) -> list[dict]:
    return [
        r
        for r in audit_records(home)
        if r["type"] == "licence" and r["details"].get("outcome") == "refused"
    ]


def nothing_written(work: Path) -> bool:
    out = work / "out"
    return not out.exists() or not any(out.rglob("*"))


def project(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x * 2 + 1\n")
    return tmp_path


@pytest.mark.slow
def test_blanking_the_refusal_flag_does_not_bring_a_revoked_licence_back(
    licence_server, home, tmp_path
):
    gateway = Gateway(licence_server.url)
    lid = activate_through(home, licence_server, gateway, seats=1)
    before = state_path(home).read_text()  # a copy of the state while it was valid
    licence_server.revoke(lid, reason="chargeback")
    work = project(tmp_path / "p")

    refused = cli(home, "compile", "m.py", "-o", "out", cwd=work)
    assert refused.returncode == ExitCode.LICENCE, refused.stderr
    assert "revoked (chargeback)" in refused.stderr
    assert load_state(home).lease == ""  # the refusal dropped the lease
    gateway.cut()

    # blank the flag: there is no lease left to compile with
    edit_state(home, refused=None)
    blanked = cli(home, "compile", "m.py", "-o", "out", cwd=work)
    assert blanked.returncode == ExitCode.LICENCE
    assert "lease" in blanked.stderr and "pyvorin licence refresh" in blanked.stderr

    # put the old lease back too: the state no longer matches its integrity code
    edit_state(home, refused=None, lease=json.loads(before)["lease"])
    restored = cli(home, "compile", "m.py", "-o", "out", cwd=work)
    assert restored.returncode == ExitCode.LICENCE
    assert "changed outside pyvorin" in restored.stderr
    assert nothing_written(work)

    # whatever the file says, the server decides as soon as it can be reached
    state_path(home).write_text(before)
    gateway.restore()
    online = cli(home, "compile", "m.py", "-o", "out", cwd=work)
    assert online.returncode == ExitCode.LICENCE and "revoked" in online.stderr
    assert len(licence_refusals(home)) >= 4
    assert nothing_written(work)


def test_editing_last_seen_after_a_clock_rollback_is_detected(licence_server, home, tmp_path):
    gateway = Gateway(licence_server.url)
    activate_through(home, licence_server, gateway, seats=1)
    assert compile_once(tmp_path / "a", home).exit_code == ExitCode.OK  # audited now
    gateway.cut()
    rolled_back = time.time() - 6 * HOUR
    client = LicenceClient(home, now=lambda: rolled_back, env={})
    with pytest.raises(Exception, match="the clock was set back"):
        client.check()

    # the user moves last_seen back with the clock: the state's integrity code catches it
    state = load_state(home)
    edit_state(home, last_seen=rolled_back - HOUR, last_online=rolled_back - HOUR)
    with pytest.raises(Exception, match="changed outside pyvorin"):
        client.check()

    # recomputing the code (reading pyvorin's source) does not help: the lease was
    # issued by the server after that moment, and the hash-chained audit log holds it
    state = load_state(home)
    state.last_seen = state.last_online = rolled_back - HOUR
    state.mac = state_mac(state)
    state_path(home).write_text(json.dumps(state.__dict__))
    with pytest.raises(Exception, match="behind the time the lease was issued"):
        client.check()
    fine = compile_once(tmp_path / "b", home)  # the real clock: fine again offline
    assert fine.exit_code == ExitCode.OK, fine.licence.detail


@pytest.mark.slow
def test_a_dead_port_or_another_server_does_not_extend_a_licence(licence_server, home, tmp_path):
    gateway = Gateway(licence_server.url)
    lid = activate_through(home, licence_server, gateway, seats=1)
    dead = f"http://127.0.0.1:{free_port()}"
    work = project(tmp_path / "p")

    moved = cli(home, "licence", "status", PYVORIN_LICENCE_SERVER=dead)
    assert moved.returncode == ExitCode.LICENCE
    assert f"licence server {dead}" in moved.stderr
    assert f"is not the server this activation is bound to ({gateway.url}" in moved.stderr

    # editing the server named in the state: its lease, signed by the server, names another
    edit_state(home, server=dead)
    edited = cli(home, "compile", "m.py", "-o", "out", cwd=work)
    assert edited.returncode == ExitCode.LICENCE
    assert f"but its lease is bound to {gateway.url}" in edited.stderr
    assert nothing_written(work)
    edit_state(home, server=gateway.url)

    # a revoked licence: a dead port is not offline grace
    licence_server.revoke(lid, reason="test")
    assert cli(home, "licence", "refresh").returncode == ExitCode.LICENCE
    for env in ({"PYVORIN_LICENCE_SERVER": dead}, {}):
        gateway.cut()
        late = cli(home, "compile", "m.py", "-o", "out", cwd=work, **env)
        assert late.returncode == ExitCode.LICENCE, late.stderr
        assert nothing_written(work)
    assert licence_refusals(home)


@pytest.mark.slow
def test_state_copied_to_another_machine_is_refused(licence_server, home, tmp_path):
    """The copy runs under another /etc/machine-id (a private mount namespace)."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux unshare is needed to give the copy another machine id")
    gateway = Gateway(licence_server.url)
    activate_through(home, licence_server, gateway, seats=2)
    other = tmp_path / "other-home"
    shutil.copytree(home / "licence", other / "licence")
    machine_id = tmp_path / "machine-id"
    machine_id.write_text("feedfacefeedfacefeedfacefeedface\n")
    work = project(tmp_path / "p")
    script = (
        f"mount --bind {machine_id} /etc/machine-id && "
        f"exec {sys.executable} -m pyvorin compile m.py -o out"
    )
    copied = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=work,
        env={**os.environ, "PYVORIN_HOME": str(other)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert copied.returncode == ExitCode.LICENCE, copied.stderr
    assert "bound to another machine" in copied.stderr
    assert nothing_written(work)
    refusals = [r for r in audit_records(other) if r["type"] == "refusal"]
    assert any("bound to another machine" in r["details"].get("reason", "") for r in refusals)
    # offline too: the copy cannot draw on the lease's offline quota
    gateway.cut()
    offline = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=work,
        env={**os.environ, "PYVORIN_HOME": str(other)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert offline.returncode == ExitCode.LICENCE and "bound to another machine" in offline.stderr


@pytest.fixture(scope="module")
def small_quota_server(tmp_path_factory):
    """A server whose leases allow 2 offline builds."""
    env = {
        "PYVORIN_SERVER_OFFLINE_BUILDS": "2",
        "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE_PER_IP": "100000",
        "PYVORIN_SERVER_AUTH_FAILURES_PER_MINUTE_PER_IP": "100000",
    }
    with LicenceServer(tmp_path_factory.mktemp("small-quota"), env=env) as server:
        yield server


@pytest.mark.slow
def test_offline_quota_exhausted_then_reported_when_back_online(small_quota_server, home, tmp_path):
    server = small_quota_server
    gateway = Gateway(server.url)
    lid = activate_through(home, server, gateway, seats=1)
    lease = load_state(home).lease
    payload = json.loads(b64d(lease.split(".")[1]))
    assert (payload["qn"], payload["srv"]) == (2, gateway.url)
    gateway.cut()
    for name in ("a", "b"):
        result = compile_once(tmp_path / name, home)
        assert result.exit_code == ExitCode.OK, result.licence.detail
        assert "offline build(s) left" in result.licence.detail
    third = compile_once(tmp_path / "c", home)
    assert third.exit_code == ExitCode.LICENCE
    assert "offline quota exhausted: the lease allows 2 build(s)" in third.licence.detail
    assert third.modules == [] and not (tmp_path / "c" / "out" / "mod.compiled").exists()
    assert licence_refusals(home)

    # resetting the slot counter in the file is an edit the state's code catches
    edit_state(home, quota_used=0)
    reset = compile_once(tmp_path / "d", home)
    assert reset.exit_code == ExitCode.LICENCE
    assert "changed outside pyvorin" in reset.licence.detail

    # back online: the two offline builds are reported; usage counts them
    gateway.restore()
    assert compile_once(tmp_path / "e", home).exit_code == ExitCode.OK
    assert load_state(home).pending_offline == []
    counted = server.admin("GET", f"/v1/licences/{lid}/tickets").json()
    assert (counted["online"], counted["offline"]) == (1, 2)
    assert {t["slot"] for t in counted["last"] if t["mode"] == "offline"} == {0, 1}
    assert server.status(lid)["usage"]["used"] == 3

    # a client that restored its state and builds again on a used slot is visible
    client = LicenceClient(home, env={})
    state = load_state(home)
    answer = client._machine_request(
        "POST",
        gateway.url,
        "/v1/tickets/offline",
        state,
        json={
            "lease": lease,
            "builds": [{"slot": 0, "module": "mod", "source_sha256": "0" * 64, "time": 1}],
        },
    )
    assert (answer["recorded"], answer["conflicts"]) == (0, 1)
    with pytest.raises(Exception, match="slot 2 is outside it"):
        client._machine_request(
            "POST",
            gateway.url,
            "/v1/tickets/offline",
            state,
            json={
                "lease": lease,
                "builds": [{"slot": 2, "module": "mod", "source_sha256": "0" * 64, "time": 1}],
            },
        )


def test_a_forged_quota_in_the_lease_is_refused(small_quota_server, home, tmp_path):
    gateway = Gateway(small_quota_server.url)
    activate_through(home, small_quota_server, gateway, seats=1)
    gateway.cut()
    state = load_state(home)
    prefix, body, signature = state.lease.split(".")
    payload = json.loads(b64d(body))
    payload["qn"] = 10_000
    state.lease = f"{prefix}.{b64e(json.dumps(payload).encode())}.{signature}"
    save_state(state, home)  # even with a valid state code
    forged = compile_once(tmp_path / "a", home)
    assert forged.exit_code == ExitCode.LICENCE
    assert "has been altered" in forged.licence.detail

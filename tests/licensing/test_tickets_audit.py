"""Issue 13, findings 6 and 8: build tickets in manifests, the audit log anchored at the
licence server, every event through the audit hook.

Real CLI (``pyvorin compile``, ``signature verify``, ``audit verify``, ``licence
refresh``) against a real licence server on loopback; a forged ticket is re-signed with
the user's own signing key (what a local attacker has), so only the ticket is wrong.
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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyvorin.artifacts import manifest_path
from pyvorin.audit import AuditLog
from pyvorin.exitcodes import ExitCode
from pyvorin.keys import select_signer
from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.state import load_state
from pyvorin.licensing.tokens import TICKET_PREFIX, b64d, b64e, key_id, sign_token
from pyvorin.signing import sign_manifest, write_manifest
from tests.helpers import install_fake_distribution, run_cli
from tests.licensing.support import Gateway, activate_into, activate_through


@pytest.fixture
def home(pyvorin_home: Path) -> Path:
    return pyvorin_home


def cli(home: Path, *args: str, cwd: Path | None = None, **env: str):
    return run_cli(*args, cwd=cwd, env={"PYVORIN_HOME": str(home), **env})


@pytest.fixture
def compiled(licence_server, home, tmp_path):
    """One module compiled by the real CLI under a licence from the real server."""
    activate_into(home, licence_server, seats=1)
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x * 3 - 1\n")
    (tmp_path / "n.py").write_text("def g(x: int) -> int:\n    return x - 7\n")
    built = cli(home, "compile", "m.py", "n.py", "-o", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    return tmp_path / "out"


def manifest_of(out: Path, module: str) -> tuple[Path, dict]:
    path = manifest_path(out, module)
    return path, json.loads(path.read_text())


def resign(home: Path, path: Path, manifest: dict) -> None:
    """Re-sign an edited manifest with this user's own signing key (PYVORIN_HOME)."""
    signer = select_signer(None, release=False)
    write_manifest(path, sign_manifest(manifest, [signer]))


def test_manifest_carries_a_server_signed_ticket_that_verify_shows(licence_server, home, compiled):
    _, manifest = manifest_of(compiled, "m")
    ticket = manifest["licence"]["ticket"]
    assert ticket["kind"] == "online" and ticket["token"].startswith(TICKET_PREFIX + ".")
    payload = json.loads(b64d(ticket["token"].split(".")[1]))
    assert payload["lid"] == manifest["licence_id"] and payload["mod"] == "m"
    assert payload["src"] == manifest["source"]["sha256"]
    _, other = manifest_of(compiled, "n")
    other_n = json.loads(b64d(other["licence"]["ticket"]["token"].split(".")[1]))["n"]
    assert other_n == payload["n"] + 1  # the licence's counter, one number per module

    verified = cli(home, "signature", "verify", str(compiled), "--require-ticket")
    assert verified.returncode == 0, verified.stderr
    assert f"build ticket #{payload['n']} of licence {payload['lid']}" in verified.stdout
    counted = licence_server.admin("GET", f"/v1/licences/{payload['lid']}/tickets").json()
    assert counted["online"] == 2


@pytest.mark.slow
def test_edited_forged_or_transplanted_tickets_fail_signature_verify(home, compiled):
    path, manifest = manifest_of(compiled, "m")
    _, other = manifest_of(compiled, "n")
    original = json.loads(json.dumps(manifest))

    # edited: the payload names another licence; the server's signature no longer holds
    prefix, body, signature = manifest["licence"]["ticket"]["token"].split(".")
    payload = json.loads(b64d(body))
    payload["lid"] = "lic_someone_else"
    edited = f"{prefix}.{b64e(json.dumps(payload).encode())}.{signature}"
    manifest["licence"]["ticket"]["token"] = edited
    resign(home, path, manifest)
    refused = cli(home, "signature", "verify", str(compiled))
    assert refused.returncode == ExitCode.SIGNATURE
    assert "the build ticket is forged or altered" in refused.stderr

    # forged: a ticket signed by a key the user made (not a trusted licence server)
    mine = Ed25519PrivateKey.generate()
    payload["lid"] = original["licence_id"]
    payload["kid"] = key_id(mine.public_key())
    manifest["licence"]["ticket"]["token"] = sign_token(TICKET_PREFIX, payload, mine)
    resign(home, path, manifest)
    shown = cli(home, "signature", "verify", str(compiled))
    assert shown.returncode == 0  # another server's ticket is not an error by itself...
    assert f"build ticket NOT verified (issuer {payload['kid']} is not trusted here)" in (
        shown.stdout
    )
    forged = cli(home, "signature", "verify", str(compiled), "--require-ticket")
    assert forged.returncode == ExitCode.SIGNATURE  # ...but it proves nothing
    assert "build ticket NOT verified" in forged.stderr

    # transplanted: a genuine ticket of another module
    manifest["licence"]["ticket"] = other["licence"]["ticket"]
    resign(home, path, manifest)
    moved = cli(home, "signature", "verify", str(compiled))
    assert moved.returncode == ExitCode.SIGNATURE
    assert "issued for another build: module 'n' (artifact: 'm')" in moved.stderr

    # removed: fine by default (older manifests), refused with --require-ticket
    del manifest["licence"]["ticket"]
    resign(home, path, manifest)
    assert cli(home, "signature", "verify", str(compiled)).returncode == 0
    required = cli(home, "signature", "verify", str(compiled), "--require-ticket")
    assert required.returncode == ExitCode.SIGNATURE and "no build ticket" in required.stderr
    refusals = [
        r
        for r in AuditLog(home / "audit").records()
        if r["type"] == "refusal" and r["details"].get("stage") == "signature-verify"
    ]
    assert len(refusals) >= 4


def anchored(licence_server, home: Path) -> None:
    activate_into(home, licence_server, seats=1)
    for _ in range(2):  # each refresh sends the head; the second one is checkpointed after
        refreshed = cli(home, "licence", "refresh")
        assert refreshed.returncode == 0, refreshed.stderr
    ok = cli(home, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert f"holds the head the licence server {licence_server.url} recorded" in ok.stdout


@pytest.mark.slow
def test_deleted_audit_log_is_detected(licence_server, home):
    anchored(licence_server, home)
    shutil.rmtree(home / "audit")
    deleted = cli(home, "audit", "verify")
    assert deleted.returncode == ExitCode.SIGNATURE
    assert "checkpointed at seq" in deleted.stderr and "deleted or replaced" in deleted.stderr
    # the refusal itself is an event (in the new log)
    records = AuditLog(home / "audit").records()
    assert any(r["details"].get("stage") == "audit-verify" for r in records)
    # a refresh does not launder it: the server marks the new log as a replacement
    assert cli(home, "licence", "refresh").returncode == 0
    later = cli(home, "audit", "verify")
    assert later.returncode == ExitCode.SIGNATURE
    assert "this audit log replaced log" in later.stderr


@pytest.mark.slow
def test_rolled_back_audit_log_is_detected(licence_server, home, tmp_path):
    anchored(licence_server, home)
    backup = tmp_path / "audit-backup"
    shutil.copytree(home / "audit", backup)
    state_backup = (home / "licence" / "lease.json").read_text()
    for _ in range(2):
        assert cli(home, "licence", "refresh").returncode == 0
    shutil.rmtree(home / "audit")
    shutil.copytree(backup, home / "audit")
    # the kept checkpoint alone (offline) sees it
    offline = cli(home, "audit", "verify", "--offline")
    assert offline.returncode == ExitCode.SIGNATURE
    assert "were deleted or the log was rolled back" in offline.stderr
    # rolling the licence state back with it: the server's checkpoint still sees it
    shutil.rmtree(home / "audit")
    shutil.copytree(backup, home / "audit")
    (home / "licence" / "lease.json").write_text(state_backup)
    online = cli(home, "audit", "verify")
    assert online.returncode == ExitCode.SIGNATURE
    assert f"the licence server {licence_server.url} recorded its head at seq" in online.stderr


def server_checkpoint(home: Path) -> dict:
    """The payload of the licence server's latest checkpoint of this installation's
    audit log (``GET /v1/audit/checkpoint``, signed with the activation's credential)."""
    client, state = LicenceClient(home, env={}), load_state(home)
    assert state is not None
    log_id = AuditLog(home / "audit").log_id()
    body = client._machine_request(
        "GET",
        state.server,
        f"/v1/audit/checkpoint?log={log_id}",
        state,
    )
    return json.loads(b64d(body["checkpoint"].split(".")[1]))


def build_end(home: Path) -> dict:
    """The log's last event, which must be the run's build end: only a periodic
    ``checkpoint`` record of the log itself may follow it."""
    events = [r for r in AuditLog(home / "audit").records() if r["type"] != "checkpoint"]
    last = events[-1]
    assert (last["type"], last["details"].get("phase")) == ("build", "end"), last
    return last


@pytest.mark.slow
def test_an_online_run_anchors_its_own_last_event(licence_server, home, tmp_path):
    """The end of an online run sends the log's head to the server again, after the build
    end event: the server's checkpoint is the log's final head (with ``-j 2`` too: the
    parent process writes the log and anchors it), and the client keeps it."""
    activate_into(home, licence_server, seats=1)
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x * 3 - 1\n")
    (tmp_path / "n.py").write_text("def g(x: int) -> int:\n    return x - 7\n")
    built = cli(home, "compile", "m.py", "n.py", "-o", "out", "-j", "2", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "building 2 modules, 2 at a time" in built.stderr
    log = AuditLog(home / "audit")
    seq, head_hash = log.head()
    assert build_end(home)["seq"] in (seq, seq - 1)
    checkpoint = server_checkpoint(home)
    assert (checkpoint["log"], checkpoint["seq"], checkpoint["hash"]) == (
        log.log_id(),
        seq,
        head_hash,
    )
    kept = load_state(home).checkpoint
    assert json.loads(b64d(kept.split(".")[1]))["seq"] == seq


def truncate_log(home: Path, seq: int) -> None:
    """Cut the audit log back to record ``seq`` as the installation's own user can: drop
    the later lines and write the head file again, MAC'd with the log key that lies
    beside the log. Chain, periodic checkpoints and head then verify on their own."""
    log = AuditLog(home / "audit")
    kept = [line for line in log.path.read_text().splitlines() if json.loads(line)["seq"] <= seq]
    log.path.write_text("".join(line + "\n" for line in kept))
    log._write_head(log._key(create=False), seq, json.loads(kept[-1])["hash"])


@pytest.mark.slow
def test_deleting_the_last_runs_records_is_detected(licence_server, home, tmp_path):
    """Issue 13, "audit checkpoints lag one run". A run's refresh happens at its start
    (the licence gate), so it sends the head as it was then: up to run 2's access and
    build start events. Before the end-of-run anchor that was the server's checkpoint
    until the next refresh, and cutting the log back to exactly that head (run 2's
    records deleted, the head file re-MAC'd) left a log that verifies on its own and
    holds that checkpoint, so ``pyvorin audit verify`` passed: the two checks before the
    verify below are its two checks against that checkpoint (and with the anchor call
    removed from the pipeline, the server's checkpoint is ``refreshed`` and the verify
    exits 0). Now run 2's end anchors its build end event, which the cut log lacks.

    (A copy of the log taken after run 1 and put back would not show the lag: it ends
    before run 2's access and build start events, which the refresh did send.)"""
    activate_into(home, licence_server, seats=1)
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x * 3 - 1\n")
    for _run in (1, 2):
        built = cli(home, "compile", "m.py", "-o", "out", cwd=tmp_path)
        assert built.returncode == 0, built.stderr
    records = AuditLog(home / "audit").records()
    run2 = max(
        r["seq"] for r in records if r["type"] == "build" and r["details"].get("phase") == "start"
    )
    # run 2's refresh sent the head just before its gate's first event
    refreshed = next(r["seq"] for r in records if r["type"] == "licence" and r["seq"] > run2) - 1
    sent = next(r for r in records if r["seq"] == refreshed)
    end = server_checkpoint(home)["seq"]
    assert end == AuditLog(home / "audit").head()[0] > refreshed

    truncate_log(home, refreshed)
    cut = AuditLog(home / "audit")
    assert cut.verify().ok  # consistent on its own: only the anchor can tell
    assert cut.check_anchor(refreshed, sent["hash"], "run 2's refresh") is None
    verified = cli(home, "audit", "verify")
    assert verified.returncode == ExitCode.SIGNATURE, verified.stdout
    assert f"the licence server {licence_server.url} recorded its head at seq {end}" in (
        verified.stderr
    )
    assert "were deleted or the log was rolled back" in verified.stderr
    # the checkpoint the client kept at run 2's end sees it too
    offline = cli(home, "audit", "verify", "--offline")
    assert offline.returncode == ExitCode.SIGNATURE
    assert f"recorded its head at seq {end}" in offline.stderr


CUT_AT_END = """
import os, time
from pathlib import Path
from pyvorin.hookspecs import hookimpl

@hookimpl
def pyvorin_audit_event(event):
    # the run's last event: ask the test to cut the network, wait until it has
    if event.type == "build" and event.details.get("phase") == "end":
        Path(os.environ["CUT_ASKED"]).touch()
        deadline = time.monotonic() + 60
        while not Path(os.environ["CUT_DONE"]).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
"""


@pytest.mark.slow
def test_a_dead_server_at_the_end_of_the_run_only_warns(licence_server, home, tmp_path):
    """The server answers the gate, then the network is cut (a real TCP gateway closed)
    once the run has written its build end event: the build still succeeds, one warning
    line says the next refresh anchors the records, and nothing is written to the log
    after the build end. The next refresh does anchor them."""
    gateway = Gateway(licence_server.url)
    activate_through(home, licence_server, gateway, seats=1)
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "cut-at-end", "cut_at_end", CUT_AT_END)
    asked, done = tmp_path / "cut-asked", tmp_path / "cut-done"
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x * 3 - 1\n")
    env = {
        **os.environ,
        "PYVORIN_HOME": str(home),
        "PYVORIN_PLUGINS": "cut-at-end",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
        "CUT_ASKED": str(asked),
        "CUT_DONE": str(done),
    }
    build = subprocess.Popen(
        [sys.executable, "-m", "pyvorin", "compile", "m.py", "-o", "out"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while not asked.exists() and build.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        gateway.cut()
        done.touch()
        _, stderr = build.communicate(timeout=120)
    finally:
        if build.poll() is None:
            build.kill()
    assert asked.exists(), stderr
    assert build.returncode == 0, stderr
    assert manifest_path(tmp_path / "out", "m").is_file()
    warnings = [line for line in stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, stderr
    assert "this run's audit records were not anchored at the licence server" in warnings[0]
    assert "the next licence refresh anchors them" in warnings[0]
    end = build_end(home)  # no event after the build end
    gateway.restore()
    assert server_checkpoint(home)["seq"] < end["seq"]  # only the gate's refresh got there
    assert cli(home, "licence", "refresh").returncode == 0
    assert server_checkpoint(home)["seq"] > end["seq"]


SINK = """
import json, os
from pyvorin.hookspecs import hookimpl

@hookimpl
def pyvorin_audit_event(event):
    with open(os.environ["SINK_FILE"], "a") as handle:
        record = {"type": event.type, "details": event.details}
        handle.write(json.dumps(record, default=str) + "\\n")
"""


def test_cli_events_reach_every_audit_sink(home, tmp_path):
    """Commands that used to write the log directly now go through the audit hook."""
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "copy-sink", "copy_sink", SINK)
    sink = tmp_path / "sink.jsonl"
    env = {"PYTHONPATH": str(site), "PYVORIN_PLUGINS": "copy-sink", "SINK_FILE": str(sink)}
    assert cli(home, "keys", "list", **env).returncode == 0
    missing = cli(home, "signature", "verify", str(tmp_path / "nothing"), **env)
    assert missing.returncode == ExitCode.SIGNATURE
    assert cli(home, "signature", "forget-builds", "--all", **env).returncode == 0
    seen = [json.loads(line) for line in sink.read_text().splitlines()]
    logged = [r for r in AuditLog(home / "audit").records() if r["type"] != "checkpoint"]
    assert [(e["type"], e["details"]) for e in seen] == [(r["type"], r["details"]) for r in logged]
    kinds = {(e["type"], e["details"].get("stage") or e["details"].get("event")) for e in seen}
    assert ("refusal", "signature-verify") in kinds and ("access", "builds-forgotten") in kinds


def test_the_python_api_logs_like_the_cli(home, tmp_path):
    """build_project (what every adapter calls) records an access event, then the
    pipeline's events; here the licence gate refuses (no licence in this home)."""
    from pyvorin.build_api import BuildFailed, build_project

    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["m"]\n')
    (tmp_path / "m.py").write_text("def f(x: int) -> int:\n    return x\n")
    with pytest.raises(BuildFailed) as refused:
        build_project(tmp_path, tmp_path / "out", actor="api-test")
    assert refused.value.exit_code == ExitCode.LICENCE
    records = AuditLog(home / "audit").records()
    access = [r for r in records if r["type"] == "access"]
    assert access and access[0]["actor"] == "api-test"
    assert access[0]["details"]["command"] == "build_project"
    assert any(r["type"] == "refusal" and r["details"]["stage"] == "licence" for r in records)

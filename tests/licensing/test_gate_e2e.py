"""The client and the licence gate end to end, against a real server process on loopback.

The pipeline runs in-process with the gate registered on the plugin manager and a trivial
test backend (the native compiler is not what is under test here). Network faults that
cannot be produced for real (timeouts) use a faulty httpx transport; an unreachable
server is a real closed port.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import httpx
import pytest

from pyvorin import pipeline
from pyvorin.config import load_settings
from pyvorin.errors import LicenceError
from pyvorin.exitcodes import ExitCode
from pyvorin.hookspecs import hookimpl
from pyvorin.licensing import gate
from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.state import load_state, machine_fingerprint, state_path
from pyvorin.licensing.tokens import b64d, b64e
from pyvorin.licensing.trust import trust_issuer
from pyvorin.model import BuildContext, CompileResult, ModuleSpec, SignResult, VerificationResult
from pyvorin.plugins import build_plugin_manager
from tests.helpers import run_cli
from tests.licensing.support import Gateway, activate_into, activate_through, free_port

HOUR = 3600


class TestBackend:
    """A trivial backend: 'compiles' by copying the source (not what is tested here)."""

    @hookimpl
    def pyvorin_backend_names(self):
        return ["licence-test"]

    @hookimpl
    def pyvorin_check(self, ctx, module, backend):
        return [] if backend == "licence-test" else None

    @hookimpl
    def pyvorin_compile(self, ctx, module, backend, workdir):
        if backend != "licence-test":
            return None
        artifact = ctx.out_dir / f"{module.name}.compiled"
        artifact.write_text(module.path.read_text())
        return CompileResult(module=module, backend=backend, artifact=artifact)

    @hookimpl
    def pyvorin_verify(self, ctx, module, compiled):
        return VerificationResult(passed=True, summary={"backend": "licence-test"})

    @hookimpl
    def pyvorin_sign(self, ctx, module, compiled, verification):
        manifest = ctx.out_dir / f"{module.name}.test-manifest.json"
        manifest.write_text(json.dumps({"module": module.name}))
        return SignResult(manifest_path=manifest)


def compile_once(project: Path, home: Path, **licence: object):
    """Run the whole pipeline once for one module, with the licence gate registered."""
    lines = ["[tool.pyvorin]", 'backend = "licence-test"']
    user = home / "config.toml"  # the licence server is the user's setting, not the project's
    if licence:
        user.write_text(
            "[licence]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in licence.items())
        )
    elif user.exists():
        user.unlink()
    project.mkdir(parents=True, exist_ok=True)
    (project / "pyproject.toml").write_text("\n".join(lines) + "\n")
    source = project / "mod.py"
    source.write_text("def f(x: int) -> int:\n    return x + 1\n")
    pm, _ = build_plugin_manager([])
    if not pm.is_registered(gate):  # built in once the gate is in BUILTIN_PLUGINS
        pm.register(gate, name="pyvorin.licensing.gate")
    pm.register(TestBackend(), name="licence-test-backend")
    out = project / "out"
    out.mkdir(exist_ok=True)
    ctx = BuildContext(
        settings=load_settings(project, env={}), hook=pm.hook, home=home, out_dir=out
    )
    return pipeline.run(ctx, [ModuleSpec("mod", source)])


def audit_records(home: Path) -> list[dict]:
    records = []
    for path in (home / "audit").glob("*.jsonl"):
        records += [json.loads(line) for line in path.read_text().splitlines() if line]
    return records


@pytest.fixture
def home(pyvorin_home: Path) -> Path:
    return pyvorin_home


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


def test_activate_compile_refresh_with_the_real_cli(licence_server, home, tmp_path):
    lid, key = licence_server.issue(licensee="CLI Ltd", plan="team", seats=2)
    env = {"PYVORIN_HOME": str(home)}
    untrusted = run_cli("licence", "activate", key, "--server", licence_server.url, env=env)
    assert untrusted.returncode == ExitCode.LICENCE
    assert "does not trust" in untrusted.stderr and "trust-issuer" in untrusted.stderr

    trusted = run_cli("licence", "trust-issuer", str(licence_server.issuer_pub), env=env)
    assert trusted.returncode == 0, trusted.stderr
    activated = run_cli("licence", "activate", key, "--server", licence_server.url, env=env)
    assert activated.returncode == 0, activated.stderr
    assert f"activated licence {lid}" in activated.stdout
    lease_file = state_path(home)
    assert stat.S_IMODE(lease_file.stat().st_mode) == 0o600

    result = compile_once(tmp_path / "p", home)
    assert result.licence.status == "ok", result.licence.detail
    assert result.exit_code == ExitCode.OK
    assert [s.status for s in result.modules[0].stages][:2] == ["ok", "ok"]
    assert (tmp_path / "p" / "out" / "mod.compiled").is_file()
    assert licence_server.status(lid)["usage"]["used"] == 1

    refreshed = run_cli("licence", "refresh", env=env)
    assert refreshed.returncode == 0, refreshed.stderr
    assert f"licence {lid} confirmed" in refreshed.stdout
    status = run_cli("licence", "status", "--format", "json", env=env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["mode"] == "online" and report["server"]["seats_used"] == 1
    assert report["server"]["usage"]["used"] == 1

    # the gate's decisions are audited, with no key or secret in the log
    state = load_state(home)
    events = [r for r in audit_records(home) if r["type"] == "licence"]
    assert any(r["details"].get("licence_id") == lid for r in events)
    raw_log = "".join(p.read_text() for p in (home / "audit").glob("*.jsonl"))
    assert state.activation_secret not in raw_log and key not in raw_log
    assert state.lease not in raw_log


def test_revocation_refuses_the_next_compile_even_offline(licence_server, home, tmp_path):
    gateway = Gateway(licence_server.url)
    lid = activate_through(home, licence_server, gateway, seats=1)
    assert compile_once(tmp_path / "a", home).exit_code == ExitCode.OK
    licence_server.revoke(lid, reason="refund")

    refused = compile_once(tmp_path / "b", home)
    assert refused.exit_code == ExitCode.LICENCE
    assert "revoked (refund)" in refused.licence.detail
    assert "contact your licence administrator" in refused.licence.detail
    assert refused.modules == []  # nothing was compiled

    # the refusal is remembered: cutting the network does not bring the licence back
    gateway.cut()
    offline = compile_once(tmp_path / "c", home)
    assert offline.exit_code == ExitCode.LICENCE
    assert "refused this licence" in offline.licence.detail
    cli = run_cli("licence", "status", env={"PYVORIN_HOME": str(home)})
    assert cli.returncode == ExitCode.LICENCE and "revoked" in cli.stderr
    # nor does pointing the client at another (dead) server: the activation is bound
    elsewhere = compile_once(tmp_path / "d", home, server=dead_url())
    assert elsewhere.exit_code == ExitCode.LICENCE
    assert "is not the server this activation is bound to" in elsewhere.licence.detail
    refusals = [r for r in audit_records(home) if r["type"] == "licence"]
    assert any(r["details"].get("outcome") == "refused" for r in refusals)


def test_seat_limit_exhausted_for_a_second_machine(licence_server, home, tmp_path):
    lid, key = licence_server.issue(seats=1)
    activate_into(home, licence_server, key=key)
    other_home = tmp_path / "other-machine"
    trust_issuer(licence_server.issuer_pub, other_home)
    other = LicenceClient(other_home, fingerprint="a" * 32, env={})
    with pytest.raises(LicenceError, match=r"all 1 seat\(s\) of licence .* are in use") as info:
        other.activate(key, licence_server.url)
    assert info.value.exit_code == ExitCode.LICENCE
    assert load_state(other_home) is None
    # deactivating the first machine frees the seat
    cli = run_cli("licence", "deactivate", env={"PYVORIN_HOME": str(home)})
    assert cli.returncode == 0, cli.stderr
    assert "now uses 0 of 1 seat(s)" in cli.stdout
    assert not state_path(home).exists()
    other.activate(key, licence_server.url)
    assert licence_server.status(lid)["seats_used"] == 1
    gone = compile_once(tmp_path / "p", home)
    assert gone.exit_code == ExitCode.LICENCE and "licence activate" in gone.licence.detail


def test_tampered_lease_file_is_refused_and_refresh_repairs_it(licence_server, home, tmp_path):
    activate_into(home, licence_server, seats=1)
    path = state_path(home)
    data = json.loads(path.read_text())
    prefix, body, signature = data["lease"].split(".")
    payload = json.loads(b64d(body))
    payload["exp"] += 365 * 24 * HOUR  # try to extend the offline lifetime
    data["lease"] = f"{prefix}.{b64e(json.dumps(payload).encode())}.{signature}"
    path.write_text(json.dumps(data))

    refused = compile_once(tmp_path / "a", home)
    assert refused.exit_code == ExitCode.LICENCE
    assert "has been altered" in refused.licence.detail
    assert "pyvorin licence refresh" in refused.licence.detail

    repaired = run_cli("licence", "refresh", env={"PYVORIN_HOME": str(home)})
    assert repaired.returncode == 0, repaired.stderr
    assert compile_once(tmp_path / "b", home).exit_code == ExitCode.OK

    path.write_text("{not json")
    damaged = compile_once(tmp_path / "c", home)
    assert damaged.exit_code == ExitCode.LICENCE and "damaged" in damaged.licence.detail


def test_lease_copied_to_another_machine_is_refused(licence_server, home):
    activate_into(home, licence_server, seats=3)
    elsewhere = LicenceClient(home, fingerprint="b" * 32, env={})
    with pytest.raises(LicenceError, match="bound to another machine"):
        elsewhere.check()
    assert LicenceClient(home, env={}).fingerprint == machine_fingerprint()


def test_clock_set_back_is_detected(licence_server, home, tmp_path):
    gateway = Gateway(licence_server.url)
    activate_through(home, licence_server, gateway, seats=1)
    now = time.time()
    assert LicenceClient(home, now=lambda: now, env={}).check().allowed
    rewound = LicenceClient(home, now=lambda: now - HOUR, env={})
    with pytest.raises(LicenceError, match="the clock was set back"):
        rewound.check(online=False)
    # online, the server's clock is the judge: an hour behind it is refused too
    with pytest.raises(LicenceError, match="behind the licence server's"):
        rewound.check()
    # a small difference (under the 5-minute tolerance) is not a rewind
    assert LicenceClient(home, now=lambda: now - 60, env={}).check(online=False).allowed

    # a clock that ran ahead, then was corrected, blocks offline use until the server
    # confirms the time again with `pyvorin licence refresh`
    assert LicenceClient(home, now=lambda: now + 5 * HOUR, env={}).check().allowed
    gateway.cut()
    dead = LicenceClient(home, env={})
    with pytest.raises(LicenceError, match="the clock was set back"):
        dead.check()
    gateway.restore()
    refreshed = run_cli("licence", "refresh", env={"PYVORIN_HOME": str(home)})
    assert refreshed.returncode == 0, refreshed.stderr
    gateway.cut()
    assert dead.check().mode == "offline"


def test_clock_skew_against_the_server_is_detected(licence_server, home, tmp_path):
    _, key = licence_server.issue(seats=2)
    trust_issuer(licence_server.issuer_pub, home)
    behind = LicenceClient(home, now=lambda: time.time() - 3 * HOUR, env={})
    with pytest.raises(LicenceError, match=r"behind the licence server's"):
        behind.activate(key, licence_server.url)
    ok = LicenceClient(home, env={})
    ok.activate(key, licence_server.url)
    # offline, a clock behind the server's issue time is caught by the rewind check
    with pytest.raises(LicenceError, match="the clock was set back"):
        LicenceClient(home, now=lambda: time.time() - 3 * HOUR, env={}).check(online=False)


def test_unreachable_server_grace_then_refusal(licence_server, home, tmp_path):
    gateway = Gateway(licence_server.url)
    lid = activate_through(home, licence_server, gateway, seats=1)
    gateway.cut()
    start = time.time()

    offline = compile_once(tmp_path / "a", home)
    assert offline.exit_code == ExitCode.OK, offline.licence.detail
    assert "offline grace until" in offline.licence.detail
    assert load_state(home).pending_usage  # queued, not lost

    no_grace = compile_once(tmp_path / "b", home, **{"grace-hours": 0})
    assert no_grace.exit_code == ExitCode.LICENCE
    assert "grace period ended" in no_grace.licence.detail

    later = LicenceClient(home, now=lambda: start + 71 * HOUR, env={})
    assert later.check().mode == "offline"
    too_late = LicenceClient(home, now=lambda: start + 73 * HOUR, env={})
    with pytest.raises(LicenceError, match="offline grace period ended") as info:
        too_late.check()
    message = str(info.value)
    assert "pyvorin licence refresh" in message and "grace 72 h" in message
    # a longer configured grace never outlives the signed lease (168 h)
    generous = LicenceClient(home, grace_hours=720, now=lambda: start + 200 * HOUR, env={})
    with pytest.raises(LicenceError, match="offline grace period ended"):
        generous.check()

    # back online: the queued report is delivered once and counted
    gateway.restore()
    back = compile_once(tmp_path / "c", home)
    assert back.exit_code == ExitCode.OK, back.licence.detail
    assert load_state(home).pending_usage == []
    assert licence_server.status(lid)["usage"]["used"] == 2


class FlakyTransport(httpx.BaseTransport):
    """Fails the first ``failures`` requests with a connect timeout, then passes through."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.failures:
            raise httpx.ConnectTimeout("simulated timeout", request=request)
        return self.real.handle_request(request)


def test_network_faults_are_retried_then_fall_back_to_grace(licence_server, home):
    activate_into(home, licence_server, seats=1)
    flaky = FlakyTransport(failures=2)
    result = LicenceClient(home, transport=flaky, retries=2, env={}).check()
    assert result.mode == "online" and flaky.calls == 3
    down = FlakyTransport(failures=10)
    result = LicenceClient(home, transport=down, retries=2, env={}).check()
    assert result.mode == "offline" and down.calls == 3
    assert "ConnectTimeout" in result.message


def test_plan_limit_refuses_compiles_past_it(licence_server, home, tmp_path):
    lid, key = licence_server.issue(seats=1, monthly_compile_limit=2)
    activate_into(home, licence_server, key=key)
    assert compile_once(tmp_path / "a", home).exit_code == ExitCode.OK
    assert compile_once(tmp_path / "b", home).exit_code == ExitCode.OK
    third = compile_once(tmp_path / "c", home)
    assert third.exit_code == ExitCode.LICENCE
    assert "allows 2 compile(s) per month" in third.licence.detail
    assert licence_server.status(lid)["usage"]["used"] == 2


def test_replayed_usage_report_counts_once(licence_server, home):
    lid, key = licence_server.issue(seats=1)
    activate_into(home, licence_server, key=key)
    client = LicenceClient(home, env={})
    state = load_state(home)
    event = {"idempotency_key": "replay-0123456789", "kind": "compile", "count": 4}
    answers = [
        client._machine_request(
            "POST",
            licence_server.url,
            "/v1/usage",
            state,
            json=event,
        )
        for _ in range(3)
    ]
    assert [a["recorded"] for a in answers] == [True, False, False]
    assert {a["used"] for a in answers} == {4}
    assert licence_server.status(lid)["usage"]["used"] == 4


def test_no_licence_means_no_compile(home, tmp_path):
    result = compile_once(tmp_path / "p", home)
    assert result.exit_code == ExitCode.LICENCE
    assert "no licence is activated" in result.licence.detail
    assert "pyvorin licence activate KEY --server URL" in result.licence.detail
    cli = run_cli("licence", "status", env={"PYVORIN_HOME": str(home)})
    assert cli.returncode == ExitCode.LICENCE
    assert "Traceback" not in cli.stderr
    assert os.environ["PYVORIN_HOME"] == str(home)

"""Retention: `pyvorin-server maintenance` and the in-server schedule delete build records
after 90 days and telemetry after 12 months (configurable), expired nonces and tokens,
and seal values written before at-rest encryption."""

from __future__ import annotations

import json
import sqlite3
import time

from tests.licensing.support import LicenceServer

DAY = 86400


def seed(db, lid: str, aid: str, now: int) -> None:
    with sqlite3.connect(db) as c:
        for age_days, idem in ((400, "old-usage-000001"), (300, "recent-usage-0001")):
            c.execute(
                "INSERT INTO usage_events (licence_id, activation_id, idempotency_key, kind,"
                " count, period, created_at) VALUES (?, ?, ?, 'compile', 1, '2025-01', ?)",
                (lid, aid, idem, now - age_days * DAY),
            )
        c.execute("INSERT INTO request_nonces VALUES ('expired-nonce-000001', ?)", (now - 10,))
        c.execute("INSERT INTO request_nonces VALUES ('live-nonce-000000001', ?)", (now + 300,))
        c.execute("UPDATE licences SET licensee = 'Legacy Plaintext Ltd' WHERE id = ?", (lid,))


def counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as c:
        return {
            "usage": c.execute("SELECT count(*) FROM usage_events").fetchone()[0],
            "reports": c.execute("SELECT count(*) FROM client_reports").fetchone()[0],
            "nonces": c.execute(
                "SELECT count(*) FROM request_nonces WHERE nonce LIKE '%-nonce-%'"
            ).fetchone()[0],
        }


def test_maintenance_command_applies_the_retention_rules(tmp_path):
    from tests.server import signed

    with LicenceServer(tmp_path, env={"PYVORIN_SERVER_MAINTENANCE_INTERVAL": "0"}) as server:
        lid, key = server.issue(seats=1)
        data = signed.activate(server.url, key, "a" * 32).json()
        bearer = f"{data['activation_id']}.{data['activation_secret']}"
        report = {"kind": "verification", "detail": "mismatch in f(3)"}
        assert (
            signed.call(server.url, "POST", "/v1/reports", bearer, json=report).status_code == 200
        )
        db = server.home / "pyvorin-server.db"
        now = int(time.time())
        seed(db, lid, data["activation_id"], now)
        with sqlite3.connect(db) as c:  # one build record 91 days old, one fresh
            c.execute(
                "INSERT INTO client_reports (licence_id, activation_id, kind, detail, created_at)"
                " SELECT licence_id, activation_id, kind, detail, ? FROM client_reports",
                (now - 91 * DAY,),
            )
        before = counts(db)
        assert before == {"usage": 2, "reports": 2, "nonces": 2}
        result = server.cli("maintenance")
        done = json.loads(result.stdout)
        assert done["telemetry_events"] == 1 and done["build_records"] == 1
        assert done["request_nonces"] >= 1 and done["sealed_legacy_values"] == 1
        assert counts(db) == {"usage": 1, "reports": 1, "nonces": 1}
        with sqlite3.connect(db) as c:
            assert c.execute("SELECT licensee FROM licences").fetchone()[0].startswith("pve1.")
        assert server.status(lid)["licensee"] == "Legacy Plaintext Ltd"
        # configurable: telemetry kept 200 days deletes the 300-day-old event too
        shorter = server.cli("maintenance", check=False)  # default again: nothing more to delete
        assert json.loads(shorter.stdout)["telemetry_events"] == 0
    env = {"PYVORIN_SERVER_RETENTION_TELEMETRY_DAYS": "200"}
    server.extra_env.update(env)
    assert json.loads(server.cli("maintenance").stdout)["telemetry_events"] == 1
    server.extra_env["PYVORIN_SERVER_RETENTION_BUILD_DAYS"] = "0"
    bad = server.cli("maintenance", check=False)
    assert bad.returncode == 1 and "PYVORIN_SERVER_RETENTION_BUILD_DAYS" in bad.stderr


def test_the_server_runs_maintenance_on_its_own_schedule(tmp_path):
    with LicenceServer(tmp_path, env={"PYVORIN_SERVER_MAINTENANCE_INTERVAL": "1"}) as server:
        from tests.server import signed

        lid, key = server.issue(seats=1)
        data = signed.activate(server.url, key, "b" * 32).json()
        db = server.home / "pyvorin-server.db"
        seed(db, lid, data["activation_id"], int(time.time()))
        deadline = time.monotonic() + 30
        while counts(db)["usage"] != 1 and time.monotonic() < deadline:
            time.sleep(0.3)
        assert counts(db)["usage"] == 1  # the 400-day-old event is gone, the other stays
        assert counts(db)["nonces"] == 1

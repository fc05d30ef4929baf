"""AES-256-GCM at rest: sealed columns (the audit trail's too), tampering detected, KEK
rotation re-wraps without downtime (a real server keeps serving across `pyvorin-server
encryption rotate-kek`)."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import stat

import pytest
from sqlalchemy import create_engine, text

from pyvorin_server import atrest
from pyvorin_server.db import migrate
from tests.licensing.support import LicenceServer


@pytest.fixture
def engine(tmp_path):
    url = f"sqlite:///{tmp_path}/v.db"
    migrate(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()


def flip(sealed: str, index: int = -5) -> str:
    prefix, dek, body = sealed.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[index] ^= 0x01
    return f"{prefix}.{dek}.{base64.urlsafe_b64encode(bytes(raw)).decode()}"


def test_seal_open_and_every_kind_of_tampering(engine, tmp_path):
    vault = atrest.Vault(engine, atrest.FileKek(tmp_path / "kek")).load()
    sealed = vault.seal("Alice Example, alice@example.com", "licences.licensee")
    assert "alice" not in sealed.lower() and sealed.startswith("pve1.dek_")
    assert vault.open(sealed, "licences.licensee") == b"Alice Example, alice@example.com"
    assert vault.seal("x", "c") != vault.seal("x", "c")  # fresh nonce each time
    for bad in (flip(sealed), flip(sealed, 0), flip(sealed, 14)):
        with pytest.raises(atrest.TamperedCiphertext, match="does not authenticate"):
            vault.open(bad, "licences.licensee")
    with pytest.raises(atrest.TamperedCiphertext):  # moved to another column
        vault.open(sealed, "activations.hostname")
    prefix, dek, body = sealed.split(".")
    with pytest.raises(atrest.TamperedCiphertext, match="truncated"):
        vault.open(f"{prefix}.{dek}.{body[:20]}", "licences.licensee")
    with pytest.raises(atrest.TamperedCiphertext, match="unknown data key"):
        vault.open(f"{prefix}.dek_0000000000000000.{body}", "licences.licensee")
    with pytest.raises(atrest.TamperedCiphertext, match="not a sealed value"):
        vault.open("plain text", "licences.licensee")
    # the KEK file is private
    kek_dir = tmp_path / "kek"
    current = (kek_dir / "current").read_text().strip()
    assert stat.S_IMODE((kek_dir / f"{current}.key").stat().st_mode) == 0o600


def test_kek_rotation_rewraps_and_old_values_still_open(engine, tmp_path):
    provider = atrest.FileKek(tmp_path / "kek")
    vault = atrest.Vault(engine, provider).load()
    sealed = vault.seal("secret", "ctx")
    old_kek, _ = provider.current()
    new_kek, _ = provider.generate()
    assert vault.rewrap() and new_kek != old_kek
    with engine.connect() as connection:
        assert set(connection.execute(text("SELECT kek_id FROM data_keys")).scalars()) == {new_kek}
    provider.retire(old_kek)  # the old KEK is gone: everything still opens
    fresh = atrest.Vault(engine, atrest.FileKek(tmp_path / "kek")).load()
    assert fresh.open(sealed, "ctx") == b"secret"
    # a new data key encrypts new values; old values keep opening
    new_dek = fresh.rotate_data_key()
    assert fresh.seal("n", "ctx").split(".")[1] == new_dek
    assert fresh.open(sealed, "ctx") == b"secret"


def test_wrong_or_tampered_kek_material_is_detected(engine, tmp_path):
    atrest.Vault(engine, atrest.FileKek(tmp_path / "kek")).load()
    other = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(atrest.AtRestError, match="is not in PYVORIN_SERVER_KEK"):
        atrest.Vault(engine, atrest.EnvKek({"PYVORIN_SERVER_KEK": other})).load()
    with engine.begin() as connection:
        wrapped = connection.execute(
            text("SELECT wrapped FROM data_keys WHERE id LIKE 'dek_%'")
        ).scalar_one()
        raw = bytearray(base64.b64decode(wrapped))
        raw[3] ^= 0xFF
        connection.execute(
            text("UPDATE data_keys SET wrapped = :w"), {"w": base64.b64encode(bytes(raw)).decode()}
        )
    with pytest.raises(atrest.TamperedCiphertext, match="wrapping does not authenticate"):
        atrest.Vault(engine, atrest.FileKek(tmp_path / "kek")).load()
    with pytest.raises(atrest.AtRestError, match="PYVORIN_SERVER_KEK: not valid base64"):
        atrest.EnvKek({"PYVORIN_SERVER_KEK": "%%%"})
    with pytest.raises(atrest.AtRestError, match="expected a 32-byte key"):
        atrest.EnvKek({"PYVORIN_SERVER_KEK": base64.b64encode(b"short").decode()})
    with pytest.raises(atrest.AtRestError, match="no provider named 'kms-x'"):
        atrest.provider_from(
            type("C", (), {"home": tmp_path})(), {"PYVORIN_SERVER_KEK_PROVIDER": "kms-x"}
        )


def test_server_stores_personal_data_sealed_and_survives_kek_rotation(tmp_path):
    with LicenceServer(tmp_path) as server:
        lid, key = server.issue(licensee="Zebulon Quux Personal Name", seats=2)
        from tests.server import signed

        assert signed.activate(server.url, key, "f" * 32, hostname="zq-laptop").status_code == 201
        db = server.home / "pyvorin-server.db"
        with sqlite3.connect(db) as connection:
            licensee = connection.execute("SELECT licensee FROM licences").fetchone()[0]
            hostname, request_key = connection.execute(
                "SELECT hostname, request_key FROM activations"
            ).fetchone()
        for value in (licensee, hostname, request_key):
            assert value.startswith("pve1.")
        with sqlite3.connect(db) as connection:  # nothing of them in clear in these tables
            dump = "\n".join(
                line
                for line in connection.iterdump()
                if line.startswith(('INSERT INTO "licences"', 'INSERT INTO "activations"'))
            )
            # the audit trail's "licence.issued" event names the licence and the licensee
            audit = "\n".join(
                line
                for line in connection.iterdump()
                if line.startswith('INSERT INTO "audit_events"')
            )
            subject, after = connection.execute(
                "SELECT subject, after FROM audit_events WHERE action = 'licence.issued'"
            ).fetchone()
        assert "Zebulon" not in dump and "zq-laptop" not in dump and dump
        assert "Zebulon" not in audit and lid not in audit and "licence.issued" in audit
        assert subject.startswith("pve1.") and after.startswith("pve1.")
        # rotate the KEK while the server runs: no downtime, everything still reads
        rotated = server.cli("encryption", "rotate-kek")
        assert "re-wrapped 1 data key(s) and the blind-index key" in rotated.stdout, rotated.stderr
        report = json.loads(server.cli("encryption", "status").stdout)
        new_kek = rotated.stdout.split()[2].rstrip(";")
        assert report["blind_index_key"] == {"id": atrest.INDEX_KEY_ID, "kek_id": new_kek}
        assert [k["kek_id"] for k in report["data_keys"]] == [new_kek]
        status = server.status(lid)
        assert status["licensee"] == "Zebulon Quux Personal Name"
        assert status["activations"][0]["hostname"] == "zq-laptop"
        lid2, _ = server.issue(licensee="After Rotation")
        assert server.status(lid2)["licensee"] == "After Rotation"
        # a tampered sealed value is refused, not served
        tampered = flip(licensee)
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE licences SET licensee = ? WHERE id = ?", (tampered, lid))
        response = server.admin("GET", f"/v1/licences/{lid}")
        assert response.status_code == 500
        assert response.json()["error"] == "stored_data_integrity"
        assert "Zebulon" not in response.text


def test_env_kek_rotates_through_kek_previous(engine, tmp_path):
    config = type("C", (), {"home": tmp_path})()
    first, second = (base64.b64encode(os.urandom(32)).decode() for _ in range(2))
    provider = atrest.provider_from(config, {"PYVORIN_SERVER_KEK": first})
    assert provider.name == "env"  # chosen when PYVORIN_SERVER_KEK is set
    sealed = atrest.Vault(engine, provider).load().seal("env secret", "ctx")
    with pytest.raises(atrest.AtRestError, match="is not in PYVORIN_SERVER_KEK"):
        atrest.Vault(engine, atrest.EnvKek({"PYVORIN_SERVER_KEK": second})).load()
    rotating = {"PYVORIN_SERVER_KEK": second, "PYVORIN_SERVER_KEK_PREVIOUS": first}
    assert atrest.Vault(engine, atrest.provider_from(config, rotating)).load().rewrap()
    # re-wrapped: the old KEK can leave the environment and everything still opens
    after = atrest.Vault(engine, atrest.EnvKek({"PYVORIN_SERVER_KEK": second})).load()
    assert after.open(sealed, "ctx") == b"env secret"
    assert not (tmp_path / "kek").exists()  # no KEK file was written


def test_a_kms_plugin_provides_the_kek_through_the_hook(tmp_path):
    from pyvorin_server.hooks import hookimpl, plugin_manager

    class Kms:
        """A stand-in for a KMS: keys it holds, asked for by id."""

        name = "test-kms"

        def __init__(self) -> None:
            self.keys = {"kms_1": os.urandom(32)}
            self.current_id = "kms_1"
            self.asked: list[str] = []

        def current(self):
            return self.current_id, self.keys[self.current_id]

        def get(self, kid):
            self.asked.append(kid)
            return self.keys[kid]

    kms = Kms()

    class Plugin:
        @hookimpl
        def pyvorin_server_kek_provider(self, name, config):
            return kms if name == "test-kms" else None

    url = f"sqlite:///{tmp_path}/kms.db"
    migrate(url)
    engine = create_engine(url)
    config = type("C", (), {"home": tmp_path})()
    chosen = {"PYVORIN_SERVER_KEK_PROVIDER": "test-kms"}
    plugin = Plugin()
    plugin_manager().register(plugin)
    try:
        assert atrest.provider_from(config, chosen) is kms
        sealed = atrest.Vault(engine, atrest.provider_from(config, chosen)).load().seal("v", "c")
        with engine.connect() as connection:
            keks = set(connection.execute(text("SELECT kek_id FROM data_keys")).scalars())
        assert keks == {"kms_1"}  # the data keys are wrapped by the KMS's key
        kms.asked.clear()
        assert atrest.Vault(engine, kms).load().open(sealed, "c") == b"v"
        assert kms.asked and set(kms.asked) == {"kms_1"}  # unwrapped by asking the KMS
        kms.keys["kms_2"], kms.current_id = os.urandom(32), "kms_2"  # rotation in the KMS
        assert atrest.Vault(engine, kms).load().rewrap()
        del kms.keys["kms_1"]
        assert atrest.Vault(engine, kms).load().open(sealed, "c") == b"v"
    finally:
        plugin_manager().unregister(plugin)
        engine.dispose()
    with pytest.raises(atrest.AtRestError, match="no provider named 'test-kms'"):
        atrest.provider_from(config, chosen)

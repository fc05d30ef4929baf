"""Production and development issuers (issue 13, finding 2): a user cannot license
themselves for a release.

Production issuers come from the distribution (the package's ``issuers/`` directory) or
the administrator's root-owned ``/etc/pyvorin/issuers``; every key a user can add (the
user's store, ``PYVORIN_LICENCE_ISSUER_KEYS``) is a development issuer, whose licences
build development artifacts only (``licence.mode: development``, refused by ``--release``).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pyvorin.config import KEYS
from pyvorin.errors import LicenceError
from pyvorin.exitcodes import ExitCode
from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.state import LicenceState, load_state, machine_fingerprint, save_state
from pyvorin.licensing.tokens import KEY_PREFIX, LEASE_PREFIX, key_id, public_pem, sign_token
from pyvorin.licensing.trust import (
    DEVELOPMENT,
    ENV,
    PRODUCTION,
    admin_owned_problem,
    package_issuers_dir,
    trust_issuer,
    trusted_issuers,
)
from tests.helpers import REPO, run_cli
from tests.licensing.support import free_port

SOURCE = "def f(x: int) -> int:\n    return x + 1\n"


def _pub(tmp_path: Path, key: Ed25519PrivateKey, name: str = "issuer.pub") -> Path:
    path = tmp_path / name
    path.write_bytes(public_pem(key.public_key()))
    return path


def _forged_state(home: Path, key: Ed25519PrivateKey, server: str) -> str:
    """A licence state whose key and lease a user signed with their own issuer key."""
    now = int(time.time())
    kid = key_id(key.public_key())
    lid, aid = "lic_5e1f0000000000aa", "act_5e1f00000000000000aa"
    licence = {"lid": lid, "licensee": "me", "plan": "enterprise", "features": [], "seats": 99}
    licence_key = sign_token(
        KEY_PREFIX, {**licence, "iat": now, "exp": now + 365 * 86400, "kid": kid}, key
    )
    lease = sign_token(
        LEASE_PREFIX,
        {
            "lid": lid,
            "aid": aid,
            "fp": machine_fingerprint(),
            "plan": "enterprise",
            "features": [],
            "iat": now,
            "exp": now + 7 * 86400,
            "lexp": now + 365 * 86400,
            "kid": kid,
            # the forger signs a server binding and an offline quota too
            "srv": server,
            "qid": "q_forged",
            "qn": 1000,
            "qexp": now + 7 * 86400,
        },
        key,
    )
    save_state(
        LicenceState(server, aid, "secret", lease, licence_key, now, now),
        home,
    )
    return lid


# -- where each kind of issuer comes from ---------------------------------------------------
def test_keys_a_user_adds_are_development_issuers(tmp_path: Path, pyvorin_home: Path) -> None:
    stored, from_env = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    trust_issuer(_pub(tmp_path, stored, "a.pub"), pyvorin_home)
    issuers = trusted_issuers(pyvorin_home, {ENV: str(_pub(tmp_path, from_env, "b.pub"))})
    assert issuers[key_id(stored.public_key())].mode == DEVELOPMENT
    assert "trust store" in issuers[key_id(stored.public_key())].origin
    assert issuers[key_id(from_env.public_key())].mode == DEVELOPMENT
    assert ENV in issuers[key_id(from_env.public_key())].origin


def test_shipped_keys_are_production_and_a_user_copy_changes_nothing(
    tmp_path: Path, pyvorin_home: Path
) -> None:
    vendor = Ed25519PrivateKey.generate()
    shipped = tmp_path / "issuers"
    shipped.mkdir()
    _pub(shipped, vendor, "vendor-2026.pub")
    (shipped / "README.md").write_text("not a key")
    trust_issuer(_pub(tmp_path, vendor), pyvorin_home)  # the user trusts it too
    pub = _pub(tmp_path, vendor, "again.pub")
    issuers = trusted_issuers(pyvorin_home, {ENV: str(pub)}, package_dir=shipped)
    kid = key_id(vendor.public_key())
    assert issuers[kid].mode == PRODUCTION
    assert issuers[kid].origin == f"the distribution: {shipped / 'vendor-2026.pub'}"
    assert package_issuers_dir() == Path(REPO / "core/src/pyvorin/licensing/issuers").resolve()


def test_no_user_level_setting_names_a_production_issuer() -> None:
    """There is no configuration key or variable for issuers or the licence mode."""
    assert not [k for k in KEYS if "issuer" in k or "mode" in k]
    assert not [k.env for k in KEYS.values() if k.env and ("ISSUER" in k.env or "MODE" in k.env)]


# -- the administrator's directory: root's alone, or ignored ---------------------------------
def _admin_parent() -> Path | None:
    for candidate in (Path("/run"), Path("/var/lib"), Path("/root"), REPO):
        if candidate.is_dir() and admin_owned_problem(candidate) is None:
            return candidate
    return None


@pytest.fixture
def admin_dir():
    """A directory only root controls (root-owned, 0755 up to /), removed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("only root can make a directory that only root controls")
    parent = _admin_parent()
    if parent is None:
        pytest.skip("no directory on this machine is root's alone up to /")
    directory = Path(tempfile.mkdtemp(prefix="pyvorin-test-issuers-", dir=parent))
    os.chmod(directory, 0o755)
    try:
        yield directory
    finally:
        shutil.rmtree(directory)


def test_a_root_owned_system_directory_holds_production_issuers(
    admin_dir: Path, tmp_path: Path, pyvorin_home: Path, capsys
) -> None:
    good, linked, loose = (Ed25519PrivateKey.generate() for _ in range(3))
    _pub(admin_dir, good, "vendor.pem")
    (admin_dir / "linked.pem").symlink_to(_pub(tmp_path, linked, "outside.pem"))
    os.chmod(_pub(admin_dir, loose, "loose.pem"), 0o666)
    issuers = trusted_issuers(pyvorin_home, {}, system_dir=admin_dir)
    assert issuers[key_id(good.public_key())].mode == PRODUCTION
    assert "administrator" in issuers[key_id(good.public_key())].origin
    assert key_id(linked.public_key()) not in issuers  # a symbolic link is not followed
    assert key_id(loose.public_key()) not in issuers  # writable by others: ignored
    err = capsys.readouterr().err
    assert f"{admin_dir / 'linked.pem'}: production issuer key ignored" in err
    assert "writable by group or others" in err


def test_a_system_directory_a_user_controls_is_ignored_with_a_warning(
    tmp_path: Path, pyvorin_home: Path, capsys
) -> None:
    key = Ed25519PrivateKey.generate()
    kid = key_id(key.public_key())
    users = tmp_path / "users-issuers"
    users.mkdir()
    _pub(users, key, "k.pem")
    if os.geteuid() == 0:
        os.chown(users, 65534, 65534)  # owned by someone else than root
    issuers = trusted_issuers(pyvorin_home, {}, system_dir=users)
    assert kid not in issuers
    err = capsys.readouterr().err
    assert f"{users}: production issuer keys ignored: {users} is owned by uid" in err
    assert "not root" in err

    if os.geteuid() == 0:
        os.chown(users, 0, 0)  # root's directory, but under a world-writable /tmp
        issuers = trusted_issuers(pyvorin_home, {}, system_dir=users)
        assert kid not in issuers
        assert "is writable by group or others" in capsys.readouterr().err

    link = tmp_path / "linked-issuers"
    link.symlink_to(users, target_is_directory=True)
    assert kid not in trusted_issuers(pyvorin_home, {}, system_dir=link)
    assert f"{link} is a symbolic link" in capsys.readouterr().err

    # a missing directory is simply no source (no warning)
    assert kid not in trusted_issuers(pyvorin_home, {}, system_dir=tmp_path / "none")
    assert capsys.readouterr().err == ""


def test_a_symlink_in_the_directory_chain_is_refused(admin_dir: Path) -> None:
    real = admin_dir / "real"
    (real / "issuers").mkdir(parents=True)
    (admin_dir / "alias").symlink_to(real, target_is_directory=True)
    assert admin_owned_problem(real / "issuers") is None
    problem = admin_owned_problem(admin_dir / "alias" / "issuers")
    assert problem == f"{admin_dir / 'alias'} is a symbolic link"


# -- forgeries: a self-made issuer licenses development only ---------------------------------
def test_a_lease_forged_with_a_self_made_key_cannot_build_a_release(
    tmp_path: Path, pyvorin_home: Path
) -> None:
    own = Ed25519PrivateKey.generate()
    kid = key_id(own.public_key())
    pub = _pub(tmp_path, own)
    assert run_cli("licence", "trust-issuer", str(pub)).returncode == 0
    # a state naming a licence server that does not answer: the offline grace applies
    lid = _forged_state(pyvorin_home, own, f"http://127.0.0.1:{free_port()}")
    (tmp_path / "m.py").write_text(SOURCE)

    built = run_cli("compile", "m.py", "-o", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    manifest = json.loads((tmp_path / "out" / "m.pyvorin.json").read_text())
    assert manifest["licence_id"] == lid
    ticket = manifest["licence"].pop("ticket")
    assert manifest["licence"] == {"mode": "development", "issuer": kid}
    # an offline ticket on the forged quota: its issuer is the forger's development key
    assert ticket["kind"] == "offline" and ticket["slot"] == 0

    # every user-level way of vouching for the key again: still development
    env = {ENV: str(pub), "PYVORIN_RELEASE": "1"}
    released = run_cli("compile", "m.py", "-o", "rel", cwd=tmp_path, env=env)
    assert released.returncode == ExitCode.LICENCE, released.stderr
    assert "--release refuses a development licence" in released.stderr
    assert f"issuer key {kid} is a development issuer" in released.stderr
    assert not (tmp_path / "rel").exists()

    (pyvorin_home / "config.toml").write_text('[licence]\nissuers = ["x"]\n')
    user_config = run_cli("compile", "m.py", "-o", "rel", "--release", cwd=tmp_path)
    assert user_config.returncode == ExitCode.USAGE and "unknown key" in user_config.stderr
    (pyvorin_home / "config.toml").unlink()
    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin.licence]\nmode = "production"\n')
    project = run_cli("compile", "m.py", "-o", "rel", "--release", cwd=tmp_path)
    assert project.returncode == ExitCode.USAGE and "unknown key" in project.stderr
    assert not (tmp_path / "rel").exists()


def test_a_production_lease_without_its_server_is_refused(production_licence: Path) -> None:
    """Editing the state to name no server (as a development licence does) does not let a
    production lease skip the server's confirmation."""
    client = LicenceClient(production_licence, env={})
    assert client.check().licence_mode == PRODUCTION
    state = load_state(production_licence)
    state.server = ""
    save_state(state, production_licence)
    with pytest.raises(LicenceError, match=r"production issuer .* names no licence server"):
        client.check()


# -- a production licence builds a release, and says so --------------------------------------
def test_a_production_licence_builds_a_release_marked_production(
    tmp_path: Path, production_licence: Path
) -> None:
    from cryptography.hazmat.primitives import serialization

    from pyvorin.audit import AuditLog

    signing = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "m.py").write_text(SOURCE)
    env = {"PYVORIN_SIGNING_KEY": signing.decode()}
    built = run_cli("compile", "m.py", "-o", "out", "--release", cwd=tmp_path, env=env)
    assert built.returncode == 0, built.stderr
    manifest = json.loads((tmp_path / "out" / "m.pyvorin.json").read_text())
    assert manifest["licence"]["mode"] == "production"
    assert manifest["build"]["release"] is True
    verified = run_cli(
        "signature", "verify", "out", cwd=tmp_path, env={"PYVORIN_REQUIRE_TRUSTED": "0"}
    )
    assert verified.returncode == 0, verified.stderr
    assert f"production licence from issuer {manifest['licence']['issuer']}" in verified.stdout
    checked = [
        r["details"]
        for r in AuditLog().records()
        if r["type"] == "licence" and r["details"].get("outcome") == "checked"
    ]
    assert checked and checked[-1]["licence_mode"] == "production"

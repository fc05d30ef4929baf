"""Keys: generation (0600), selection, passphrases, rotation, revocation, trust, strict mode."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import pyvorin_runtime
from pyvorin import keys as keymod
from pyvorin.artifacts import manifest_path
from pyvorin.audit import AuditLog
from pyvorin.errors import SignatureError
from pyvorin.signing import VerificationKeys, check_path, verify_path

from ..helpers import run_cli
from .conftest import run_python


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli_ok(*args: str, env: dict | None = None):
    proc = run_cli(*args, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc


def _set_key_id(project: Path, key_id: str) -> None:
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\n\n[tool.pyvorin.signing]\nkey-id = "{key_id}"\n'
    )


def _signers(out: Path, name: str) -> list[tuple[str, str]]:
    manifest = json.loads(manifest_path(out, name).read_text())
    return [(s["alg"], s["key_id"]) for s in manifest["signatures"]]


def _import(out: Path, module: str, env: dict | None = None):
    return run_python(f"import {module} as m; print(m.answer())", out, env)


def test_generated_key_files_are_private(pyvorin_home: Path, tmp_path: Path) -> None:
    _cli_ok("keys", "generate", "--type", "ed25519", "--id", "release-2026")
    _cli_ok("keys", "generate", "--type", "hmac", "--id", "mac-1")
    _cli_ok(
        "keys", "generate", "--id", "enc", "--passphrase-env", "PW", env={"PW": "correct horse"}
    )
    out_file = tmp_path / "ci-key.pem"
    _cli_ok("keys", "generate", "--output", str(out_file))
    keys_dir = pyvorin_home / "keys"
    assert _mode(keys_dir) == 0o700
    for name in ("release-2026.ed25519.pem", "mac-1.hmac", "enc.ed25519.pem", "keyring.json"):
        assert _mode(keys_dir / name) == 0o600, name
    assert _mode(out_file) == 0o600
    assert b"ENCRYPTED PRIVATE KEY" in (keys_dir / "enc.ed25519.pem").read_bytes()
    assert b"BEGIN PUBLIC KEY" in Path(str(out_file) + ".pub").read_bytes()
    assert len(bytes.fromhex((keys_dir / "mac-1.hmac").read_text())) == 32
    listing = _cli_ok("keys", "list", "--format", "json").stdout
    rows = {row["id"]: row for row in json.loads(listing)}
    assert rows["release-2026"]["status"] == "active"
    assert rows["mac-1"]["type"] == "hmac" and rows["mac-1"]["status"] == "active"
    assert rows["enc"]["status"] == "inactive"
    assert rows["release-2026"]["fingerprint"].startswith("sha256:")
    # Secrets never appear in the audit log.
    audit = (pyvorin_home / "audit" / "audit.jsonl").read_text()
    assert (keys_dir / "mac-1.hmac").read_text().strip() not in audit
    assert "correct horse" not in audit


def test_invalid_key_id_is_a_usage_error() -> None:
    proc = run_cli("keys", "generate", "--id", "../../etc/evil")
    assert proc.returncode == 2
    assert "key id '../../etc/evil' is not valid" in proc.stderr


def test_first_build_creates_a_local_key_once_and_says_so(tmp_path, sign_module) -> None:
    messages: list[str] = []
    sign_module("pkg.mod", tmp_path / "out", progress=messages.append)
    sign_module("pkg.other", tmp_path / "out", progress=messages.append)
    created = [m for m in messages if "created a per-installation signing key" in m]
    assert len(created) == 1
    rows = keymod.list_keys()
    assert [(r["status"], r["origin"]) for r in rows] == [("active", "local")]
    local_id = rows[0]["id"]
    assert _signers(tmp_path / "out", "pkg.mod") == [("ed25519", local_id)]
    # Its public key is in the local trust store: strict mode accepts the artifacts.
    assert keymod.TrustStore.load().lookup(local_id)
    strict = check_path(tmp_path / "out", keymod_strict())
    assert [r.ok for r in strict] == [True, True]


def keymod_strict():
    from pyvorin.signing import VerificationKeys

    return VerificationKeys(strict=True)


def test_release_build_refuses_the_local_key(tmp_path, sign_module) -> None:
    with pytest.raises(SignatureError, match="needs a configured signing key"):
        sign_module("pkg.mod", tmp_path / "out", release=True)
    assert keymod.list_keys() == []  # no local key created for a release build
    sign_module("pkg.mod", tmp_path / "out")  # a local build creates it
    with pytest.raises(SignatureError, match="refuses to sign with the per-installation key"):
        sign_module("pkg.mod", tmp_path / "out2", release=True)


def test_release_build_with_a_configured_key(tmp_path, project, sign_module) -> None:
    _cli_ok("keys", "generate", "--id", "release-2026")
    _set_key_id(project, "release-2026")
    sign_module("pkg.mod", tmp_path / "out", release=True)
    assert _signers(tmp_path / "out", "pkg.mod") == [("ed25519", "release-2026")]


def test_configured_key_id_unknown_is_refused(tmp_path, project, sign_module) -> None:
    _set_key_id(project, "missing-key")
    with pytest.raises(SignatureError, match=r"signing key 'missing-key' .* is not in the keyring"):
        sign_module("pkg.mod", tmp_path / "out")


def test_passphrase_protected_key(tmp_path, project, sign_module, monkeypatch) -> None:
    _cli_ok("keys", "generate", "--id", "enc", "--passphrase-env", "PW", env={"PW": "s3cret!"})
    _set_key_id(project, "enc")
    with pytest.raises(SignatureError, match="is encrypted; set PYVORIN_SIGNING_KEY_PASSPHRASE"):
        sign_module("pkg.mod", tmp_path / "out")
    monkeypatch.setenv("PYVORIN_SIGNING_KEY_PASSPHRASE", "wrong")
    with pytest.raises(SignatureError, match="wrong passphrase") as info:
        sign_module("pkg.mod", tmp_path / "out")
    assert "enc.ed25519.pem" in str(info.value)
    assert "wrong" not in str(info.value).replace("wrong passphrase", "")
    monkeypatch.setenv("PYVORIN_SIGNING_KEY_PASSPHRASE", "s3cret!")
    sign_module("pkg.mod", tmp_path / "out")
    assert _signers(tmp_path / "out", "pkg.mod") == [("ed25519", "enc")]


def test_corrupt_key_files_are_refused(tmp_path, pyvorin_home, project, sign_module, monkeypatch):
    _cli_ok("keys", "generate", "--id", "k1")
    key_file = pyvorin_home / "keys" / "k1.ed25519.pem"
    text = key_file.read_text().splitlines()
    text[1] = "A" * len(text[1])  # damage the base64 body
    key_file.write_text("\n".join(text) + "\n")
    with pytest.raises(SignatureError, match=r"k1\.ed25519\.pem: the private key is corrupt"):
        sign_module("pkg.mod", tmp_path / "out")
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(os.urandom(200))
    monkeypatch.setenv("PYVORIN_SIGNING_KEY", str(garbage))
    with pytest.raises(SignatureError, match=r"garbage\.pem .*not a PEM private key"):
        sign_module("pkg.mod", tmp_path / "out")


def test_replaced_keyring_key_is_refused(tmp_path, pyvorin_home, sign_module) -> None:
    _cli_ok("keys", "generate", "--id", "k1")
    other = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (pyvorin_home / "keys" / "k1.ed25519.pem").write_bytes(other)
    with pytest.raises(SignatureError, match="does not match the fingerprint recorded"):
        sign_module("pkg.mod", tmp_path / "out")


@pytest.mark.parametrize(
    "value", [bytes(range(31)).hex(), "c2hvcnQga2V5IG9mIDE2Yg=="], ids=["hex-31", "base64-16"]
)
def test_short_hmac_key_is_refused(tmp_path, sign_module, monkeypatch, value) -> None:
    monkeypatch.setenv("PYVORIN_HMAC_KEY", value)
    with pytest.raises(
        SignatureError,
        match=r"PYVORIN_HMAC_KEY: the HMAC key is \d+ bytes; at "
        r"least 32 bytes",
    ):
        sign_module("pkg.mod", tmp_path / "out")


def test_hmac_second_signature(tmp_path, sign_module, monkeypatch) -> None:
    secret = os.urandom(32)
    monkeypatch.setenv("PYVORIN_HMAC_KEY", secret.hex())
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    (out / "pkg" / "__init__.py").write_text("")
    algs = [alg for alg, _ in _signers(out, "pkg.mod")]
    assert algs == ["ed25519", "hmac-sha256"]
    assert verify_path(out) == []
    # base64 of the same secret, or a file holding it, is the same key (same id).
    import base64

    monkeypatch.setenv("PYVORIN_HMAC_KEY", base64.b64encode(secret).decode())
    assert verify_path(out) == []
    secret_file = tmp_path / "hmac.key"
    secret_file.write_text(secret.hex() + "\n")
    monkeypatch.setenv("PYVORIN_HMAC_KEY", str(secret_file))
    assert verify_path(out) == []
    # Where the secret is absent the Ed25519 signature still verifies; the HMAC one is
    # reported as unchecked.
    monkeypatch.delenv("PYVORIN_HMAC_KEY")
    [result] = check_path(out)
    assert result.ok and result.unchecked == [_signers(out, "pkg.mod")[1][1]]
    # An altered MAC is refused where the secret is present.
    monkeypatch.setenv("PYVORIN_HMAC_KEY", secret.hex())
    path = manifest_path(out, "pkg.mod")
    manifest = json.loads(path.read_text())
    mac = base64.b64decode(manifest["signatures"][1]["sig"])
    manifest["signatures"][1]["sig"] = base64.b64encode(bytes([mac[0] ^ 1]) + mac[1:]).decode()
    path.write_text(json.dumps(manifest))
    [failure] = verify_path(out)
    assert "HMAC-SHA256 signature by key" in failure.reason
    assert "does not verify" in failure.reason
    proc = _import(out, "pkg.mod", {"PYVORIN_HMAC_KEY": secret.hex()})
    assert proc.returncode == 1 and "HMAC-SHA256 signature by key" in proc.stderr


def test_unknown_key_id_is_refused(tmp_path, sign_module, monkeypatch) -> None:
    secret = os.urandom(32)
    monkeypatch.setenv("PYVORIN_HMAC_KEY", secret.hex())
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    (out / "pkg" / "__init__.py").write_text("")
    path = manifest_path(out, "pkg.mod")
    manifest = json.loads(path.read_text())
    # Only the HMAC signature left, checked where no such HMAC key exists.
    manifest["signatures"] = manifest["signatures"][1:]
    hmac_id = manifest["signatures"][0]["key_id"]
    path.write_text(json.dumps(manifest))
    monkeypatch.delenv("PYVORIN_HMAC_KEY")
    [failure] = verify_path(out)
    assert failure.reason.startswith(f"unknown key id {hmac_id!r}: no HMAC key with that id")
    proc = _import(out, "pkg.mod")
    assert proc.returncode == 1 and f"unknown key id {hmac_id!r}" in proc.stderr
    # An Ed25519 signature naming a key id that is nowhere, without a public key.
    sign_module("pkg.mod", out)
    manifest = json.loads(path.read_text())
    manifest["signatures"][0]["key_id"] = "nobody"
    del manifest["signatures"][0]["public_key"]
    path.write_text(json.dumps(manifest))
    [failure] = verify_path(out)
    assert failure.reason.startswith("unknown key id 'nobody': not in the trust store")


def _foreign_key(tmp_path: Path) -> tuple[Path, Path]:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key_file = tmp_path / "ci.pem"
    key_file.write_bytes(pem)
    raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    pub = tmp_path / "ci.pub"
    pub.write_text(keymod.public_file_text("ci-2026", raw))
    return key_file, pub


def test_untrusted_key_in_strict_mode(tmp_path, project, sign_module, monkeypatch) -> None:
    key_file, pub = _foreign_key(tmp_path)
    _set_key_id(project, "ci-2026")
    monkeypatch.setenv("PYVORIN_SIGNING_KEY", str(key_file))
    out = tmp_path / "out"
    sign_module("pkg.mod", out)  # signed by a key outside the trust store
    (out / "pkg" / "__init__.py").write_text("")
    monkeypatch.delenv("PYVORIN_SIGNING_KEY")
    # Strict by default: refused at import and by `signature verify`, with the key id and
    # the exact command that trusts it.
    [refused] = check_path(out)
    assert not refused.ok
    assert "signed by key 'ci-2026' (sha256:" in refused.reason
    proc = _import(out, "pkg.mod")
    assert proc.returncode == 1
    assert "key 'ci-2026'" in proc.stderr and "which this machine does not trust" in proc.stderr
    command = re.search(r"pyvorin keys trust --from-manifest \S+ --fingerprint \S+", proc.stderr)
    assert command is not None, proc.stderr
    cli = run_cli("signature", "verify", str(out))
    assert cli.returncode == 5 and "does not trust" in cli.stderr

    # The opt-out works, loudly and audited.
    opt_out = {"PYVORIN_REQUIRE_TRUSTED": "0"}
    proc = _import(out, "pkg.mod", opt_out)
    assert proc.returncode == 0 and proc.stdout.strip() == "compiled mod", proc.stderr
    assert "WARNING" in proc.stderr and "PYVORIN_REQUIRE_TRUSTED=0" in proc.stderr
    events = [r["details"].get("event") for r in AuditLog().records()]
    assert "untrusted-signature-accepted" in events
    [ok] = check_path(out, VerificationKeys(strict=False))
    assert ok.ok and ok.untrusted == ["ci-2026"]
    assert "NOT in the trust store: ci-2026" in ok.line()

    strict = {"PYVORIN_REQUIRE_TRUSTED": "1"}
    # The printed command, run as printed, trusts exactly that key (a wrong fingerprint
    # trusts nothing).
    wrong = command.group(0).rsplit(" ", 1)[0] + " sha256:" + "00" * 32
    assert run_cli(*wrong.split()[1:]).returncode == 5
    assert _import(out, "pkg.mod", strict).returncode == 1
    _cli_ok(*command.group(0).split()[1:])
    assert _import(out, "pkg.mod", strict).returncode == 0
    for path in (Path(os.environ["PYVORIN_HOME"]) / "trust").glob("ci-2026.pub"):
        path.unlink()  # forget it again for the other routes below
    assert _import(out, "pkg.mod", strict).returncode == 1

    # Trusted through PYVORIN_TRUSTED_KEYS (a directory) ...
    proc = _import(out, "pkg.mod", {**strict, "PYVORIN_TRUSTED_KEYS": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    # ... or through the trust store.
    _cli_ok("keys", "trust", str(pub))
    assert _import(out, "pkg.mod", strict).returncode == 0
    rows = {r["id"]: r for r in keymod.list_keys()}
    assert rows["ci-2026"]["status"] == "trusted" and rows["ci-2026"]["private"] is False
    assert run_cli("signature", "verify", str(out), env=strict).returncode == 0


def test_claiming_a_trusted_key_id_with_another_key_is_refused(
    tmp_path, project, sign_module, monkeypatch
) -> None:
    _cli_ok("keys", "generate", "--id", "release-2026")
    key_file, _ = _foreign_key(tmp_path)
    _set_key_id(project, "release-2026")  # the attacker claims the trusted id
    monkeypatch.setenv("PYVORIN_SIGNING_KEY", str(key_file))
    with pytest.raises(SignatureError, match="carries a different public key"):
        sign_module("pkg.mod", tmp_path / "out")  # caught by verify-before-distribution


def test_rotation_keeps_old_artifacts_valid(tmp_path, sign_module) -> None:
    _cli_ok("keys", "generate", "--id", "k1")
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    rotated = _cli_ok("keys", "rotate", "--id", "k2").stdout
    assert "previous key k1 is now 'rotated'" in rotated
    sign_module("pkg.other", out)
    (out / "pkg" / "__init__.py").write_text("")
    assert _signers(out, "pkg.mod") == [("ed25519", "k1")]
    assert _signers(out, "pkg.other") == [("ed25519", "k2")]
    statuses = {r["id"]: r["status"] for r in keymod.list_keys()}
    assert statuses == {"k1": "rotated", "k2": "active"}
    strict = {"PYVORIN_REQUIRE_TRUSTED": "1"}
    proc = run_python(
        "import pkg.mod, pkg.other; print(pkg.mod.answer(), pkg.other.answer())", out, strict
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "compiled mod compiled other"
    listing = _cli_ok("keys", "list").stdout
    assert any(line.split()[:3] == ["k1", "ed25519", "rotated"] for line in listing.splitlines())


def test_revoked_key_is_refused_everywhere(tmp_path, project, sign_module) -> None:
    _cli_ok("keys", "generate", "--id", "k1")
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    (out / "pkg" / "__init__.py").write_text("")
    _cli_ok("keys", "rotate", "--id", "k2")
    _cli_ok("keys", "revoke", "k1")
    proc = _import(out, "pkg.mod")
    assert proc.returncode == 1 and "key 'k1' is revoked" in proc.stderr
    cli = run_cli("signature", "verify", str(out))
    assert cli.returncode == 5 and "key 'k1' is revoked" in cli.stderr
    _set_key_id(project, "k1")
    with pytest.raises(SignatureError, match=r"'k1' .* is revoked"):
        sign_module("pkg.other", out)
    statuses = {r["id"]: r["status"] for r in keymod.list_keys()}
    assert statuses["k1"] == "revoked"


def test_revoked_fingerprint_cannot_return_under_another_id(tmp_path, sign_module) -> None:
    _cli_ok("keys", "generate", "--id", "k1")
    exported = _cli_ok("keys", "export-public", "k1").stdout
    _cli_ok("keys", "revoke", "k1")
    renamed = tmp_path / "renamed.pub"
    renamed.write_text(exported.replace("key-id: k1", "key-id: innocent"))
    proc = run_cli("keys", "trust", str(renamed))
    assert proc.returncode == 5 and "is revoked" in proc.stderr


def test_export_public_and_trust_on_another_installation(tmp_path, sign_module) -> None:
    _cli_ok("keys", "generate", "--id", "release-2026")
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    pub = tmp_path / "release.pub"
    _cli_ok("keys", "export-public", "--output", str(pub))
    other_home = tmp_path / "other-home"
    env = {"PYVORIN_HOME": str(other_home), "PYVORIN_REQUIRE_TRUSTED": "1"}
    assert run_cli("signature", "verify", str(out), env=env).returncode == 5
    trusted = run_cli("keys", "trust", str(pub), env=env)
    assert trusted.returncode == 0 and "trusted key release-2026" in trusted.stdout
    assert run_cli("signature", "verify", str(out), env=env).returncode == 0


def test_corrupt_public_key_file_is_refused(tmp_path) -> None:
    bad = tmp_path / "bad.pub"
    bad.write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    proc = run_cli("keys", "trust", str(bad))
    assert proc.returncode == 5 and "not an Ed25519 public key" in proc.stderr


def test_unreadable_trust_store_entries_are_reported(tmp_path, pyvorin_home) -> None:
    (pyvorin_home / "trust").mkdir(exist_ok=True)
    (pyvorin_home / "trust" / "broken.pub").write_text("not a key\n")
    proc = run_cli("keys", "list", env={"PYVORIN_TRUSTED_KEYS": str(tmp_path / "missing")})
    assert proc.returncode == 0
    assert "warning: trust store entry ignored:" in proc.stderr
    assert "broken.pub: no '-----BEGIN PUBLIC KEY-----' block found" in proc.stderr
    assert "missing (from PYVORIN_TRUSTED_KEYS): no such file or directory" in proc.stderr


def _runtime_only(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """A fresh interpreter that can import pyvorin_runtime and ``cwd`` but not the compiler
    (no site-packages: what an end user's machine with only the runtime sees)."""
    runtime_src = Path(pyvorin_runtime.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(runtime_src), str(cwd)])}
    return subprocess.run(
        [sys.executable, "-S", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_untrusted_key_with_only_the_runtime(tmp_path, project, sign_module, monkeypatch) -> None:
    """Without the compiler, the refusal names the runtime's own trust command, which
    trusts exactly the key with that fingerprint (0644 file in the user's trust store)."""
    key_file, _ = _foreign_key(tmp_path)
    _set_key_id(project, "ci-2026")
    monkeypatch.setenv("PYVORIN_SIGNING_KEY", str(key_file))
    out = tmp_path / "out"
    sign_module("pkg.mod", out)
    (out / "pkg" / "__init__.py").write_text("")
    monkeypatch.delenv("PYVORIN_SIGNING_KEY")
    code = ["-c", "import pkg.mod as m; print(m.answer())"]

    refused = _runtime_only(code, out)
    assert refused.returncode == 1 and "which this machine does not trust" in refused.stderr
    assert "pyvorin keys trust" not in refused.stderr  # not installed here
    found = re.search(
        r"python -m pyvorin_runtime trust --from-manifest (\S+) --fingerprint (\S+)",
        refused.stderr,
    )
    assert found is not None, refused.stderr
    manifest, fingerprint = found.groups()

    trust = ["-m", "pyvorin_runtime", "trust", "--from-manifest", manifest, "--fingerprint"]
    wrong = _runtime_only([*trust, "sha256:" + "00" * 32], out)
    assert wrong.returncode == 5 and "nothing trusted" in wrong.stderr
    store = Path(os.environ["PYVORIN_HOME"]) / "trust"
    assert not list(store.glob("*.pub"))
    missing = _runtime_only([*trust[:4], str(tmp_path / "nope.json"), "--fingerprint", "x"], out)
    assert missing.returncode == 2 and "cannot read the manifest" in missing.stderr

    done = _runtime_only([*trust, fingerprint], out)
    assert done.returncode == 0, done.stderr
    assert f"trusted ci-2026 ({fingerprint})" in done.stdout
    assert _mode(store / "ci-2026.pub") == 0o644
    loaded = _runtime_only(code, out)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "compiled mod", loaded.stderr
    # the compiler reads what the runtime wrote, and refuses a second key under that id
    rows = {r["id"]: r for r in keymod.list_keys()}
    assert rows["ci-2026"]["fingerprint"] == fingerprint
    (tmp_path / "second").mkdir()
    _, other_pub = _foreign_key(tmp_path / "second")
    clash = _runtime_only(["-m", "pyvorin_runtime", "trust", str(other_pub)], out)
    assert clash.returncode == 5 and "different public key for id 'ci-2026'" in clash.stderr


def test_runtime_forget_builds_usage(tmp_path) -> None:
    neither = _runtime_only(["-m", "pyvorin_runtime", "forget-builds"], tmp_path)
    assert neither.returncode == 2 and "or pass --all" in neither.stderr
    nothing = _runtime_only(["-m", "pyvorin_runtime", "forget-builds", "--all"], tmp_path)
    assert nothing.returncode == 0 and nothing.stdout.strip() == "no build is recorded"
    one = _runtime_only(["-m", "pyvorin_runtime", "forget-builds", "Num_Kit"], tmp_path)
    assert one.returncode == 0 and one.stdout.strip() == "no build of num-kit is recorded"

"""The manifest format and the one verification function, adversarially."""

from __future__ import annotations

import base64
import dataclasses
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvorin import audit
from pyvorin import keys as keymod
from pyvorin.artifacts import binary_path, manifest_path
from pyvorin.config import load_settings
from pyvorin.home import pyvorin_home
from pyvorin.model import (
    BuildContext,
    CompileResult,
    LicenceDecision,
    ModuleSpec,
    VerificationResult,
)
from pyvorin.pipeline import run
from pyvorin.plugins import build_plugin_manager
from pyvorin.signing import (
    SCHEMA_ID,
    VerificationKeys,
    body_of,
    canonical,
    check_path,
    load_manifest,
    signed_message,
    verify_manifest,
)

from .conftest import build_extension, run_python


def _reader(directory: Path):
    def read(name: str) -> bytes | None:
        path = directory / name
        return path.read_bytes() if path.is_file() else None

    return read


def test_canonical_body_excludes_signatures_and_is_stable(signed_out: Path) -> None:
    manifest = load_manifest(manifest_path(signed_out, "pkg.mod"))
    assert manifest["schema"] == SCHEMA_ID
    body = body_of(manifest)
    assert b"signatures" not in body
    assert body == canonical({k: v for k, v in manifest.items() if k != "signatures"})
    assert b" " not in body.replace(b"compiled ", b"")  # no whitespace separators
    assert json.loads(body)["artifact"]["size"] == binary_path(signed_out, "pkg.mod").stat().st_size
    message = signed_message(body, "ed25519", "k")
    assert message.startswith(b"pyvorin.manifest/1\0ed25519\0k\0")
    # Reformatting the file does not change what is signed.
    path = manifest_path(signed_out, "pkg.mod")
    path.write_text(json.dumps(json.loads(path.read_text()), indent=None))
    assert [r.ok for r in check_path(path)] == [True]


def test_manifest_records_build_facts_and_verification(tmp_path, project, ext_cache) -> None:
    from pyvorin.signing.plugin import sign_artifact

    out = tmp_path / "out"
    binary = binary_path(out, "fast")
    binary.parent.mkdir(parents=True)
    binary.write_bytes(ext_cache("fast").read_bytes())
    source = project / "fast.py"
    source.write_text("def answer() -> str:\n    return 'compiled fast'\n")
    pm, _ = build_plugin_manager([])
    ctx = BuildContext(
        settings=load_settings(project),
        hook=pm.hook,
        home=pyvorin_home(),
        out_dir=out,
        licence=LicenceDecision(True, "test licence", "LIC-42"),
    )
    summary = {"inputs": 120, "sources": {"examples": 20, "generated": 100}, "result": "passed"}
    compiled = CompileResult(
        ModuleSpec("fast", source),
        "native",
        binary,
        facts={"cc": "gcc 12.2.0", "flags": ["-O2", "-fno-fast-math"]},
        isolation={"namespaces": ["user", "net"], "rlimits": True},
    )
    result = sign_artifact(ctx, compiled.module, compiled, VerificationResult(True, summary))
    manifest = load_manifest(result.manifest_path)
    assert manifest["verification"] == summary
    assert manifest["toolchain"] == {"cc": "gcc 12.2.0", "flags": ["-O2", "-fno-fast-math"]}
    assert manifest["isolation"] == {"namespaces": ["user", "net"], "rlimits": True}
    assert manifest["licence_id"] == "LIC-42"
    assert manifest["backend"] == "native"
    assert manifest["source"]["file"] == "fast.py"
    assert manifest["python"]["ext_suffix"] in binary.name
    assert manifest["created"].endswith("Z")
    assert result.key_ids == [manifest["signatures"][0]["key_id"]]


def test_algorithm_relabelling_is_refused(signed_out: Path, monkeypatch) -> None:
    path = manifest_path(signed_out, "pkg.mod")
    manifest = json.loads(path.read_text())
    public = base64.b64decode(manifest["signatures"][0]["public_key"])
    # Claim the Ed25519 signature is an HMAC whose "secret" is the public key.
    monkeypatch.setenv("PYVORIN_HMAC_KEY", (public * 2).hex())
    manifest["signatures"][0]["alg"] = "hmac-sha256"
    path.write_text(json.dumps(manifest))
    [failure] = check_path(signed_out / "pkg" / "mod.pyvorin.json")
    assert not failure.ok and "unknown key id" in failure.reason


def test_signature_copied_from_another_manifest_is_refused(signed_out: Path) -> None:
    mine = json.loads(manifest_path(signed_out, "pkg.mod").read_text())
    other = json.loads(manifest_path(signed_out, "pkg.other").read_text())
    mine["signatures"] = other["signatures"]
    manifest_path(signed_out, "pkg.mod").write_text(json.dumps(mine))
    [failure] = [r for r in check_path(signed_out) if not r.ok]
    assert "does not verify: the manifest or its signature was altered" in failure.reason


def test_altered_signature_bytes_are_refused(signed_out: Path) -> None:
    path = manifest_path(signed_out, "pkg.mod")
    manifest = json.loads(path.read_text())
    sig = bytearray(base64.b64decode(manifest["signatures"][0]["sig"]))
    sig[5] ^= 0x40
    manifest["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    path.write_text(json.dumps(manifest))
    [failure] = [r for r in check_path(signed_out) if not r.ok]
    assert failure.reason.startswith("Ed25519 signature by key")
    manifest["signatures"][0]["sig"] = "not*base64"
    path.write_text(json.dumps(manifest))
    [failure] = [r for r in check_path(signed_out) if not r.ok]
    assert "is not valid base64 (altered)" in failure.reason


def test_path_traversal_in_manifest_is_refused(signed_out: Path) -> None:
    path = manifest_path(signed_out, "pkg.mod")
    manifest = json.loads(path.read_text())
    manifest["artifact"]["file"] = "../../etc/passwd"
    path.write_text(json.dumps(manifest))
    [failure] = [r for r in check_path(signed_out) if not r.ok]
    assert failure.reason == "manifest field 'artifact.file' is missing or not a plain file name"


def test_corrupt_revocation_list_fails_closed(signed_out: Path, pyvorin_home: Path) -> None:
    (pyvorin_home / "trust" / "revoked.json").write_text("{not json")
    [failure, _] = check_path(signed_out)
    assert "the revocation list is unreadable or corrupt" in failure.reason
    proc = run_python("import pkg.mod", signed_out)
    assert proc.returncode == 1 and "revocation list is unreadable" in proc.stderr


_WHITESPACE = frozenset(b" \t\r\n")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_any_flipped_manifest_byte_is_refused(signed_out: Path, position, mask) -> None:
    """Flip one byte anywhere in the manifest (outside insignificant whitespace and the
    optional ``public_key`` member name): never accepted."""
    data = manifest_path(signed_out, "pkg.mod").read_bytes()
    excluded = set()
    start = data.find(b'"public_key"')
    excluded.update(range(start, start + len(b'"public_key"')))
    candidates = [i for i, b in enumerate(data) if b not in _WHITESPACE and i not in excluded]
    index = candidates[int(position * len(candidates))]
    mutated = bytearray(data)
    mutated[index] ^= mask
    try:
        manifest = json.loads(bytes(mutated))
    except (ValueError, UnicodeDecodeError):
        return  # not even JSON: refused by parse_manifest
    check, loaded = verify_manifest(
        manifest,
        location="m",
        read=_reader(signed_out / "pkg"),
        keys=VerificationKeys(strict=False),
        expected_module="pkg.mod",
        check_abi=True,
    )
    assert not check.ok and loaded is None, (index, mask, check)
    assert check.reason


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_any_flipped_binary_byte_is_refused(signed_out: Path, position, mask) -> None:
    manifest = load_manifest(manifest_path(signed_out, "pkg.mod"))
    data = bytearray(binary_path(signed_out, "pkg.mod").read_bytes())
    data[int(position * len(data))] ^= mask
    name = manifest["artifact"]["file"]
    base = _reader(signed_out / "pkg")
    check, loaded = verify_manifest(
        manifest,
        location="m",
        read=lambda n: bytes(data) if n == name else base(n),
        keys=VerificationKeys(strict=False),
    )
    assert not check.ok and loaded is None
    assert "was modified" in check.reason or "another module" in check.reason


def test_pipeline_runs_the_sign_stage_and_audits_it(tmp_path, project, production_licence) -> None:
    """The whole pipeline with a real backend plugin (a C extension built by cc); the
    production licence lets the release run below reach the sign stage."""
    from pyvorin.hookspecs import hookimpl

    class CBackend:
        @hookimpl
        def pyvorin_backend_names(self):
            return ["test-c"]

        @hookimpl
        def pyvorin_check(self, ctx, module, backend):
            return [] if backend == "test-c" else None

        @hookimpl
        def pyvorin_compile(self, ctx, module, backend, workdir):
            if backend != "test-c":
                return None
            artifact = binary_path(ctx.out_dir, module.name)
            artifact.parent.mkdir(parents=True, exist_ok=True)
            build_extension(module.name, artifact)
            return CompileResult(module, backend, artifact, facts={"cc": "cc"})

        @hookimpl
        def pyvorin_verify(self, ctx, module, compiled):
            # This test's own verifier (the real one is another area's plugin, and its
            # cost is not this test's business): compare answer() of the extension,
            # loaded directly in a fresh interpreter, with the Python source's.
            code = (
                "import importlib.machinery as m, importlib.util as u, runpy\n"
                f"l = m.ExtensionFileLoader({module.name!r}, {str(compiled.artifact)!r})\n"
                f"s = u.spec_from_file_location({module.name!r}, l.path, loader=l)\n"
                "e = u.module_from_spec(s); l.exec_module(e)\n"
                f"p = runpy.run_path({str(module.path)!r})\n"
                "print(e.answer() == p['answer']())\n"
            )
            proc = run_python(code, tmp_path)
            same = proc.stdout.strip() == "True"
            return VerificationResult(
                same, {"inputs": 1, "sources": {"test": 1}, "result": "passed" if same else "x"}
            )

    (project / "pyproject.toml").write_text('[tool.pyvorin]\nbackend = "test-c"\n')
    source = project / "kern.py"
    source.write_text("def answer() -> str:\n    return 'compiled kern'\n")
    pm, _ = build_plugin_manager([])
    pm.register(CBackend(), name="test-c")
    out = tmp_path / "out"
    messages: list[str] = []
    ctx = BuildContext(
        settings=load_settings(project),
        hook=pm.hook,
        home=pyvorin_home(),
        out_dir=out,
        progress=messages.append,
    )
    result = run(ctx, [ModuleSpec("kern", source)])
    assert result.exit_code == 0, [s.detail for m in result.modules for s in m.stages]
    [module] = result.modules
    assert [(s.stage, s.status) for s in module.stages] == [
        ("check", "ok"),
        ("compile", "ok"),
        ("verify", "ok"),
        ("sign", "ok"),
    ]
    manifest = load_manifest(module.signed.manifest_path)
    assert manifest["verification"] == {"inputs": 1, "sources": {"test": 1}, "result": "passed"}
    assert module.signed is not None and module.signed.manifest_path.is_file()
    assert any("created a per-installation signing key" in m for m in messages)
    events = [(r["type"], r["details"].get("event")) for r in audit.AuditLog().records()]
    assert ("sign", "key-created") in events and ("sign", None) in events
    proc = run_python("import kern; print(kern.answer())", out)
    assert proc.returncode == 0 and proc.stdout.strip() == "compiled kern", proc.stderr
    # A release run of the same pipeline is refused at the sign stage with exit 5.
    ctx.options = dataclasses.replace(ctx.options, release=True)
    refused = run(ctx, [ModuleSpec("kern", source)])
    assert int(refused.exit_code) == 5
    assert "refuses to sign with the per-installation key" in refused.modules[0].stages[-1].detail


@pytest.mark.skipif(sys.platform != "linux", reason="memfd_create is Linux-only")
def test_loaded_from_a_sealed_memfd(signed_out: Path) -> None:
    code = (
        "import os, fcntl, pyvorin_runtime.loader as rt, pkg.mod\n"
        "[fd] = rt._KEEP_OPEN\n"
        "print(os.readlink(f'/proc/self/fd/{fd}').startswith('/memfd:pyvorin:mod.pyvorin'))\n"
        "seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)\n"
        "print(bool(seals & fcntl.F_SEAL_WRITE), bool(seals & fcntl.F_SEAL_SEAL))\n"
        "try:\n"
        "    os.pwrite(fd, b'x', 0)\n"
        "except PermissionError:\n"
        "    print('write refused')\n"
    )
    proc = run_python(code, signed_out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["True", "True True", "write refused"]


def test_keys_module_fingerprints_are_domain_separated() -> None:
    secret = bytes(range(32))
    assert keymod.fingerprint_hmac(secret) != keymod.fingerprint_ed25519(secret)
    assert secret.hex() not in keymod.fingerprint_hmac(secret)

"""Signed manifests: the one format, the one writer and the one verification function.

A manifest (``<leaf>.pyvorin.json`` beside the binary) is a JSON object with
``"schema": "pyvorin.manifest/1"``. Its *body* is every field except ``signatures``,
serialised canonically (sorted keys, no whitespace, UTF-8). Each signature
``{"alg", "key_id", "sig"}`` (plus ``public_key`` for Ed25519) signs::

    b"pyvorin.manifest/1\\0" + alg + b"\\0" + key_id + b"\\0" + canonical(body)

so a signature cannot be moved to another algorithm or key id. ``alg`` is ``ed25519``
(base64 signature; verifiable with the public key alone) or ``hmac-sha256`` (base64 MAC;
verifiable only where the secret is).

:func:`verify_manifest` is used by the CLI (``pyvorin signature verify``), the sign stage
(verify before distribution), the runtime loader (verify before load) and the build
adapters (:func:`verify_path`). It never loads cryptography's serialization layer, so the
import-time check stays cheap.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..artifacts import BINARY_SUFFIX, MANIFEST_SUFFIX
from ..canonical import canonical
from ..errors import SignatureError
from ..keys import (
    ED25519,
    HMAC_SHA256,
    SigningKey,
    TrustStore,
    fingerprint_ed25519,
    hmac_keys,
    require_trusted,
)

SCHEMA_ID = "pyvorin.manifest/1"
ALGORITHMS = (ED25519, HMAC_SHA256)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MODULE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
# <leaf>.pyvorin<EXT_SUFFIX> for any interpreter: .so, .cpython-312-x86_64-linux-gnu.so,
# .abi3.so, .cp312-win_amd64.pyd ...
BINARY_NAME = re.compile(
    r"(?P<leaf>[A-Za-z_][A-Za-z0-9_]*)\.pyvorin(?P<ext>(\.[^/\\]+)?\.(so|pyd))"
)
# Any other extension module file: it would shadow a loader stub of the same leaf name
# (the import system tries extension suffixes before .py).
EXTENSION_NAME = re.compile(r"(?P<leaf>[A-Za-z_][A-Za-z0-9_]*)(\.[^/\\]+)?\.(so|pyd)")
MANIFEST_NAME = re.compile(r"(?P<leaf>[A-Za-z_][A-Za-z0-9_]*)" + re.escape(MANIFEST_SUFFIX))


def body_of(manifest: Mapping[str, Any]) -> bytes:
    return canonical({k: v for k, v in manifest.items() if k != "signatures"})


def signed_message(body: bytes, alg: str, key_id: str) -> bytes:
    return b"\0".join((SCHEMA_ID.encode(), alg.encode(), key_id.encode(), body))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- writing --------------------------------------------------------------------------------
def python_facts() -> dict[str, Any]:
    return {
        "implementation": sys.implementation.name,
        "version": "{}.{}".format(*sys.version_info[:2]),
        "soabi": sysconfig.get_config_var("SOABI"),
        "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    }


def build_manifest(
    *,
    module: str,
    source: Path | None,
    artifact: Path,
    loader: Path,
    backend: str,
    facts: Mapping[str, Any] | None = None,
    verification: Mapping[str, Any] | None = None,
    isolation: Mapping[str, Any] | None = None,
    licence_id: str | None = None,
    created: datetime | None = None,
    build: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The unsigned manifest for ``artifact`` (read now) and its loader stub."""
    artifact_bytes = Path(artifact).read_bytes()
    facts = dict(facts or {})
    manifest: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "module": module,
        "source": {
            "file": Path(source).name if source else None,
            "sha256": sha256(Path(source).read_bytes()) if source else None,
        },
        "artifact": {
            "file": Path(artifact).name,
            "sha256": sha256(artifact_bytes),
            "size": len(artifact_bytes),
        },
        "loader": {"file": Path(loader).name, "sha256": sha256(Path(loader).read_bytes())},
        "backend": backend,
        "toolchain": facts,
        "python": python_facts(),
        "verification": dict(verification) if verification is not None else None,
        "isolation": dict(isolation) if isolation is not None else None,
        "licence_id": licence_id,
        "build": dict(build) if build is not None else None,
        "created": (created or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pyvorin": __version__,
    }
    return manifest


def sign_manifest(manifest: dict[str, Any], signers: Iterable[SigningKey]) -> dict[str, Any]:
    """Return ``manifest`` with one signature per signer (replacing any there were)."""
    body = body_of(manifest)
    signatures = []
    for signer in signers:
        entry: dict[str, Any] = {
            "alg": signer.alg,
            "key_id": signer.key_id,
            "sig": base64.b64encode(
                signer.sign(signed_message(body, signer.alg, signer.key_id))
            ).decode(),
        }
        if signer.alg == ED25519:
            assert signer.public_raw is not None
            entry["public_key"] = base64.b64encode(signer.public_raw).decode()
        signatures.append(entry)
    signed = {k: v for k, v in manifest.items() if k != "signatures"}
    signed["signatures"] = signatures
    return signed


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False).encode() + b"\n"


def write_manifest(path: Path, manifest: Mapping[str, Any]) -> None:
    from ..home import atomic_write

    atomic_write(Path(path), manifest_bytes(manifest))


def _schema_problem(manifest: Any) -> str | None:
    if not isinstance(manifest, dict):
        return "the manifest is not a JSON object"
    schema = manifest.get("schema")
    if schema != SCHEMA_ID:
        return f"unsupported manifest schema {schema!r} (this Pyvorin reads {SCHEMA_ID!r})"
    module = manifest.get("module")
    if not isinstance(module, str) or not _MODULE.fullmatch(module):
        return f"manifest field 'module' is missing or invalid ({module!r})"
    for name in ("artifact", "loader"):
        part = manifest.get(name)
        if not isinstance(part, dict):
            return f"manifest field {name!r} is missing"
        if not isinstance(part.get("file"), str) or "/" in part["file"] or "\\" in part["file"]:
            return f"manifest field '{name}.file' is missing or not a plain file name"
        if not isinstance(part.get("sha256"), str) or not _SHA256.fullmatch(part["sha256"]):
            return f"manifest field '{name}.sha256' is missing or not a sha256 hex digest"
    size = manifest["artifact"].get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "manifest field 'artifact.size' is missing or invalid"
    signatures = manifest.get("signatures")
    if not isinstance(signatures, list):
        return "manifest field 'signatures' is missing"
    for index, sig in enumerate(signatures):
        if (
            not isinstance(sig, dict)
            or not isinstance(sig.get("alg"), str)
            or not isinstance(sig.get("key_id"), str)
            or not isinstance(sig.get("sig"), str)
        ):
            return f"signature #{index + 1} is malformed (needs alg, key_id and sig strings)"
    return None


def parse_manifest(data: bytes, location: str) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SignatureError(f"{location}: the manifest is not valid JSON ({exc})") from exc
    problem = _schema_problem(manifest)
    if problem:
        raise SignatureError(f"{location}: {problem}")
    return manifest


def load_manifest(path: Path) -> dict[str, Any]:
    """Read and schema-check a manifest; SignatureError names the file and the problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SignatureError(f"{path}: manifest missing") from exc
    except OSError as exc:
        raise SignatureError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from exc
    return parse_manifest(data, str(path))


# -- verification ---------------------------------------------------------------------------
class VerificationKeys:
    """Keys for checking signatures: the trust store, revocations, HMAC secrets (lazy)."""

    def __init__(self, env: Mapping[str, str] | None = None, strict: bool | None = None) -> None:
        self.env = os.environ if env is None else env
        self.strict = require_trusted(self.env) if strict is None else strict
        # the user's PYVORIN_REQUIRE_TRUSTED=0 (not a caller's explicit strict=False)
        self.opt_out = strict is None and not self.strict
        self._store: TrustStore | None = None
        self._hmac: dict[str, list[SigningKey]] | None = None

    @property
    def store(self) -> TrustStore:
        if self._store is None:
            self._store = TrustStore.load(self.env)
        return self._store

    @property
    def hmac(self) -> dict[str, list[SigningKey]]:
        if self._hmac is None:
            self._hmac = hmac_keys(self.env)
        return self._hmac


@dataclass
class SignatureCheck:
    key_id: str
    alg: str
    status: str  # valid | invalid | revoked | unknown | untrusted
    trusted: bool = False
    reason: str = ""


def _b64(value: str) -> bytes | None:
    """Strict base64: only the canonical encoding (no stray padding bits) is accepted."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == value else None


def _check_signature(
    entry: Mapping[str, Any], body: bytes, keys: VerificationKeys
) -> SignatureCheck:
    alg, key_id = entry["alg"], entry["key_id"]
    sig = _b64(entry["sig"])
    if alg not in ALGORITHMS:
        return SignatureCheck(key_id, alg, "invalid", reason=f"unknown signature algorithm {alg!r}")
    if sig is None:
        return SignatureCheck(
            key_id,
            alg,
            "invalid",
            reason=f"{alg} signature by key {key_id!r} is not valid base64 (altered)",
        )
    message = signed_message(body, alg, key_id)
    store = keys.store
    revocation_problem = store.revocation_error()
    if revocation_problem:
        return SignatureCheck(key_id, alg, "revoked", reason=revocation_problem)

    if alg == HMAC_SHA256:
        if store.is_revoked(key_id, None):
            return SignatureCheck(key_id, alg, "revoked", reason=f"HMAC key {key_id!r} is revoked")
        candidates = keys.hmac.get(key_id, [])
        if not candidates:
            return SignatureCheck(
                key_id,
                alg,
                "unknown",
                reason=f"unknown key id {key_id!r}: no HMAC key with that id here "
                "(PYVORIN_HMAC_KEY or the keyring)",
            )
        for candidate in candidates:
            expected = hmac.new(candidate.secret, message, hashlib.sha256).digest()
            if hmac.compare_digest(expected, sig):
                return SignatureCheck(key_id, alg, "valid", trusted=True)
        return SignatureCheck(
            key_id,
            alg,
            "invalid",
            reason=f"HMAC-SHA256 signature by key {key_id!r} does not verify: the manifest "
            "or its signature was altered",
        )

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    embedded: bytes | None = None
    if "public_key" in entry:
        value = entry["public_key"]
        embedded = _b64(value) if isinstance(value, str) else None
        if embedded is None or len(embedded) != 32:
            return SignatureCheck(
                key_id,
                alg,
                "invalid",
                reason=f"Ed25519 signature by key {key_id!r} carries a malformed public key "
                "(altered)",
            )
    if store.is_revoked(key_id, fingerprint_ed25519(embedded) if embedded else None):
        return SignatureCheck(key_id, alg, "revoked", reason=f"key {key_id!r} is revoked")
    trusted = store.lookup(key_id)
    if trusted:
        if embedded is not None and not any(hmac.compare_digest(t.raw, embedded) for t in trusted):
            return SignatureCheck(
                key_id,
                alg,
                "invalid",
                reason=f"signature claims trusted key id {key_id!r} but carries a different "
                "public key (impersonation or a replaced key)",
            )
        publics, is_trusted = [t.raw for t in trusted], True
    elif embedded is None:
        problems = "; ".join(store.problems)
        return SignatureCheck(
            key_id,
            alg,
            "unknown",
            reason=f"unknown key id {key_id!r}: not in the trust store and the signature "
            "carries no public key"
            + (f" (unreadable trust-store entries: {problems})" if problems else ""),
        )
    elif keys.strict:
        fingerprint = fingerprint_ed25519(embedded)
        return SignatureCheck(
            key_id,
            alg,
            "untrusted",
            reason=f"signed by key {key_id!r} ({fingerprint}), which this machine does not "
            "trust. If you trust its publisher (compare the fingerprint with theirs), run: "
            f"pyvorin keys trust --from-manifest {MANIFEST_PLACEHOLDER} --fingerprint "
            f"{fingerprint}",
        )
    else:
        publics, is_trusted = [embedded], False
    for raw in publics:
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(sig, message)
        except (InvalidSignature, ValueError):
            continue
        return SignatureCheck(key_id, alg, "valid", trusted=is_trusted)
    return SignatureCheck(
        key_id,
        alg,
        "invalid",
        reason=f"Ed25519 signature by key {key_id!r} does not verify: the manifest or its "
        "signature was altered",
    )


def check_signatures(
    manifest: Mapping[str, Any], keys: VerificationKeys
) -> tuple[list[SignatureCheck], str | None]:
    """Check every signature; return (checks, refusal reason or None).

    Accepted when at least one signature is valid, none is invalid or revoked, and (in
    strict mode) at least one valid signature is by a trusted key. A signature whose key
    is simply not available here (an HMAC secret held elsewhere) does not count either way.
    """
    signatures = manifest["signatures"]
    if not signatures:
        return [], "the manifest is not signed (no signatures)"
    body = body_of(manifest)
    checks = [_check_signature(entry, body, keys) for entry in signatures]
    for check in checks:
        if check.status in ("invalid", "revoked"):
            return checks, check.reason
    valid = [c for c in checks if c.status == "valid"]
    if not valid:
        return checks, "; ".join(c.reason for c in checks)
    if keys.strict and not any(c.trusted for c in valid):
        untrusted = [c for c in checks if c.status == "untrusted"] or valid
        return checks, untrusted[0].reason or (
            "no signature is by a trusted key "
            f"(signed by {', '.join(repr(c.key_id) for c in valid)})"
        )
    return checks, None


MANIFEST_PLACEHOLDER = "<manifest>"


def _warn_opt_out(location: str, untrusted: list[str]) -> None:
    """PYVORIN_REQUIRE_TRUSTED=0 let an untrusted signature through: say so, and audit it."""
    message = (
        f"pyvorin: WARNING: {location}: accepted a signature by untrusted key(s) "
        f"{', '.join(map(repr, untrusted))} only because PYVORIN_REQUIRE_TRUSTED=0 is set; "
        "anyone can make such a signature"
    )
    print(message, file=sys.stderr)
    try:
        from ..audit import AuditLog

        AuditLog().append(
            "access",
            "runtime",
            {"event": "untrusted-signature-accepted", "file": location, "key_ids": untrusted},
        )
    except Exception:  # best effort, as for runtime refusals
        pass


@dataclass
class ArtifactCheck:
    """The outcome for one compiled artifact (or a stray manifest/binary)."""

    location: str
    module: str | None
    ok: bool
    reason: str = ""
    signers: list[str] = field(default_factory=list)
    untrusted: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.ok:
            note = f"signed by {', '.join(self.signers)}"
            if self.untrusted:
                note += f"; NOT in the trust store: {', '.join(self.untrusted)}"
            return f"{self.location}: ok ({self.module}; {note})"
        return f"{self.location}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "module": self.module,
            "ok": self.ok,
            "reason": self.reason,
            "signers": self.signers,
            "untrusted": self.untrusted,
            "unchecked": self.unchecked,
        }


def _defined_inits(data: bytes) -> list[str]:
    return sorted({m.decode() for m in re.findall(rb"PyInit_([A-Za-z_][A-Za-z0-9_]*)\0", data)})


def artifact_problem(manifest: Mapping[str, Any], data: bytes | None, location: str) -> str | None:
    """Why ``data`` is not the artifact ``manifest`` describes (None when it is)."""
    artifact = manifest["artifact"]
    if data is None:
        return f"the artifact {artifact['file']} named by the manifest is missing"
    if hmac.compare_digest(sha256(data), artifact["sha256"]):
        return None
    leaf = manifest["module"].rpartition(".")[2]
    if b"PyInit_" + leaf.encode() + b"\0" not in data:
        defined = _defined_inits(data)
        if defined:
            return (
                f"{location} is not the binary of {manifest['module']} (it defines "
                f"PyInit_{', PyInit_'.join(defined)}): the binary of another module was "
                "swapped in"
            )
    expected = artifact["size"]
    if len(data) < expected:
        return f"{location} is truncated: {len(data)} bytes, the manifest says {expected}"
    if len(data) > expected:
        return f"{location} has grown: {len(data)} bytes, the manifest says {expected}"
    return (
        f"{location} was modified: sha256 {sha256(data)[:16]}..., the manifest says "
        f"{artifact['sha256'][:16]}..."
    )


def verify_manifest(
    manifest: Mapping[str, Any],
    *,
    location: str,
    read: Callable[[str], bytes | None],
    keys: VerificationKeys | None = None,
    expected_module: str | None = None,
    module_path_parts: list[str] | None = None,
    check_abi: bool = False,
) -> tuple[ArtifactCheck, bytes | None]:
    """The one verification: signatures, module identity, ABI, artifact and loader hashes.

    ``read(name)`` returns the bytes of a file beside the manifest (None if missing).
    Returns the check and, when it passed, the artifact bytes that were verified (the
    runtime loads exactly those bytes).
    """
    keys = keys or VerificationKeys()
    module = manifest.get("module") if isinstance(manifest, dict) else None
    problem = _schema_problem(manifest)
    if problem:
        return ArtifactCheck(location, module, False, problem), None
    checks, refusal = check_signatures(manifest, keys)
    if refusal:
        refusal = refusal.replace(MANIFEST_PLACEHOLDER, location)
    elif keys.opt_out and any(c.status == "valid" and not c.trusted for c in checks):
        _warn_opt_out(location, [c.key_id for c in checks if c.status == "valid" and not c.trusted])
    result = ArtifactCheck(
        location,
        manifest["module"],
        refusal is None,
        refusal or "",
        [c.key_id for c in checks if c.status == "valid"],
        [c.key_id for c in checks if c.status == "valid" and not c.trusted],
        [c.key_id for c in checks if c.status == "unknown"],
    )
    if refusal:
        return result, None

    record = manifest.get("verification")
    if not isinstance(record, dict) or record.get("result") != "passed":
        return _fail(
            result,
            "the manifest has no passed verification record (the artifact was never "
            "verified against CPython): rebuild it through the pipeline",
        )
    name = manifest["module"]
    leaf = name.rpartition(".")[2]
    if expected_module is not None and name != expected_module:
        return _fail(result, f"the manifest is for module {name!r}, not {expected_module!r}")
    dotted = name.split(".")
    overlap = min(len(dotted), len(module_path_parts or []))
    if module_path_parts is not None and module_path_parts[-overlap:] != dotted[-overlap:]:
        return _fail(
            result,
            f"the manifest is for module {name!r} but sits at "
            f"{'/'.join(module_path_parts)} (moved or swapped)",
        )
    artifact_file = manifest["artifact"]["file"]
    match = BINARY_NAME.fullmatch(artifact_file)
    if match is None or match.group("leaf") != leaf:
        return _fail(
            result,
            f"the manifest names artifact {artifact_file!r}, not a binary of module {name!r}",
        )
    if manifest["loader"]["file"] != leaf + ".py":
        return _fail(
            result,
            f"the manifest names loader {manifest['loader']['file']!r}, expected {leaf + '.py'!r}",
        )
    if check_abi:
        import importlib.machinery

        suffix = artifact_file[len(leaf) + len(".pyvorin") :]
        if suffix not in importlib.machinery.EXTENSION_SUFFIXES:
            python = manifest.get("python") or {}
            return _fail(
                result,
                f"built for another Python ABI ({python.get('soabi') or suffix}); this "
                f"interpreter loads {', '.join(importlib.machinery.EXTENSION_SUFFIXES)}",
            )
    data = read(artifact_file)
    problem = artifact_problem(manifest, data, _join(location, artifact_file))
    if problem:
        return _fail(result, problem)
    loader = read(manifest["loader"]["file"])
    if loader is None:
        return _fail(result, f"the loader stub {manifest['loader']['file']} is missing")
    if not hmac.compare_digest(sha256(loader), manifest["loader"]["sha256"]):
        return _fail(
            result,
            f"the loader stub {manifest['loader']['file']} was modified (sha256 mismatch)",
        )
    return result, data


def _join(manifest_location: str, name: str) -> str:
    head, sep, _ = manifest_location.rpartition("/")
    return f"{head}{sep}{name}" if sep else name


def _fail(result: ArtifactCheck, reason: str) -> tuple[ArtifactCheck, None]:
    result.ok = False
    result.reason = reason
    return result, None


# -- walking directories, files and wheels --------------------------------------------------
class _Tree:
    """Files of a directory or a wheel, addressed by '/'-separated relative names."""

    def __init__(
        self,
        names: list[str],
        reader: Callable[[str], bytes | None],
        location: Callable[[str], str],
    ) -> None:
        self.names = names
        self.read = reader
        self.location = location


def _dir_tree(root: Path, recursive: bool = True) -> _Tree:
    names = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__") if recursive else []
        for filename in sorted(filenames):
            rel = Path(dirpath, filename).relative_to(root)
            names.append(rel.as_posix())

    def read(name: str) -> bytes | None:
        try:
            return (root / name).read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    return _Tree(names, read, lambda name: str(root / name))


def _check_wheel(path: Path, keys: VerificationKeys) -> list[ArtifactCheck]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [ArtifactCheck(str(path), None, False, f"not a readable wheel (zip) file: {exc}")]
    with archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        members = set(names)

        def read(name: str) -> bytes | None:
            if name not in members:
                return None
            try:
                return archive.read(name)
            except (zipfile.BadZipFile, OSError, ValueError):  # a damaged member
                return None

        return _check_tree(_Tree(names, read, lambda name: f"{path}!{name}"), keys)


def _check_tree(
    tree: _Tree, keys: VerificationKeys, only: set[str] | None = None
) -> list[ArtifactCheck]:
    results: list[ArtifactCheck] = []
    manifests = {n for n in tree.names if MANIFEST_NAME.fullmatch(n.rpartition("/")[2])}
    binaries = {n for n in tree.names if BINARY_NAME.fullmatch(n.rpartition("/")[2])}
    covered: set[str] = set()
    for name in sorted(manifests):
        if only is not None and name not in only:
            continue
        directory = name.rpartition("/")[0]
        prefix = directory + "/" if directory else ""
        location = tree.location(name)
        data = tree.read(name)
        try:
            manifest = parse_manifest(data or b"", location)
        except SignatureError as exc:
            leaf = MANIFEST_NAME.fullmatch(name.rpartition("/")[2]).group("leaf")  # type: ignore[union-attr]
            covered.update(b for b in binaries if b.startswith(prefix + leaf + ".pyvorin"))
            results.append(ArtifactCheck(location, None, False, str(exc).split(": ", 1)[-1]))
            continue
        covered.add(prefix + manifest["artifact"]["file"])
        parts = (prefix + MANIFEST_NAME.fullmatch(name.rpartition("/")[2]).group("leaf")).split("/")  # type: ignore[union-attr]
        result, _ = verify_manifest(
            manifest,
            location=location,
            read=lambda n, p=prefix: tree.read(p + n),
            keys=keys,
            module_path_parts=parts,
        )
        results.append(result)
    stubs = {
        (m.rpartition("/")[0], MANIFEST_NAME.fullmatch(m.rpartition("/")[2]).group("leaf"))  # type: ignore[union-attr]
        for m in manifests
        if only is None or m in only
    }
    for name in sorted(set(tree.names) - binaries):
        match = EXTENSION_NAME.fullmatch(name.rpartition("/")[2])
        if match and (name.rpartition("/")[0], match.group("leaf")) in stubs:
            results.append(
                ArtifactCheck(
                    tree.location(name),
                    None,
                    False,
                    f"unsigned extension module would be imported instead of the verifying "
                    f"loader {match.group('leaf')}.py (it shadows the compiled module)",
                )
            )
    for name in sorted(binaries - covered):
        if only is not None and name not in only:
            continue
        leaf = BINARY_NAME.fullmatch(name.rpartition("/")[2]).group("leaf")  # type: ignore[union-attr]
        directory = name.rpartition("/")[0]
        expected = (directory + "/" if directory else "") + leaf + MANIFEST_SUFFIX
        reason = (
            f"compiled binary without a manifest ({expected.rpartition('/')[2]} is missing)"
            if expected not in manifests
            else f"compiled binary not covered by its manifest {expected.rpartition('/')[2]} "
            "(which names another file)"
        )
        results.append(ArtifactCheck(tree.location(name), None, False, reason))
    return results


def check_path(path: Path | str, keys: VerificationKeys | None = None) -> list[ArtifactCheck]:
    """Check a directory, a single binary or manifest, or a wheel; one result per artifact.

    A directory or wheel with no compiled artifact at all is reported as a failure (there
    is nothing whose signature could be verified).
    """
    keys = keys or VerificationKeys()
    path = Path(path)
    if not path.exists():
        return [ArtifactCheck(str(path), None, False, "no such file or directory")]
    if path.is_dir():
        results = _check_tree(_dir_tree(path), keys)
    elif path.suffix == ".whl" or zipfile.is_zipfile(path):
        results = _check_wheel(path, keys)
    else:
        name = path.name
        if MANIFEST_NAME.fullmatch(name):
            manifest_name = name
        elif match := BINARY_NAME.fullmatch(name):
            manifest_name = match.group("leaf") + MANIFEST_SUFFIX
            if not (path.parent / manifest_name).is_file():
                return [
                    ArtifactCheck(
                        str(path),
                        None,
                        False,
                        f"compiled binary without a manifest ({manifest_name} is missing)",
                    )
                ]
        else:
            return [
                ArtifactCheck(
                    str(path),
                    None,
                    False,
                    f"not a Pyvorin artifact (expected a directory, a wheel, "
                    f"*{MANIFEST_SUFFIX} or *{BINARY_SUFFIX})",
                )
            ]
        tree = _dir_tree(path.parent, recursive=False)
        return _check_tree(tree, keys, only={manifest_name, name})
    if not results:
        return [ArtifactCheck(str(path), None, False, "no Pyvorin-compiled artifact found")]
    return results


def verify_path(path: Path | str, keys: VerificationKeys | None = None) -> list[ArtifactCheck]:
    """The failures (empty when everything verifies) for a directory, file or wheel.

    This is what the build adapters call before producing or shipping a wheel.
    """
    return [result for result in check_path(path, keys) if not result.ok]

"""Signed manifests: the one format and the one verification function.

A manifest (``<leaf>.pyvorin.json`` beside the binary) is a JSON object with
``"schema": "pyvorin.manifest/1"``. Its *body* is every field except ``signatures``,
serialised canonically (:func:`canonical`: sorted keys, no whitespace, UTF-8). Each
signature ``{"alg", "key_id", "sig"}`` (plus ``public_key`` for Ed25519) signs::

    b"pyvorin.manifest/1\\0" + alg + b"\\0" + key_id + b"\\0" + canonical(body)

so a signature cannot be moved to another algorithm or key id. ``alg`` is ``ed25519``
(base64 signature; verifiable with the public key alone) or ``hmac-sha256`` (base64 MAC;
verifiable only where the secret is).

:func:`verify_manifest` is used by the loader (verify before load) and by ``pyvorin``
(``pyvorin signature verify``, the sign stage, the build adapters). Writing and signing
manifests is ``pyvorin.signing``'s job; it uses :func:`canonical` and
:func:`signed_message` from here, so both sides agree byte for byte.
"""

from __future__ import annotations

import binascii
import os

from .builds import fallback_distribution, identity, is_build_number, is_distribution
from .cjson import canonical, loads
from .digest import compare_digest, hmac_sha256, sha256_hex
from .errors import SignatureError, fix_command
from .names import binary_leaf, is_leaf
from .trust import (
    ED25519,
    HMAC_SHA256,
    TrustStore,
    fingerprint_ed25519,
    hmac_secrets,
    require_trusted,
)

SCHEMA_ID = "pyvorin.manifest/1"
ALGORITHMS = (ED25519, HMAC_SHA256)
_HEX_DIGITS = frozenset("0123456789abcdef")

__all__ = [
    "ALGORITHMS",
    "SCHEMA_ID",
    "ArtifactCheck",
    "SignatureCheck",
    "VerificationKeys",
    "artifact_problem",
    "body_of",
    "canonical",
    "check_signatures",
    "load_manifest",
    "loads",
    "parse_manifest",
    "schema_problem",
    "sha256",
    "signed_message",
    "verify_manifest",
]


def body_of(manifest) -> bytes:
    return canonical({k: v for k, v in manifest.items() if k != "signatures"})


def signed_message(body: bytes, alg: str, key_id: str) -> bytes:
    return b"\0".join((SCHEMA_ID.encode(), alg.encode(), key_id.encode(), body))


def sha256(data: bytes) -> str:
    return sha256_hex(data)


def _is_sha256(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and _HEX_DIGITS.issuperset(value)


def _is_module_name(value) -> bool:
    """``[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*``"""
    return isinstance(value, str) and all(is_leaf(part) for part in value.split("."))


LICENCE_MODES = ("production", "development")


def licence_of(manifest) -> tuple[str | None, str | None]:
    """The licence mode and issuer key id a manifest records (None, None before they were
    recorded)."""
    licence = manifest.get("licence") if isinstance(manifest, dict) else None
    if not isinstance(licence, dict):
        return None, None
    issuer = licence.get("issuer")
    return licence.get("mode"), issuer if isinstance(issuer, str) else None


# -- reading --------------------------------------------------------------------------------
def schema_problem(manifest) -> str | None:
    """Why ``manifest`` is not a well-formed ``pyvorin.manifest/1`` object (None if it is)."""
    if not isinstance(manifest, dict):
        return "the manifest is not a JSON object"
    schema = manifest.get("schema")
    if schema != SCHEMA_ID:
        return f"unsupported manifest schema {schema!r} (this Pyvorin reads {SCHEMA_ID!r})"
    module = manifest.get("module")
    if not _is_module_name(module):
        return f"manifest field 'module' is missing or invalid ({module!r})"
    for name in ("artifact", "loader"):
        part = manifest.get(name)
        if not isinstance(part, dict):
            return f"manifest field {name!r} is missing"
        if not isinstance(part.get("file"), str) or "/" in part["file"] or "\\" in part["file"]:
            return f"manifest field '{name}.file' is missing or not a plain file name"
        if not _is_sha256(part.get("sha256")):
            return f"manifest field '{name}.sha256' is missing or not a sha256 hex digest"
    size = manifest["artifact"].get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "manifest field 'artifact.size' is missing or invalid"
    interpreted = manifest.get("interpreted", [])
    if not isinstance(interpreted, list) or not all(isinstance(q, str) and q for q in interpreted):
        return "manifest field 'interpreted' is not a list of function names"
    licence = manifest.get("licence")
    if licence is not None and (
        not isinstance(licence, dict) or licence.get("mode") not in LICENCE_MODES
    ):
        return "manifest field 'licence' is not an object with mode production or development"
    # both or neither: manifests written before build numbers have neither (build 0)
    if ("distribution" in manifest) != ("build_number" in manifest):
        return "manifest fields 'distribution' and 'build_number' must be given together"
    if "distribution" in manifest and not is_distribution(manifest["distribution"]):
        return (
            "manifest field 'distribution' is not a normalised distribution name "
            f"({manifest['distribution']!r})"
        )
    if "build_number" in manifest and not is_build_number(manifest["build_number"]):
        return f"manifest field 'build_number' is not a build number ({manifest['build_number']!r})"
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


def parse_manifest(data: bytes, location: str) -> dict:
    try:
        manifest = loads(data)
    except ValueError as exc:  # UnicodeDecodeError included
        raise SignatureError(f"{location}: the manifest is not valid JSON ({exc})") from exc
    problem = schema_problem(manifest)
    if problem:
        raise SignatureError(f"{location}: {problem}")
    return manifest


def load_manifest(path) -> dict:
    """Read and schema-check a manifest; SignatureError names the file and the problem."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError as exc:
        raise SignatureError(f"{path}: manifest missing") from exc
    except OSError as exc:
        raise SignatureError(f"{path}: cannot read the manifest: {exc.strerror or exc}") from exc
    return parse_manifest(data, path)


# -- verification ---------------------------------------------------------------------------
class VerificationKeys:
    """Keys for checking signatures: the trust store, revocations, HMAC secrets (lazy)."""

    def __init__(self, env=None, strict: bool | None = None) -> None:
        self.env = os.environ if env is None else env
        self.strict = require_trusted(self.env) if strict is None else strict
        # the user's PYVORIN_REQUIRE_TRUSTED=0 (not a caller's explicit strict=False)
        self.opt_out = strict is None and not self.strict
        self._store: TrustStore | None = None
        self._hmac: dict[str, list[bytes]] | None = None

    @property
    def store(self) -> TrustStore:
        if self._store is None:
            self._store = TrustStore.load(self.env)
        return self._store

    @property
    def hmac(self) -> dict[str, list[bytes]]:
        """HMAC secrets available here, by key id."""
        if self._hmac is None:
            self._hmac = hmac_secrets(self.env)
        return self._hmac


class SignatureCheck:
    """The outcome for one signature: status is valid, invalid, revoked, unknown or untrusted.

    ``fingerprint``: for a valid Ed25519 signature, the fingerprint of the public key
    that verified it (None otherwise)."""

    __slots__ = ("alg", "fingerprint", "key_id", "reason", "status", "trusted")

    def __init__(
        self,
        key_id: str,
        alg: str,
        status: str,
        trusted: bool = False,
        reason: str = "",
        fingerprint: str | None = None,
    ) -> None:
        self.key_id, self.alg, self.status, self.trusted, self.reason = (
            key_id,
            alg,
            status,
            trusted,
            reason,
        )
        self.fingerprint = fingerprint

    def __repr__(self) -> str:
        return (
            f"SignatureCheck(key_id={self.key_id!r}, alg={self.alg!r}, status={self.status!r}, "
            f"trusted={self.trusted!r}, reason={self.reason!r}, fingerprint={self.fingerprint!r})"
        )


def strict_b64decode(value: str) -> bytes | None:
    """Strict base64: only the canonical encoding is accepted.

    Decoding and re-encoding must give back ``value`` exactly, which refuses characters
    outside the alphabet (the decoder would skip them), missing or extra padding and
    stray padding bits.
    """
    try:
        raw = binascii.a2b_base64(value)
    except (binascii.Error, ValueError):
        return None
    return raw if binascii.b2a_base64(raw, newline=False).decode("ascii") == value else None


def _check_signature(entry, body: bytes, keys: VerificationKeys) -> SignatureCheck:
    alg, key_id = entry["alg"], entry["key_id"]
    sig = strict_b64decode(entry["sig"])
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
        for secret in candidates:
            expected = hmac_sha256(secret, message)
            if compare_digest(expected, sig):
                return SignatureCheck(key_id, alg, "valid", trusted=True)
        return SignatureCheck(
            key_id,
            alg,
            "invalid",
            reason=f"HMAC-SHA256 signature by key {key_id!r} does not verify: the manifest "
            "or its signature was altered",
        )

    embedded: bytes | None = None
    if "public_key" in entry:
        value = entry["public_key"]
        embedded = strict_b64decode(value) if isinstance(value, str) else None
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
        if embedded is not None and not any(compare_digest(t.raw, embedded) for t in trusted):
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
            + fix_command("pyvorin keys trust", "python -m pyvorin_runtime trust")
            + f" --from-manifest {MANIFEST_PLACEHOLDER} --fingerprint {fingerprint}",
        )
    else:
        publics, is_trusted = [embedded], False
    from . import ed25519

    for raw in publics:
        if ed25519.verify(raw, sig, message):
            return SignatureCheck(
                key_id, alg, "valid", trusted=is_trusted, fingerprint=fingerprint_ed25519(raw)
            )
    return SignatureCheck(
        key_id,
        alg,
        "invalid",
        reason=f"Ed25519 signature by key {key_id!r} does not verify: the manifest or its "
        "signature was altered",
    )


def check_signatures(manifest, keys: VerificationKeys) -> tuple[list[SignatureCheck], str | None]:
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
    import sys

    message = (
        f"pyvorin: WARNING: {location}: accepted a signature by untrusted key(s) "
        f"{', '.join(map(repr, untrusted))} only because PYVORIN_REQUIRE_TRUSTED=0 is set; "
        "anyone can make such a signature"
    )
    print(message, file=sys.stderr)
    try:
        from pyvorin.audit import AuditLog  # only where the compiler is installed too

        AuditLog().append(
            "access",
            "runtime",
            {"event": "untrusted-signature-accepted", "file": location, "key_ids": untrusted},
        )
    except Exception:  # best effort, as for runtime refusals
        pass


class ArtifactCheck:
    """The outcome for one compiled artifact (or a stray manifest/binary).

    ``distribution`` and ``build`` are the manifest's (``build`` None: a manifest from
    before build numbers, build 0 of the distribution named after the module's
    top-level package); ``keys`` name the keys of the valid signatures as the recorded
    build numbers do (:func:`pyvorin_runtime.builds.identity`)."""

    __slots__ = (
        "build",
        "distribution",
        "interpreted",
        "keys",
        "licence_issuer",
        "licence_mode",
        "location",
        "module",
        "ok",
        "reason",
        "signers",
        "ticket",
        "unchecked",
        "untrusted",
    )

    def __init__(
        self,
        location: str,
        module: str | None,
        ok: bool,
        reason: str = "",
        signers: list[str] | None = None,
        untrusted: list[str] | None = None,
        unchecked: list[str] | None = None,
        interpreted: list[str] | None = None,
        licence_mode: str | None = None,
        licence_issuer: str | None = None,
    ) -> None:
        self.location, self.module, self.ok, self.reason = location, module, ok, reason
        self.signers = list(signers or [])
        self.untrusted = list(untrusted or [])
        self.unchecked = list(unchecked or [])
        # functions the signed manifest lists as declared interpreted (not compiled)
        self.interpreted = list(interpreted or [])
        # the signed manifest's licence mode (production | development) and issuer key id
        self.licence_mode, self.licence_issuer = licence_mode, licence_issuer
        self.distribution: str | None = None
        self.build: int | None = None
        self.keys: list[str] = []
        # the build ticket the manifest carries, as checked by `pyvorin signature verify`
        # (the runtime itself does not check licences): a description, "" for none
        self.ticket = ""

    def __repr__(self) -> str:
        return f"ArtifactCheck({self.as_dict()!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ArtifactCheck):
            return NotImplemented
        return self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]  (mutable, like the dataclass it replaces)

    def line(self) -> str:
        if self.ok:
            note = f"signed by {', '.join(self.signers)}"
            if self.untrusted:
                note += f"; NOT in the trust store: {', '.join(self.untrusted)}"
            if self.interpreted:
                note += f"; interpreted (declared): {', '.join(self.interpreted)}"
            if self.licence_mode:
                issuer = f" from issuer {self.licence_issuer}" if self.licence_issuer else ""
                note += f"; {self.licence_mode} licence{issuer}"
            if self.ticket:
                note += f"; {self.ticket}"
            if self.build is not None:
                note += f"; build {self.build} of {self.distribution}"
            else:
                note += "; no build number (counts as build 0)"
            return f"{self.location}: ok ({self.module}; {note})"
        return f"{self.location}: {self.reason}"

    def as_dict(self) -> dict:
        return {
            "location": self.location,
            "module": self.module,
            "ok": self.ok,
            "reason": self.reason,
            "signers": self.signers,
            "untrusted": self.untrusted,
            "unchecked": self.unchecked,
            "interpreted": self.interpreted,
            "licence_mode": self.licence_mode,
            "licence_issuer": self.licence_issuer,
            "distribution": self.distribution,
            "build": self.build,
            "ticket": self.ticket,
        }


def _defined_inits(data: bytes) -> list[str]:
    import re  # only to explain a refusal

    return sorted({m.decode() for m in re.findall(rb"PyInit_([A-Za-z_][A-Za-z0-9_]*)\0", data)})


def artifact_problem(manifest, data: bytes | None, location: str) -> str | None:
    """Why ``data`` is not the artifact ``manifest`` describes (None when it is)."""
    artifact = manifest["artifact"]
    if data is None:
        return f"the artifact {artifact['file']} named by the manifest is missing"
    if compare_digest(sha256(data), artifact["sha256"]):
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
    manifest,
    *,
    location: str,
    read,
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
    problem = schema_problem(manifest)
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
        list(manifest.get("interpreted", [])),
        *licence_of(manifest),
    )
    result.distribution = manifest.get("distribution") or fallback_distribution(manifest["module"])
    result.build = manifest.get("build_number")
    result.keys = [identity(c.key_id, c.fingerprint) for c in checks if c.status == "valid"]
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
    if binary_leaf(artifact_file) != leaf:
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
        from .names import EXTENSION_SUFFIXES

        suffix = artifact_file[len(leaf) + len(".pyvorin") :]
        if suffix not in EXTENSION_SUFFIXES:
            python = manifest.get("python") or {}
            return _fail(
                result,
                f"built for another Python ABI ({python.get('soabi') or suffix}); this "
                f"interpreter loads {', '.join(EXTENSION_SUFFIXES)}",
            )
    data = read(artifact_file)
    problem = artifact_problem(manifest, data, _join(location, artifact_file))
    if problem:
        return _fail(result, problem)
    loader = read(manifest["loader"]["file"])
    if loader is None:
        return _fail(result, f"the loader stub {manifest['loader']['file']} is missing")
    if not compare_digest(sha256(loader), manifest["loader"]["sha256"]):
        return _fail(
            result,
            f"the loader stub {manifest['loader']['file']} was modified (sha256 mismatch)",
        )
    _, problem = repair_libraries(manifest, read)
    if problem:
        return _fail(result, problem)
    return result, data


def repair_libraries(manifest, read) -> tuple[list, str | None]:
    """The libraries ``auditwheel repair`` grafted for this artifact (sign after repair,
    ``pyvorin wheel resign``): ``([(file, bytes)...], None)`` with each library read
    through ``read`` and checked against the signed ``repair`` record, dependencies
    first, or ``(None, problem)``. A manifest without a repair record has none."""
    record = manifest.get("repair")
    if record is None:
        return [], None
    libraries = record.get("libraries") if isinstance(record, dict) else None
    if not isinstance(libraries, list):
        return None, "the manifest's repair record is malformed (no list of libraries)"
    verified = []
    for entry in libraries:
        file = entry.get("file") if isinstance(entry, dict) else None
        if (
            not isinstance(file, str)
            or not file
            or file.startswith("/")
            or "\0" in file
            or not _is_sha256(entry.get("sha256"))
            or type(entry.get("size")) is not int
        ):
            return None, f"the manifest's repair record is malformed (library {entry!r})"
        data = read(file)
        if data is None:
            return None, f"the library {file} grafted by auditwheel repair is missing"
        if len(data) != entry["size"] or not compare_digest(sha256(data), entry["sha256"]):
            return None, f"the library {file} grafted by auditwheel repair was modified"
        verified.append((file, data))
    return verified, None


def _join(manifest_location: str, name: str) -> str:
    head, sep, _ = manifest_location.rpartition("/")
    return f"{head}{sep}{name}" if sep else name


def _fail(result: ArtifactCheck, reason: str) -> tuple[ArtifactCheck, None]:
    result.ok = False
    result.reason = reason
    return result, None

"""Signed manifests: writing and signing them, and checking directories, files and wheels.

The format itself (``pyvorin.manifest/1``, the canonical JSON that signatures cover) and
the one verification function (:func:`verify_manifest`) live in the runtime,
:mod:`pyvorin_runtime.manifest`, which verifies every compiled module at import time
without this package installed; they are imported here, not copied. This module adds
what only the build side needs: :func:`build_manifest`, :func:`sign_manifest`,
:func:`write_manifest`, and :func:`check_path` / :func:`verify_path`, which walk a
directory, a single artifact or a wheel (``pyvorin signature verify``, the sign stage,
the build adapters).
"""

from __future__ import annotations

import base64
import json
import os
import posixpath
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pyvorin_runtime.manifest import (
    ALGORITHMS,
    SCHEMA_ID,
    ArtifactCheck,
    SignatureCheck,
    VerificationKeys,
    artifact_problem,
    body_of,
    canonical,
    check_signatures,
    load_manifest,
    parse_manifest,
    schema_problem,
    sha256,
    signed_message,
    verify_manifest,
)
from pyvorin_runtime.names import binary_leaf, extension_leaf, manifest_leaf

from .. import __version__
from ..artifacts import BINARY_SUFFIX, MANIFEST_SUFFIX, STAGING_PREFIX
from ..errors import SignatureError
from ..keys import ED25519, SigningKey

__all__ = [
    "ALGORITHMS",
    "SCHEMA_ID",
    "ArtifactCheck",
    "SignatureCheck",
    "VerificationKeys",
    "artifact_problem",
    "body_of",
    "build_manifest",
    "canonical",
    "check_path",
    "check_signatures",
    "load_manifest",
    "manifest_bytes",
    "parse_manifest",
    "python_facts",
    "schema_problem",
    "sha256",
    "sign_manifest",
    "signed_message",
    "verify_manifest",
    "verify_path",
    "write_manifest",
]


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
    licence: Mapping[str, Any] | None = None,
    created: datetime | None = None,
    build: Mapping[str, Any] | None = None,
    interpreted: Iterable[str] = (),
    distribution: str | None = None,
    build_number: int | None = None,
) -> dict[str, Any]:
    """The unsigned manifest for ``artifact`` (read now) and its loader stub.

    ``interpreted``: the functions (qualnames) the artifact leaves interpreted because
    the user declared them so; signed with the rest, shown by ``signature verify``.
    ``licence``: the licence gate's ``mode`` (production or development) and ``issuer``
    key id; signed with the rest, shown by ``signature verify``.
    ``distribution`` and ``build_number`` (given together, see
    :mod:`pyvorin.signing.builds`): the runtime refuses a lower build of the same
    distribution and key than one it has loaded."""
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
        "interpreted": list(interpreted),
        "toolchain": facts,
        "python": python_facts(),
        "verification": dict(verification) if verification is not None else None,
        "isolation": dict(isolation) if isolation is not None else None,
        "licence_id": licence_id,
        "licence": dict(licence) if licence is not None else None,
        "build": dict(build) if build is not None else None,
        "created": (created or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pyvorin": __version__,
    }
    if (distribution is None) != (build_number is None):
        raise ValueError("build_manifest: give distribution and build_number together")
    if distribution is not None:
        manifest["distribution"] = distribution
        manifest["build_number"] = build_number
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
        # a build's staging directory (in progress, or left by a killed build until the
        # next one removes it) is not part of the output, and its name cannot be imported
        dirnames[:] = (
            sorted(d for d in dirnames if d != "__pycache__" and not d.startswith(STAGING_PREFIX))
            if recursive
            else []
        )
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

        results = _check_tree(_Tree(names, read, lambda name: f"{path}!{name}"), keys)
    repaired = any(tag in path.name for tag in _REPAIRED_TAGS) or any(
        n.partition("/")[0].endswith(".libs") for n in names
    )
    for result in results:
        if repaired and not result.ok and any(m in result.reason for m in _CHANGED_BINARY):
            result.reason += (
                "; if auditwheel repair changed this wheel after it was signed, its "
                "publisher must sign after the repair: `pyvorin wheel resign --original "
                f"<the wheel before repair> {path}` (or repair with `pyvorin wheel repair "
                "<wheel> -w <dir>`, which runs auditwheel and re-signs), see docs/wheels.md"
            )
    return results


# a repaired wheel's platform tags, and how a changed binary's failure reads
_REPAIRED_TAGS = ("manylinux", "musllinux")
_CHANGED_BINARY = (" has grown: ", " was modified: ", " is truncated: ")


def _shadow_problem(name: str, stubs: set[tuple[str, str | None]]) -> str | None:
    """Why ``name`` (a file of a tree) would run instead of a compiled module's stub.

    The import system tries a package directory and extension modules before ``.py``
    (:mod:`pyvorin_runtime.guard`); a wheel's ``__pycache__`` bytecode of a stub can be
    run in place of the stub's source. ``stubs``: (directory, leaf) of the manifests.
    """
    directory, _, filename = name.rpartition("/")
    shadow = extension_leaf(filename)
    if shadow and (directory, shadow) in stubs:
        return (
            f"unsigned extension module would be imported instead of the verifying "
            f"loader {shadow}.py (it shadows the compiled module)"
        )
    parent, _, package = directory.rpartition("/")
    if filename.startswith("__init__.") and (parent, package) in stubs:
        return (
            f"package {package}/ would be imported instead of the verifying loader "
            f"{package}.py (a package directory shadows the compiled module)"
        )
    stub = filename.partition(".")[0]
    if package == "__pycache__" and filename.endswith(".pyc") and (parent, stub) in stubs:
        return (
            f"bytecode of the loader stub {stub}.py shipped with it: Python can run it "
            "instead of the stub's source (a wheel does not ship __pycache__)"
        )
    return None


def _check_build_ticket(result: ArtifactCheck, manifest: dict[str, Any]) -> None:
    """The manifest's build ticket, checked against the licence issuers this
    installation trusts (the keys it verifies leases with); a forged, altered or
    transplanted ticket fails the artifact."""
    from ..licensing.tickets import check_ticket
    from ..licensing.trust import keys_of, trusted_issuers

    licence = manifest.get("licence")
    if not isinstance(licence, dict) or "ticket" not in licence:
        return
    problem, note = check_ticket(manifest, keys_of(trusted_issuers()))
    if problem:
        result.ok, result.reason = False, problem
    else:
        result.ticket = note


def _check_tree(
    tree: _Tree, keys: VerificationKeys, only: set[str] | None = None
) -> list[ArtifactCheck]:
    results: list[ArtifactCheck] = []
    manifests = {n for n in tree.names if manifest_leaf(n.rpartition("/")[2])}
    binaries = {n for n in tree.names if binary_leaf(n.rpartition("/")[2])}
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
            leaf = manifest_leaf(name.rpartition("/")[2])
            covered.update(b for b in binaries if b.startswith(prefix + leaf + ".pyvorin"))
            results.append(ArtifactCheck(location, None, False, str(exc).split(": ", 1)[-1]))
            continue
        covered.add(prefix + manifest["artifact"]["file"])
        parts = (prefix + str(manifest_leaf(name.rpartition("/")[2]))).split("/")
        result, _ = verify_manifest(
            manifest,
            location=location,
            read=lambda n, p=prefix: tree.read(posixpath.normpath(p + n)),
            keys=keys,
            module_path_parts=parts,
        )
        if result.ok:
            _check_build_ticket(result, manifest)
        results.append(result)
    stubs = {
        (m.rpartition("/")[0], manifest_leaf(m.rpartition("/")[2]))
        for m in manifests
        if only is None or m in only
    }
    for name in sorted(set(tree.names) - binaries):
        problem = _shadow_problem(name, stubs)
        if problem:
            results.append(ArtifactCheck(tree.location(name), None, False, problem))
    for name in sorted(binaries - covered):
        if only is not None and name not in only:
            continue
        leaf = str(binary_leaf(name.rpartition("/")[2]))
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
        if manifest_leaf(name):
            manifest_name = name
        elif leaf := binary_leaf(name):
            manifest_name = leaf + MANIFEST_SUFFIX
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
        package = path.parent / str(manifest_leaf(manifest_name))
        if package.is_dir():  # a package of the same name would shadow the stub
            tree.names += [
                f"{package.name}/{n}"
                for n in sorted(os.listdir(package))
                if n.startswith("__init__.")
            ]
        return _check_tree(tree, keys, only={manifest_name, name})
    if not results:
        return [ArtifactCheck(str(path), None, False, "no Pyvorin-compiled artifact found")]
    return results


def verify_path(path: Path | str, keys: VerificationKeys | None = None) -> list[ArtifactCheck]:
    """The failures (empty when everything verifies) for a directory, file or wheel.

    This is what the build adapters call before producing or shipping a wheel.
    """
    return [result for result in check_path(path, keys) if not result.ok]

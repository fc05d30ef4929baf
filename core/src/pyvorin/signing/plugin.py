"""The built-in sign stage: loader stub, signed manifest, then verify what was written."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from pyvorin_runtime.names import binary_leaf

from ..artifacts import loader_path, manifest_path
from ..errors import LicenceError, SignatureError
from ..home import atomic_write
from ..hookspecs import hookimpl
from ..keys import ED25519, select_hmac, select_signer
from ..model import (
    BuildContext,
    CompileResult,
    LicenceDecision,
    ModuleSpec,
    SignResult,
    VerificationResult,
)
from . import (
    VerificationKeys,
    build_manifest,
    sign_manifest,
    verify_path,
    write_manifest,
)
from .builds import assign_build_number

_DEFAULT_PROGRESS = BuildContext.__dataclass_fields__["progress"].default


def _config_origin(ctx: BuildContext) -> str:
    settings = ctx.settings
    origin = getattr(settings, "origins", {}).get("signing.key-id", "")
    where = getattr(settings, "file", None)
    return (
        f"[tool.pyvorin.signing] key-id in {where}"
        if where
        else (origin or "[tool.pyvorin.signing] key-id")
    )


def _licence_record(licence: LicenceDecision, module: str) -> dict[str, Any]:
    """The manifest's ``licence``: mode, issuer and the module's build ticket (none for
    a development licence without a server)."""
    record: dict[str, Any] = {"mode": licence.mode, "issuer": licence.details.get("issuer")}
    ticket = licence.tickets.get(module)
    if ticket is not None:
        record["ticket"] = ticket
    return record


def sign_artifact(
    ctx: BuildContext,
    module: ModuleSpec,
    compiled: CompileResult,
    verification: VerificationResult | None,
) -> SignResult:
    licence = ctx.licence
    if licence is None or not licence.allowed:
        raise SignatureError(
            f"{module.name}: refusing to sign: this run did not pass the licence gate; "
            "artifacts are signed only by the pipeline (pyvorin compile / pyvorin build / "
            "pyvorin.build_api), never by calling the signer directly"
        )
    artifact = Path(compiled.artifact)
    leaf = module.name.rpartition(".")[2]
    if binary_leaf(artifact.name) != leaf:
        raise SignatureError(
            f"{artifact}: the backend's artifact is not named {leaf}.pyvorin<EXT_SUFFIX>; "
            "the verifying loader could not find it"
        )
    if not artifact.is_file():
        raise SignatureError(f"{artifact}: the compiled artifact to sign does not exist")
    directory = artifact.parent
    expected_manifest = manifest_path(ctx.out_dir, module.name)
    manifest_file = (
        expected_manifest
        if expected_manifest.parent == directory
        else directory / expected_manifest.name
    )
    stub = loader_path(ctx.out_dir, module.name)
    stub = stub if stub.parent == directory else directory / stub.name

    key_id = ctx.settings["signing.key-id"]
    announced: list[str] = []

    def announce(message: str) -> None:
        announced.append(message)
        # nobody shows progress (or --quiet silenced it): a new or local key is still said
        if ctx.progress is _DEFAULT_PROGRESS or getattr(ctx.progress, "silent", False):
            print(message, file=sys.stderr)
        else:
            ctx.progress(message)

    signer = select_signer(
        key_id, release=ctx.release, announce=announce, config_origin=_config_origin(ctx)
    )
    if ctx.release and not compiled.isolation:
        raise SignatureError(
            f"{module.name}: a --release build refuses to sign an artifact that was not "
            "compiled in the sandbox (the backend reported no isolation)"
        )
    if ctx.release and licence.mode != "production":
        raise LicenceError(
            f"{module.name}: a --release build refuses to sign under a {licence.mode} "
            "licence (the licence gate admits only a production licence to a release)"
        )
    if announced:
        ctx.audit("sign", event="key-created", key_id=signer.key_id, fingerprint=signer.fingerprint)
    signers = [signer]
    extra = select_hmac()
    if extra is not None:
        signers.append(extra)

    from pyvorin_runtime.loader import loader_source

    distribution, build_number = assign_build_number(ctx, signer.key_id, module.name)
    atomic_write(stub, loader_source(module.name).encode())
    manifest = build_manifest(
        module=module.name,
        source=module.path if Path(module.path).is_file() else None,
        artifact=artifact,
        loader=stub,
        backend=compiled.backend,
        facts=compiled.facts,
        verification=verification.summary if verification is not None else None,
        isolation=compiled.isolation,
        licence_id=licence.licence_id,
        licence=_licence_record(licence, module.name),
        build=ctx.options.manifest_record(),
        interpreted=getattr(compiled, "interpreted", None) or (),
        distribution=distribution,
        build_number=build_number,
    )
    signed = sign_manifest(manifest, signers)
    write_manifest(manifest_file, signed)

    # Verify before distribution: exactly what a user's import and `signature verify` do.
    # strict=False: the signer's own key need not be in this machine's trust store (a CI
    # key); trust is decided where the artifact is used
    failures = verify_path(manifest_file, VerificationKeys(strict=False))
    if failures:
        raise SignatureError(
            f"{manifest_file}: the artifact just signed does not verify: {failures[0].reason}"
        )
    ctx.audit(
        "sign",
        event="signed",
        module=module.name,
        manifest=str(manifest_file),
        key_ids=[s.key_id for s in signers],
        licence_id=licence.licence_id,
        licence_mode=licence.mode,
    )
    return SignResult(
        manifest_path=manifest_file,
        key_ids=[s.key_id for s in signers],
        details={
            "loader": str(stub),
            "algorithms": [s.alg for s in signers],
            "fingerprints": {s.key_id: s.fingerprint for s in signers if s.alg == ED25519},
            "key_created": bool(announced),
        },
    )


@hookimpl
def pyvorin_sign(
    ctx: BuildContext,
    module: ModuleSpec,
    compiled: CompileResult,
    verification: VerificationResult | None,
) -> SignResult:
    return sign_artifact(ctx, module, compiled, verification)

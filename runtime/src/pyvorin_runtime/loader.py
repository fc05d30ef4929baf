"""Verify-before-load: what a compiled module's loader stub calls on every import.

The sign stage writes, beside ``<leaf>.pyvorin<EXT_SUFFIX>`` (a name the import system
never loads by itself) and its manifest, a loader stub ``<leaf>.py``
(:func:`loader_source`)::

    from pyvorin_runtime import load_verified
    load_verified(__name__, __file__)

Any import path that finds the stub (``import pkg.mod``, ``importlib.import_module``, an
installed wheel) therefore runs :func:`load_verified`, which

1. reads the manifest and the binary **once** into memory, and checks the manifest's
   signatures (trust, revocation, strict mode), the module name, the ABI, the binary's
   size and SHA-256 and the stub's own SHA-256
   (:func:`pyvorin_runtime.manifest.verify_manifest`);
2. refuses when anything in the stub's directory would be imported in place of the stub
   of one of its compiled modules (:func:`pyvorin_runtime.guard.shadows`), and when the
   build is older than one of the same distribution and signing key already loaded by
   this user (:func:`pyvorin_runtime.builds.admit`, which records it otherwise);
3. writes exactly those verified bytes into a sealed anonymous file (``memfd_create``
   with write/grow/shrink seals; elsewhere a private 0700 temporary copy) and loads the
   extension from there with :class:`importlib.machinery.ExtensionFileLoader`, so the
   file on disk cannot be swapped between the check and the load;
4. puts the extension module in ``sys.modules`` in place of the stub.

A refusal raises :class:`RefusedImport` (an :class:`ImportError`; a downgrade is its
subclass :class:`RefusedDowngrade`) naming the file and the reason. Where the compiler
(``pyvorin``) is installed too, the refusal is also recorded in its audit log (best
effort: an unwritable home never changes the error).
"""

from __future__ import annotations

import os
import sys

from .builds import admit
from .errors import PyvorinError
from .guard import describe_shadows, shadows
from .manifest import load_manifest, repair_libraries, sha256, verify_manifest
from .names import MANIFEST_SUFFIX, ExtensionFileLoader, ModuleSpec

# memfds backing loaded extensions stay open for the life of the process: the dynamic
# linker identifies a loaded object by its path string, so a closed and reused
# /proc/self/fd/N must never name a second extension.
_KEEP_OPEN: list[int] = []
# libraries grafted by auditwheel repair, pre-loaded for repaired modules (kept loaded),
# by the SHA-256 of their bytes: a library several modules need is loaded once
_LIBRARIES: dict = {}


class RefusedImport(ImportError):
    """An import refused because the artifact failed verification."""


class RefusedDowngrade(RefusedImport):
    """An import refused because its build is older than one already loaded here.

    ``distribution``, ``build`` (0 for a manifest without a build number) and ``seen``
    (the highest build of the same distribution and signing key loaded before)."""

    distribution: str = ""
    build: int = 0
    seen: int = 0


def _audit_refusal(module: str, path: str, reason: str, extra: dict | None = None) -> None:
    try:
        from pyvorin.audit import AuditLog
    except ImportError:  # only the runtime is installed: there is no audit log here
        return
    try:
        details = {"stage": "load", "module": module, "file": path, "reason": reason}
        details.update(extra or {})
        AuditLog().append("refusal", "runtime", details)
    except Exception:  # best effort: the ImportError below is what the user must see
        pass


def refuse(
    module: str,
    path: str,
    reason: str,
    cls: type[RefusedImport] = RefusedImport,
    extra: dict | None = None,
) -> RefusedImport:
    """The ImportError for a refusal (``cls``), audited where the compiler is installed;
    ``extra`` adds details to the audit event and attributes to the error."""
    _audit_refusal(module, path, reason, extra)
    error = cls(f"{path}: refused to load {module}: {reason}", name=module, path=path)
    for attribute, value in (extra or {}).items():
        setattr(error, attribute, value)
    return error


def _reader(directory: str):
    """``read(name)``: the bytes of ``name`` in ``directory``, or None when it is missing."""

    def read(name: str) -> bytes | None:
        try:
            with open(os.path.join(directory, name), "rb") as handle:
                return handle.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    return read


def verify_for_import(module: str, stub_file: str) -> tuple[bytes, str, dict]:
    """Verify the artifact of ``module`` whose stub is ``stub_file``.

    Returns (verified binary bytes, binary path, manifest); raises RefusedImport.
    """
    directory = os.path.dirname(os.path.realpath(stub_file))
    leaf = module.rpartition(".")[2]
    manifest_file = os.path.join(directory, leaf + MANIFEST_SUFFIX)
    try:
        manifest = load_manifest(manifest_file)
    except PyvorinError as exc:
        raise refuse(module, manifest_file, str(exc).split(": ", 1)[-1]) from None

    try:
        check, data = verify_manifest(
            manifest,
            location=manifest_file,
            read=_reader(directory),
            expected_module=module,
            check_abi=True,
        )
    except PyvorinError as exc:  # an unreadable trust store or key file
        raise refuse(module, manifest_file, str(exc)) from None
    if not check.ok or data is None:
        raise refuse(module, manifest_file, check.reason)
    shadowing = shadows(directory)
    if shadowing:
        raise refuse(module, manifest_file, describe_shadows(shadowing))
    try:
        downgrade = admit(
            module=module, distribution=check.distribution, build=check.build, keys=check.keys
        )
    except PyvorinError as exc:  # the recorded build numbers are unreadable or corrupt
        raise refuse(module, manifest_file, str(exc)) from None
    if downgrade is not None:
        raise refuse(
            module,
            manifest_file,
            downgrade.reason(),
            RefusedDowngrade,
            {
                "distribution": downgrade.distribution,
                "build": downgrade.build,
                "seen": downgrade.seen,
            },
        )
    return data, os.path.join(directory, manifest["artifact"]["file"]), manifest


def _preload_libraries(module: str, binary: str, manifest: dict) -> None:
    """Load the libraries auditwheel grafted for a repaired module, from verified bytes.

    The module is loaded from a sealed memfd, so its ``$ORIGIN``-relative RPATH cannot
    find them; once a library is loaded, the dynamic linker resolves the module's
    ``DT_NEEDED`` by the library's soname. Each is checked against the signed repair
    record and loaded from a sealed copy of exactly the bytes that were checked."""
    import ctypes

    directory = os.path.dirname(binary)
    manifest_file = os.path.join(directory, module.rpartition(".")[2] + MANIFEST_SUFFIX)

    libraries, problem = repair_libraries(manifest, _reader(directory))
    if problem:
        raise refuse(module, manifest_file, problem)
    for file, data in libraries:
        digest = sha256(data)
        if digest in _LIBRARIES:
            continue
        try:
            _LIBRARIES[digest] = _load_sealed(data, os.path.basename(file), ctypes.CDLL)
        except OSError as exc:
            raise refuse(
                module, manifest_file, f"the grafted library {file} failed to load: {exc}"
            ) from None


def _private_copy(data: bytes, name: str) -> tuple[str, int | None, str | None]:
    """A path to a file holding exactly ``data`` that nobody else can modify."""
    if hasattr(os, "memfd_create"):
        flags = getattr(os, "MFD_CLOEXEC", 0) | getattr(os, "MFD_ALLOW_SEALING", 0)
        fd = os.memfd_create(f"pyvorin:{name}", flags)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            try:
                import fcntl

                seals = (
                    fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
                )
                fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
            except (AttributeError, OSError):
                pass  # sealing unsupported: the fd is still private to this process
        except BaseException:
            os.close(fd)
            raise
        return f"/proc/self/fd/{fd}", fd, None
    import tempfile

    directory = tempfile.mkdtemp(prefix="pyvorin-load-")
    path = os.path.join(directory, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o500)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    return path, None, directory


def _load_sealed(data: bytes, name: str, load):
    """``load(path)`` with ``path`` a private copy of exactly ``data`` (:func:`_private_copy`).

    Once ``load`` succeeds, a memfd stays open for the life of the process (see
    ``_KEEP_OPEN``); on failure it is closed. A temporary copy is removed either way."""
    path, fd, tmpdir = _private_copy(data, name)
    try:
        loaded = load(path)
    except BaseException:
        if fd is not None:
            os.close(fd)
        raise
    finally:
        if tmpdir is not None:
            try:
                os.unlink(path)
                os.rmdir(tmpdir)
            except OSError:
                pass
    if fd is not None:
        _KEEP_OPEN.append(fd)
    return loaded


def load_verified(module: str, stub_file: str):
    """Verify, then load the compiled ``module`` and install it in ``sys.modules``."""
    data, binary, manifest = verify_for_import(module, stub_file)
    leaf = module.rpartition(".")[2]
    if manifest.get("repair") is not None:
        _preload_libraries(module, binary, manifest)

    def load(path: str):
        loader = ExtensionFileLoader(module, path)
        spec = ModuleSpec(module, loader, origin=path)
        spec.has_location = True
        try:
            # what importlib.util.module_from_spec does, without importing importlib.util
            extension = loader.create_module(spec)
            try:
                extension.__spec__, extension.__loader__ = spec, loader
                extension.__package__ = spec.parent
                extension.__file__ = path
            except (AttributeError, TypeError):  # an extension without a writable __dict__
                pass
            loader.exec_module(extension)
        except ImportError as exc:
            raise refuse(
                module, binary, f"the verified binary failed to load (PyInit_{leaf}): {exc}"
            ) from None
        return extension, spec

    extension, spec = _load_sealed(data, os.path.basename(binary), load)
    # Point __file__ and the spec's origin at the real binary for tools and reprs; the
    # loader keeps the sealed copy, so nothing can later load unverified bytes through it.
    spec.origin = binary
    try:
        extension.__file__ = binary
        extension.__pyvorin_manifest__ = {
            "file": os.path.join(os.path.dirname(binary), leaf + MANIFEST_SUFFIX),
            "sha256": manifest["artifact"]["sha256"],
            "signers": [s.get("key_id") for s in manifest["signatures"]],
        }
    except (AttributeError, TypeError):  # an extension without a writable __dict__
        pass
    sys.modules[module] = extension
    return extension


def loader_source(module: str) -> str:
    """The text of the loader stub the sign stage writes for ``module``."""
    leaf = module.rpartition(".")[2]
    return (
        f'"""Pyvorin loader for {module}: checks {leaf}{MANIFEST_SUFFIX} (hashes, signature,\n'
        f'trust) and only then loads the compiled binary. Generated; do not edit."""\n'
        "\n"
        "from pyvorin_runtime import load_verified\n"
        "\n"
        "load_verified(__name__, __file__)\n"
    )

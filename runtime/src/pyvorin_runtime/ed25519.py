"""Ed25519 signature verification for the import-time check.

Two implementations of the same RFC 8032 verification, both by vetted libraries:

1. **OpenSSL through the interpreter's own ``_hashlib``** (the fast path). ``hashlib``
   already loads the OpenSSL ``libcrypto`` that CPython was built against; its
   ``EVP_PKEY_new_raw_public_key`` / ``EVP_DigestVerify`` (OpenSSL >= 1.1.1) verify a
   signature in about 0.1 ms, and binding six functions with ``_ctypes`` (see
   :func:`_bind`) costs about a millisecond instead of the 30-40 ms of importing
   ``cryptography``'s Rust extension.
   The functions are looked up through the ``_hashlib`` extension's handle, so exactly
   the libcrypto the interpreter already trusts for its hashes is used (no search path).
2. **``cryptography``** (the fallback, a dependency of ``pyvorin-runtime``): used when the
   interpreter's OpenSSL is not reachable that way (a statically linked or too old
   OpenSSL, no ``ctypes``), or when ``PYVORIN_ED25519=cryptography`` asks for it.

:func:`verify` returns True only for a valid signature; any malformed input (wrong
lengths, a public key that is not a curve point) is simply "does not verify".
"""

from __future__ import annotations

import os

PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
_EVP_PKEY_ED25519 = 1087  # NID_ED25519, stable since OpenSSL 1.1.1

_backend = None  # (name, verify function), chosen on first use


def _bind(path: str):
    """The six libcrypto functions, bound through ``_ctypes`` (not ``ctypes``).

    ``import ctypes`` costs more than the whole rest of the import-time check (it defines
    every C type and checks their sizes); four simple types and one function-pointer
    class over ``_ctypes`` are all this needs, built exactly as ``ctypes.CDLL`` builds
    them (``dlopen`` with ``RTLD_LOCAL``, cdecl function pointers looked up by name on
    the handle).
    """
    import _ctypes

    class VoidP(_ctypes._SimpleCData):
        _type_ = "P"

    class CharP(_ctypes._SimpleCData):
        _type_ = "z"

    class Int(_ctypes._SimpleCData):
        _type_ = "i"

    class SizeT(_ctypes._SimpleCData):  # size_t is unsigned long where that is pointer-sized
        _type_ = "L"

    if _ctypes.sizeof(SizeT) != _ctypes.sizeof(VoidP):

        class SizeT(_ctypes._SimpleCData):  # LLP64: unsigned long long
            _type_ = "Q"

    class Library:
        def __init__(self) -> None:
            self._handle = _ctypes.dlopen(path, _ctypes.RTLD_LOCAL)

    library = Library()

    def function(name: str, argtypes: list, restype):
        class Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL
            _restype_ = restype

        bound = Function((name, library))
        bound.argtypes = argtypes
        return bound

    vp, cp, sz = VoidP, CharP, SizeT
    return (
        function("EVP_PKEY_new_raw_public_key", [Int, vp, cp, sz], vp),
        function("EVP_PKEY_free", [vp], None),
        function("EVP_MD_CTX_new", [], vp),
        function("EVP_MD_CTX_free", [vp], None),
        function("EVP_DigestVerifyInit", [vp, vp, vp, vp, vp], Int),
        function("EVP_DigestVerify", [vp, cp, sz, cp, sz], Int),
    )


def _openssl():
    """A verify function over the interpreter's libcrypto, or None when unavailable."""
    try:
        import _hashlib
    except ImportError:
        return None
    path = getattr(_hashlib, "__file__", None)
    if not path:
        return None
    try:  # dlsym on the _hashlib handle also searches its dependencies (libcrypto)
        new_key, free_key, new_ctx, free_ctx, init, digest_verify = _bind(path)
    except (ImportError, OSError, AttributeError, TypeError):
        return None

    def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
        key = new_key(_EVP_PKEY_ED25519, None, public_key, len(public_key))
        if not key:
            return False
        ctx = new_ctx()
        try:
            if not ctx or init(ctx, None, None, None, key) != 1:
                return False
            return digest_verify(ctx, signature, len(signature), message, len(message)) == 1
        finally:
            if ctx:
                free_ctx(ctx)
            free_key(key)

    # Known-answer self-test (RFC 8032, section 7.1, test 2): a binding that does not
    # accept the right signature and refuse a wrong one is never used.
    public = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
    sig = bytes.fromhex(
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    )
    try:
        ok = verify(public, sig, b"\x72") and not verify(public, sig, b"\x73")
    except Exception:  # ctypes.ArgumentError, OSError: not usable here
        return None
    return verify if ok else None


def _cryptography():
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError as exc:
        from .errors import SignatureError

        raise SignatureError(
            "cannot verify Ed25519 signatures: the interpreter's OpenSSL is not usable for "
            f"it and the 'cryptography' package cannot be imported ({exc}); install it "
            "(pip install cryptography; pyvorin-runtime depends on it)"
        ) from exc

    def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    return verify


def backend() -> str:
    """Which implementation verifies here: ``openssl`` or ``cryptography``."""
    return _choose()[0]


def _choose():
    global _backend
    if _backend is None:
        wanted = os.environ.get("PYVORIN_ED25519", "").strip().lower()
        fast = None if wanted == "cryptography" else _openssl()
        _backend = ("openssl", fast) if fast else ("cryptography", _cryptography())
    return _backend


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key``."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    return _choose()[1](bytes(public_key), bytes(signature), bytes(message))

"""SHA-256, HMAC-SHA256 and constant-time comparison for the import-time check.

The check runs in every process that imports a compiled module, so what it imports is
paid by every end user. ``hashlib`` and ``hmac`` are thin pure-Python layers over the same
C functions whose import costs more than the check itself (``hashlib`` builds its
constructor table and loads ``_blake2``; ``hmac`` imports ``warnings``); this module takes
those functions from ``_hashlib``, the OpenSSL binding ``hashlib`` itself uses (and which
the Ed25519 check loads anyway), falling back to the built-in SHA-256 and
``_operator._compare_digest`` where the interpreter has no OpenSSL.
"""

try:
    from _hashlib import compare_digest, hmac_digest
    from _hashlib import openssl_sha256 as _sha256
except ImportError:  # an interpreter built without OpenSSL
    from _operator import _compare_digest as compare_digest

    try:
        from _sha2 import sha256 as _sha256  # Python 3.12+
    except ImportError:
        from _sha256 import sha256 as _sha256

    hmac_digest = None

__all__ = ["compare_digest", "hmac_sha256", "sha256_hex"]


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data``, as lowercase hex."""
    return _sha256(data).hexdigest()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key`` (RFC 2104)."""
    if hmac_digest is not None:
        return hmac_digest(key, message, "sha256")
    import hmac  # no OpenSSL: the standard library's pure-Python HMAC over _sha256

    return hmac.new(key, message, _sha256).digest()

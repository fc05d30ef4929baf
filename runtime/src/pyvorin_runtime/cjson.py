"""JSON for the import-time check, without importing :mod:`json`.

``import json`` pulls in ``re``, ``enum`` and the pure-Python decoder and encoder, most
of the cost of a first compiled import. The work itself is done by CPython's C
accelerator ``_json`` in both cases: :mod:`json` calls ``_json.make_scanner`` and
``_json.make_encoder`` exactly as below (``JSONDecoder`` with its defaults;
``JSONEncoder.iterencode`` with ``indent=None``), so :func:`loads` and :func:`canonical`
give what ``json.loads`` and ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)`` give; ``tests/runtime/test_cjson.py`` holds them equal. Where
``_json`` is missing (another Python implementation) :mod:`json` itself is used.
"""

from __future__ import annotations

try:
    from _json import encode_basestring as _encode_str
    from _json import make_encoder as _make_encoder
    from _json import make_scanner as _make_scanner
except ImportError:  # pragma: no cover - CPython always has _json
    _make_scanner = _make_encoder = _encode_str = None

_WHITESPACE = " \t\n\r"
_CONSTANTS = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}


class _Context:
    """The attributes ``_json.make_scanner`` reads (``json.JSONDecoder``'s defaults)."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = staticmethod(_CONSTANTS.__getitem__)
    memo: dict = {}


def _decode_error(message: str, doc: str, pos: int) -> Exception:
    from json import JSONDecodeError

    return JSONDecodeError(message, doc, pos)


def loads(data: bytes | str):
    """Parse a JSON document (UTF-8 bytes or str); ValueError when it is not valid JSON."""
    if isinstance(data, bytes | bytearray):
        data = bytes(data).decode("utf-8")  # UnicodeDecodeError is a ValueError
    if _make_scanner is None:  # pragma: no cover
        import json

        return json.loads(data)
    if data.startswith("\ufeff"):
        raise _decode_error("Unexpected UTF-8 BOM (decode using utf-8-sig)", data, 0)
    scan = _make_scanner(_Context())
    index = len(data) - len(data.lstrip(_WHITESPACE))
    try:
        obj, end = scan(data, index)
    except StopIteration as exc:
        raise _decode_error("Expecting value", data, exc.value) from None
    except SystemError:
        # Before 3.12, _json builds its JSONDecodeError from ``json.decoder`` only when
        # that module is already imported; otherwise it returns NULL with no exception
        # set. A malformed document is rare: let json report it with its own message.
        import json

        return json.loads(data)
    end += len(data[end:]) - len(data[end:].lstrip(_WHITESPACE))
    if end != len(data):
        raise _decode_error("Extra data", data, end)
    return obj


def _default(obj):
    raise TypeError(f"Object of type {obj.__class__.__name__} is not JSON serializable")


def canonical(obj) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes that manifest signatures cover."""
    if _make_encoder is None or isinstance(obj, str):  # pragma: no cover
        import json

        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return text.encode()
    encode = _make_encoder({}, _default, _encode_str, None, ":", ",", True, False, True)
    return "".join(encode(obj, 0)).encode()

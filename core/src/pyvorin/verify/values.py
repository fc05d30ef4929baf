"""Safe, exact serialization of verification values (no pickle, ever).

Values cross process boundaries (parent <-> worker) and are stored in the recorded
corpus as JSON with tagged values, so every value round-trips exactly:

* ``None`` -> ``null``; ``bool`` -> ``true``/``false``
* ``int`` (any size) -> ``{"int": "<decimal digits>"}``
* ``float`` -> ``{"float": "<float.hex()>"}``: exact bits for finite values (so ``-0.0``
  and subnormals survive), ``"inf"``, ``"-inf"``; ``"nan"`` for the one NaN Python
  writes as ``float("nan")`` (bits ``0x7ff8000000000000``) and ``"nan:0x<16 hex digits>"``
  for every other NaN, so a NaN's sign and payload survive and are compared
* an instance of a subclass of ``int``, ``float``, ``list`` or ``tuple`` given as an
  *input* -> ``{"sub": <the tagged base value>}``: the worker passes an instance of its
  own trivial subclass (calls as users make them, e.g. an ``IntEnum``-like int)
* ``str`` -> ``{"str": "..."}``
* ``bytes``/``bytearray`` -> ``{"bytes"/"bytearray": "<hex>"}`` (lower-case hex digits,
  two per byte); decoded to the same type, so a ``bytearray`` argument the call changes
  shows as mutated
* ``list`` -> ``{"list": [...]}``; ``tuple`` -> ``{"tuple": [...]}``
* ``dict`` -> ``{"dict": [[key, value], ...]}`` in iteration (insertion) order; decoded
  back into a dict with the same items in the same order (a ``dict[K, V]`` parameter's
  inputs). A pair whose key is unhashable, or a key given twice, is malformed.
* an object made by a call in the worker (an examples file's ``{ new = "pkg.mod:Class",
  args = [...], kwargs = {...} }``) -> ``{"new": {"target": "pkg.mod:Class", "args":
  [...], "kwargs": {...}}}``. Decoded, it is a :class:`Construct`, a description: only
  the worker calls it (:func:`realize`), each side with its own module, so a compiled
  function gets an instance of the compiled class and CPython one of the source's.
* a callable passed by name (a ``Callable`` parameter's input: one of the module's own
  top-level functions or a builtin) -> ``{"ref": "pkg.mod:function"}``. Decoded, it is a
  :class:`Ref`; the worker looks the name up (:func:`realize`) in its own module, so the
  compiled function gets the compiled callee and CPython the source's.

Results (never inputs, never decoded) have more forms, so that a result compares by what
it holds, not by a ``repr`` that names an address:

* ``set``/``frozenset`` -> ``{"set"/"frozenset": [...]}`` items sorted by their encoding
* an iterator (a generator, ``map``, ``zip``, ...) -> ``{"iterator": "<type name>",
  "items": [...], "then": ...}``: it is consumed, up to :data:`MAX_ITEMS` items, and
  ``then`` says how that ended (``"exhausted"``, ``"more"`` or the exception raised);
  compiled generators are of a type named ``generator`` like CPython's
* a coroutine (what calling an ``async def`` returns) -> ``{"coroutine": "<type name>",
  "outcome": ...}``: it is driven to completion in a fresh asyncio event loop on each side
  and ``outcome`` is ``{"returned": <value>}`` or ``{"raised": "<type>", "message": "..."}``
  (an opaque coroutine object is never compared as such); compiled coroutines are of a type
  named ``coroutine`` like CPython's
* an async generator -> ``{"async_iterator": "<type name>", "items": [...], "then": ...}``:
  iterated with ``async for`` in a fresh event loop, up to :data:`MAX_ITEMS` items, and
  compared like an iterator
* a function -> ``{"function": "<qualified name>"}`` (compiled functions are of another
  type, as docs/subset.md says; what is compared is which function it is)
* an instance of a class with a ``__dict__`` or ``__slots__`` ->
  ``{"object": "<module.Class>", "attrs": [[name, value], ...]}`` (the slots that are
  set, then the ``__dict__``), attributes compared recursively (a float attribute bit for
  bit, as everywhere); an instance of a class with a ``__repr__`` of its own also keeps
  that ``repr`` (``"repr": "..."``);
* a list, dict or object met again inside itself -> ``{"cycle": n}``: the container ``n``
  levels up, so a cyclic structure encodes finitely and two structures whose cycles close
  at different places differ; an object met again elsewhere in the same value (shared,
  not on its own path) -> ``{"object": "<module.Class>", "same_as": k}``, the ``k``-th
  object first met (from 0): a graph of objects encodes in linear size, and which objects
  are shared is compared
* any other type -> ``{"other": "<type name>", "repr": "<repr>"}`` with addresses
  (`` at 0x...``) masked, since they differ between any two processes.

Because the encoding is exact and canonical, two values are equal for verification
(type and value; floats bit for bit, ``-0.0 != 0.0``, ``nan == nan``) exactly when their
encodings are equal.

This module is imported by the worker process: standard library only.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

TAGS = ("int", "float", "str", "bytes", "bytearray", "list", "tuple", "dict", "sub", "new", "ref")
CANONICAL_NAN_BITS = 0x7FF8000000000000
_MAX_DEPTH = 200
_DECIMAL_BITS = 13_000  # well inside sys.int_info.default_max_str_digits (4300 digits)


class ValueFormatError(ValueError):
    """A tagged value is malformed (names what was found)."""


# id -> depth of the lists, dicts and objects being encoded (the path from the root):
# one met again on its own path is a cycle. Encoding is not re-entrant across threads;
# the worker and the parent encode on one thread.
_ON_PATH: dict[int, int] = {}
# id -> number of the objects (instances of classes) already encoded in the value being
# encoded, in the order first met
_SHARED: dict[int, int] = {}
_CYCLIC = (list, dict)


# |ints| below this have fewer than _DECIMAL_BITS bits: their text is str(value)
_SMALL_INT = 1 << 62


def encode(value: Any, _depth: int = 0) -> Any:
    """The tagged JSON form of ``value``."""
    if _depth == 0:
        _SHARED.clear()  # a new value: objects are numbered anew
    if _depth > _MAX_DEPTH:
        return {"other": type(value).__name__, "repr": "<nested too deeply>"}
    kind = type(value)
    # the leaves of every value first, without the checks only containers need
    if kind is int:
        return {"int": str(value) if -_SMALL_INT < value < _SMALL_INT else int_text(value)}
    if kind is str:
        return {"str": value}
    if value is None or kind is bool:
        return value
    if kind is float:
        return {"float": float_text(value)}
    plain_object = kind not in _CYCLIC and _is_plain_object(value, kind)
    if kind in _CYCLIC or plain_object:
        seen = _ON_PATH.get(id(value))
        if seen is not None:
            return {"cycle": _depth - seen}
        if plain_object:
            # an object met again elsewhere in the value (a graph: squares sharing their
            # neighbours) is encoded once, then named by the order it was first met:
            # unrolling shared objects would grow exponentially
            number = _SHARED.get(id(value))
            if number is not None:
                return {"object": _type_name(kind), "same_as": number}
            _SHARED[id(value)] = len(_SHARED)
        _ON_PATH[id(value)] = _depth
        try:
            return _encode_value(value, kind, _depth)
        finally:
            del _ON_PATH[id(value)]
    return _encode_value(value, kind, _depth)


def _is_plain_object(value: Any, kind: type) -> bool:
    """An instance of a class with an attribute ``__dict__`` or ``__slots__`` (compared by
    its attributes)."""
    return (
        kind.__module__ != "builtins"
        and (isinstance(getattr(value, "__dict__", None), dict) or bool(slot_names(kind)))
        and not isinstance(value, type)
        and kind.__name__ not in _FUNCTION_TYPES
    )


_NO_SLOTS: tuple[str, ...] = ()
_SLOTS: dict[type, tuple[str, ...]] = {}


def slot_names(kind: type) -> tuple[str, ...]:
    """The attributes the ``__slots__`` of ``kind`` and its bases declare, as stored
    (private names mangled), bases first; ``__dict__``/``__weakref__`` left out."""
    found = _SLOTS.get(kind)
    if found is not None:
        return found
    names: list[str] = []
    for cls in reversed(kind.__mro__):
        declared = cls.__dict__.get("__slots__", _NO_SLOTS) if cls.__module__ != "builtins" else ()
        for name in (declared,) if isinstance(declared, str) else declared:
            if not isinstance(name, str) or name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{cls.__name__.lstrip('_')}{name}"
            if name not in names:
                names.append(name)
    _SLOTS[kind] = tuple(names)
    return _SLOTS[kind]


_UNSET = object()


def attributes(value: Any) -> list[tuple[str, Any]]:
    """An object's state: its ``__slots__`` that are set (in declaration order), then its
    ``__dict__`` (in insertion order)."""
    pairs = []
    for name in slot_names(type(value)):
        item = getattr(value, name, _UNSET)
        if item is not _UNSET:
            pairs.append((name, item))
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict):
        pairs.extend(state.items())
    return pairs


def _encode_value(value: Any, kind: type, _depth: int) -> Any:
    if kind is int:
        return {"int": int_text(value)}
    if kind is float:
        return {"float": float_text(value)}
    if kind is str:
        return {"str": value}
    if kind is list:
        return {"list": _items(value, _depth + 1)}
    if kind is tuple:
        return {"tuple": _items(value, _depth + 1)}
    if kind in _SUBCLASS_TYPES:
        return {"sub": encode(plain(value), _depth + 1)}
    if kind is Construct:
        return {
            "new": {
                "target": value.target,
                "args": [encode(a, _depth + 1) for a in value.args],
                "kwargs": {k: encode(v, _depth + 1) for k, v in value.kwargs},
            }
        }
    if kind is Ref:
        return {"ref": value.target}
    return _encode_result(value, kind, _depth)


def _items(values: Any, depth: int) -> list[Any]:
    """``[encode(item, depth) for item in values]``, the scalar items encoded in place: a
    list of ints or a grid of them (the bulk of most values) costs no call per item."""
    if depth > _MAX_DEPTH:
        return [encode(item, depth) for item in values]
    out: list[Any] = []
    append = out.append
    for item in values:
        kind = type(item)
        if kind is int:
            append({"int": str(item) if -_SMALL_INT < item < _SMALL_INT else int_text(item)})
        elif kind is str:
            append({"str": item})
        elif item is None or kind is bool:
            append(item)
        elif kind is float:
            append({"float": float_text(item)})
        else:
            append(encode(item, depth))
    return out


_TARGET = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


@dataclass(frozen=True)
class Construct:
    """An input object made in the worker by calling ``target`` ("pkg.mod:Class") with
    ``args`` and ``kwargs`` (name, value pairs), which may hold constructs themselves.

    The parent only describes, shows and compares it; the worker makes it with
    :func:`realize` just before the call, from its own imported module.
    """

    target: str
    args: tuple = ()
    kwargs: tuple = ()

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not _TARGET.match(self.target):
            raise ValueFormatError(
                f"bad construct target {self.target!r}: expected 'module:name' such as "
                "'pkg.mod:Class' or 'io:StringIO'"
            )


@dataclass(frozen=True)
class Ref:
    """A callable passed by name: ``target`` ("pkg.mod:function", "builtins:len").

    Like a :class:`Construct`, it is only looked up in the worker (:func:`realize`), each
    side in its own module: the compiled function is passed the compiled callee.
    """

    target: str

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not _TARGET.match(self.target):
            raise ValueFormatError(
                f"bad function reference {self.target!r}: expected 'module:name' such as "
                "'pkg.mod:helper' or 'builtins:len'"
            )


def _lookup(target: str) -> Any:
    module_name, _, qualname = target.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def realize(value: Any) -> Any:
    """``value`` with every :class:`Construct` in it called and every :class:`Ref` looked
    up (in the worker only)."""
    kind = type(value)
    if kind is Ref:
        return _lookup(value.target)
    if kind is Construct:
        made = _lookup(value.target)
        return made(*[realize(a) for a in value.args], **{k: realize(v) for k, v in value.kwargs})
    if kind is list:
        return [realize(v) for v in value]
    if kind is tuple:
        return tuple(realize(v) for v in value)
    if kind is dict:
        return {realize(k): realize(v) for k, v in value.items()}
    return value


def has_construct(value: Any) -> bool:
    kind = type(value)
    if kind is Construct or kind is Ref:
        return True
    if kind is list or kind is tuple:
        return any(has_construct(v) for v in value)
    if kind is dict:
        return any(has_construct(k) or has_construct(v) for k, v in value.items())
    return False


MAX_ITEMS = 1000  # items of a returned iterator that are consumed and compared
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_FUNCTION_TYPES = ("function", "builtin_function_or_method", "pyvorin_function", "method")


def _encode_result(value: Any, kind: type, depth: int) -> Any:
    """The forms only a result can take (see the module docstring)."""
    if kind is dict:
        return {"dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind is set or kind is frozenset:
        items = sorted((encode(item, depth + 1) for item in value), key=dumps)
        return {kind.__name__: items}
    if kind is bytes or kind is bytearray:
        return {kind.__name__: bytes(value).hex()}
    if kind.__name__ in _FUNCTION_TYPES:
        return {"function": str(getattr(value, "__qualname__", "?"))}
    if _is_coroutine(value):
        return _run_coroutine(value, kind, depth)
    if _is_async_generator(value):
        return _consume_async(value, kind, depth)
    if _is_iterator(value, kind):
        return _consume(value, kind, depth)
    if isinstance(value, io.StringIO):  # an output stream: what was written to it
        written = encode(value.getvalue(), depth + 1)
        return {"object": _type_name(kind), "attrs": [["getvalue()", written]]}
    if _is_plain_object(value, kind):
        names_values = attributes(value)
        encoded = _items([item for _name, item in names_values], depth + 1)
        pairs = [[name, item] for (name, _v), item in zip(names_values, encoded, strict=True)]
        entry: dict[str, Any] = {"object": _type_name(kind), "attrs": pairs}
        if kind.__repr__ is not object.__repr__:
            entry["repr"] = _shown_repr(value)
        return entry
    return {"other": _type_name(kind), "repr": _shown_repr(value)}


def _shown_repr(value: Any) -> str:
    try:
        return _ADDRESS.sub(" at 0x…", repr(value))
    except Exception as exc:  # a broken __repr__ must not break the report
        return f"<repr failed: {type(exc).__name__}>"


def _is_coroutine(value: Any) -> bool:
    import collections.abc

    return isinstance(value, collections.abc.Coroutine)


def _run_coroutine(value: Any, kind: type, depth: int) -> dict[str, Any]:
    """Drive a returned coroutine to completion in an event loop of its own; the outcome
    (value or exception) is what is compared."""
    import asyncio

    async def drive() -> Any:
        return await value

    loop = asyncio.new_event_loop()
    try:
        outcome: Any = {"returned": encode(loop.run_until_complete(drive()), depth + 1)}
    except Exception as exc:  # how the coroutine ended is part of the result
        outcome = {"raised": type(exc).__name__, "message": str(exc)}
    finally:
        loop.close()
    return {"coroutine": _type_name(kind), "outcome": outcome}


def _is_async_generator(value: Any) -> bool:
    import collections.abc

    return isinstance(value, collections.abc.AsyncGenerator)


def _consume_async(value: Any, kind: type, depth: int) -> dict[str, Any]:
    """Iterate a returned async generator in an event loop of its own, as
    :func:`_consume` does an iterator."""
    import asyncio

    items: list[Any] = []

    async def drive() -> Any:
        try:
            async for item in value:
                if len(items) == MAX_ITEMS:
                    return "more"
                items.append(encode(item, depth + 1))
            return "exhausted"
        finally:
            await value.aclose()

    loop = asyncio.new_event_loop()
    try:
        then: Any = loop.run_until_complete(drive())
    except Exception as exc:  # how the iteration ended is part of the result
        then = {"raised": type(exc).__name__, "message": str(exc)}
    finally:
        loop.close()
    return {"async_iterator": _type_name(kind), "items": items, "then": then}


def _is_iterator(value: Any, kind: type) -> bool:
    try:
        return hasattr(kind, "__next__") and iter(value) is value
    except Exception:
        return False


def _consume(value: Any, kind: type, depth: int) -> dict[str, Any]:
    items: list[Any] = []
    then: Any = "exhausted"
    try:
        for item in value:
            if len(items) == MAX_ITEMS:
                then = "more"
                break
            items.append(encode(item, depth + 1))
    except Exception as exc:  # how the iteration ended is part of the result
        then = {"raised": type(exc).__name__, "message": str(exc)}
    return {"iterator": _type_name(kind), "items": items, "then": then}


def int_text(value: int) -> str:
    """Decimal digits, or ``0x`` hex beyond CPython's int/str conversion limit."""
    if value.bit_length() < _DECIMAL_BITS:
        return str(value)
    return hex(value)


def float_bits(value: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def float_from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits & 0xFFFFFFFFFFFFFFFF))[0]


def float_text(value: float) -> str:
    if math.isnan(value):
        bits = float_bits(value)
        return "nan" if bits == CANONICAL_NAN_BITS else f"nan:0x{bits:016x}"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value.hex()


def _type_name(kind: type) -> str:
    module = getattr(kind, "__module__", "")
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module == "builtins" else f"{module}.{name}"


def decode(data: Any) -> Any:
    """The value of a tagged JSON form; raises :class:`ValueFormatError` if malformed."""
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, dict) and len(data) == 1:
        ((tag, payload),) = data.items()
        if tag == "int" and isinstance(payload, str):
            try:
                if payload.lstrip("-").lower().startswith("0x"):
                    return int(payload, 16)
                return int(payload, 10)
            except ValueError:
                raise ValueFormatError(
                    f"bad int {payload!r}: expected decimal digits or 0x hex digits"
                ) from None
        if tag == "float" and isinstance(payload, str):
            return parse_float(payload)
        if tag == "str" and isinstance(payload, str):
            return payload
        if tag in ("bytes", "bytearray") and isinstance(payload, str):
            return _decode_bytes(tag, payload)
        if tag == "list" and isinstance(payload, list):
            return [decode(item) for item in payload]
        if tag == "tuple" and isinstance(payload, list):
            return tuple(decode(item) for item in payload)
        if tag == "dict" and isinstance(payload, list):
            return _decode_dict(payload)
        if tag == "sub":
            return subclass_instance(decode(payload))
        if tag == "ref" and isinstance(payload, str):
            return Ref(payload)
        if tag == "new" and isinstance(payload, dict):
            args, kwargs = payload.get("args", []), payload.get("kwargs", {})
            if (
                isinstance(args, list)
                and isinstance(kwargs, dict)
                and set(payload)
                <= {
                    "target",
                    "args",
                    "kwargs",
                }
            ):
                return Construct(
                    payload.get("target"),  # type: ignore[arg-type]  # checked by Construct
                    tuple(decode(a) for a in args),
                    tuple((str(k), decode(v)) for k, v in kwargs.items()),
                )
    shown = json.dumps(data)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    raise ValueFormatError(
        f"not a tagged value: {shown} (expected null, true/false, or one of "
        + ", ".join("{" + repr(tag) + ": ...}" for tag in TAGS)
        + ")"
    )


def _decode_bytes(tag: str, payload: str) -> bytes | bytearray:
    try:
        data = bytes.fromhex(payload)
    except ValueError:
        shown = payload if len(payload) <= 40 else payload[:37] + "..."
        raise ValueFormatError(
            f"bad {tag} {shown!r}: expected hex digits, two per byte, e.g. '00ff41'"
        ) from None
    return data if tag == "bytes" else bytearray(data)


def _decode_dict(pairs: list[Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise ValueFormatError(f"bad dict item {json.dumps(pair)[:80]}: expected [key, value]")
        item_key, item = decode(pair[0]), decode(pair[1])
        try:
            if item_key in out:
                raise ValueFormatError(f"bad dict: the key {show(item_key)} is given twice")
        except TypeError:
            raise ValueFormatError(
                f"bad dict: the key {show(item_key)} is unhashable ({type(item_key).__name__})"
            ) from None
        out[item_key] = item
    return out


class PvInt(int):
    """The subclass of ``int`` the verifier passes where a subclass instance is wanted."""


class PvFloat(float):
    """The subclass of ``float`` the verifier passes where a subclass instance is wanted."""


class PvList(list):  # type: ignore[type-arg]
    """The subclass of ``list`` the verifier passes where a subclass instance is wanted."""


class PvTuple(tuple):  # type: ignore[type-arg]
    """The subclass of ``tuple`` the verifier passes where a subclass instance is wanted."""


_SUBCLASSES: dict[type, type] = {int: PvInt, float: PvFloat, list: PvList, tuple: PvTuple}
_SUBCLASS_TYPES = frozenset(_SUBCLASSES.values())


def subclass_instance(value: Any) -> Any:
    """``value`` as an instance of the verifier's subclass of its (exact) type."""
    kind = _SUBCLASSES.get(type(value))
    if kind is None or isinstance(value, bool):
        raise ValueFormatError(f"no subclass input for a value of type {type(value).__name__}")
    return kind(value)


def plain(value: Any) -> Any:
    """A subclass instance made by :func:`subclass_instance` as its exact base value."""
    for base, kind in _SUBCLASSES.items():
        if type(value) is kind:
            return base(value)
    return value


def parse_float(text: str) -> float:
    """A float from ``float.hex()`` text, ``inf``/``-inf``/``nan`` or a decimal literal.

    NaNs: ``nan`` (Python's ``float("nan")``), ``-nan`` (the same with the sign bit set) and
    ``nan:0x<bits>`` (exactly those 64 bits, which must be a NaN: sign and payload).
    """
    lowered = text.strip().lower()
    if lowered in ("nan", "+nan"):
        return math.nan
    if lowered == "-nan":
        return -math.nan
    if lowered.startswith("nan:"):
        try:
            bits = int(lowered[4:], 16)
        except ValueError:
            bits = -1
        value = float_from_bits(bits) if 0 <= bits < 1 << 64 else 0.0
        if not math.isnan(value):
            raise ValueFormatError(
                f"bad NaN {text!r}: expected nan:0x followed by the 16 hex digits of a NaN's "
                "bits, e.g. nan:0xfff8000000000001"
            )
        return value
    try:
        if "0x" in lowered:
            return float.fromhex(lowered)
        return float(lowered)
    except ValueError:
        raise ValueFormatError(
            f"bad float {text!r}: expected float.hex() text such as '-0x0.0p+0', "
            "a decimal such as '2.5', or inf, -inf, nan"
        ) from None


def dumps(data: Any) -> str:
    """Canonical JSON text of an already-encoded structure (sorted keys, compact)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def same_encoding(a: Any, b: Any) -> bool:
    """Whether two encoded structures are equal: ``dumps(a) == dumps(b)``, without writing
    either out. The same thing: an encoding is made of dicts with string keys (compared
    regardless of order, as sorted keys are), lists (in order), strings, ``None`` and
    bools in value positions, and ints only as the payload of ``cycle`` / ``same_as``,
    never where a bool can be: no ``True == 1`` or float can blur it."""
    return a == b


def key(value: Any) -> str:
    """A canonical string that is equal for two values exactly when they are equal."""
    return dumps(encode(value))


def show(value: Any, limit: int = 2000) -> str:
    """A Python-like rendering that keeps every distinction the comparison makes.

    Floats print with ``repr`` (the shortest text that round-trips, so distinct floats
    print differently and ``-0.0`` shows its sign); ints, bools and None are unambiguous.
    """
    text = _show(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _show(value: Any) -> str:
    if type(value) is Ref:
        return value.target.replace(":", ".")
    if type(value) is Construct:
        inner = [_show(a) for a in value.args] + [f"{k}={_show(v)}" for k, v in value.kwargs]
        return f"{value.target.replace(':', '.')}({', '.join(inner)})"
    if type(value) in _SUBCLASS_TYPES:
        return f"{type(value).__name__}({_show(plain(value))})"
    if type(value) is float and math.isnan(value) and float_text(value) != "nan":
        return f"float({float_text(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, tuple):
        inner = ", ".join(_show(v) for v in value)
        return "(" + inner + ("," if len(value) == 1 else "") + ")"
    if type(value) is dict:
        return "{" + ", ".join(f"{_show(k)}: {_show(v)}" for k, v in value.items()) + "}"
    if type(value) is int:
        return int_text(value)
    return repr(value)


def show_encoded(data: Any, limit: int = 2000) -> str:
    """Like :func:`show` for an encoded value (which may be a non-decodable result)."""
    text = _show_encoded(data)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _show_encoded(data: Any) -> str:
    if isinstance(data, dict) and "other" in data:
        return f"<{data['other']}: {data.get('repr', '')}>"
    if isinstance(data, dict) and "coroutine" in data:
        out = data["outcome"]
        if "returned" in out:
            return f"<coroutine returning {_show_encoded(out['returned'])}>"
        return f"<coroutine raising {out['raised']}: {out['message']}>"
    if isinstance(data, dict) and ("iterator" in data or "async_iterator" in data):
        items = ", ".join(_show_encoded(v) for v in data.get("items", []))
        then = data.get("then")
        if isinstance(then, dict):
            then = f"then raised {then.get('raised')}: {then.get('message')}"
        name = data.get("iterator") or data.get("async_iterator")
        return f"<{name} yielding [{items}], {then}>"
    if isinstance(data, dict) and "same_as" in data:
        return f"<{data['object']} object #{data['same_as']} again>"
    if isinstance(data, dict) and "object" in data:
        attrs = ", ".join(f"{k}={_show_encoded(v)}" for k, v in data.get("attrs", []))
        shown = f"; repr {data['repr']}" if "repr" in data else ""
        return f"<{data['object']} object: {attrs}{shown}>"
    if isinstance(data, dict) and set(data) == {"cycle"}:
        return f"<cycle: the container {data['cycle']} level(s) up>"
    if isinstance(data, dict) and set(data) == {"ref"}:
        return str(data["ref"]).replace(":", ".")
    if isinstance(data, dict) and len(data) == 1:
        ((tag, payload),) = data.items()
        if tag == "dict":
            pairs = (f"{_show_encoded(k)}: {_show_encoded(v)}" for k, v in payload)
            return "{" + ", ".join(pairs) + "}"
        if tag in ("set", "frozenset"):
            return f"{tag}({{" + ", ".join(_show_encoded(v) for v in payload) + "})"
        if tag in ("bytes", "bytearray"):
            return f"{tag}.fromhex({payload!r})"
        if tag == "function":
            return f"<function {payload}>"
    if isinstance(data, dict) and len(data) == 1:
        ((tag, payload),) = data.items()
        if tag == "list":
            return "[" + ", ".join(_show_encoded(v) for v in payload) + "]"
        if tag == "tuple":
            inner = ", ".join(_show_encoded(v) for v in payload)
            return "(" + inner + ("," if len(payload) == 1 else "") + ")"
        if tag == "int":
            return payload
        if tag == "float":
            return payload if payload.startswith("nan:") else repr(parse_float(payload))
        if tag == "str":
            return repr(payload)
        if tag == "sub":
            return f"<subclass of {_base_name(payload)}: {_show_encoded(payload)}>"
    return repr(data)


def _base_name(data: Any) -> str:
    return next(iter(data)) if isinstance(data, dict) and data else type(data).__name__


def lines_of(data: Any, indent: int = 0) -> list[str]:
    """An encoded value pretty-printed one element per line, for unified diffs."""
    pad = "  " * indent
    if isinstance(data, dict) and len(data) == 1 and next(iter(data)) in ("list", "tuple"):
        ((tag, payload),) = data.items()
        if not payload:
            return [pad + ("[]" if tag == "list" else "()")]
        opening, closing = ("[", "]") if tag == "list" else ("(", ")")
        out = [pad + opening]
        for item in payload:
            inner = lines_of(item, indent + 1)
            inner[-1] += ","
            out.extend(inner)
        out.append(pad + closing)
        return out
    return [pad + _show_encoded(data)]

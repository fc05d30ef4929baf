"""The tagged, pickle-free value encoding: exact round trips and equality semantics."""

from __future__ import annotations

import json
import math
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvorin.verify.values import ValueFormatError, decode, encode, key, show

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**20000), max_value=2**20000),
    st.floats(allow_nan=False),
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner), max_leaves=12
)


def same(a, b) -> bool:
    """Type and value equal, floats bit for bit (the verifier's notion)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex() or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@settings(max_examples=150, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_round_trip_through_json_is_exact(value):
    text = json.dumps(encode(value))
    assert same(decode(json.loads(text)), value)


@pytest.mark.parametrize(
    "value",
    [
        0.0,
        -0.0,
        math.inf,
        -math.inf,
        5e-324,
        -5e-324,
        2.225073858507201e-308,
        1.7976931348623157e308,
    ],
)
def test_special_floats_keep_their_bits(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert back.hex() == value.hex()


def test_nans_keep_sign_and_payload():
    assert encode(math.nan) == {"float": "nan"}
    assert math.isnan(decode({"float": "nan"}))
    assert key(math.nan) != key(-math.nan)
    assert encode(-math.nan) == {"float": "nan:0xfff8000000000000"}
    payload = struct.unpack("<d", struct.pack("<Q", 0x7FF8000000000001))[0]
    assert encode(payload) == {"float": "nan:0x7ff8000000000001"}
    for value in (math.nan, -math.nan, payload):
        back = decode(json.loads(json.dumps(encode(value))))
        assert struct.pack("<d", back) == struct.pack("<d", value)
    assert struct.pack("<d", decode({"float": "-nan"})) == struct.pack("<d", -math.nan)
    with pytest.raises(ValueFormatError, match="bad NaN"):
        decode({"float": "nan:0x3ff0000000000000"})  # the bits of 1.0, not a NaN


def test_subclass_inputs_round_trip():
    from pyvorin.verify.values import PvFloat, PvInt, plain

    for value in (PvInt(7), PvFloat(-0.0)):
        back = decode(json.loads(json.dumps(encode(value))))
        assert type(back) is type(value) and key(plain(back)) == key(plain(value))
    assert key(PvInt(7)) != key(7)


def test_equality_is_type_and_bits():
    assert key(0.0) != key(-0.0)
    assert key(1) != key(1.0) != key(True)
    assert key([1, 2]) != key((1, 2))
    assert key(0.1 + 0.2) != key(0.3)
    assert key([[1], (2.0,)]) == key([[1], (2.0,)])


def test_huge_ints_beyond_the_str_conversion_limit():
    value = -(7**30000)
    data = encode(value)
    assert data["int"].startswith("-0x")
    assert decode(data) == value
    assert show(value).startswith("-0x")


def test_show_keeps_distinctions():
    assert show([0.0, -0.0, 1, 1.0, True, None, (1,)]) == "[0.0, -0.0, 1, 1.0, True, None, (1,)]"


def test_results_of_other_types_encode_but_never_decode():
    assert encode({"a": 1}) == {"dict": [[{"str": "a"}, {"int": "1"}]]}
    assert decode(encode({"a": 1})) == {"a": 1}  # dicts are inputs too (dict[K, V])
    assert encode(range(3)) == {"other": "range", "repr": "range(0, 3)"}
    for value in (range(3), {1}, memoryview(b"x"), iter([1])):
        with pytest.raises(ValueFormatError):
            decode(encode(value))


def test_bytes_and_bytearray_round_trip_as_their_own_type():
    for value in (b"", b"\x00\xffab", bytearray(), bytearray(b"\x80xyz"), bytes(range(256))):
        data = encode(value)
        assert data == {type(value).__name__: bytes(value).hex()}
        back = decode(data)
        assert type(back) is type(value) and back == value
    # a bytearray and bytes of equal content are different inputs (and results)
    assert key(b"ab") != key(bytearray(b"ab"))
    assert decode({"bytes": "00FF"}) == b"\x00\xff"


@pytest.mark.parametrize("payload", ["0", "zz", "0g", 12])
def test_malformed_bytes_name_what_was_found(payload):
    with pytest.raises(ValueFormatError, match="bytes"):
        decode({"bytes": payload})


@pytest.mark.parametrize(
    "bad",
    [
        {"int": "12x"},
        {"float": "pi"},
        {"pickle": "gASV"},
        {"int": 3},
        [1, 2],
        "text",
        {"list": [1], "tuple": [2]},
    ],
)
def test_malformed_values_are_rejected_with_a_message(bad):
    with pytest.raises(ValueFormatError) as info:
        decode(bad)
    assert str(info.value)


# --------------------------------------------------------------------------- result forms


def _gen(items, error=None):
    yield from items
    if error is not None:
        raise error


class _Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


def test_iterators_compare_by_their_items_not_their_address():
    from pyvorin.verify.values import encode

    assert encode(_gen([1, 2.0])) == encode(_gen([1, 2.0]))
    assert encode(_gen([1, 2.0])) != encode(_gen([1, 2]))  # 2.0 is not 2
    assert encode(map(abs, [-1, 2])) == encode(map(abs, [1, -2]))
    assert encode(map(abs, [-1])) != encode(iter([1]))  # the iterator's type is compared
    raised = encode(_gen([1], ValueError("bad")))
    assert raised["then"] == {"raised": "ValueError", "message": "bad"}
    assert raised != encode(_gen([1], ValueError("other")))


def test_an_endless_iterator_is_compared_on_its_first_items():
    import itertools

    from pyvorin.verify.values import MAX_ITEMS, encode

    data = encode(itertools.count())
    assert len(data["items"]) == MAX_ITEMS and data["then"] == "more"


def test_containers_and_objects_compare_by_content():
    from pyvorin.verify.values import encode

    assert encode({"b": 1, "a": 2}) != encode({"a": 2, "b": 1})  # dict order is observable
    assert encode({3, 1, 2}) == encode({1, 2, 3})
    assert encode(frozenset({1})) != encode({1})
    assert encode(b"ab") == {"bytes": "6162"} and encode(bytearray(b"ab")) != encode(b"ab")
    assert encode(_Point(1, [2])) == encode(_Point(1, [2]))
    assert encode(_Point(1, [2])) != encode(_Point(1, [2.0]))
    assert encode(object()) == encode(object())  # the address is masked
    assert encode(len) == {"function": "len"}


async def _coro(value, exc=None):
    import asyncio

    await asyncio.sleep(0)
    if exc is not None:
        raise exc
    return value


def test_coroutines_compare_by_their_outcome_not_as_objects():
    """A returned coroutine is driven to completion (its own event loop) and its value or
    exception is compared: never the opaque object (whose repr would match anyway)."""
    from pyvorin.verify.values import encode, show_encoded

    data = encode(_coro([1, 2.0]))
    assert data == {
        "coroutine": "coroutine",
        "outcome": {"returned": {"list": [{"int": "1"}, {"float": (2.0).hex()}]}},
    }
    assert encode(_coro(2.0)) != encode(_coro(2))  # 2.0 is not 2
    raised = encode(_coro(None, ValueError("bad")))
    assert raised["outcome"] == {"raised": "ValueError", "message": "bad"}
    assert raised != encode(_coro(None, ValueError("other")))
    assert show_encoded(raised) == "<coroutine raising ValueError: bad>"
    assert "returning" in show_encoded(encode(_coro(3)))


async def _agen(values, exc=None):
    import asyncio

    for v in values:
        await asyncio.sleep(0)
        yield v
    if exc is not None:
        raise exc


def test_async_generators_compare_by_their_items():
    from pyvorin.verify.values import encode, show_encoded

    data = encode(_agen([1, 2.0]))
    assert data["async_iterator"] == "async_generator"
    assert data["items"] == [{"int": "1"}, {"float": (2.0).hex()}]
    assert data["then"] == "exhausted"
    assert encode(_agen([2.0])) != encode(_agen([2]))
    raised = encode(_agen([1], ValueError("bad")))
    assert raised["then"] == {"raised": "ValueError", "message": "bad"}
    assert show_encoded(raised) == "<async_generator yielding [1], then raised ValueError: bad>"

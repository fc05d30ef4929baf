"""The runtime's JSON (CPython's _json without importing json) equals json's, byte for byte."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyvorin_runtime import cjson

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(values)
def test_canonical_is_json_dumps_sorted_compact_utf8(value):
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert cjson.canonical(value) == expected.encode()


@settings(max_examples=150, deadline=None)
@given(values, st.sampled_from([None, 2]))
def test_loads_round_trips_what_json_writes(value, indent):
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert cjson.loads(text) == json.loads(text)
    assert cjson.loads(("\n " + text + " \n").encode()) == json.loads(text)


@pytest.mark.parametrize(
    "text",
    ["", " ", "{", '{"a": 1} x', '{"a": 1}{}', "[1,]", '{"a" 1}', "\ufeff{}", "nul", '"\x01"'],
)
def test_invalid_documents_are_value_errors_like_json(text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        cjson.loads(text)


def test_invalid_utf8_is_a_value_error():
    with pytest.raises(ValueError):
        cjson.loads(b'{"a": "\xff"}')


def test_unserialisable_values_are_refused():
    with pytest.raises(TypeError):
        cjson.canonical({"a": object()})
    with pytest.raises(ValueError):
        cjson.canonical(_circular())


def _circular():
    loop: list = []
    loop.append(loop)
    return loop


def test_invalid_document_is_a_value_error_in_a_process_without_json():
    """Before 3.12 _json raises nothing (NULL) unless json.decoder was imported already."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pyvorin_runtime import cjson\n"
        "assert 'json' not in sys.modules\n"
        "try:\n"
        "    cjson.loads('{not json')\n"
        "except ValueError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("JSONDecodeError Expecting property name"), done.stdout

"""The runtime's string recognisers of artifact names agree with the patterns they document."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pyvorin_runtime import names

LEAF = r"[A-Za-z_][A-Za-z0-9_]*"
EXT = r"(\.[^/\\]+)?\.(so|pyd)"
BINARY = re.compile(rf"(?P<leaf>{LEAF})\.pyvorin{EXT}")
EXTENSION = re.compile(rf"(?P<leaf>{LEAF}){EXT}")
MANIFEST = re.compile(rf"(?P<leaf>{LEAF})\.pyvorin\.json")

pieces = st.sampled_from(
    [
        "mod",
        "_m2",
        "2x",
        "é",
        "pyvorin",
        ".",
        "..",
        "/",
        "\\",
        "so",
        "pyd",
        "json",
        "abi3",
        "cpython-311-x86_64-linux-gnu",
        "-",
        " ",
        "\n",
        "",
    ]
)
names_ = st.lists(pieces, max_size=7).map("".join)

SAMPLES = [
    "mod.pyvorin.so",
    "mod.pyvorin.cpython-311-x86_64-linux-gnu.so",
    "mod.pyvorin.abi3.so",
    "mod.pyvorin.cp312-win_amd64.pyd",
    "mod.pyvorin..so",
    "mod.pyvorin/x.so",
    "mod.pyvorinx.so",
    "mod.so",
    "mod.cpython-311-x86_64-linux-gnu.so",
    "mod.pyvorin.json",
    "mod.py",
    "é.pyvorin.so",
    ".pyvorin.so",
    "mod.pyvorin.json.so",
]


def _leaf(pattern: re.Pattern, name: str) -> str | None:
    match = pattern.fullmatch(name)
    return match.group("leaf") if match else None


def _agree(name: str) -> None:
    assert names.binary_leaf(name) == _leaf(BINARY, name), name
    assert names.extension_leaf(name) == _leaf(EXTENSION, name), name
    assert names.manifest_leaf(name) == _leaf(MANIFEST, name), name


def test_samples():
    for name in SAMPLES:
        _agree(name)
    assert names.binary_leaf("mod.pyvorin" + names.EXT_SUFFIX) == "mod"


@settings(max_examples=500, deadline=None)
@given(names_)
def test_generated_names(name):
    _agree(name)

"""``bytes`` and ``bytearray`` parameters get generated inputs (verify/generate.py).

Edge classes (empty, single bytes at both ends of the range, ASCII, UTF-8 of non-ASCII
text, bytes that are not UTF-8, codec-group lengths, binary data up to a few hundred
bytes), seeded ordinary and wide values, ``bytearray`` arguments where ``bytes`` is
declared; a ``bytearray`` the call changes is compared as an argument mutation.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from pyvorin.verify import generate
from pyvorin.verify.planning import required_inputs
from pyvorin.verify.signature import parse_functions

SOURCE = """\
from typing import Optional

Blob = bytes


def checksum(data: bytes) -> int:
    total = 0
    for index, byte in enumerate(data):
        total = (total * 31 + byte * (index + 1)) % 1000003
    return total


def to_text(data: bytes) -> str:
    return data.decode("utf-8")


def invert(buf: bytearray) -> None:
    for index in range(len(buf)):
        buf[index] ^= 0xFF


def same(buf: bytearray) -> bytearray:
    return buf


def pad(data: Blob, width: int) -> bytes:
    return data + b"=" * (-len(data) % width)


def first(items: list[bytes]) -> Optional[bytes]:
    return items[0] if items else None


def lookup(table: dict[str, bytes], key: str) -> bytes | None:
    return table.get(key)
"""


def _functions(tmp_path: Path) -> dict:
    path = tmp_path / "kernels.py"
    path.write_text(SOURCE, encoding="utf-8")
    return {f.name: f for f in parse_functions("kernels", path)}


def _values(function, count: int = 100, seed: int = 0) -> list:
    return [(*c.args, *c.kwargs.values()) for c in generate.generate(function, count, seed)]


def test_bytes_annotations_are_understood_wherever_scalars_are(tmp_path: Path):
    functions = _functions(tmp_path)
    shown = {name: f.signature_text() for name, f in functions.items()}
    assert shown["checksum"] == "checksum(data: bytes)"
    assert shown["invert"] == "invert(buf: bytearray)"
    assert shown["pad"] == "pad(data: bytes, width: int)"  # through the alias
    assert shown["first"] == "first(items: list[bytes])"
    assert shown["lookup"] == "lookup(table: dict[str, bytes], key: str)"
    assert str(functions["first"].returns) == "bytes | None"
    assert all(f.generatable for f in functions.values())
    # an infinite domain: min-inputs is never weakened for bytes
    assert required_inputs(functions["checksum"], 100) == 100


def test_generated_bytes_are_of_the_declared_type(tmp_path: Path):
    functions = _functions(tmp_path)
    data = [v[0] for v in _values(functions["checksum"])]
    assert {type(v) for v in data} == {bytes, bytearray}  # bytearray: a call users make
    assert sum(type(v) is bytes for v in data) > 10 * sum(type(v) is bytearray for v in data)
    assert all(type(v[0]) is bytearray for v in _values(functions["invert"]))
    items = [item for v in _values(functions["first"]) for item in v[0]]
    assert items and all(type(item) is bytes for item in items)  # list items: exact bytes
    tables = [v[0] for v in _values(functions["lookup"])]
    assert any(tables) and all(
        type(k) is str and type(b) is bytes for t in tables for k, b in t.items()
    )


def test_the_edge_cases_are_among_the_inputs(tmp_path: Path):
    data = {bytes(v[0]) for v in _values(_functions(tmp_path)["checksum"])}
    for edge in (b"", b"\x00", b"\xff", b"\x80", b"hello world", "日本語".encode()):
        assert edge in data
    assert bytes(range(256)) in data
    assert any(len(v) >= 256 and v != bytes(range(256)) for v in data)  # random binary
    not_utf8 = [v for v in data if not _is_utf8(v)]
    assert len(not_utf8) >= 5
    # lengths that are no multiple of a codec's 3- or 4-byte groups
    assert {1, 2, 5, 7} <= {len(v) for v in data if len(v) % 3 and len(v) % 4}


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_the_inputs_are_the_same_for_a_seed_and_differ_between_seeds(tmp_path: Path):
    checksum = _functions(tmp_path)["checksum"]
    keys = [c.key for c in generate.generate(checksum, 100, seed=7)]
    assert keys == [c.key for c in generate.generate(checksum, 100, seed=7)]
    other = [c.key for c in generate.generate(checksum, 100, seed=8)]
    targeted = len(generate.targeted(checksum))
    assert keys[:targeted] == other[:targeted]  # the targeted set does not depend on it
    assert keys[targeted:] != other[targeted:]
    seeded = [(*c.args, *c.kwargs.values())[0] for c in generate.seeded(checksum, 300, 7, set())]
    assert max(len(v) for v in seeded) > 100  # wide values: up to a few hundred bytes


def test_bind_keeps_bytes_and_bytearray_apart(tmp_path: Path):
    functions = _functions(tmp_path)
    assert functions["checksum"].bind((bytearray(b"ab"),), {}) == ((bytearray(b"ab"),), {})
    assert isinstance(functions["checksum"].bind(("ab",), {}), str)
    assert isinstance(functions["invert"].bind((b"ab",), {}), str)
    assert isinstance(functions["first"].bind(([bytearray(b"a")],), {}), str)


def test_examples_write_bytes_and_bytearray_as_hex():
    from pyvorin.errors import ConfigError
    from pyvorin.verify.examples import from_toml

    assert from_toml({"bytes": "00ff41"}, "x") == b"\x00\xffA"
    made = from_toml([{"bytearray": ""}], "x")[0]
    assert type(made) is bytearray and made == bytearray()
    with pytest.raises(ConfigError, match=r"examples\.toml:3: bad bytes 'f'"):
        from_toml({"bytes": "f"}, "examples.toml:3")


def test_doctests_give_bytes_and_bytearray_arguments(tmp_path: Path):
    from pyvorin.verify.doctests import cases_for

    path = tmp_path / "kernels.py"
    path.write_text(
        'def invert(buf: bytearray) -> None:\n    """\n    >>> invert(bytearray(b"\\\\x01"))\n'
        '    >>> invert(bytearray())\n    >>> invert(b"no")\n    """\n',
        encoding="utf-8",
    )
    (function,) = parse_functions("kernels", path)
    args = [case.args[0] for case in cases_for(function)]
    assert args == [bytearray(b"\x01"), bytearray()]  # b"no" is no bytearray: left out
    assert all(type(a) is bytearray for a in args)


def test_recorded_calls_keep_bytes_arguments(tmp_path: Path):
    import importlib

    from pyvorin.verify.corpus import cases_for
    from pyvorin.verify.recorder import Recorder, _recordable

    assert _recordable([b"\x00", bytearray(b"ab"), {"k": b"v"}])
    assert not _recordable(memoryview(b"x"))
    path = tmp_path / "bytesrec.py"
    path.write_text(SOURCE, encoding="utf-8")
    corpus = tmp_path / "corpus.json"
    sys.path.insert(0, str(tmp_path))
    try:
        with Recorder(["bytesrec"], corpus=corpus) as recorder:
            module = importlib.import_module("bytesrec")  # wrapped on import
            module.invert(bytearray(b"\x01\x02"))
            module.checksum(b"\xffab")
        recorder.save()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("bytesrec", None)
    functions = {f.name: f for f in parse_functions("bytesrec", path)}
    (invert,) = cases_for(corpus, functions["invert"])[0]
    assert invert.args == (bytearray(b"\x01\x02"),)  # as passed, before the call changed it
    assert type(invert.args[0]) is bytearray
    (checksum,) = cases_for(corpus, functions["checksum"])[0]
    assert checksum.args == (b"\xffab",)


# -- end to end: the real verifier, CPython against the (mutated) "compiled" copy --------
def _verify(verify_run, mutations=()):
    result, report, _ = verify_run(mutations, source=SOURCE, min_inputs=60)
    return result, {f["name"]: f for f in report["functions"]}


def test_bytes_functions_verify_on_generated_inputs(verify_run):
    result, entries = _verify(verify_run)
    assert result.passed, result.message
    for name in ("checksum", "to_text", "invert", "same", "pad", "first", "lookup"):
        entry = entries[name]
        assert entry["result"] == "passed", entry
        assert entry["conclusive"] >= entry["required"] == 60, entry
        assert entry["inputs"]["generated"] >= 60, entry


def test_a_miscompiled_bytes_loop_is_caught(verify_run):
    result, entries = _verify(verify_run, [("byte * (index + 1)", "byte * index")])
    assert not result.passed
    assert entries["checksum"]["result"] == "mismatch"
    assert entries["to_text"]["result"] == "passed"
    # shrunk by dropping bytes: one non-zero byte is enough to show the difference
    shrunk = [f["shrunk"] for f in entries["checksum"]["findings"] if f.get("shrunk")]
    assert shrunk and shrunk[0]["candidates_tried"] > 0
    assert shrunk[0]["input"]["call"] in {f"checksum({bytes([b])!r})" for b in range(1, 256)}


def test_bytes_shrink_shorter_and_keep_their_type():
    from pyvorin.verify.shrink import candidates
    from pyvorin.verify.signature import TypeSpec

    smaller = list(candidates(b"abcd", TypeSpec("bytes")))
    assert smaller[0] == b"" and b"ab" in smaller and b"abc" in smaller
    assert all(type(v) is bytes and len(v) < 4 for v in smaller)
    kept = list(candidates(bytearray(b"xy"), TypeSpec("bytes")))  # a bytearray for bytes
    assert kept and all(type(v) is bytearray for v in kept)
    assert list(candidates(b"", TypeSpec("bytes"))) == []


def test_a_decode_that_no_longer_raises_is_caught(verify_run):
    # CPython raises UnicodeDecodeError on the non-UTF-8 inputs; the mutant returns
    result, entries = _verify(verify_run, [('decode("utf-8")', 'decode("utf-8", "replace")')])
    assert not result.passed
    findings = entries["to_text"]["findings"]
    assert findings and entries["to_text"]["result"] == "mismatch"
    cpython = " ".join(d["cpython"] for f in findings for d in f["differences"])
    assert "UnicodeDecodeError" in cpython


def test_a_bytearray_mutated_differently_is_caught(verify_run):
    result, entries = _verify(verify_run, [("range(len(buf))", "range(len(buf) - 1)")])
    assert not result.passed
    whats = {d["what"] for f in entries["invert"]["findings"] for d in f["differences"]}
    assert "argument mutation" in whats


def test_returning_a_copy_of_a_bytearray_argument_is_caught(verify_run):
    result, entries = _verify(verify_run, [("    return buf\n", "    return bytearray(buf)\n")])
    assert not result.passed
    differences = entries["same"]["findings"][0]["differences"]
    assert [d["what"] for d in differences] == ["result identity"]


@pytest.mark.slow
def test_bytes_functions_compile_natively_and_verify(tmp_path: Path):
    """The real pipeline: ``pyvorin compile`` (check, C compiler, verify, sign)."""
    import json

    from tests.helpers import run_cli

    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    (project / "kernels.py").write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    (project / "pyproject.toml").write_text("[tool.pyvorin.verify]\ncall-seconds = 2\n")
    proc = run_cli("compile", "kernels.py", "-o", "out", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((project / "out" / "kernels.pyvorin-verify.json").read_text())
    entries = {f["name"]: f for f in report["functions"]}
    assert set(entries) == {"checksum", "to_text", "invert", "same", "pad", "first", "lookup"}
    for entry in entries.values():
        assert entry["result"] == "passed" and entry["mismatches"] == 0, entry
        assert entry["conclusive"] >= entry["required"] == report["min_inputs"], entry

"""What verification costs per call: the encodings and JSON passes the workers and the
parent make (docs/verification.md, "What it costs"). Each test counts the work that
was waste before and checks the result is the same as the plain definition's."""

from __future__ import annotations

import math

from pyvorin.verify import values
from pyvorin.verify.values import encode


def _reference(value, depth=0):
    """The plain definition of the leaves' encoding, one call per node."""
    if depth > 200:
        return {"other": type(value).__name__, "repr": "<nested too deeply>"}
    if value is None or isinstance(value, bool):
        return value
    if type(value) is int:
        return {"int": values.int_text(value)}
    if type(value) is float:
        return {"float": values.float_text(value)}
    if type(value) is str:
        return {"str": value}
    if type(value) is list:
        return {"list": [_reference(v, depth + 1) for v in value]}
    if type(value) is tuple:
        return {"tuple": [_reference(v, depth + 1) for v in value]}
    raise AssertionError(type(value))


def test_scalar_items_are_encoded_without_a_call_each(monkeypatch):
    calls = []
    real = values.encode

    def counting(value, _depth=0):
        calls.append(type(value).__name__)
        return real(value, _depth)

    monkeypatch.setattr(values, "encode", counting)
    row = [2**62, -(2**62), 2**70, 1.5, -0.0, math.nan, "s", None, True]
    grid = [[i, -i, *row] for i in range(50)]
    data = values.encode(grid)
    # the top and its 50 rows: the 550 scalars in them cost no call of their own
    assert len(calls) == 51
    assert data == _reference(grid)


def test_leaves_keep_their_exact_encoding_at_every_depth():
    deep: list = [1, 2.5, "x", None, False, 2**13000]
    for _ in range(205):  # items past the depth limit are "nested too deeply", as before
        deep = [deep, 7]
    assert encode(deep) == _reference(deep)
    big = 2**13000 + 1  # past CPython's int/str limit: hex, as int_text writes it
    assert encode([big, -big])["list"] == [{"int": hex(big)}, {"int": hex(-big)}]
    assert encode([2**62 - 1, -(2**62) + 1, 2**62]) == _reference([2**62 - 1, -(2**62) + 1, 2**62])


class _Node:
    def __init__(self, i: int) -> None:
        self.pos = (i, i + 1)
        self.id = i
        self.links = [i, i + 1, 2**64]
        self.weight = -0.0


def test_object_attributes_encode_as_before():
    data = encode([_Node(1), _Node(2)])
    first = data["list"][0]
    assert first["object"].endswith("_Node")
    assert first["attrs"] == [
        ["pos", {"tuple": [{"int": "1"}, {"int": "2"}]}],
        ["id", {"int": "1"}],
        ["links", {"list": [{"int": "1"}, {"int": "2"}, {"int": str(2**64)}]}],
        ["weight", {"float": "-0x0.0p+0"}],
    ]


class _NoCapture:
    def take(self) -> str:
        return ""


def _count_json_writes(monkeypatch) -> list[int]:
    import json

    written: list[int] = []
    real = json.JSONEncoder.iterencode

    def counting(self, o, _one_shot=False):
        written.append(1)
        return real(self, o, _one_shot)

    monkeypatch.setattr(json.JSONEncoder, "iterencode", counting)
    return written


def test_a_call_writes_no_json_to_see_whether_it_changed_its_arguments(monkeypatch):
    import types

    from pyvorin.verify.worker import run_call

    module = types.ModuleType("m")
    exec("def keep(xs):\n    return len(xs)\ndef grow(xs):\n    xs.append(0)\n", vars(module))
    grid = encode([[i] * 20 for i in range(20)])
    written = _count_json_writes(monkeypatch)
    kept = run_call(
        module, {"id": 1, "function": "keep", "args": [grid], "kwargs": {}}, _NoCapture()
    )
    grown = run_call(
        module, {"id": 2, "function": "grow", "args": [grid], "kwargs": {}}, _NoCapture()
    )
    assert written == []
    assert kept["mutated"] is None
    assert grown["mutated"]["args"][0]["list"][-1] == {"int": "0"}


def test_comparing_two_outcomes_writes_no_json(monkeypatch):
    from pyvorin.verify.compare import compare

    made = {"args": [encode(_Node(3))], "kwargs": {}}
    after = {"args": [encode([_Node(3), _Node(4)])], "kwargs": {}}
    cpython = {"kind": "return", "value": encode([1.5, 2]), "before": made, "mutated": after}
    same = dict(cpython)
    other = dict(cpython, mutated={"args": [encode([_Node(3)])], "kwargs": {}})
    written = _count_json_writes(monkeypatch)
    assert compare(cpython, same, 10.0, made) == []
    found = compare(cpython, other, 10.0, made)
    assert [d["what"] for d in found] == ["argument mutation"]
    assert written == []


def test_the_supervisor_passes_replies_on_without_parsing_them(monkeypatch):
    import json
    import types

    from pyvorin.verify import worker

    module = types.ModuleType("m")
    exec("def keep(xs):\n    return xs[0]\n", vars(module))
    grid = encode([[i] * 50 for i in range(50)])
    requests = [{"id": i, "function": "keep", "args": [grid], "kwargs": {}} for i in range(3)]
    parsed: list[int] = []
    real = json.loads

    def counting(text, *args, **kwargs):
        parsed.append(len(text))
        return real(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    sent: list = []
    worker.supervise(module, requests, {"call_seconds": 10, "memory_mb": 1024}, sent.append)
    # the supervisor read only each reply's head (id, kind, times), never the values
    assert len(parsed) == 3 and max(parsed) < 200
    assert all(isinstance(text, bytes) for text in sent)
    replies = [real(text) for text in sent]
    assert [r["id"] for r in replies] == [0, 1, 2]
    assert all(r["kind"] == "return" and r["value"] == grid["list"][0] for r in replies)
    assert all(r["mutated"] is None and "wall_ns" in r for r in replies)


def test_the_parent_parses_each_reply_line_once():
    import json

    from pyvorin.verify.workers import ReplyLines

    lines = [{"ready": True}] + [
        {"id": i, "kind": "return", "value": encode([i] * 30)} for i in range(5)
    ]
    stdout = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
    seen: list = []
    reader = ReplyLines(seen.append)
    for start in range(0, len(stdout), 37):  # chunks that split lines anywhere
        reader.feed(stdout[start : start + 37])
    assert reader.finish(stdout) == lines
    assert reader.lines_parsed == len(lines)  # not parsed again at the end
    assert seen == lines[1:]  # progress saw each reply once, the ready line skipped
    unfed = ReplyLines()
    assert unfed.finish(stdout) == lines  # output not fed as it came: parsed at the end


_BOARD = """
class Board:
    def __init__(self, size):
        self.cells = [[x * y for x in range(size)] for y in range(size)]
        self.size = size

    def at(self, x, y):
        return self.cells[y][x]

    def clear(self):
        self.cells = []
"""


def test_an_object_built_alike_is_written_out_once_per_worker(monkeypatch):
    import json
    import sys
    import types

    from pyvorin.verify import worker
    from pyvorin.verify.workers import shared_before

    module = types.ModuleType("vcost_board")
    exec(_BOARD, vars(module))
    monkeypatch.setitem(sys.modules, "vcost_board", module)
    board = {"new": {"target": "vcost_board:Board", "args": [{"int": "20"}], "kwargs": {}}}
    small = {"new": {"target": "vcost_board:Board", "args": [{"int": "2"}], "kwargs": {}}}

    def at(number: int, recipe: dict, x: int, y: int) -> dict:
        args = [recipe, {"int": str(x)}, {"int": str(y)}]
        return {"id": number, "function": "Board.at", "call": "method", "args": args, "kwargs": {}}

    requests = [at(0, board, 1, 2), at(1, board, 3, 4), at(2, small, 1, 1), at(3, board, 5, 5)]
    sent: list = []
    worker.supervise(module, requests, {"call_seconds": 10, "memory_mb": 1024}, sent.append)
    sizes = [len(text) for text in sent]
    replies = [json.loads(text) for text in sent]
    # the 20x20 board is written out once; the calls after it name where it was sent
    assert "before_shared" not in replies[0] and sizes[0] > 3000
    assert replies[1]["before_shared"] == [[0, 0, 0]] and sizes[1] < 1000
    assert replies[3]["before_shared"] == [[0, 0, 0]] and sizes[3] < 1000
    assert "before_shared" not in replies[2]  # a small board: always written out
    by_id = shared_before(replies)
    assert by_id[1]["before"]["args"][0] == by_id[0]["before"]["args"][0]
    assert by_id[1]["before"]["args"][1:] == [{"int": "3"}, {"int": "4"}]
    assert by_id[3]["value"] == {"int": "25"}
    # the same as a worker writing every object out in full
    full = worker.run_call(module, requests[3], _NoCapture())
    assert by_id[3]["before"] == full["before"]


def test_an_object_built_differently_is_written_out_again():
    import json

    from pyvorin.verify.worker import reply_text

    graph = encode([[i] * 40 for i in range(10)])
    other = encode([[i] * 40 for i in range(9)] + [[0] * 40])
    sent: dict = {}
    first = json.loads(
        reply_text({"id": 0, "kind": "return", "before": {"args": [graph], "kwargs": {}}}, sent)
    )
    second = json.loads(
        reply_text({"id": 1, "kind": "return", "before": {"args": [other], "kwargs": {}}}, sent)
    )
    third = json.loads(
        reply_text({"id": 2, "kind": "return", "before": {"args": [graph], "kwargs": {}}}, sent)
    )
    assert "before_shared" not in first and "before_shared" not in second
    assert second["before"]["args"] == [other]
    assert third["before_shared"] == [[0, 0, 0]]


def test_two_arguments_built_alike_in_one_call_are_written_out_once():
    import json

    from pyvorin.verify.worker import reply_text
    from pyvorin.verify.workers import shared_before

    graph = encode([[i] * 40 for i in range(10)])
    sent: dict = {}
    reply = {
        "id": 7,
        "kind": "return",
        "before": {"args": [graph, graph, {"int": "1"}], "kwargs": {}},
    }
    data = json.loads(reply_text(reply, sent))
    assert data["before_shared"] == [[1, 7, 0]]
    assert shared_before([data])[7]["before"]["args"] == [graph, graph, {"int": "1"}]


def test_a_reference_to_an_unsent_reply_is_a_malformed_reply():
    """A reply naming an object as built the worker never sent raises inside
    shared_before; run_side turns that into a VerificationError naming the worker (a
    malformed reply, never an internal error)."""
    import pytest

    from pyvorin.verify import workers

    reply = {"id": 3, "before": {"args": [None]}, "before_shared": [[0, 99, 0]]}
    with pytest.raises(KeyError):
        workers.shared_before([reply])

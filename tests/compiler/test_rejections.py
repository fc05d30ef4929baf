"""The native tier's reasons: every construct outside the typed subset gives its PV code at
the exact place. (Such modules compile in the generic tier instead; these codes say why a
module is not native, in `pyvorin annotate` and the tier notes. The generic tier's own
rejections are tested in test_generic_rejections.py.)"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from pyvorin.compiler import CODES, check_file, frontend


def native_check(path: Path):
    """The native tier's diagnostics for ``path`` (why it is not native)."""
    return frontend.analyse_file(path)[1]


H = "def f(x: int) -> int:\n"  # most snippets sit in a function body starting on line 2

CASES = [
    # (id, source, code, line, col)
    ("syntax", "def f(:\n", "PV100", 1, 7),
    ("class", "class A:\n    pass\n", "PV101", 1, 1),
    (
        "try",
        H + "    try:\n        x = 1\n    except ValueError:\n        pass\n    return x\n",
        "PV102",
        2,
        5,
    ),
    # raise E / raise E(args) of a builtin exception class is native; other raises are not
    ("raise-from", H + "    raise ValueError('no') from None\n", "PV103", 2, 5),
    ("raise-bare", H + "    raise\n", "PV103", 2, 5),
    ("raise-keyword", H + "    raise OSError(2, filename='f')\n", "PV103", 2, 5),
    ("raise-not-exception", H + "    raise len(x)\n", "PV103", 2, 5),
    ("raise-local", H + "    e = 1\n    raise e\n", "PV103", 3, 5),
    (
        "raise-module",
        "def ValueError() -> int:\n    return 1\n" + H + "    raise ValueError\n",
        "PV103",
        4,
        5,
    ),
    ("raise-module-level", "raise ValueError('no')\n", "PV103", 1, 1),
    ("with", H + "    with open('f') as g:\n        pass\n    return x\n", "PV104", 2, 5),
    ("yield", H + "    yield x\n    return x\n", "PV105", 2, 5),
    ("async-def", "async def f(x: int) -> int:\n    return x\n", "PV106", 1, 1),
    ("await", H + "    return await x\n", "PV106", 2, 12),
    ("lambda", H + "    g = lambda y: y\n    return x\n", "PV107", 2, 9),
    (
        "nested-def",
        H + "    def g(y: int) -> int:\n        return y\n    return x\n",
        "PV108",
        2,
        5,
    ),
    ("global", H + "    global y\n    return x\n", "PV109", 2, 5),
    ("nonlocal", H + "    nonlocal y\n    return x\n", "PV109", 2, 5),
    ("varargs", "def f(*xs: int) -> int:\n    return 0\n", "PV110", 1, 8),
    ("kwargs", "def f(**kw: int) -> int:\n    return 0\n", "PV110", 1, 9),
    ("kwonly", "def f(a: int, *, b: int) -> int:\n    return a\n", "PV110", 1, 18),
    ("posonly", "def f(a: int, /) -> int:\n    return a\n", "PV110", 1, 7),
    (
        "decorator",
        "import functools\n@functools.cache\ndef f(x: int) -> int:\n    return x\n",
        "PV111",
        2,
        2,
    ),
    ("import-os", "import os\n", "PV112", 1, 1),
    ("from-import", "from collections import deque\n", "PV112", 1, 1),
    ("import-in-func", H + "    import math\n    return x\n", "PV112", 2, 5),
    ("module-stmt", "print('hi')\n", "PV113", 1, 1),
    ("main-guard", "if __name__ == '__main__':\n    pass\n", "PV113", 1, 1),
    ("del", H + "    del x\n    return 1\n", "PV114", 2, 5),
    ("match", H + "    match x:\n        case 1:\n            pass\n    return x\n", "PV114", 2, 5),
    ("falls-off", H + "    if x > 0:\n        return 1\n", "PV115", 2, 5),
    ("for-tuple", H + "    for c in (1, 2):\n        pass\n    return x\n", "PV116", 2, 14),
    ("attr-target", H + "    x.y = 1\n    return x\n", "PV117", 2, 5),
    (
        "starred-call",
        "def g(a: int) -> int:\n    return a\n" + H + "    return g(*[x])\n",
        "PV117",
        4,
        12,
    ),
    # for i, x in enumerate(...), for a, b in zip(...) and over a list of tuples are native
    (
        "nested-loop-target",
        H + "    for i, (a, b) in enumerate([(x, x)]):\n        pass\n",
        "PV117",
        2,
        9,
    ),
    ("tuple-target-ints", H + "    for a, b in [x]:\n        pass\n    return x\n", "PV117", 2, 9),
    (
        "zip-strict",
        H + "    for a, b in zip([x], [x], strict=True):\n        pass\n",
        "PV309",
        2,
        17,
    ),
    ("enumerate-count", H + "    for a, b, c in enumerate([x]):\n        pass\n", "PV213", 2, 9),
    ("enumerate-start", H + "    for a, b in enumerate([x], 0.5):\n        pass\n", "PV204", 2, 32),
    ("zip-int", H + "    for a, b in zip([x], x):\n        pass\n", "PV116", 2, 26),
    ("walrus", H + "    return (y := x)\n", "PV118", 2, 13),
    ("genexp", H + "    return max(y for y in range(x))\n", "PV119", 2, 15),
    (
        "two-fors",
        H + "    a = [i + j for i in range(x) for j in range(x)]\n    return x\n",
        "PV119",
        2,
        9,
    ),
    ("bad-default", "def f(x: int = 1.5) -> int:\n    return x\n", "PV121", 1, 16),
    ("list-default", "def f(x: list[int] = []) -> int:\n    return 0\n", "PV121", 1, 22),
    ("twice", "def f() -> int:\n    return 1\ndef f() -> int:\n    return 2\n", "PV122", 3, 1),
    ("nonconst", "N = len([1])\n", "PV123", 1, 5),
    ("no-annotation", "def f(x) -> int:\n    return 1\n", "PV201", 1, 7),
    ("no-return-annotation", "def f(x: int):\n    return x\n", "PV202", 1, 1),
    ("dict-annotation", "def f(x: dict) -> int:\n    return 0\n", "PV203", 1, 10),
    ("bytes-param", "def f(x: bytes) -> int:\n    return 0\n", "PV203", 1, 10),
    ("int-to-float", "def f(x: int) -> float:\n    return x\n", "PV204", 2, 12),
    ("float-literal-needed", H + "    y: float = 0\n    return x\n", "PV204", 2, 16),
    (
        "arg-type",
        "def g(a: float) -> float:\n    return a\n" + H + "    return int(g(x))\n",
        "PV204",
        4,
        18,
    ),
    ("list-float-op", H + "    return [1] - [2]\n", "PV205", 2, 12),
    ("invert-bool", "def f(x: bool) -> int:\n    return ~x\n", "PV205", 2, 12),
    ("float-index", H + "    xs = [1]\n    return xs[0.5]\n", "PV205", 3, 15),
    ("changes-type", H + "    y = 1\n    y = 2.5\n    return x\n", "PV206", 3, 5),
    ("minmax-mixed", H + "    return max(x, 2.5)\n", "PV207", 2, 12),
    ("ifexp-mixed", H + "    y = 1 if x else 2.0\n    return x\n", "PV207", 2, 9),
    ("or-mixed", H + "    y = x or 2.0\n    return x\n", "PV207", 2, 9),
    ("pow-var", H + "    return 2 ** x\n", "PV208", 2, 12),
    ("pow-frac", "def f(x: float) -> float:\n    return x ** 0.5\n", "PV208", 2, 12),
    ("dict", H + "    d = {(1, 2): 3}\n    return x\n", "PV209", 2, 10),
    ("set", H + "    s = {1.5, 2.5}\n    return x\n", "PV209", 2, 10),
    ("fstring", H + "    print(f'{[x]}')\n    return x\n", "PV210", 2, 14),
    (
        "none-value",
        "def g() -> None:\n    pass\n" + H + "    y = g()\n    return x\n",
        "PV211",
        4,
        9,
    ),
    (
        "arg-count",
        "def g(a: int) -> int:\n    return a\n" + H + "    return g(x, x)\n",
        "PV212",
        4,
        12,
    ),
    ("tuple-var-index", H + "    t = (1, 2)\n    return t[x]\n", "PV213", 3, 14),
    ("unpack-count", H + "    a, b = 1, 2, 3\n    return x\n", "PV213", 2, 5),
    ("is", H + "    return x is None\n", "PV214", 2, 12),
    ("in", H + "    return x in [1, 2]\n", "PV214", 2, 12),
    ("list-compare", H + "    return [x] == [x]\n", "PV214", 2, 12),
    ("empty-list", H + "    ys = []\n    return x\n", "PV215", 2, 10),
    # inferred only when every use agrees (here an int and a float item)
    (
        "empty-list-disagree",
        H + "    ys = []\n    ys.append(x)\n    ys.append(1.5)\n    return x\n",
        "PV215",
        2,
        10,
    ),
    ("slice", H + "    xs = [1, 2]\n    ys = xs[::2]\n    return x\n", "PV216", 3, 10),
    ("undefined", H + "    return y\n", "PV301", 2, 12),
    ("hex", H + "    return len(hex(x))\n", "PV302", 2, 16),
    ("pow", H + "    ys = pow(x, 2)\n    return x\n", "PV302", 2, 10),
    ("eval", H + "    return eval('1')\n", "PV303", 2, 12),
    ("getattr", H + "    return getattr(x, 'real')\n", "PV303", 2, 12),
    # native only in a generic-tier module's native versions (exact argument types)
    ("isinstance-whole", H + "    return int(isinstance(x, int))\n", "PV303", 2, 16),
    ("math-gamma", "import math\n" + H + "    return int(math.gamma(x))\n", "PV304", 3, 16),
    ("from-math-bad", "from math import gamma\n", "PV304", 1, 1),
    ("attribute", H + "    return x.real\n", "PV305", 2, 12),
    ("list-method", H + "    xs = [1]\n    xs.reverse()\n    return x\n", "PV305", 3, 5),
    ("maybe-unbound", H + "    if x:\n        y = 1\n    return y\n", "PV306", 4, 12),
    ("unbound", H + "    z = y\n    y = 1\n    return x\n", "PV306", 2, 9),
    ("func-as-value", H + "    g = f\n    return x\n", "PV307", 2, 9),
    ("call-variable", H + "    return x(1)\n", "PV308", 2, 12),
    (
        "bad-keyword",
        "def g(a: int) -> int:\n    return a\n" + H + "    return g(b=x)\n",
        "PV309",
        4,
        14,
    ),
    ("print-keyword", H + "    print(x, file=None)\n    return x\n", "PV309", 2, 14),
]


# strs: + with a str, * with an int, indexing, slicing without a step, len, in, comparisons
# are native; these are
# not: (id, `return` expression of `def f(s: str, x: int)`, code, column)
STR_CASES = [
    ("str-plus-int", "s + x", "PV210", 12),
    ("str-mod", "'%d' % x", "PV210", 12),
    ("str-abs", "str(abs(s))", "PV210", 16),
    ("str-method", "s.encode()", "PV305", 12),
    ("str-slice-step", "s[::2]", "PV216", 12),
    ("str-slice-step-none", "s[1:x:None]", "PV216", 12),
    ("str-slice-str", "s[s:]", "PV205", 14),
    ("str-eq-int", "str(s == x)", "PV214", 16),
    ("str-in-list", "str(s in [s])", "PV214", 16),
    ("str-of-list", "str([x])", "PV204", 12),
    ("ord-of-int", "chr(ord(x))", "PV204", 16),
    ("str-index-str", "s[s]", "PV205", 14),
]
CASES += [
    (name, f"def f(s: str, x: int) -> str:\n    return {expr}\n", code, 2, col)
    for name, expr, code, col in STR_CASES
]
CASES.append(("str-default", "def f(s: str = 1) -> str:\n    return s\n", "PV121", 1, 16))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rejection(tmp_path: Path, case) -> None:
    _, source, code, line, col = case
    path = tmp_path / "mod.py"
    path.write_text(source)
    diags = native_check(path)
    found = [(d.code, d.line, d.col) for d in diags]
    assert (code, line, col) in found, f"expected {code} at {line}:{col}, got {found}"
    d = next(d for d in diags if (d.code, d.line, d.col) == (code, line, col))
    assert d.message and d.hint, "every diagnostic has a message and a concrete hint"
    assert d.path == str(path)


# the element type of a list made empty is inferred from uses that all agree
INFERRED = [
    ("append", "def f(x: int) -> int:\n    ys = []\n    ys.append(x)\n    return len(ys)\n"),
    ("returned", "def f(x: int) -> list[float]:\n    ys = []\n    return ys\n"),
    (
        "nested",
        "def f(n: int) -> int:\n    rows = []\n    for i in range(n):\n        row = []\n"
        "        row.append(i)\n        rows.append(row)\n    return len(rows)\n",
    ),
    (
        "passed",
        "def g(xs: list[str]) -> int:\n    return len(xs)\n"
        "def f(x: int) -> int:\n    ys = []\n    return g(ys)\n",
    ),
    (
        "annotated-comprehension",
        "def f(n: int) -> list[list[int]]:\n    g: list[list[int]] = [[] for _ in range(n)]\n"
        "    return g\n",
    ),
]


@pytest.mark.parametrize("source", [c[1] for c in INFERRED], ids=[c[0] for c in INFERRED])
def test_inferred_empty_list_types(tmp_path: Path, source: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(source)
    module, diags = frontend.analyse_file(path)
    assert module is not None and not diags, diags


def test_at_least_fifty_rejections() -> None:
    assert len(CASES) >= 50


def test_all_diagnostics_in_one_run(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import os
        class A:
            pass
        def f(x, y: int) -> int:
            d = {}
            return eval("x")
        def g(n: int) -> float:
            return n
        """
    )
    path = tmp_path / "many.py"
    path.write_text(source)
    found = [(d.code, d.line, d.col) for d in native_check(path)]
    assert found == [
        ("PV112", 1, 1),
        ("PV101", 2, 1),
        ("PV201", 4, 7),
        ("PV209", 5, 9),
        ("PV303", 6, 12),
        ("PV204", 8, 12),
    ]


def test_unicode_columns_are_characters(tmp_path: Path) -> None:
    path = tmp_path / "u.py"
    path.write_text('def f(x: int) -> int:\n    s = "é€"; return {1.5: 2}\n')
    found = [(d.code, d.line, d.col) for d in native_check(path)]
    assert ("PV209", 2, 23) in found


def test_every_code_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md").read_text()
    for code, title in CODES.items():
        assert f"## {code}" in doc, f"{code} ({title}) is not documented in docs/diagnostics.md"


def test_every_emitted_code_is_in_the_catalogue() -> None:
    package = Path(__file__).resolve().parents[2] / "core" / "src" / "pyvorin" / "compiler"
    source = "".join(p.read_text() for p in sorted((package / "frontend").glob("*.py")))
    import re

    emitted = set(re.findall(r'"(PV\d{3})"', source))
    assert emitted <= set(CODES), emitted - set(CODES)
    assert {c[2] for c in CASES} <= set(CODES)


def test_json_and_sarif_shapes(tmp_path: Path) -> None:
    from pyvorin.diagnostics import render

    path = tmp_path / "m.py"
    path.write_text("import os\ndef f(x) -> int:\n    return 1\n")
    diags = native_check(path)
    data = json.loads(render(diags, "json"))
    assert [(d["code"], d["line"], d["col"]) for d in data["diagnostics"]] == [
        ("PV112", 1, 1),
        ("PV201", 2, 7),
    ]
    sarif = json.loads(render(diags, "sarif", rule_docs=CODES))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["PV112", "PV201"]
    res = run["results"][1]
    assert res["ruleId"] == "PV201"
    region = res["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (2, 7)


def test_documented_examples_trigger_their_code(tmp_path: Path) -> None:
    """Each example in docs/diagnostics.md really produces the code it documents."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "diagnostics.md").read_text()
    sections = re.split(r"^## (PV\d+)\n", doc, flags=re.M)[1:]
    header = (
        "def f(x: int, xs: list[int], n: int, v: int, flag: bool, count: int, obj: int,"
        " name: int, src: int, path: int, p: int, out: int, args: int, counter: int,"
        " size: int) -> None:\n"
    )
    top_level = ("def ", "class ", "import ", "from ", "@", "async ", "if __name__", "N = ")
    missing = []
    for i, (code, body) in enumerate(zip(sections[::2], sections[1::2], strict=True)):
        if "No example:" in body:
            continue  # documented as having none (PV499: nothing triggers it today)
        if "Python 3.12 and later" in body and sys.version_info < (3, 12):
            continue  # the example's syntax does not parse before 3.12
        found = re.search(r"```python\n(.*?)```", body, re.S)
        assert found, f"{code} has no example"
        example = found.group(1)
        if example.lstrip().startswith(top_level):
            source = "import math\n" + example
        else:
            source = "import math\n" + header + textwrap.indent(example, "    ")
        path = tmp_path / f"ex{i}.py"
        path.write_text(source)
        check = check_file if code.startswith("PV4") else native_check
        if code not in {d.code for d in check(path)}:
            missing.append(code)
    assert not missing, f"examples that do not produce their code: {missing}"

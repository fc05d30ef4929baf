"""What neither tier compiles: each PV4xx at its exact place, with a hint that names the
interpreted-declaration way out; and what the generic tier accepts that the native one
does not."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from pyvorin.compiler import check_file, select_tier

CASES = [
    ("eval", "def f(s):\n    return eval(s)\n", "PV401", 2, 12),
    ("exec", "def f(s):\n    exec(s)\n", "PV401", 2, 5),
    ("compile", "code = compile('1', 'x', 'eval')\n", "PV401", 1, 8),
    ("getframe", "import sys\ndef f():\n    return sys._getframe()\n", "PV402", 3, 12),
    ("currentframe", "import inspect\nx = inspect.currentframe()\n", "PV402", 2, 5),
    ("locals", "def f(a):\n    return locals()\n", "PV403", 2, 12),
    ("vars", "def f(a):\n    return vars()\n", "PV403", 2, 12),
    ("dir", "def f(a):\n    return dir()\n", "PV403", 2, 12),
    *(
        []
        if sys.version_info >= (3, 11)  # compiled (formerly PV407): test_exact_exceptstar
        else [
            (
                "except-star",
                "def f(g):\n    try:\n        g()\n    except* ValueError:\n        pass\n",
                # before 3.11, except* is not Python: CPython's SyntaxError, at its place
                "PV100",
                4,
                11,
            )
        ]
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_generic_rejection(tmp_path: Path, case) -> None:
    _, source, code, line, col = case
    path = tmp_path / "mod.py"
    path.write_text(source)
    diags = check_file(path, "pkg.mod")
    found = [(d.code, d.line, d.col) for d in diags]
    assert (code, line, col) in found, f"expected {code} at {line}:{col}, got {found}"
    d = next(d for d in diags if d.code == code)
    assert d.severity == "error" and d.message and d.hint
    if code != "PV100" and "def " in source:  # no way out of a syntax error
        assert "interpreted" in d.hint and "pkg.mod:" in d.hint


# Errors CPython's compiler (not its parser) reports: ast.parse accepts these modules,
# the interpreter refuses to import them. Each is PV100 with CPython's message and place.
COMPILER_ERRORS = [
    (
        "capture-makes-unreachable",
        "def f(p):\n    match p:\n        case x:\n            pass\n        case 1:\n"
        "            pass\n",
        "name capture 'x' makes remaining patterns unreachable",
    ),
    (
        "wildcard-makes-unreachable",
        "def f(p):\n    match p:\n        case _:\n            pass\n        case 1:\n"
        "            pass\n",
        "wildcard makes remaining patterns unreachable",
    ),
    (
        "or-irrefutable-not-last",
        "def f(p):\n    match p:\n        case x | 1:\n            pass\n",
        "name capture 'x' makes remaining patterns unreachable",
    ),
    (
        "or-binds-different-names",
        "def f(p):\n    match p:\n        case [x] | [y]:\n            pass\n",
        "alternative patterns bind different names",
    ),
    (
        "name-bound-twice",
        "def f(p):\n    match p:\n        case [x, x]:\n            pass\n",
        "multiple assignments to name 'x' in pattern",
    ),
    (
        "duplicate-literal-key",
        "def f(p):\n    match p:\n        case {'a': 1, 'a': 2}:\n            pass\n",
        "mapping pattern checks duplicate key ('a')",
    ),
    (
        "attribute-repeated",
        "def f(p):\n    match p:\n        case C(x=1, x=2):\n            pass\n",
        "attribute name repeated in class pattern: x",
    ),
    (
        "two-starred-names",
        "def f(p):\n    match p:\n        case [*a, *b]:\n            pass\n",
        "multiple starred names in sequence pattern",
    ),
    (
        "module-level-capture",
        "match 1:\n    case x:\n        pass\n    case _:\n        pass\n",
        "name capture 'x' makes remaining patterns unreachable",
    ),
    ("return-outside-function", "x = 1\nreturn x\n", "'return' outside function"),
    (
        "nonlocal-without-binding",
        "def f():\n    nonlocal x\n    x = 1\n",
        "no binding for nonlocal 'x' found",
    ),
]
if sys.version_info >= (3, 11):
    _EXCEPT_STAR_EXIT = "'break', 'continue' and 'return' cannot appear in an except* block"
    COMPILER_ERRORS += [
        (
            "return-in-except-star",
            "def f(g):\n    try:\n        g()\n    except* ValueError:\n        return 1\n",
            _EXCEPT_STAR_EXIT,
        ),
        (
            "break-in-except-star",
            "def f(g):\n    for x in g:\n        try:\n            g()\n"
            "        except* ValueError:\n            if x:\n                break\n",
            _EXCEPT_STAR_EXIT,
        ),
        (
            "continue-in-except-star-in-finally",
            "def f(g):\n    for x in g:\n        try:\n            g()\n"
            "        except* ValueError:\n            try:\n                pass\n"
            "            finally:\n                continue\n",
            _EXCEPT_STAR_EXIT,
        ),
    ]


@pytest.mark.parametrize("case", COMPILER_ERRORS, ids=[c[0] for c in COMPILER_ERRORS])
def test_compiler_syntax_errors_are_pv100(tmp_path: Path, case) -> None:
    _, source, message = case
    path = tmp_path / "mod.py"
    path.write_text(source)
    with pytest.raises(SyntaxError) as info:
        compile(source, str(path), "exec", dont_inherit=True)
    assert info.value.msg == message  # what the interpreter says on import
    diags = check_file(path, "pkg.mod")
    assert [(d.code, d.line, d.col) for d in diags] == [
        ("PV100", info.value.lineno, info.value.offset)
    ]
    assert diags[0].message == f"the file is not valid Python: {message}"
    assert diags[0].severity == "error"


def test_shadowed_builtins_are_not_rejected(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def eval(s):\n    return s\nx = eval('1')\nimport re\ny = re.compile('a')\n")
    assert check_file(path) == []


@pytest.mark.parametrize(
    "source",
    [
        "import os\nimport collections\nX = {}\n",
        "class A:\n    def m(self):\n        return 1\n",
        "def f(x, *args, k=1, **kw):\n    return [a for a in args]\n",
        "def g():\n    yield 1\n    yield from range(3)\n",
        # formerly PV405: yield in except and in a finally that runs for an exception
        "def g(x):\n    try:\n        yield 1\n    except ValueError:\n        yield 2\n"
        "    finally:\n        yield 3\n",
        # formerly PV404: coroutines, await, async with / for, async comprehensions
        "import asyncio\nasync def f(m, xs):\n    async with m as v:\n"
        "        await asyncio.sleep(0)\n    async for x in xs:\n        pass\n"
        "    return [y async for y in xs], v\n",
        "async def agen(xs, g):\n    async for x in xs:\n        yield await g(x)\n"
        "    yield (x async for x in xs), (await g(x) for x in [1])\n",
        "def h(xs):\n    try:\n        return xs[0]\n    except IndexError:\n        return None\n",
        "if __name__ == '__main__':\n    print('hi')\n",
        "d = vars(object)\ng = globals()\n",
        "def f(p):\n    match p:\n        case [x, *_] if x:\n            return x\n"
        "        case {'k': v} | Point(v):\n            return v\n        case _:\n"
        "            return None\n",
        # formerly PV407: except* (3.11+ syntax)
        *(
            [
                "def f(g):\n    try:\n        g()\n    except* ValueError as e:\n"
                "        print(e)\n    except* (TypeError, KeyError):\n        pass\n"
                "    else:\n        return 1\n    finally:\n        g()\n"
            ]
            if sys.version_info >= (3, 11)
            else []
        ),
    ],
)
def test_generic_tier_accepts_ordinary_python(tmp_path: Path, source: str) -> None:
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent(source))
    sel = select_tier(path)
    assert sel.tier == "generic", sel.diagnostics
    assert sel.diagnostics == []
    assert sel.native_notes, "the native tier's reasons are kept for annotate"


def test_typed_module_stays_native(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def f(x: int) -> int:\n    return x * 2\n")
    assert select_tier(path).tier == "native"

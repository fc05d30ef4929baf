"""Instances of classes imported from sibling modules of the project (verify/objects.py).

``from shapes import Vec`` (or ``import shapes`` + ``shapes.Vec``) where ``shapes.py`` lies
under the module's import root: the class is read from that file with ``ast`` and its
recipes target ``"shapes:Vec"``; both workers import ``shapes`` normally. Classes of the
standard library, of installed packages or of files outside the import root stay
``unknown``. A class built without arguments has one recipe: a one-point domain.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pyvorin.verify import generate
from pyvorin.verify.objects import MAX_DEPTH
from pyvorin.verify.planning import required_inputs
from pyvorin.verify.signature import parse_functions
from pyvorin.verify.values import Construct
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

SHAPES = """\
Coord = float


class Vec:
    def __init__(self, x: Coord, y: Coord) -> None:
        self.x = x
        self.y = y


class Context:
    def __init__(self) -> None:
        self.calls = 0
"""

GEO = """\
from shapes import Vec


class Box:
    def __init__(self, low: Vec, high: Vec, label: str = "box") -> None:
        self.low = low
        self.high = high
        self.label = label
"""

KERNELS = """\
import shapes
import pkg.geo
from shapes import Vec, Context as Ctx
from pkg import geo
from pkg.geo import Box, Vec as Reexported


def norm1(v: Vec) -> float:
    return abs(v.x) + abs(v.y)


def bump(v: shapes.Vec, d: float) -> None:
    v.x = v.x + d


def width(box: Box) -> float:
    return box.high.x - box.low.x


def label(box: geo.Box) -> str:
    return box.label


def height(box: pkg.geo.Box) -> float:
    return box.high.y - box.low.y


def again(v: Reexported) -> float:
    return v.y


def tick(c: Ctx) -> int:
    c.calls += 1
    return c.calls


def tick_or_not(c: Ctx | None) -> int:
    return -1 if c is None else c.calls


def ticks(c: Ctx, n: int) -> int:
    return c.calls + n
"""


def _project(root: Path, kernels: str = KERNELS) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "shapes.py").write_text(SHAPES, encoding="utf-8")
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (root / "pkg" / "geo.py").write_text(GEO, encoding="utf-8")
    path = root / "kernels.py"
    path.write_text(textwrap.dedent(kernels), encoding="utf-8")
    return path


def _functions(path: Path, module: str = "kernels") -> dict:
    return {f.name: f for f in parse_functions(module, path)}


def _arguments(function, count: int = 30) -> list:
    return [(*c.args, *c.kwargs.values()) for c in generate.generate(function, count, 0)]


def test_classes_imported_from_siblings_get_recipes_of_their_module(tmp_path: Path):
    functions = _functions(_project(tmp_path))
    types = {name: str(f.params[0].type) for name, f in functions.items()}
    assert types["norm1"] == types["bump"] == types["again"] == "Vec"
    assert types["width"] == types["label"] == types["height"] == "Box"
    vecs = [a[0] for name in ("norm1", "bump", "again") for a in _arguments(functions[name])]
    assert vecs and all(type(v) is Construct and v.target == "shapes:Vec" for v in vecs)
    # Vec's parameters are read in shapes.py, through its own alias Coord = float
    assert all(type(x) is float for v in vecs for x in v.args)
    boxes = [a[0] for name in ("width", "label", "height") for a in _arguments(functions[name])]
    assert all(type(b) is Construct and b.target == "pkg.geo:Box" for b in boxes)
    assert all(a.target == "shapes:Vec" for b in boxes for a in b.args[:2])
    assert any(len(b.args) == 2 for b in boxes)  # the default label left out too


def test_a_class_built_without_arguments_is_a_one_point_domain(tmp_path: Path):
    functions = _functions(_project(tmp_path))
    tick = functions["tick"]
    assert str(tick.params[0].type) == "Context"
    assert tick.input_space() == 1 and required_inputs(tick, 100) == 1
    assert _arguments(tick, 100) == [(Construct("shapes:Context"),)]
    assert required_inputs(functions["tick_or_not"], 100) == 2
    # with an int beside it the domain is infinite: min-inputs stands
    assert functions["ticks"].input_space() is None
    assert required_inputs(functions["ticks"], 100) == 100
    assert len(_arguments(functions["ticks"], 100)) >= 100


def test_classes_from_outside_the_project_stay_unknown(tmp_path: Path):
    root = tmp_path / "project"
    root.mkdir()
    outside = tmp_path / "elsewhere.py"
    outside.write_text("class Far:\n    def __init__(self) -> None:\n        pass\n")
    # a project file named like a standard module is not what the worker imports
    (root / "fractions.py").write_text("class Fraction:\n    pass\n")
    venv = root / ".venv" / "lib" / "site-packages"
    venv.mkdir(parents=True)
    (root / "installed.py").symlink_to(outside)
    (venv / "vendored.py").write_text("class Thing:\n    pass\n")
    (root / "vendored.py").symlink_to(venv / "vendored.py")  # inside, but installed
    path = root / "kernels.py"
    path.write_text(
        textwrap.dedent(
            """\
            from fractions import Fraction
            from collections import OrderedDict
            from elsewhere import Far
            from installed import Far as Linked
            from missing import Gone
            from broken import Bad
            from vendored import Thing
            from . import nothing


            def f1(x: Fraction) -> int:
                return 1


            def f2(x: OrderedDict) -> int:
                return 2


            def f3(x: Far) -> int:
                return 3


            def f4(x: Linked) -> int:
                return 4


            def f5(x: Gone) -> int:
                return 5


            def f6(x: Bad) -> int:
                return 6


            def f7(x: Thing) -> int:
                return 7
            """
        )
    )
    (root / "broken.py").write_text("class Bad(:\n")
    functions = _functions(path)
    types = {name: str(function.params[0].type) for name, function in functions.items()}
    assert types == {f"f{n}": "unknown" for n in range(1, 8)}
    assert not any(function.generatable for function in functions.values())


def test_relative_imports_of_a_package_module(tmp_path: Path):
    _project(tmp_path, "def nothing() -> None:\n    pass\n")
    path = tmp_path / "pkg" / "user.py"
    path.write_text(
        "from .geo import Box\nfrom .. import shapes\n\n\n"
        "def f(b: Box) -> str:\n    return b.label\n\n\n"
        "def g(v: shapes.Vec) -> float:\n    return v.x\n",
        encoding="utf-8",
    )
    functions = _functions(path, "pkg.user")
    assert functions["f"].params[0].type.name == "pkg.geo:Box"
    # ``from .. import`` climbs above the top-level package: CPython refuses it too
    assert str(functions["g"].params[0].type) == "unknown"


def test_a_cycle_of_imports_between_siblings_ends(tmp_path: Path):
    (tmp_path / "a.py").write_text("from b import Node\n\n\ndef f(n: Node) -> int:\n    return 1\n")
    (tmp_path / "b.py").write_text(
        "from a import f\nfrom c import Node\n", encoding="utf-8"
    )  # b re-exports c's Node; c imports b back
    (tmp_path / "c.py").write_text(
        "import b\n\n\nclass Node:\n    def __init__(self, nxt: 'b.Node | None') -> None:\n"
        "        self.nxt = nxt\n",
        encoding="utf-8",
    )
    (function,) = parse_functions("a", tmp_path / "a.py")
    spec = function.params[0].type
    assert spec.name == "c:Node"
    # the class nests in itself through the import cycle, cut at MAX_DEPTH classes deep
    depth, inner = 1, spec
    while inner.kind == "instance":
        assert inner.name == "c:Node" and inner.items[0].kind in ("union", "none")
        members = inner.items[0].items if inner.items[0].kind == "union" else ()
        nested = [m for m in members if m.kind == "instance"]
        if not nested:
            break
        inner, depth = nested[0], depth + 1
    assert depth == MAX_DEPTH and str(inner.items[0]) == "None"
    assert function.generatable


# -- end to end: the real verifier, CPython against the (mutated) "compiled" copy --------
def _verify(tmp_path: Path, mutations=()):
    root = tmp_path / "project"
    root.mkdir()
    _project(root)
    module = make_project(root, source=KERNELS, min_inputs=30)
    ctx = make_context(root, MutantBackend(list(mutations)))
    compiled = compile_with(ctx, module, tmp_path)
    result, report, _ = verify_module(ctx, module, compiled)
    return result, {f["name"]: f for f in report["functions"]}


def test_functions_of_sibling_instances_verify(tmp_path: Path):
    result, entries = _verify(tmp_path)
    assert result.passed, result.message
    for name in ("norm1", "bump", "width", "label", "height", "again", "ticks"):
        assert entries[name]["result"] == "passed", entries[name]
        assert entries[name]["conclusive"] >= entries[name]["required"] == 30, entries[name]
    for name, domain in (("tick", 1), ("tick_or_not", 2)):
        assert entries[name]["result"] == "passed", entries[name]
        assert entries[name]["required"] == entries[name]["conclusive"] == domain


def test_a_miscompiled_function_of_a_sibling_instance_is_caught(tmp_path: Path):
    result, entries = _verify(
        tmp_path, [("v.x = v.x + d", "v.x = v.x - d"), ("c.calls += 1", "c.calls += 2")]
    )
    assert not result.passed
    whats = {d["what"] for f in entries["bump"]["findings"] for d in f["differences"]}
    assert "argument mutation" in whats
    assert "shapes.Vec(" in entries["bump"]["findings"][0]["input"]["call"]
    # the one-point domain still compares its one input
    assert entries["tick"]["result"] == "mismatch"
    assert entries["norm1"]["result"] == "passed"


def test_a_changed_sibling_reverifies_the_functions_built_from_its_classes(tmp_path: Path):
    root = tmp_path / "project"
    root.mkdir()
    _project(root)

    def run() -> set[str]:
        module = make_project(root, source=KERNELS, min_inputs=30)
        ctx = make_context(root, MutantBackend([]))
        result, report, _ = verify_module(ctx, module, compile_with(ctx, module, tmp_path))
        assert result.passed, result.message
        return {r["function"] for r in report["reused"]}

    assert run() == set()
    everything = {"norm1", "bump", "width", "label", "height", "again", "tick", "tick_or_not"}
    assert run() == everything | {"ticks"}
    # Box's __init__ changes: the functions of boxes get other inputs, the rest are reused
    geo = root / "pkg" / "geo.py"
    geo.write_text(geo.read_text().replace('label: str = "box"', 'label: str = "crate"'))
    assert run() == everything - {"width", "label", "height"} | {"ticks"}


@pytest.mark.slow
def test_functions_of_sibling_instances_compile_natively_and_verify(tmp_path: Path):
    """The real pipeline: ``pyvorin compile`` builds kernels only; shapes and pkg.geo stay
    source, imported by both workers."""
    import json

    from tests.helpers import run_cli

    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    _project(project)
    (project / "pkg").chmod(0o755)
    (project / "pyproject.toml").write_text("[tool.pyvorin.verify]\ncall-seconds = 2\n")
    proc = run_cli("compile", "kernels.py", "-o", "out", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((project / "out" / "kernels.pyvorin-verify.json").read_text())
    entries = {f["name"]: f for f in report["functions"]}
    assert len(entries) == 9
    for entry in entries.values():
        assert entry["result"] == "passed" and entry["mismatches"] == 0, entry
        assert entry["conclusive"] >= entry["required"], entry
    assert entries["tick"]["required"] == 1 and entries["tick_or_not"]["required"] == 2
    assert entries["norm1"]["required"] == report["min_inputs"] == 100

"""PV409: ``inspect`` reading the source of a function or class the module compiles.

Found in the third fresh corpus sample (OmkarPathak/pygorithm, docs/corpus.md): 20 of 35
files have a ``get_code()`` that returns ``inspect.getsource(sort)`` (or of a class). They
checked clean, and the verifier then found the compiled ``get_code()`` raising where
CPython returns the text. The check now says so at the call, with the way out; the real
compiler shows both why (the difference) and that the way out gives CPython's answer."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from pyvorin.compiler import check_file, compile_module
from pyvorin.model import ModuleSpec

from .harness import load_extension, load_python, shared_cache


def _pv409(tmp_path: Path, source: str, declared: tuple[str, ...] = ()) -> list[tuple]:
    path = tmp_path / "mod.py"
    path.write_text(textwrap.dedent(source))
    return [(d.line, d.col) for d in check_file(path, "pkg.mod", declared) if d.code == "PV409"]


REPORTED = [
    (
        "function",
        """\
        import inspect
        def sort(xs):
            return xs
        def get_code():
            return inspect.getsource(sort)
        """,
        [(5, 12)],
    ),
    (
        "class-in-its-own-staticmethod",
        """\
        import inspect
        class Node(object):
            @staticmethod
            def get_code():
                return inspect.getsource(Node)
        """,
        [(5, 16)],
    ),
    (
        "from-import-alias-at-module-level",
        """\
        from inspect import getsourcelines as lines
        def f():
            pass
        x = lines(f)
        """,
        [(4, 5)],
    ),
    (
        "method-through-its-class",
        """\
        import inspect as ins
        class C:
            def m(self):
                pass
            @classmethod
            def k(cls):
                pass
        def g():
            return ins.getfile(C.m), ins.findsource(C.k)
        """,
        [(9, 12), (9, 30)],
    ),
    (
        "keyword-argument",
        """\
        import inspect
        def f():
            pass
        def g():
            return inspect.getsourcefile(object=f)
        """,
        [(5, 12)],
    ),
    (
        "a-method-body-does-not-see-the-class-names",
        """\
        import inspect
        def sort():
            pass
        class C:
            def sort(self):
                pass
            def code(self):
                return inspect.getabsfile(sort)
        """,
        [(8, 16)],
    ),
    (
        "inside-a-function-declared-interpreted",
        # the caller runs interpreted; what it reads is still compiled
        """\
        import inspect
        def sort():
            pass
        def code():
            return inspect.getsource(sort)
        """,
        [(5, 12)],
    ),
]


@pytest.mark.parametrize("case", REPORTED, ids=[c[0] for c in REPORTED])
def test_source_read_of_a_compiled_object_is_pv409(tmp_path: Path, case) -> None:
    name, source, places = case
    declared = ("code",) if name == "inside-a-function-declared-interpreted" else ()
    assert _pv409(tmp_path, source, declared) == places


def test_the_diagnostic_names_the_object_and_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text(
        "import inspect\ndef sort(xs):\n    return xs\nclass Node:\n    pass\n"
        "def code():\n    return inspect.getsource(sort) + inspect.getsource(Node)\n"
    )
    fn, cls = [d for d in check_file(path, "pkg.mod") if d.code == "PV409"]
    assert fn.severity == "error"
    assert fn.message.startswith("inspect.getsource() of the compiled function sort,")
    assert "returns its source text" in fn.message
    assert 'interpreted = ["pkg.mod:sort"]' in fn.hint  # the object read, not the caller
    assert "pkg.mod:code" not in fn.hint
    assert cls.message.startswith("inspect.getsource() of the compiled class Node,")
    assert "interpreted" not in cls.hint  # a class cannot be declared


NOT_REPORTED = [
    (
        "a-parameter",  # unknown statically: the verifier compares the calls it runs
        """\
        import inspect
        def source_of(f):
            return inspect.getsource(f)
        """,
    ),
    (
        "a-local-of-the-same-name",
        """\
        import inspect, json
        def sort():
            pass
        def code():
            sort = json.dumps
            return inspect.getsource(sort)
        """,
    ),
    (
        "a-class-body-name",
        """\
        import inspect, json
        def sort():
            pass
        class C:
            sort = json.dumps
            src = inspect.getsource(sort)
        """,
    ),
    (
        "a-comprehension-variable",
        """\
        import inspect
        def sort():
            pass
        def code(fs):
            return [inspect.getsource(sort) for sort in fs]
        """,
    ),
    (
        "rebound-at-module-level",
        """\
        import inspect, json
        def f():
            pass
        f = json.dumps
        x = inspect.getsource(f)
        """,
    ),
    (
        "rebound-through-global",
        """\
        import inspect, json
        def f():
            pass
        def swap():
            global f
            f = json.dumps
        def code():
            return inspect.getsource(f)
        """,
    ),
    (
        "decorated",  # the decorator decides what the name is
        """\
        import functools, inspect
        @functools.lru_cache
        def f():
            pass
        def code():
            return inspect.getsource(f)
        """,
    ),
    (
        "a-property",  # C.p is the property object: TypeError in both
        """\
        import inspect
        class C:
            @property
            def p(self):
                return 1
        def code():
            return inspect.getsource(C.p)
        """,
    ),
    (
        "an-interpreted-object",
        """\
        import inspect, json
        def code():
            return inspect.getsource(json.dumps)
        """,
    ),
    (
        "readers-that-answer-alike",  # getdoc/getmodule use attributes compiled code has
        """\
        import inspect
        def f():
            pass
        def code():
            return inspect.getdoc(f), inspect.getmodule(f), inspect.getcomments(f)
        """,
    ),
    (
        "inspect-rebound",
        """\
        import inspect
        def f():
            pass
        inspect = None
        def code():
            return inspect.getsource(f)
        """,
    ),
]


@pytest.mark.parametrize("case", NOT_REPORTED, ids=[c[0] for c in NOT_REPORTED])
def test_what_behaves_alike_is_not_reported(tmp_path: Path, case) -> None:
    _, source = case
    assert _pv409(tmp_path, source) == []


def test_a_target_declared_interpreted_is_not_reported(tmp_path: Path) -> None:
    source = (
        "import inspect\ndef sort(xs):\n    return xs\nclass C:\n    def m(self):\n"
        "        pass\ndef code():\n    return inspect.getsource(sort), inspect.getsource(C.m)\n"
    )
    assert _pv409(tmp_path, source) == [(8, 12), (8, 37)]
    assert _pv409(tmp_path, source, ("sort", "C.m")) == []


PLAIN = '''\
import inspect


# sorts a copy
def helper(xs):
    """Sorted."""
    return sorted(xs)


class Box:
    def get(self):
        return 1


def source_of(obj):
    return inspect.getsource(obj)
'''
MODULE = (
    PLAIN
    + """

def code():
    return inspect.getsource(helper)


def lines():
    return inspect.getsourcelines(helper)


def where():
    return inspect.getsourcefile(helper), inspect.getcomments(helper)
"""
)


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory):
    """build(name, text, declared) -> (source path, CPython module, compiled module)."""
    root = tmp_path_factory.mktemp("source-reads")

    def get(name: str, text: str, declared: tuple[str, ...] = ()):
        source = root / f"{name}.py"
        source.write_text(text)
        result = compile_module(
            ModuleSpec(name, source.resolve()),
            root / f"out-{name}",
            workdir=root / f"work-{name}",
            cache_dir=shared_cache(tmp_path_factory),
            interpreted=declared,
        )
        return source, load_python(source, name), load_extension(result.artifact, name)

    return get


def _outcome(fn, *args):
    try:
        return ("return", fn(*args))
    except Exception as exc:  # the exception is what is compared
        return ("raise", type(exc).__name__, str(exc))


@pytest.mark.slow  # two real compiles (seconds)
def test_compiled_objects_have_no_source_and_the_declared_way_out_is_cpythons(
    build, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what the check cannot see (the argument of source_of) differs when it is compiled:
    # a compiled function raises TypeError, a compiled class OSError, where CPython returns
    # the text; PV409 reports the calls where it can see it
    _, py, plain = build("srcplain", PLAIN)
    assert _outcome(py.source_of, py.helper)[0] == "return"
    assert _outcome(plain.source_of, plain.helper)[:2] == ("raise", "TypeError")
    # a class is found through sys.modules[cls.__module__].__file__: each module is
    # imported under its name, as the verifier imports both
    monkeypatch.setitem(sys.modules, "srcplain", py)
    assert _outcome(py.source_of, py.Box)[0] == "return"
    monkeypatch.setitem(sys.modules, "srcplain", plain)
    assert _outcome(plain.source_of, plain.Box) == (
        "raise",
        "OSError",
        "source code not available",
    )
    # code(), lines() and where() read helper's source: refused unless helper is
    # declared interpreted; declared, it is the interpreter's function again, with its
    # file and line, and every reader answers as in CPython
    source, py, declared = build("srcmod", MODULE, ("helper",))
    errors = [(d.line, d.code) for d in check_file(source, "srcmod") if d.severity == "error"]
    assert errors == [(20, "PV409"), (24, "PV409"), (28, "PV409")]
    assert [d.code for d in check_file(source, "srcmod", ("helper",))] == ["PV490"]
    for name in ("code", "lines", "where"):
        assert _outcome(getattr(declared, name)) == _outcome(getattr(py, name)), name
    assert _outcome(declared.source_of, declared.helper) == _outcome(py.source_of, py.helper)
    monkeypatch.setitem(sys.modules, "srcmod", declared)
    assert _outcome(declared.source_of, declared.Box)[:2] == ("raise", "OSError")

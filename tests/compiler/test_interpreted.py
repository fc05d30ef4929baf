"""Functions declared interpreted: compiled into a real extension (with the C compiler),
made from their source at import, and compared with CPython; and every way a
declaration can be wrong, with its precise error."""

from __future__ import annotations

import textwrap
import traceback
from pathlib import Path

import pytest

from pyvorin.compiler import check_file, compile_module, select_tier
from pyvorin.compiler.interpreted import DeclarationError
from pyvorin.errors import ConfigError
from pyvorin.exitcodes import ExitCode
from pyvorin.model import ModuleSpec

from .harness import load_extension, load_python, shared_cache

SOURCE = Path(__file__).parent / "interpreted" / "declared.py"
CONFIGURED = ("configured",)  # what [tool.pyvorin] interpreted adds to the decorated ones
DECLARED = [
    "evaluate",
    "frame_line",
    "configured",
    "failing",
    "nested_closure",
    "counting",
    "doubled",
    "in_block",
    "sees_global",
    "Shape.area",
    "Shape.private",
    "Shape.greet",
    "Shape.make",
    "Shape.helper",
    "Shape.size",
]


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("interpreted")
    py = load_python(SOURCE, "declared")
    result = compile_module(
        ModuleSpec("declared", SOURCE.resolve()),
        root / "out",
        workdir=root,
        cache_dir=shared_cache(tmp_path_factory),
        interpreted=CONFIGURED,
    )
    compiled = load_extension(result.artifact, "declared")
    return py, compiled, result


def outcome(fn, *args, **kwargs):
    try:
        value = fn(*args, **kwargs)
    except Exception as exc:  # the exception is what is compared
        frames = [
            (f.name, f.lineno, f.filename, f.line) for f in traceback.extract_tb(exc.__traceback__)
        ]
        return ("raise", type(exc).__name__, str(exc), frames[1:])
    return ("return", repr(value))


def test_the_module_is_compiled_and_lists_the_declared_functions(modules) -> None:
    _, compiled, result = modules
    assert result.interpreted == DECLARED
    assert type(compiled.compiled_caller).__name__ != "function"  # compiled, not Python
    assert type(compiled.evaluate).__name__ == "function"  # made by the interpreter
    assert compiled.__file__.endswith(".so")


@pytest.mark.parametrize(
    "name",
    [
        "evaluate",
        "frame_line",
        "configured",
        "failing",
        "nested_closure",
        "counting",
        "doubled",
        "in_block",
        "sees_global",
    ],
)
def test_function_objects_are_cpythons(modules, name: str) -> None:
    py, compiled, _ = modules
    # name, qualname, module, doc, co_firstlineno (first decorator's line), file, defaults,
    # keyword defaults, annotations (evaluated by the compiled code), decorator tags
    assert compiled.describe(getattr(compiled, name)) == py.describe(getattr(py, name))


def test_decorators_apply_in_cpythons_order(modules) -> None:
    py, compiled, _ = modules
    assert compiled.ORDER == py.ORDER == ["inner:evaluate", "outer:evaluate"]
    assert compiled.evaluate.tags == ["inner", "outer"]


CALLS = [
    ("evaluate", ("x + 1",), {}),
    ("evaluate", ("x * x",), {"scale": 3, "offset": -4}),
    ("evaluate", ("y",), {}),  # NameError from inside eval
    ("evaluate", ("x +",), {}),  # SyntaxError
    ("evaluate", (), {}),  # TypeError: binding the arguments
    ("frame_line", (), {}),
    ("compiled_caller", ("x - 3",), {}),
    ("configured", (5,), {}),
    ("failing", ("zero",), {}),
    ("failing", ("key",), {}),
    ("failing", ("other",), {}),
    ("nested_closure", (4,), {}),
    ("in_block", (), {}),
    ("sees_global", (), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS)
def test_calls_behave_as_cpython(modules, name, args, kwargs) -> None:
    py, compiled, _ = modules
    # result, or exception type, message and traceback (function, line, file, text)
    expected = outcome(getattr(py, name), *args, **kwargs)
    assert outcome(getattr(compiled, name), *args, **kwargs) == expected


def test_generators_and_tracebacks_through_compiled_code(modules) -> None:
    py, compiled, _ = modules
    assert list(compiled.counting(5)) == list(py.counting(5)) == [0, 1, 4, 9, 16]
    got = outcome(compiled.compiled_caller, 5)  # eval(5): TypeError inside the interpreted one
    want = outcome(py.compiled_caller, 5)
    assert got[:3] == want[:3]
    # the interpreted frames (evaluate, then eval's) are CPython's; the compiled caller's
    # own entry names the same file, function and line
    assert got[3][-2:] == want[3][-2:]
    assert [f[:3] for f in got[3][:1]] == [f[:3] for f in want[3][:1]]


def test_a_declared_async_function_is_cpythons_coroutine_function(modules) -> None:
    import asyncio
    import inspect

    py, compiled, _ = modules
    assert inspect.iscoroutinefunction(compiled.doubled)
    assert asyncio.run(compiled.doubled(21)) == asyncio.run(py.doubled(21)) == 42


METHOD_CALLS = [
    ("area", ()),
    ("private", (7,)),
    ("greet", ()),
    ("compiled_area", ()),
]


@pytest.mark.parametrize(("name", "args"), METHOD_CALLS)
def test_methods_behave_as_cpython(modules, name, args) -> None:
    py, compiled, _ = modules
    want = outcome(getattr(py.Shape(3), name), *args)
    assert outcome(getattr(compiled.Shape(3), name), *args) == want


def test_classmethod_staticmethod_property(modules) -> None:
    py, compiled, _ = modules
    for m in (py, compiled):
        assert m.Shape.make(2)[1] == "Shape" and isinstance(m.Shape.make(2)[0], m.Shape)
        assert m.Shape.helper(4) == 12 and m.Shape(1).helper(2, 5) == 10
    s, t = py.Shape(3), compiled.Shape(3)
    assert s.size == t.size == 3
    s.size = t.size = 8
    assert s.size == t.size == 8
    assert outcome(setattr, t, "size", -1) == outcome(setattr, s, "size", -1)
    for name in ("area", "private", "greet", "helper"):
        assert compiled.describe(getattr(compiled.Shape, name)) == py.describe(
            getattr(py.Shape, name)
        )
    assert compiled.describe(compiled.Shape.make.__func__) == py.describe(py.Shape.make.__func__)
    for part in ("fget", "fset"):
        got = getattr(compiled.Shape.size, part)
        assert compiled.describe(got) == py.describe(getattr(py.Shape.size, part))
    # a method's code is compiled as in its class: __class__ for super(), mangled names
    assert compiled.Shape.greet.__code__.co_freevars == ("__class__",)
    assert "_Shape__memo" in compiled.Shape(1).private(2)[0]


# -- the same module undeclared, and wrong declarations ------------------------------------


def _module(tmp_path: Path, text: str, name: str = "mod") -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    return path


EVAL_MODULE = """\
    def evaluate(expr):
        return eval(expr)


    class Calc:
        def run(self, expr):
            def inner():
                return eval(expr)
            return inner()
"""


def test_undeclared_eval_is_still_rejected_with_the_option_named(tmp_path: Path) -> None:
    path = _module(tmp_path, EVAL_MODULE)
    diags = check_file(path, "pkg.mod")
    assert [(d.code, d.line, d.severity) for d in diags] == [
        ("PV401", 2, "error"),
        ("PV401", 8, "error"),
    ]
    assert 'interpreted = ["pkg.mod:evaluate"]' in diags[0].hint
    assert 'interpreted = ["pkg.mod:Calc.run"]' in diags[1].hint  # the declarable method
    assert select_tier(path, "pkg.mod").tier is None


def test_declared_by_configuration_it_compiles_with_notes(tmp_path: Path) -> None:
    path = _module(tmp_path, EVAL_MODULE)
    diags = check_file(path, "pkg.mod", ("evaluate", "Calc.run"))
    assert [(d.code, d.line, d.severity) for d in diags] == [
        ("PV490", 1, "note"),
        ("PV490", 6, "note"),
    ]
    assert 'interpreted = ["pkg.mod:evaluate"]' in diags[0].message
    sel = select_tier(path, "pkg.mod", ("evaluate", "Calc.run"))
    assert sel.tier == "generic" and sel.generic_ir.interpreted == ["evaluate", "Calc.run"]


def test_a_declaration_sends_a_native_module_to_the_generic_tier(tmp_path: Path) -> None:
    path = _module(tmp_path, "def add(a: int, b: int) -> int:\n    return a + b\n")
    assert select_tier(path, "m").tier == "native"
    sel = select_tier(path, "m", ("add",))
    assert sel.tier == "generic" and [d.code for d in sel.diagnostics] == ["PV490"]


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("nope", "the module defines no top-level function 'nope'"),
        ("Calc", "'Calc' is a class; declare its methods"),
        ("Calc.walk", "the class 'Calc' defines no method 'walk'"),
        ("Other.run", "the module defines no top-level class 'Other'"),
        ("evaluate.inner", "would be a function nested in the function 'evaluate'"),
    ],
)
def test_configured_entry_naming_no_function_is_a_config_error(
    tmp_path: Path, entry: str, reason: str
) -> None:
    path = _module(tmp_path, EVAL_MODULE)
    with pytest.raises(DeclarationError) as info:
        check_file(path, "pkg.mod", (entry,))
    assert isinstance(info.value, ConfigError) and info.value.exit_code == ExitCode.USAGE
    assert info.value.qualname == entry and reason in info.value.reason


def test_decorator_anywhere_else_is_pv491(tmp_path: Path) -> None:
    path = _module(
        tmp_path,
        """\
        import pyvorin_runtime as rt
        from pyvorin_runtime import interpreted as keep


        def outer():
            @keep
            def inner():
                return 1
            return inner


        square = keep(lambda x: x * x)


        @rt.interpreted
        class Box:
            pass


        @rt.interpreted
        def fine():
            @keep  # nested in a declared function: interpreted with it, not an error
            def deeper():
                return eval("1")
            return deeper()
        """,
    )
    diags = check_file(path, "m")
    assert [(d.code, d.line) for d in diags if d.severity == "error"] == [
        ("PV491", 6),
        ("PV491", 12),
        ("PV491", 15),
    ]
    assert [(d.code, d.line) for d in diags if d.severity == "note"] == [("PV490", 21)]


def test_only_the_runtimes_decorator_declares(tmp_path: Path) -> None:
    path = _module(
        tmp_path,
        """\
        def interpreted(f):
            return f


        @interpreted
        def f(x):
            return eval(x)
        """,
    )
    assert [d.code for d in check_file(path, "m")] == ["PV401"]


def test_what_the_compiled_code_evaluates_is_still_checked(tmp_path: Path) -> None:
    # defaults, decorators and annotations of a declared function run in the compiled
    # module, where eval has no frame: still PV401
    path = _module(
        tmp_path,
        """\
        from pyvorin_runtime import interpreted


        @interpreted
        def f(x=eval("1")):
            return eval("x")
        """,
    )
    diags = check_file(path, "m")
    assert [(d.code, d.line, d.severity) for d in diags] == [
        ("PV401", 5, "error"),
        ("PV490", 5, "note"),
    ]

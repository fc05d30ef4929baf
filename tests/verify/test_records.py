"""Unannotated parameters read only through attributes get records; those used only
through one builtin type's methods get values of that type (pyvorin.verify.objects).

pyperformance's ``add_cmdline_args(cmd, args)`` (``cmd.extend(...)``, ``args.iterations``)
is the pattern: before, nothing could be generated for it and the module ended exit 4.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from pyvorin.verify.objects import builtin_by_methods, parameter_usage, record_fields
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

SOURCE = """\
def add_cmdline_args(cmd, args):
    cmd.extend(("--iterations", str(args.iterations)))
    cmd.extend(("--theta", str(args.theta)))


def describe(options):
    if options.verbose:
        return f"{options.name}: verbose"
    return options.name


def keys_of(table):
    return sorted(table.keys(), key=repr) + [table.get("x")]
"""


def _usage(source: str, function: str, name: str):
    tree = ast.parse(textwrap.dedent(source))
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    return parameter_usage(node, name)


def test_reading_attributes_only_makes_a_record_and_methods_a_builtin():
    assert record_fields(_usage(SOURCE, "add_cmdline_args", "args")) == ("iterations", "theta")
    assert builtin_by_methods(_usage(SOURCE, "add_cmdline_args", "cmd")) == "list"
    assert record_fields(_usage(SOURCE, "add_cmdline_args", "cmd")) is None  # it calls them
    assert builtin_by_methods(_usage(SOURCE, "keys_of", "table")) == "dict"
    assert record_fields(_usage(SOURCE, "describe", "options")) == ("name", "verbose")


def test_other_uses_leave_the_parameter_generic():
    source = """\
    def f(a, b, c, d):
        print(a.x, a)          # passed on as itself too
        b.x = 1                # written only: still a record field
        c.append(1); c.add(2)  # no one builtin has both
        d.__dict__             # dunder: not a plain record
    """
    assert record_fields(_usage(source, "f", "a")) is None
    assert record_fields(_usage(source, "f", "b")) == ("x",)
    assert builtin_by_methods(_usage(source, "f", "c")) is None
    assert record_fields(_usage(source, "f", "d")) is None


def _verify(tmp_path: Path, mutations=()):
    root = tmp_path / f"p{len(list(tmp_path.iterdir()))}"
    module = make_project(root, source=SOURCE, min_inputs=30)
    ctx = make_context(root, MutantBackend(list(mutations)))
    return verify_module(ctx, module, compile_with(ctx, module, tmp_path))


def test_records_and_lists_verify_the_functions_that_take_them(tmp_path: Path):
    result, report, _ = _verify(tmp_path)
    assert result.passed, result.message
    entries = {f["name"]: f for f in report["functions"]}
    for name in ("add_cmdline_args", "describe", "keys_of"):
        assert entries[name]["result"] == "passed"
        assert entries[name]["inputs"]["generated"] >= 30
        assert "by_coverage" not in entries[name]


def test_a_difference_on_a_record_is_caught_with_the_record_shown(tmp_path: Path):
    result, report, _ = _verify(tmp_path, [("str(args.theta)", "repr(args.theta)")])
    assert not result.passed
    entry = next(f for f in report["functions"] if f["name"] == "add_cmdline_args")
    assert entry["result"] == "mismatch"
    finding = entry["findings"][0]
    assert "SimpleNamespace" in finding["input"]["call"]
    assert "argument mutation" in [d["what"] for d in finding["differences"]]

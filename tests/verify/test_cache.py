"""Reuse: an unchanged function's passed outcome is reused; a change re-verifies it and its
callers, nothing else; a new compiler or new settings re-verify everything."""

from __future__ import annotations

import time
from pathlib import Path

from pyvorin.compiler import compile_module
from pyvorin.hookspecs import hookimpl
from pyvorin.model import ModuleSpec
from pyvorin.verify.cache import SourceSlices
from pyvorin.verify.verifier import verify_module

from .backend import MutantBackend, compile_with, make_context, make_project

SOURCE = """\
LIMIT = 100


def helper(n: int) -> int:
    return n % LIMIT


def caller(n: int) -> int:
    return helper(n) + 1


def alone(x: float) -> float:
    return x * 2.0
"""


def verify(root: Path, source: str, out: str, mutations=(), native=True, **project):
    """Verify ``source`` built by the real native compiler (or the mutant test backend)."""
    module = make_project(root, source=source, **project)
    ctx = make_context(root, MutantBackend(list(mutations)), out=root / out)
    if native:
        compiled = compile_module(module, root / out, workdir=root)
    else:
        compiled = compile_with(ctx, module, root)
    started = time.perf_counter()
    result, report, stats = verify_module(ctx, module, compiled)
    return result, report, stats, time.perf_counter() - started


def reused(report) -> set[str]:
    return {r["function"] for r in report["reused"]}


def test_callees_are_found_transitively():
    slices = SourceSlices(SOURCE)
    assert slices.closure("caller") == ["caller", "helper"]
    assert slices.closure("alone") == ["alone"]
    assert "LIMIT = 100" in slices.module_code


def test_unchanged_module_reuses_everything_and_is_fast(tmp_path: Path):
    root = tmp_path / "p"
    first, report1, stats1, _ = verify(root, SOURCE, "out1", min_inputs=30)
    assert first.passed and report1["reused"] == [] and stats1.calls > 0
    second, report2, stats2, warm = verify(root, SOURCE, "out2", min_inputs=30)
    assert second.passed
    assert reused(report2) == {"helper", "caller", "alone"}
    assert stats2.calls == 0  # no worker ran at all
    assert warm < 1.0, warm
    assert [f["conclusive"] for f in report2["functions"]] == [
        f["conclusive"] for f in report1["functions"]
    ]
    assert "reused from an earlier verified build" not in (second.message or "")


def test_a_changed_function_reverifies_itself_and_its_callers_only(tmp_path: Path):
    root = tmp_path / "p"
    verify(root, SOURCE, "out1", min_inputs=30)
    changed = SOURCE.replace("return n % LIMIT", "return n % LIMIT + 0")
    _, report, _, _ = verify(root, changed, "out2", min_inputs=30)
    assert reused(report) == {"alone"}
    changed_module_code = SOURCE.replace("LIMIT = 100", "LIMIT = 101")
    _, report, _, _ = verify(root, changed_module_code, "out3", min_inputs=30)
    assert reused(report) == set()  # module-level code can affect every function


def test_failures_are_never_reused_and_other_backends_key_on_the_artifact(tmp_path: Path):
    root = tmp_path / "p"
    bug = [("return x * 2.0", "return x * 2.0 + 0.0")]  # -0.0 * 2.0 + 0.0 is 0.0
    failed, _, _, _ = verify(root, SOURCE, "out1", bug, native=False, min_inputs=30)
    assert not failed.passed
    _, again, _, _ = verify(root, SOURCE, "out2", bug, native=False, min_inputs=30)
    assert reused(again) == {"helper", "caller"}  # "alone" failed: never stored
    # the same source through a backend whose output changed: nothing is reused
    _, other, _, _ = verify(root, SOURCE, "out3", native=False, min_inputs=30)
    assert reused(other) == set()


def test_settings_are_part_of_the_key(tmp_path: Path):
    root = tmp_path / "p"
    verify(root, SOURCE, "out1", min_inputs=30)
    _, other, _, _ = verify(root, SOURCE, "out2", min_inputs=31)
    assert reused(other) == set()


class DelegatingBackend:
    """A plugin backend that compiles a changed copy of the source with the built-in one."""

    @hookimpl
    def pyvorin_backend_names(self) -> list[str]:
        return ["delegating"]

    @hookimpl
    def pyvorin_compile(self, ctx, module, backend, workdir):  # type: ignore[no-untyped-def]
        if backend != "delegating":
            return None
        altered = Path(workdir) / "altered" / "kernels.py"
        altered.parent.mkdir(parents=True, exist_ok=True)
        altered.write_text(module.path.read_text().replace("x * 2.0", "x * 2.0 + 1e-9"))
        return ctx.hook.pyvorin_compile(
            ctx=ctx, module=ModuleSpec(module.name, altered), backend="native", workdir=workdir
        )


def test_a_backend_delegating_to_the_builtin_one_is_not_verified_by_its_cache(tmp_path: Path):
    """The verified outcome of the built-in compiler must not vouch for a plugin's artifact."""
    from pyvorin.pipeline import _compile

    root = tmp_path / "p"
    first, _, _, _ = verify(root, SOURCE, "out1", min_inputs=30)  # built-in compiler: passes
    assert first.passed
    ctx = make_context(root, DelegatingBackend(), out=root / "out2")
    module = ModuleSpec("kernels", (root / "kernels.py").resolve())
    compiled = _compile(ctx, module, "delegating", root / "work2")
    assert compiled.backend == "delegating"  # the asked-for backend, not the delegate's name
    result, report, _ = verify_module(ctx, module, compiled)
    assert "alone" not in reused(report)
    assert not result.passed

"""``pytest --pyvorin`` and ``pytest --pyvorin-swap``.

``--pyvorin``
    While the suite runs, every call into the modules of ``[tool.pyvorin] modules`` is
    recorded (:class:`pyvorin.verify.recorder.Recorder`) and merged into the project's
    verification corpus (``[tool.pyvorin.verify] corpus``). After the run the modules go
    through the whole pipeline (:func:`pyvorin.build_api.build_project`): the verifier runs
    every recorded call, with the other input sources, in two separate processes (the
    source under CPython, and the compiled extension, which cannot be unloaded from a
    process) and compares them. The terminal shows one result per function (ok, or each
    difference with its diff) and a summary line; any mismatch or refusal fails the run.

``--pyvorin-swap``
    The modules are compiled, verified and signed first, and the whole suite then runs
    against the compiled modules (imported through their verifying loader stubs).

Artifacts go to ``--pyvorin-out`` (default: pytest's cache directory, or
``.pyvorin/pytest`` in the project when the cache is disabled).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

_STATE = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyvorin", "Pyvorin: compiled modules checked against CPython")
    group.addoption(
        "--pyvorin",
        action="store_true",
        default=False,
        help="record calls into [tool.pyvorin] modules, then check every recorded call "
        "against the compiled module",
    )
    group.addoption(
        "--pyvorin-swap",
        action="store_true",
        default=False,
        help="compile [tool.pyvorin] modules first and run the suite against them",
    )
    group.addoption(
        "--pyvorin-out",
        default=None,
        help="directory for the compiled artifacts (default: pytest's cache)",
    )


def _out_dir(config: pytest.Config, mode: str) -> Path:
    """Where this run's artifacts go; the default directories are emptied first."""
    option = config.getoption("pyvorin_out")
    if option:
        return Path(option).resolve()
    cache = getattr(config, "cache", None)
    if cache is not None:
        out_dir = Path(cache.mkdir(f"pyvorin-{mode}"))
    else:
        out_dir = Path(config.rootpath) / ".pyvorin" / f"pytest-{mode}"
    # Our own directory: no artifact of an earlier run (or an earlier module list) stays.
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _usage_error(message: str) -> pytest.UsageError:
    return pytest.UsageError(f"pyvorin: {message}")


def _load(config: pytest.Config) -> tuple[Any, list]:
    from pyvorin.config import load_settings
    from pyvorin.errors import PyvorinError
    from pyvorin.project import resolve_modules

    try:
        settings = load_settings(Path(config.rootpath))
        modules = resolve_modules(settings)
    except PyvorinError as exc:
        raise _usage_error(str(exc)) from exc
    if not modules:
        where = settings.file or Path(config.rootpath) / "pyproject.toml"
        raise _usage_error(f"{where}: [tool.pyvorin] modules: no modules configured")
    return settings, modules


def _build(config: pytest.Config, settings: Any, modules: list, out_dir: Path) -> dict:
    """One call of the core pipeline; returns what the summary needs."""
    from pyvorin.build_api import BuildFailed, build_project, verification_reports
    from pyvorin.errors import PyvorinError

    terminal = config.pluginmanager.get_plugin("terminalreporter")

    def progress(message: str) -> None:
        if terminal is not None:
            terminal.write_line(f"pyvorin: {message}")
        else:
            print(f"pyvorin: {message}", file=sys.stderr, flush=True)

    outcome: dict[str, Any] = {"error": None, "exit_code": 0, "wheel": None}
    try:
        outcome["wheel"] = build_project(
            settings.root,
            out_dir,
            actor="pytest",
            progress=progress,
            settings=settings,
            modules=modules,
        )
    except BuildFailed as exc:
        outcome["error"], outcome["exit_code"] = str(exc), int(exc.exit_code)
    except PyvorinError as exc:
        outcome["error"], outcome["exit_code"] = str(exc), int(exc.exit_code)
    outcome["reports"] = verification_reports(out_dir, modules)
    return outcome


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    record = config.getoption("pyvorin")
    swap = config.getoption("pyvorin_swap")
    if not (record or swap):
        return
    if record and swap:
        raise _usage_error(
            "--pyvorin and --pyvorin-swap are exclusive: record against the source, "
            "or run the suite against the compiled modules"
        )
    settings, modules = _load(config)
    names = [m.name for m in modules]
    already = [name for name in names if name in sys.modules]
    state: dict[str, Any] = {"settings": settings, "modules": modules, "names": names}
    config.stash[_STATE] = state
    if swap:
        from pyvorin.build_api import CompiledModuleFinder

        if already:
            raise _usage_error(
                f"{', '.join(already)} already imported before the compiled modules could "
                "be swapped in (imported by a plugin or conftest loaded earlier)"
            )
        out_dir = _out_dir(config, "swap")
        state["mode"] = "swap"
        state["build"] = _build(config, settings, modules, out_dir)
        if state["build"]["error"]:
            raise _usage_error(
                "the compiled modules could not be built, so the suite cannot run against "
                "them:\n" + state["build"]["error"]
            )
        finder = CompiledModuleFinder(out_dir, names)
        sys.meta_path.insert(0, finder)
        state["finder"] = finder
        return

    from pyvorin.verify.recorder import Recorder

    corpus = (settings.root / settings["verify.corpus"]).resolve()
    state["mode"] = "record"
    state["corpus"] = corpus
    state["recorder"] = Recorder({m.name: m.path for m in modules}, corpus=corpus).start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    state = config.stash.get(_STATE, None)
    if not state:
        return
    if state["mode"] == "swap":
        finder = state["finder"]
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
        return
    recorder = state["recorder"]
    recorder.stop()
    recorder.save()
    state["recorded"] = {name: len(calls) for name, calls in recorder.calls.items()}
    state["skipped"] = recorder.skipped
    state["build"] = _build(config, state["settings"], state["modules"], _out_dir(config, "check"))
    if state["build"]["error"] and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    from pyvorin.verify.report import render_text

    state = config.stash.get(_STATE, None)
    if not state or "build" not in state:
        return
    write = terminalreporter.write_line
    if state["mode"] == "swap":
        loaded = sorted(state["finder"].loaded)
        terminalreporter.section("pyvorin: suite run against compiled modules")
        for name in state["names"]:
            how = "compiled (signature verified at load)" if name in loaded else "not imported"
            write(f"{name}: {how}")
        return

    terminalreporter.section("pyvorin: recorded calls checked against the compiled modules")
    build = state["build"]
    reports = build["reports"]
    functions = inputs = mismatches = 0
    recorded_total = sum(state["recorded"].values())
    for name in state["names"]:
        report = reports.get(name)
        recorded = sum(n for q, n in state["recorded"].items() if q.startswith(name + ":"))
        if report is None:
            write(f"{name}: not verified ({recorded} recorded calls)", red=True)
            continue
        for function in report["functions"]:
            functions += 1
            inputs += function["conclusive"]
            mismatches += function["mismatches"]
        for line in render_text(report).splitlines():
            failed = line.startswith(f"{name}:") and ": ok on " not in line
            write(line, red=failed, green=": ok on " in line)
    if build["error"] and not (build["exit_code"] == 4 and reports):
        # (a verification failure was shown above, from its report)
        terminalreporter.write_sep("-", "pyvorin refused", red=True)
        for line in build["error"].splitlines():
            write(line, red=True)
    status = "FAILED" if build["error"] else "passed"
    write(
        f"pyvorin: {status}: {functions} functions, {inputs} inputs "
        f"({recorded_total} recorded calls, corpus {state['corpus']}), {mismatches} mismatches",
        red=bool(build["error"]),
        green=not build["error"],
        bold=True,
    )

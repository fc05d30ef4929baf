"""Real public Python files through the real Pyvorin CLI (docs/corpus.md).

For every corpus file (``tests/corpus/files/*.py``, third-party code kept as written, see
CREDITS.md) the harness runs ``pyvorin check --format json``; a file that checks clean then
goes through the whole pipeline, ``pyvorin compile`` with verification against CPython, in
a throwaway project directory. The outcome of a file is one of:

* ``rejected``: ``pyvorin check`` reports unsupported constructs; their distinct PV codes
  are part of the outcome;
* ``check-clean``: the check passes but the pipeline does not produce a verified artifact;
  its exit code is part of the outcome (4: verification, 1: internal error, ...);
* ``verified``: the pipeline exits 0 (checked, compiled, verified, signed).

``expected.toml`` records the outcome of every file; ``test_corpus.py`` asserts it, so a
regression and an improvement both show up as a test failure that names the file.
``benchmarks/corpus_report.py`` uses the same functions for the pass rates in docs/corpus.md,
and ``--write-expected`` rewrites expected.toml from a run.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CORPUS = Path(__file__).resolve().parent
FILES = CORPUS / "files"
SUPPORT = CORPUS / "support"
EXPECTED = CORPUS / "expected.toml"

REJECTED = "rejected"
CHECK_CLEAN = "check-clean"
VERIFIED = "verified"
ERROR = "error"  # the check itself failed (internal error): never an expected outcome
OUTCOMES = (REJECTED, CHECK_CLEAN, VERIFIED)
REWRITE = "python benchmarks/corpus_report.py --write-expected"

# The pipeline runs with a 2 s call budget: most generated inputs of a real program's entry
# points (sizes such as 2**63) never finish under CPython and are only inconclusive.
# a fixed seed: recorded outcomes repeat. The call budget is the default (10 s), as a
# user's build has it: the benchmarks' entry points (richards(), nqueens()) take about a
# second alone and went past a 2 s budget when the suite loaded both cores
PIPELINE_SETTINGS = {"seed": 0}
PIPELINE_TIMEOUT = 1800.0


class CorpusError(Exception):
    """A malformed expectations or examples file, or a corpus file that cannot be read."""


# --------------------------------------------------------------------------- files


def corpus_files(directory: Path = FILES) -> list[Path]:
    """The corpus files, sorted by name (examples and support files are not entries)."""
    return sorted(p for p in directory.glob("*.py") if p.is_file())


def examples_file(path: Path) -> Path | None:
    """``NAME.examples.toml`` next to ``NAME.py``: realistic inputs for its functions."""
    candidate = path.with_name(f"{path.stem}.examples.toml")
    return candidate if candidate.is_file() else None


def top_level_functions(path: Path) -> list[tuple[str, int, int]]:
    """``(name, first line, last line)`` of every top-level function (decorators included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, int, int]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.append((node.name, first, node.end_lineno or node.lineno))
    return found


# --------------------------------------------------------------------------- check


@dataclass
class CheckResult:
    """What ``pyvorin check --format json`` said about one file."""

    name: str
    path: Path
    exit: int
    diagnostics: list[dict] = field(default_factory=list)
    detail: str = ""

    @property
    def clean(self) -> bool:
        return self.exit == 0 and not self.diagnostics

    @property
    def codes(self) -> list[str]:
        return sorted({d["code"] for d in self.diagnostics})

    def functions(self) -> tuple[int, int]:
        """(functions, functions with no diagnostic inside them) for the file."""
        spans = top_level_functions(self.path)
        lines = [int(d.get("line", 0)) for d in self.diagnostics]
        clean = sum(1 for _, first, last in spans if not any(first <= ln <= last for ln in lines))
        return len(spans), clean


def _cli(args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str] | None, timeout: float):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pyvorin", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _parse_check(proc: subprocess.CompletedProcess) -> list[dict] | None:
    if proc.returncode not in (0, 3):
        return None
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None
    diagnostics = data.get("diagnostics") if isinstance(data, dict) else None
    return diagnostics if isinstance(diagnostics, list) else None


def run_check(
    paths: Sequence[Path], *, env: Mapping[str, str] | None = None, timeout: float = 600
) -> dict[str, CheckResult]:
    """``pyvorin check --format json`` on all ``paths`` at once (one process).

    Should that one call fail (an internal error, output that is not the JSON report), every
    file is checked on its own so that one crashing file does not hide the others; a file
    whose own check fails gets exit status and stderr in its result (outcome ``error``).
    """
    paths = [Path(p).resolve() for p in paths]
    if not paths:
        return {}
    proc = _cli(["check", "--format", "json", *map(str, paths)], cwd=None, env=env, timeout=timeout)
    diagnostics = _parse_check(proc)
    if diagnostics is not None:
        by_path: dict[Path, list[dict]] = {p: [] for p in paths}
        for diag in diagnostics:
            if diag.get("severity") == "note":
                continue  # informs (PV480/PV481 native versions, PV490); never fails a check
            target = Path(str(diag.get("path", ""))).resolve()
            if target not in by_path:
                raise CorpusError(f"pyvorin check reported a file it was not given: {target}")
            by_path[target].append(diag)
        exit_codes = {p: (3 if by_path[p] else 0) for p in paths}
        if proc.returncode == 3 and not any(by_path.values()):
            raise CorpusError("pyvorin check exited 3 without a diagnostic")
        return {p.stem: CheckResult(p.stem, p, exit_codes[p], by_path[p]) for p in paths}
    if len(paths) == 1:
        (path,) = paths
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        return {path.stem: CheckResult(path.stem, path, proc.returncode, [], detail)}
    results: dict[str, CheckResult] = {}
    for path in paths:
        results.update(run_check([path], env=env, timeout=timeout))
    return results


# --------------------------------------------------------------------------- pipeline


@dataclass
class PipelineResult:
    exit: int
    output: str
    report: dict | None = None
    seconds: float = 0.0


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


INTERPRETED = CORPUS / "interpreted.toml"


def interpreted_functions(path: Path = INTERPRETED) -> dict[str, list[str]]:
    """The functions each corpus file declares interpreted (file stem -> names)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path}: not valid TOML: {exc}") from None
    for name, functions in data.items():
        if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
            raise CorpusError(f"{path}: {name}: expected a list of function names")
    return data


def prepare_project(path: Path, project: Path) -> Path:
    """A throwaway project for one corpus file: the file, its support modules, its examples.

    Returns the copied module file. ``pyproject.toml`` holds only ``[tool.pyvorin.verify]``:
    the examples file (when the corpus file has one) and the call budget.
    """
    project.mkdir(parents=True, exist_ok=True)
    target = project / path.name
    shutil.copyfile(path, target)
    for support in sorted(SUPPORT.glob("*.py")):  # siblings a corpus file imports
        shutil.copyfile(support, project / support.name)
    lines = []
    declared = interpreted_functions().get(path.stem, [])
    if declared:
        entries = ", ".join(_toml_string(f"{path.stem}:{name}") for name in declared)
        lines += ["[tool.pyvorin]", f"interpreted = [{entries}]"]
    lines.append("[tool.pyvorin.verify]")
    examples = examples_file(path)
    if examples is not None:
        shutil.copyfile(examples, project / "examples.toml")
        lines.append(f"examples = {_toml_string('examples.toml')}")
    lines += [f"{key} = {value}" for key, value in PIPELINE_SETTINGS.items()]
    (project / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def run_pipeline(
    path: Path,
    workdir: Path,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = PIPELINE_TIMEOUT,
) -> PipelineResult:
    """``pyvorin compile FILE -o OUT --project DIR``: check, compile, verify, sign."""
    import time

    project = workdir / "project"
    module = prepare_project(Path(path), project)
    out = workdir / "out"
    started = time.perf_counter()
    try:
        proc = _cli(
            ["compile", module.name, "-o", str(out), "--project", str(project)],
            cwd=project,
            env=env,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return PipelineResult(-1, f"pyvorin compile did not finish within {timeout:.0f} s")
    seconds = time.perf_counter() - started
    report_file = out / f"{module.stem}.pyvorin-verify.json"
    report = None
    if report_file.is_file():
        try:
            report = json.loads(report_file.read_text(encoding="utf-8"))
        except json.JSONDecodeError:
            report = None
    return PipelineResult(proc.returncode, proc.stdout + proc.stderr, report, seconds)


# --------------------------------------------------------------------------- outcomes


@dataclass
class Outcome:
    """A corpus file's outcome: what the expectations file records for it."""

    name: str
    outcome: str
    codes: list[str] = field(default_factory=list)
    exit: int | None = None
    detail: str = ""
    functions: int = 0
    functions_clean: int = 0
    diagnostics: int = 0
    seconds: float = 0.0
    # functions the verifier found to differ from CPython: never expected (docs/corpus.md)
    differing: list[str] = field(default_factory=list)

    def key(self) -> tuple:
        """The part that must match the expectation."""
        if self.outcome == REJECTED:
            return (self.outcome, tuple(self.codes))
        if self.outcome == CHECK_CLEAN:
            return (self.outcome, self.exit)
        return (self.outcome,)

    def describe(self) -> str:
        if self.outcome == REJECTED:
            return f"rejected with {', '.join(self.codes)}"
        if self.outcome == CHECK_CLEAN:
            return f"check-clean, pipeline exit {self.exit}"
        if self.outcome == ERROR:
            return f"check failed (exit {self.exit}): {self.detail}"
        return self.outcome


def _tail(text: str, lines: int = 15) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:])


def outcome_from(check: CheckResult, pipeline: PipelineResult | None = None) -> Outcome:
    functions, clean = check.functions()
    base = Outcome(
        check.name,
        ERROR,
        functions=functions,
        functions_clean=clean,
        diagnostics=len(check.diagnostics),
    )
    if check.exit not in (0, 3):
        base.exit, base.detail = check.exit, check.detail
        return base
    if not check.clean:
        base.outcome, base.codes = REJECTED, check.codes
        return base
    if pipeline is None:
        raise ValueError(f"{check.name}: checks clean, the pipeline result is needed")
    base.seconds = pipeline.seconds
    if pipeline.exit == 0:
        base.outcome = VERIFIED
    else:
        base.outcome, base.exit, base.detail = CHECK_CLEAN, pipeline.exit, _tail(pipeline.output)
    base.differing = differing_functions(pipeline.report)
    return base


def differing_functions(report: dict | None) -> list[str]:
    """The functions a verification report found to differ from CPython (with an input)."""
    if not report:
        return []
    return [
        f"{entry.get('name')}: {entry['findings'][0]['input']['call']}"
        if entry.get("findings")
        else str(entry.get("name"))
        for entry in report.get("functions", [])
        if entry.get("result") == "mismatch"
    ]


def evaluate(
    paths: Sequence[Path],
    workdir: Path,
    *,
    env: Mapping[str, str] | None = None,
    progress=lambda message: None,
    jobs: int = 1,
) -> list[Outcome]:
    """Check every file, run the pipeline on the clean ones; outcomes in the order given.

    With ``jobs`` > 1, that many pipelines run at once (each is a ``pyvorin compile``
    process of its own, in its own work directory, so threads only wait on them); the
    outcomes do not depend on it, only the wall time and the per-file seconds under load.
    """
    from concurrent.futures import ThreadPoolExecutor

    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    checks = run_check(paths, env=env)

    def outcome_of(path: Path) -> Outcome:
        check = checks[Path(path).stem]
        pipeline = None
        if check.clean:
            progress(f"{check.name}: checks clean; running the pipeline")
            pipeline = run_pipeline(Path(path), workdir / check.name, env=env)
        outcome = outcome_from(check, pipeline)
        progress(f"{check.name}: {outcome.describe()}")
        return outcome

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(outcome_of, paths))


# --------------------------------------------------------------------------- expectations


@dataclass(frozen=True)
class Expected:
    name: str
    outcome: str
    codes: tuple[str, ...] = ()
    exit: int | None = None
    reason: str = ""
    # "pipeline": its test runs the whole pipeline; "check": its test runs `pyvorin check`
    # only and the pipeline outcome is measured by benchmarks/corpus_report.py (files added
    # to measure code the compiler had not seen, kept out of the suite's time)
    tests: str = "pipeline"

    def key(self) -> tuple:
        if self.outcome == REJECTED:
            return (self.outcome, self.codes)
        if self.outcome == CHECK_CLEAN:
            return (self.outcome, self.exit)
        return (self.outcome,)

    def describe(self) -> str:
        return Outcome(self.name, self.outcome, list(self.codes), self.exit).describe()


TEST_MODES = ("pipeline", "check")


def check_mismatch(check: CheckResult, expected: Expected | None) -> str | None:
    """For a file whose test runs the check only: ``None`` when the check agrees with the
    recorded outcome (clean for a file recorded as check-clean or verified, the same PV
    codes for a rejected one), else what changed."""
    if expected is None:
        return f"{check.name}: no expectation recorded"
    if expected.outcome == REJECTED:
        if not check.clean and tuple(sorted(check.codes)) == expected.codes:
            return None
    elif check.clean:
        return None
    got = "clean" if check.clean else "rejected with " + ", ".join(check.codes)
    return (
        f"{check.name}: `pyvorin check` changed: expected {expected.describe()}, check {got}"
        f"\nIf this is intended, rewrite the expectations: {REWRITE}"
    )


def load_expected(path: Path = EXPECTED) -> dict[str, Expected]:
    """Read expected.toml: ``[files.NAME]`` tables with ``outcome`` and its details."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CorpusError(f"{path}: not valid TOML: {exc}") from None
    files = data.get("files")
    if not isinstance(files, dict):
        raise CorpusError(f"{path}: expected a [files.NAME] table per corpus file")
    unknown_top = sorted(set(data) - {"files"})
    if unknown_top:
        raise CorpusError(f"{path}: unknown top-level key(s): {', '.join(unknown_top)}")
    result: dict[str, Expected] = {}
    for name, entry in files.items():
        where = f"{path}: files.{name}"
        if not isinstance(entry, dict):
            raise CorpusError(f"{where}: expected a table, found {type(entry).__name__}")
        unknown = sorted(set(entry) - {"outcome", "codes", "exit", "reason", "tests"})
        if unknown:
            raise CorpusError(f"{where}: unknown key(s): {', '.join(unknown)}")
        outcome = entry.get("outcome")
        if outcome not in OUTCOMES:
            raise CorpusError(f"{where}.outcome: expected one of {OUTCOMES}, found {outcome!r}")
        codes = entry.get("codes", [])
        if outcome == REJECTED:
            if not codes or not all(isinstance(c, str) and c.startswith("PV") for c in codes):
                raise CorpusError(f"{where}.codes: a rejection lists its PV codes, found {codes!r}")
        elif codes:
            raise CorpusError(f"{where}.codes: only a rejected file has codes")
        exit_code = entry.get("exit")
        if outcome == CHECK_CLEAN:
            if type(exit_code) is not int or exit_code == 0:
                raise CorpusError(
                    f"{where}.exit: a non-zero pipeline exit code, found {exit_code!r}"
                )
        elif exit_code is not None:
            raise CorpusError(f"{where}.exit: only a check-clean file has a pipeline exit code")
        reason = entry.get("reason", "")
        if not isinstance(reason, str):
            raise CorpusError(f"{where}.reason: expected a string")
        tests = entry.get("tests", "pipeline")
        if tests not in TEST_MODES:
            raise CorpusError(f"{where}.tests: expected one of {TEST_MODES}, found {tests!r}")
        result[name] = Expected(name, outcome, tuple(sorted(codes)), exit_code, reason, tests)
    return result


def mismatch(outcome: Outcome, expected: Expected | None) -> str | None:
    """``None`` when ``outcome`` is what is recorded, else a message saying what changed."""
    if expected is None:
        return f"{outcome.name}: no expectation recorded (outcome: {outcome.describe()})"
    if outcome.key() == expected.key():
        return None
    rank = {ERROR: -1, REJECTED: 0, CHECK_CLEAN: 1, VERIFIED: 2}
    if rank[outcome.outcome] > rank[expected.outcome]:
        kind = "improved"
    elif rank[outcome.outcome] < rank[expected.outcome]:
        kind = "REGRESSED"
    else:
        kind = "changed"
    message = f"{outcome.name}: {kind}: expected {expected.describe()}, got {outcome.describe()}"
    if outcome.outcome == REJECTED and expected.outcome == REJECTED:
        gone = sorted(set(expected.codes) - set(outcome.codes))
        new = sorted(set(outcome.codes) - set(expected.codes))
        message += f" (no longer: {', '.join(gone) or '-'}; new: {', '.join(new) or '-'})"
    if outcome.detail:
        message += "\n" + outcome.detail
    message += f"\nIf this is intended, rewrite the expectations: {REWRITE}"
    return message


def render_expected(outcomes: Iterable[Outcome], previous: Mapping[str, Expected] = {}) -> str:
    """expected.toml for ``outcomes`` (reasons written by hand are kept)."""
    lines = [
        "# Recorded outcome of every corpus file (tests/corpus/harness.py, docs/corpus.md).",
        "# outcome: rejected (with the distinct PV codes of `pyvorin check`), check-clean (with",
        "# the exit code of `pyvorin compile`), or verified (the whole pipeline exits 0).",
        f"# Rewrite with: {REWRITE}",
    ]
    for outcome in sorted(outcomes, key=lambda o: o.name):
        if outcome.outcome not in OUTCOMES:
            raise CorpusError(f"{outcome.name}: cannot record {outcome.describe()}")
        lines += ["", f"[files.{outcome.name}]", f'outcome = "{outcome.outcome}"']
        if outcome.outcome == REJECTED:
            lines.append("codes = [" + ", ".join(f'"{c}"' for c in outcome.codes) + "]")
        if outcome.outcome == CHECK_CLEAN:
            lines.append(f"exit = {outcome.exit}")
        before = previous.get(outcome.name)
        if before is not None and before.reason:
            lines.append(f"reason = {_toml_string(before.reason)}")
        if before is not None and before.tests != "pipeline":
            lines.append(f'tests = "{before.tests}"')
    return "\n".join(lines) + "\n"

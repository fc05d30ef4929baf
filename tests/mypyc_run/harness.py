"""mypyc's own run tests as an external conformance source (docs/corpus.md).

``data/run-*.test`` are mypyc's run-test files, copied unchanged from python/mypy (MIT,
see CREDITS.md). A file is a sequence of ``[case NAME]`` blocks: the text right after the
header is the module ``native``; ``[file X.py]`` sections are further files (``driver.py``
drives the test; without one, mypyc's default driver ``data/driver.py`` calls every
``test_*`` function of ``native``); ``[out]`` is the expected output of the driver.

For every case the harness

1. excludes it, with the reason recorded, when it needs what only mypyc has: the
   ``mypy_extensions``/``librt`` native types and attributes, incremental steps, a
   ``-skip``/``-xfail`` marker, a newer Python than this one, or when the driver does not
   pass under CPython itself (the case tests mypyc's native-only semantics, such as a
   ``TypeError`` for a wrong argument type at a native boundary);
2. runs ``pyvorin check`` on ``native.py``: a rejection is the outcome ``rejected``;
3. compiles ``native`` with Pyvorin's compiler and runs the same driver against the
   extension: ``pass`` when the exit status, the standard output and the last line of the
   standard error (the exception type and message) equal CPython's, else ``fail``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus import harness as corpus_harness

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEFAULT_DRIVER = DATA / "driver.py"
TESTUTIL = DATA / "testutil.py"  # mypyc's support library for run tests (assertRaises, ...)
EXPECTED = HERE / "expected.toml"

PASS = "pass"
FAIL = "fail"
REJECTED = "rejected"
EXCLUDED = "excluded"

RUN_TIMEOUT = 60.0

# Imports and names that only exist for mypyc-compiled code.
MYPYC_ONLY = re.compile(r"\b(mypy_extensions|librt|mypyc_attr|native_class|i64|i32|i16|u8|trait)\b")
SECTION = re.compile(r"^\[([a-z0-9]+)(?: ([^\]]*))?\]\s*$")
PY_VERSION = re.compile(r"_python([0-9]+)_([0-9]+)(?:_|$)")


@dataclass
class Case:
    """One ``[case NAME]`` block."""

    file: str  # e.g. run-loops.test
    name: str
    line: int
    native: str
    files: dict[str, str] = field(default_factory=dict)
    out: list[str] | None = None
    sections: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    def static_exclusion(self) -> str | None:
        """Why this case cannot say anything about Pyvorin, from its text alone."""
        if self.name.endswith(("-skip", "-xfail")):
            return f"marked {self.name.rsplit('-', 1)[1]} by mypyc"
        match = PY_VERSION.search(self.name)
        if match and (int(match[1]), int(match[2])) > sys.version_info[:2]:
            return f"needs Python {match[1]}.{match[2]}"
        if any(re.search(r"\.py\.\d+$", name) for name in self.files) or any(
            s.startswith("out") and s[3:4].isdigit() for s in self.sections
        ):
            return "incremental compilation steps (mypyc test mode)"
        for text in [self.native, *self.files.values()]:
            found = MYPYC_ONLY.search(_code_only(text))
            if found:
                return f"mypyc-only feature: {found[0]}"
        return None


def _code_only(text: str) -> str:
    """The text without comments (a word in a comment is not a use)."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def parse(path: Path) -> list[Case]:
    """The cases of one ``run-*.test`` file, in order."""
    cases: list[Case] = []
    current: Case | None = None
    target: str | None = None  # "native", a file name, "out", or None (ignored section)
    buffer: list[str] = []

    def flush() -> None:
        if current is None:
            return
        text = "\n".join(buffer).rstrip("\n") + "\n"
        if target == "native":
            current.native = text
        elif target == "out":
            current.out = [line for line in text.splitlines()]
        elif target is not None:
            current.files[target] = text
        buffer.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = SECTION.match(raw)
        if match:
            flush()
            kind, arg = match[1], (match[2] or "").strip()
            if kind == "case":
                current = Case(path.name, arg, number, "")
                cases.append(current)
                target = "native"
                continue
            if current is None:
                raise ValueError(f"{path}:{number}: section [{kind}] before the first case")
            current.sections.append(f"{kind} {arg}".strip())
            if kind == "file":
                target = arg
            elif kind == "out" and (not arg or _version_holds(arg)):
                target = "out"  # [out], or [out version>=3.12] on 3.12 and later
            else:
                target = None  # [typing ...], [fixture ...], [out version...]: not needed
            continue
        if current is not None and target is not None:
            if raw.startswith("--") and target == "native" and not buffer:
                continue  # a comment line of the .test format right after the header
            buffer.append(raw)
    flush()
    return cases


def _version_holds(arg: str) -> bool:
    match = re.fullmatch(r"version\s*>=\s*([0-9]+)\.([0-9]+)", arg)
    return bool(match) and sys.version_info[:2] >= (int(match[1]), int(match[2]))


def test_files() -> list[Path]:
    return sorted(DATA.glob("run-*.test"))


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    exit: int
    stdout: str
    stderr: str

    def comparable(self) -> tuple[int, str, str]:
        last = [line for line in self.stderr.strip().splitlines() if line.strip()]
        return (self.exit, self.stdout, last[-1] if last and self.exit != 0 else "")


def lay_out(case: Case, directory: Path) -> None:
    """The case's files in ``directory``: native.py, the other files, driver.py, testutil.py."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "native.py").write_text(case.native, encoding="utf-8")
    for name, text in case.files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if "driver.py" not in case.files:
        shutil.copyfile(DEFAULT_DRIVER, directory / "driver.py")
    if "testutil.py" not in case.files:
        shutil.copyfile(TESTUTIL, directory / "testutil.py")  # as mypyc's test runner does


def run_driver(directory: Path) -> Run:
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    try:
        proc = subprocess.run(
            [sys.executable, "driver.py"],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Run(-1, "", f"driver did not finish within {RUN_TIMEOUT:.0f} s")
    prefix = f'  File "{directory}{os.sep}'
    return Run(
        proc.returncode,
        proc.stdout.replace(prefix, '  File "'),
        proc.stderr.replace(prefix, '  File "'),
    )


def _matches_out(case: Case, run: Run) -> bool:
    """The CPython run against the case's ``[out]`` (when it has one)."""
    if case.out is None:
        return run.exit == 0
    lines = (run.stdout + run.stderr).splitlines()
    if run.exit != 0:
        # mypyc's expected tracebacks name compiled frames; the exception line must match
        return bool(case.out) and bool(lines) and lines[-1] == case.out[-1]
    return lines == case.out


@dataclass
class CaseResult:
    case: Case
    status: str
    detail: str = ""
    codes: list[str] = field(default_factory=list)


def run_cases(
    cases: Iterable[Case], workdir: Path, *, full: bool = True, progress=lambda message: None
) -> list[CaseResult]:
    """Every case: exclusions, the check, the CPython reference, the compiled run.

    With ``full=False`` (the tests) the CPython reference runs only for the cases that
    check clean: a rejected case is then reported ``rejected`` even if CPython would also
    have excluded it. The pass set is the same either way; the report uses ``full``.
    """
    cases = list(cases)
    results: dict[str, CaseResult] = {}
    candidates = [
        (case, workdir / f"c{index:04d}")
        for index, case in enumerate(cases)
        if not _excluded(case, results)
    ]
    references: dict[str, Run] = {}
    if full:
        candidates = [
            (c, base) for c, base in candidates if _reference(c, base, results, references)
        ]
    # one `pyvorin check` process for every candidate's native module
    sources = []
    for case, base in candidates:
        source = base / "check" / f"{_module_name(case)}.py"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(case.native, encoding="utf-8")
        sources.append(source)
    checks = corpus_harness.run_check(sources) if sources else {}
    for (case, base), source in zip(candidates, sources, strict=True):
        check = checks[source.stem]
        if not check.clean:
            detail = check.detail if check.exit not in (0, 3) else ""
            results[case.id] = CaseResult(case, REJECTED, detail, check.codes)
            continue
        if case.id not in references and not _reference(case, base, results, references):
            continue
        results[case.id] = _run_compiled(case, base, references[case.id])
        progress(f"{case.id}: {results[case.id].status}")
    return [results[case.id] for case in cases]


def _excluded(case: Case, results: dict[str, CaseResult]) -> bool:
    reason = case.static_exclusion()
    if reason:
        results[case.id] = CaseResult(case, EXCLUDED, reason)
    return reason is not None


def _reference(
    case: Case, base: Path, results: dict[str, CaseResult], references: dict[str, Run]
) -> bool:
    """Run the driver under CPython; exclude the case when it does not pass there."""
    directory = base / "cpython"
    lay_out(case, directory)
    reference = run_driver(directory)
    if not _matches_out(case, reference):
        tail = (reference.stdout + reference.stderr).strip().splitlines()[-1:] or [""]
        results[case.id] = CaseResult(
            case, EXCLUDED, f"does not pass under CPython (native-only semantics): {tail[0]}"
        )
        return False
    references[case.id] = reference
    return True


def _module_name(case: Case) -> str:
    return "case_" + re.sub(r"\W", "_", f"{case.file[4:-5]}_{case.name}")


def _run_compiled(case: Case, base: Path, reference: Run) -> CaseResult:
    from pyvorin.errors import PyvorinError

    directory = base / "pyvorin"
    lay_out(case, directory)
    (directory / "native.py").unlink()  # only the extension may answer `import native`
    (base / "src").mkdir(exist_ok=True)
    (base / "src" / "native.py").write_text(case.native, encoding="utf-8")
    try:
        # one build cache for the whole run: the generic tier's runtime objects are reused
        compile_native_from(base / "src", directory, base / "work", base.parent / "cache")
    except PyvorinError as exc:
        return CaseResult(case, FAIL, f"compile failed: {exc}")
    compiled = run_driver(directory)
    if compiled.comparable() == reference.comparable():
        return CaseResult(case, PASS)
    want, got = reference.comparable(), compiled.comparable()
    return CaseResult(case, FAIL, f"CPython {want!r}; Pyvorin {got!r}"[:2000])


def compile_native_from(
    source_dir: Path, target_dir: Path, work: Path, cache_dir: Path | None = None
) -> Path:
    from pyvorin.compiler import compile_module
    from pyvorin.model import ModuleSpec

    result = compile_module(
        ModuleSpec("native", source_dir / "native.py"),
        work / "out",
        workdir=work / "build",
        cache_dir=cache_dir or work / "cache",
    )
    # the artifact is NAME.pyvorin.<suffix>; the driver imports it as plain `native`
    target = target_dir / ("native" + (sysconfig.get_config_var("EXT_SUFFIX") or ".so"))
    shutil.copyfile(result.artifact, target)
    return target


# --------------------------------------------------------------------------- recorded passes


def all_cases(files: Iterable[Path] | None = None) -> list[Case]:
    return [case for path in (files or test_files()) for case in parse(path)]


def passes_by_file(results: Iterable[CaseResult]) -> dict[str, list[str]]:
    passed: dict[str, list[str]] = {path.name: [] for path in test_files()}
    for result in results:
        if result.status == PASS:
            passed.setdefault(result.case.file, []).append(result.case.name)
    return {name: sorted(names) for name, names in passed.items()}


def load_expected(path: Path = EXPECTED) -> dict[str, list[str]]:
    """expected.toml: ``[passed]`` maps each run-*.test file to the cases that pass."""
    try:
        data = corpus_harness.tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, corpus_harness.tomllib.TOMLDecodeError) as exc:
        raise corpus_harness.CorpusError(f"{path}: cannot read: {exc}") from None
    passed = data.get("passed")
    if not isinstance(passed, dict):
        raise corpus_harness.CorpusError(f"{path}: expected a [passed] table")
    for name, cases in passed.items():
        if not isinstance(cases, list) or not all(isinstance(c, str) for c in cases):
            raise corpus_harness.CorpusError(f"{path}: passed.{name}: expected a list of names")
    return passed


def render_expected(passed: dict[str, list[str]]) -> str:
    lines = [
        "# mypyc run-test cases that pass with Pyvorin (compiled `native`, same driver output as",
        "# CPython). tests/mypyc_run/test_mypyc_run.py asserts this set does not shrink.",
        f"# Rewrite with: {corpus_harness.REWRITE}",
        "",
        "[passed]",
    ]
    for name in sorted(passed):
        cases = ", ".join(f'"{c}"' for c in sorted(passed[name]))
        lines.append(f'"{name}" = [{cases}]')
    return "\n".join(lines) + "\n"

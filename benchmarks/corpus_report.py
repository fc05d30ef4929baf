"""Pass rates of Pyvorin on real code and on mypyc's run tests (docs/corpus.md).

    python benchmarks/corpus_report.py                  # print the report (Markdown)
    python benchmarks/corpus_report.py --docs docs/corpus.md --json corpus-report.json
    python benchmarks/corpus_report.py --write-expected # also rewrite both expectation files
    python benchmarks/corpus_report.py --no-mypyc       # skip the mypyc comparison (faster)
    python benchmarks/corpus_report.py -j 2             # two corpus pipelines at a time

In one run, for the real-code corpus (tests/corpus/files/*.py): how many files
``pyvorin check`` accepts unchanged, how many of those compile and verify through the whole
pipeline (``pyvorin compile`` with verification against CPython), how many top-level
functions have no diagnostic, the PV codes that stop the most files, and, for comparison,
how many of the same files mypyc compiles as written (``python -m mypyc FILE`` in a fresh
directory, then the extension imported in a fresh interpreter). Then mypyc's run tests
(tests/mypyc_run/data/run-*.test): per file, the cases that pass with Pyvorin (same driver
output as CPython), are rejected, fail, or are excluded (with the reasons).

Compiling needs a licence: the script starts a local licence server on 127.0.0.1 in a
private, temporary PYVORIN_HOME (as the test suite does); nothing outside it is touched.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.corpus import harness as corpus  # noqa: E402
from tests.mypyc_run import harness as mypyc_run  # noqa: E402

START = "<!-- corpus-report:start -->"
END = "<!-- corpus-report:end -->"
MYPYC_TIMEOUT = 900.0
DEFAULT_COMMAND = "python benchmarks/corpus_report.py"

IMPORT_CHECK = r"""
import importlib.machinery, importlib.util, sys
path, name = sys.argv[1:3]
loader = importlib.machinery.ExtensionFileLoader(name, path)
spec = importlib.util.spec_from_file_location(name, path, loader=loader)
module = importlib.util.module_from_spec(spec)
sys.modules[name] = module
spec.loader.exec_module(module)
"""


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _cc() -> str:
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    try:
        out = subprocess.run([*cc, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return cc[0]
    return (out.stdout.splitlines() or [cc[0]])[0]


def environment() -> dict[str, str]:
    from pyvorin import bench

    cpu = bench.environment_info()["cpu"]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{cpu}, {os.cpu_count()} cores",
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cc": _cc(),
        "pyvorin": _version("pyvorin"),
        "mypy": _version("mypy"),
        "load": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


# --------------------------------------------------------------------------- mypyc


def mypyc_compiles(path: Path, workdir: Path) -> tuple[bool, str]:
    """``python -m mypyc FILE`` as written (support modules beside it), then import it."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, workdir / path.name)
    for support in sorted(corpus.SUPPORT.glob("*.py")):
        shutil.copyfile(support, workdir / support.name)
    env = dict(os.environ, MYPYC_OPT_LEVEL=os.environ.get("MYPYC_OPT_LEVEL", "0"))
    # one mypy cache for every file of the run: the standard library is analysed once
    env.setdefault("MYPY_CACHE_DIR", str(workdir.parent / ".mypy_cache"))
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mypyc", path.name],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=MYPYC_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return False, f"mypyc did not finish within {MYPYC_TIMEOUT:.0f} s"
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if ": error:" in ln]
        return False, (lines[0] if lines else (proc.stdout + proc.stderr).strip()[-300:])
    built = sorted(workdir.glob(f"{path.stem}.*.so"))
    if not built:
        return False, "mypyc produced no extension module"
    check = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK, str(built[0]), path.stem],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check.returncode != 0:
        tail = check.stderr.strip().splitlines()[-1:] or ["import failed"]
        return False, f"built, but importing it fails: {tail[0]}"
    return True, ""


# --------------------------------------------------------------------------- runs


def run_corpus(workdir: Path, with_mypyc: bool, progress, jobs: int = 1) -> dict:
    files = corpus.corpus_files()
    outcomes = corpus.evaluate(files, workdir / "pyvorin", progress=progress, jobs=jobs)
    mypyc: dict[str, tuple[bool, str]] = {}
    if with_mypyc:
        for path in files:
            started = time.perf_counter()
            mypyc[path.stem] = mypyc_compiles(path, workdir / "mypyc" / path.stem)
            ok, why = mypyc[path.stem]
            took = time.perf_counter() - started
            progress(f"{path.stem}: mypyc {'compiles' if ok else 'fails: ' + why} ({took:.0f} s)")
    expected = corpus.load_expected() if corpus.EXPECTED.is_file() else {}
    tests = {name: entry.tests for name, entry in expected.items()}
    return {"files": files, "outcomes": outcomes, "mypyc": mypyc, "tests": tests}


def run_mypyc_tests(workdir: Path, progress) -> list[mypyc_run.CaseResult]:
    return mypyc_run.run_cases(mypyc_run.all_cases(), workdir / "mypyc-run", progress=progress)


# --------------------------------------------------------------------------- rendering


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.0f} %" if whole else "n/a"


def render(env: dict[str, str], corpus_run: dict, cases: list[mypyc_run.CaseResult]) -> str:
    outcomes: list[corpus.Outcome] = corpus_run["outcomes"]
    mypyc = corpus_run["mypyc"]
    total = len(outcomes)
    clean = [o for o in outcomes if o.outcome in (corpus.CHECK_CLEAN, corpus.VERIFIED)]
    verified = [o for o in outcomes if o.outcome == corpus.VERIFIED]
    functions = sum(o.functions for o in outcomes)
    functions_clean = sum(o.functions_clean for o in outcomes)
    lines = [
        f"Measured on {env['date']} with `{env.get('command', DEFAULT_COMMAND)}`:",
        "",
        "| | |",
        "|---|---|",
        f"| machine | {env['machine']}; {env['os']} |",
        f"| Python | {env['python']}; {env['cc']} |",
        f"| Pyvorin | {env['pyvorin']} |",
        f"| mypy / mypyc | {env['mypy']} (`python -m mypyc FILE`, `MYPYC_OPT_LEVEL=0`: whether "
        "it compiles does not depend on the level) |",
        f"| load average at the end | {env['load']} |",
        "",
        "### Real code (tests/corpus)",
        "",
        "| | files | rate |",
        "|---|---:|---:|",
        f"| corpus files | {total} | |",
        f"| `pyvorin check` accepts unchanged | {len(clean)} | {_pct(len(clean), total)} |",
        f"| of those, compile and verify (whole pipeline) | {len(verified)} | "
        f"{_pct(len(verified), len(clean))} |",
        f"| top-level functions with no diagnostic | {functions_clean} of {functions} | "
        f"{_pct(functions_clean, functions)} |",
    ]
    groups = _groups(outcomes, corpus_run.get("tests", {}))
    if len(groups) > 1:
        lines += [
            "",
            "By group (`tests` in tests/corpus/expected.toml: the files the compiler was "
            "developed against run the pipeline in the suite; the unseen files were added "
            "to measure code it had not seen, and their pipelines run here):",
            "",
            "| group | files | check clean | verified | rate of clean |",
            "|---|---:|---:|---:|---:|",
        ]
        for label, members in groups:
            ok = [o for o in members if o.outcome in (corpus.CHECK_CLEAN, corpus.VERIFIED)]
            good = [o for o in members if o.outcome == corpus.VERIFIED]
            lines.append(
                f"| {label} | {len(members)} | {len(ok)} | {len(good)} | "
                f"{_pct(len(good), len(ok))} |"
            )
    if mypyc:
        compiled = sum(1 for ok, _ in mypyc.values() if ok)
        lines.append(
            f"| mypyc compiles as written (same files, same run) | {compiled} | "
            f"{_pct(compiled, total)} |"
        )
    blockers = collections.Counter(code for o in outcomes for code in o.codes)
    lines += [
        "",
        "PV codes by the number of files they stop (each file counted once per code):",
        "",
        "| code | files |",
        "|---|---:|",
    ]
    lines += [f"| {code} | {count} |" for code, count in blockers.most_common()]
    lines += [
        "",
        "Per file:",
        "",
        "| file | Pyvorin | functions clean | mypyc |",
        "|---|---|---:|---|",
    ]
    for o in outcomes:
        ok, why = mypyc.get(o.name, (None, ""))
        peer = "-" if ok is None else ("compiles" if ok else f"fails: {why}".replace("|", "\\|"))
        lines.append(
            f"| `{o.name}` | {o.describe()} | {o.functions_clean} of {o.functions} | {peer} |"
        )
    lines += ["", "### mypyc's run tests (tests/mypyc_run)", ""]
    lines += [
        "| file | cases | excluded | considered | pass | rejected | fail | pass rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    by_file: dict[str, collections.Counter] = {}
    for result in cases:
        by_file.setdefault(result.case.file, collections.Counter())[result.status] += 1
    grand: collections.Counter = collections.Counter()
    for name in sorted(by_file):
        count = by_file[name]
        grand.update(count)
        lines.append(_case_row(f"`{name}`", count))
    lines.append(_case_row("**all**", grand))
    reasons = collections.Counter(
        r.detail.split(":")[0] if not r.detail.startswith("mypyc-only") else r.detail
        for r in cases
        if r.status == mypyc_run.EXCLUDED
    )
    lines += ["", "Excluded cases, by reason:", "", "| reason | cases |", "|---|---:|"]
    lines += [f"| {reason} | {count} |" for reason, count in reasons.most_common()]
    failing = [r for r in cases if r.status == mypyc_run.FAIL]
    if failing:
        lines += ["", "Cases that compile but behave differently from CPython:", ""]
        lines += [f"- `{r.case.id}`: {r.detail[:200]}" for r in failing]
    passing = [r.case.id for r in cases if r.status == mypyc_run.PASS]
    lines += ["", f"Passing cases ({len(passing)}): " + ", ".join(f"`{p}`" for p in passing)]
    return "\n".join(lines) + "\n"


def _groups(
    outcomes: list[corpus.Outcome], tests: dict[str, str]
) -> list[tuple[str, list[corpus.Outcome]]]:
    """The files developed against (tests = "pipeline") and the unseen ones ("check")."""
    seen = [o for o in outcomes if tests.get(o.name, "pipeline") != "check"]
    unseen = [o for o in outcomes if tests.get(o.name) == "check"]
    return [
        (label, members)
        for label, members in (("developed against", seen), ("unseen", unseen))
        if members
    ]


def _case_row(label: str, count: collections.Counter) -> str:
    total = sum(count.values())
    considered = total - count[mypyc_run.EXCLUDED]
    return (
        f"| {label} | {total} | {count[mypyc_run.EXCLUDED]} | {considered} | "
        f"{count[mypyc_run.PASS]} | {count[mypyc_run.REJECTED]} | {count[mypyc_run.FAIL]} | "
        f"{_pct(count[mypyc_run.PASS], considered)} |"
    )


def write_docs(path: Path, section: str) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path}: no {START} ... {END} markers to write the report between")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    path.write_text(f"{head}{START}\n{section}{END}{tail}", encoding="utf-8")


def to_json(env: dict[str, str], corpus_run: dict, cases: list[mypyc_run.CaseResult]) -> dict:
    return {
        "environment": env,
        "corpus": [
            {
                "file": o.name,
                "outcome": o.outcome,
                "codes": o.codes,
                "exit": o.exit,
                "functions": o.functions,
                "functions_clean": o.functions_clean,
                "mypyc": corpus_run["mypyc"].get(o.name, (None, ""))[0],
            }
            for o in corpus_run["outcomes"]
        ],
        "mypyc_run": [
            {"case": r.case.id, "status": r.status, "detail": r.detail, "codes": r.codes}
            for r in cases
        ],
    }


# --------------------------------------------------------------------------- main


def _licensed_home(stack, workdir: Path) -> None:
    from pyvorin_server.local import LicenceServer, activate_into

    server = stack.enter_context(LicenceServer(workdir / "licence-server"))
    home = workdir / "home"
    activate_into(home, server, licensee="corpus report", plan="enterprise", seats=1)
    os.environ["PYVORIN_HOME"] = str(home)


def _command(args: argparse.Namespace) -> str:
    """The command as run, with the options that change what is measured (not where the
    output goes)."""
    parts = [DEFAULT_COMMAND]
    if args.no_mypyc:
        parts.append("--no-mypyc")
    if args.jobs != 1:
        parts += ["-j", str(args.jobs)]
    return " ".join(parts)


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number of 1 or more, not {text!r}")
    return jobs


def main(argv: list[str] | None = None) -> int:
    import contextlib

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, help="write the report into this Markdown file")
    parser.add_argument("--json", type=Path, help="write every outcome as JSON to this file")
    parser.add_argument("--no-mypyc", action="store_true", help="skip the mypyc comparison")
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        help="corpus pipelines run at once (default 1; the outcomes do not depend on it, "
        "the per-file seconds do, under load)",
    )
    parser.add_argument(
        "--write-expected",
        action="store_true",
        help="rewrite tests/corpus/expected.toml and tests/mypyc_run/expected.toml",
    )
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with (
        tempfile.TemporaryDirectory(prefix="pyvorin-corpus-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        _licensed_home(stack, workdir)
        corpus_run = run_corpus(workdir, not args.no_mypyc, progress, args.jobs)
        cases = run_mypyc_tests(workdir, progress)
        env = environment()
        env["command"] = _command(args)
    section = render(env, corpus_run, cases)
    if args.docs:
        write_docs(args.docs, section)
        progress(f"wrote {args.docs}")
    else:
        print(section, end="")
    if args.json:
        args.json.write_text(json.dumps(to_json(env, corpus_run, cases), indent=1) + "\n")
        progress(f"wrote {args.json}")
    if args.write_expected:
        previous = corpus.load_expected() if corpus.EXPECTED.is_file() else {}
        corpus.EXPECTED.write_text(corpus.render_expected(corpus_run["outcomes"], previous))
        mypyc_run.EXPECTED.write_text(mypyc_run.render_expected(mypyc_run.passes_by_file(cases)))
        progress(f"wrote {corpus.EXPECTED} and {mypyc_run.EXPECTED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Apply one compiler mutant in a temporary copy and build the project through the CLI.

For each mutant the whole ``pyvorin`` package is copied into a temporary directory, the
mutant's snippet is replaced there (the harness raises :class:`SnippetNotFound` unless
the snippet occurs exactly once: the compiler may drift, and a mutant that silently
applies to nothing would count as "caught" by nobody), and ``python -m pyvorin compile``
builds the realistic modules of ``project/`` with that copy first on ``PYTHONPATH``: the
default pipeline, default verification settings, nothing that names the mutant.

``python -m tests.mutation.harness [NAME...]`` prints the catch table (needs a licensed
``PYVORIN_HOME``, as every compile does); the slow test runs the same code.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .mutants import MUTANTS, Mutant

HERE = Path(__file__).resolve().parent
PROJECT = HERE / "project"
MODULES = ("ledger.py", "waves.py", "tables.py")
PACKAGE = Path(__import__("pyvorin").__file__).resolve().parent


class SnippetNotFound(AssertionError):
    """A mutant's original snippet is not in the compiler source exactly once."""


@dataclass
class Outcome:
    mutant: str
    exit_code: int
    caught: bool
    functions: list[str] = field(default_factory=list)  # "module:function" that failed
    first_input: str = ""  # the first differing input named by the report
    seconds: float = 0.0
    output_tail: str = ""


def check_snippet(mutant: Mutant, package: Path = PACKAGE) -> str:
    target = package / "compiler" / mutant.file
    text = target.read_text(encoding="utf-8")
    count = text.count(mutant.original)
    if count != 1:
        raise SnippetNotFound(
            f"mutant {mutant.name}: its snippet occurs {count} times in {target} "
            f"(expected exactly once); update tests/mutation/mutants.py:\n{mutant.original}"
        )
    return text


def mutated_package(mutant: Mutant | None, into: Path) -> Path:
    """A copy of the pyvorin package under ``into`` with ``mutant`` applied; the sys.path entry."""
    root = into / "site"
    shutil.copytree(PACKAGE, root / "pyvorin", ignore=shutil.ignore_patterns("__pycache__"))
    if mutant is not None:
        text = check_snippet(mutant, root / "pyvorin")
        (root / "pyvorin" / "compiler" / mutant.file).write_text(
            text.replace(mutant.original, mutant.replacement), encoding="utf-8"
        )
    return root


def build(
    mutant: Mutant | None, workdir: Path, timeout: float = 900, *, first_catch: bool = False
) -> Outcome:
    """Build the project with ``mutant`` applied; what the pipeline said.

    All modules in one ``pyvorin compile``, or with ``first_catch`` one module per
    ``pyvorin compile`` in ``MODULES`` order, stopping at the first that does not exit 0:
    a mutant caught by the first module is not built against the others (the outcome is
    the same, caught or not; only fewer failing functions are listed).
    """
    import time

    started = time.perf_counter()
    site = mutated_package(mutant, workdir)
    project = workdir / "project"
    shutil.copytree(PROJECT, project)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    output, returncode = "", 0
    for modules in [[m] for m in MODULES] if first_catch else [list(MODULES)]:
        proc = subprocess.run(
            [sys.executable, "-m", "pyvorin", "compile", *modules, "-o", "out"],
            cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        output += proc.stdout + proc.stderr
        returncode = proc.returncode
        if returncode != 0:
            break
    outcome = Outcome(
        mutant=mutant.name if mutant else "(none)",
        exit_code=returncode,
        caught=returncode == 4,
        seconds=time.perf_counter() - started,
        output_tail=output[-3000:],
    )
    for report_file in sorted((project / "out").glob("*.pyvorin-verify.json")):
        report = json.loads(report_file.read_text())
        for function in report["functions"]:
            if function["result"] == "passed":
                continue
            outcome.functions.append(f"{report['module']}:{function['name']}")
            if function["findings"] and not outcome.first_input:
                outcome.first_input = function["findings"][0]["input"]["call"]
    named = re.search(r"input \([^)]*\)+: (.+)", output)
    if named and not outcome.first_input:
        outcome.first_input = named.group(1)
    return outcome


def run_all(
    mutants: tuple[Mutant, ...] = MUTANTS, jobs: int = 2, *, first_catch: bool = False
) -> list[Outcome]:
    for mutant in mutants:  # fail loudly before building anything
        check_snippet(mutant)
    with tempfile.TemporaryDirectory(prefix="pyvorin-mutation-") as tmp:

        def one(mutant: Mutant) -> Outcome:
            work = Path(tmp) / mutant.name
            work.mkdir()
            return build(mutant, work, first_catch=first_catch)

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(one, mutants))


def table(outcomes: list[Outcome]) -> str:
    rows = ["| mutant | exit | caught in | first differing input |", "|---|---|---|---|"]
    for o in outcomes:
        where = ", ".join(o.functions) or "-"
        rows.append(f"| {o.mutant} | {o.exit_code} | {where} | `{o.first_input}` |")
    caught = sum(o.caught for o in outcomes)
    rows.append(f"\n{caught} of {len(outcomes)} caught")
    return "\n".join(rows)


if __name__ == "__main__":
    chosen = tuple(m for m in MUTANTS if not sys.argv[1:] or m.name in sys.argv[1:])
    results = run_all(chosen)
    print(table(results))
    sys.exit(0 if all(o.caught for o in results) else 1)

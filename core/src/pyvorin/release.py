"""``python -m pyvorin.release``: the logic of the GitHub Action's release steps.

The composite action (``plugins/github-actions/action.yml``) runs one command; every
decision lives here, where it is tested::

    python -m pyvorin.release --project . --dist dist --sarif pyvorin.sarif \
        --build-number "$GITHUB_RUN_NUMBER"

1. loads ``[tool.pyvorin]`` (a configuration error stops the release, exit 2);
2. runs the licence gate as a release (a development licence is refused here, exit 6,
   before anything is built), then the frontend over every configured module, and
   writes all diagnostics as SARIF (written on success too, so the upload step always
   has a file);
3. builds the sdist and the wheels with the project's own PEP 517 backend: the Pyvorin
   adapter in that backend compiles, verifies against CPython and signs, with
   ``--build-number`` as the manifests' build number (passed as
   ``PYVORIN_BUILD_NUMBER``: a fresh runner has no counter of its own, so a release
   pipeline must pass a number that grows, such as the CI run number). With
   ``--builder build`` (the default) one wheel for this Python, through ``python -m
   build``, tagged ``linux_*`` unless ``--repair`` runs ``pyvorin wheel repair`` on it;
   with ``--builder cibuildwheel`` manylinux wheels for every supported CPython
   (``--python-versions``), through cibuildwheel configured by :mod:`pyvorin.wheels`
   (its repair step is auditwheel, then sign after repair);
4. verifies the signature of every built wheel (as ``pyvorin signature verify`` does)
   and stops on any failure (exit 5); a repaired or cibuildwheel release also refuses a
   wheel whose platform tag PyPI refuses (exit 2);
5. writes the outputs (``dist``, ``wheels``, ``sarif``) to ``$GITHUB_OUTPUT`` and a
   summary table to ``$GITHUB_STEP_SUMMARY`` when those are set.

``python -m pyvorin.release --before-build`` is cibuildwheel's before-build step inside
each container: it activates ``PYVORIN_LICENCE_KEY`` there, when set.

Keys come from the environment (``PYVORIN_SIGNING_KEY``, ``PYVORIN_HMAC_KEY`` ...,
see ``docs/adapters/github-actions.md``); they are never printed or written to a file
here.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Diagnostic, render
from .errors import PyvorinError, SignatureError, UnsupportedError, UsageError
from .exitcodes import ExitCode
from .wheels import SUPPORTED_PYTHONS, cibuildwheel_environment, cibw_build, platform_problem


@dataclass
class ReleaseReport:
    dist: Path
    sarif: Path
    wheels: list[Path] = field(default_factory=list)
    sdists: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)


def _say(message: str) -> None:
    print(f"pyvorin.release: {message}", file=sys.stderr, flush=True)


def collect_diagnostics(project: Path) -> list[Diagnostic]:
    """Every diagnostic of the frontend over the configured modules (no compile)."""
    from .config import load_settings
    from .errors import LicenceError
    from .pipeline import make_context, run
    from .project import resolve_modules

    settings = load_settings(project)
    modules = resolve_modules(settings)
    if not modules:
        where = settings.file or project / "pyproject.toml"
        raise UsageError(f"{where}: [tool.pyvorin] modules: no modules configured")
    ctx = make_context(
        settings,
        project / "build" / "pyvorin-check",
        actor="release",
        command="check",
        release=True,
    )
    # the licence gate (a release needs a production licence: refused here, before any
    # build), then the frontend
    result = run(ctx, modules, stages=("check",))
    if result.licence.status == "failed":
        raise LicenceError(f"licence refused: {result.licence.detail}")
    return [d for module in result.modules for d in module.diagnostics]


def write_sarif(path: Path, diagnostics: list[Diagnostic]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(diagnostics, "sarif"), encoding="utf-8")


def build_distributions(
    project: Path,
    dist: Path,
    *,
    isolation: bool,
    sdist: bool,
    env: Mapping[str, str],
    wheel: bool = True,
) -> tuple[int, ExitCode | None]:
    """Run the project's own PEP 517 backend through ``python -m build``.

    Its output is passed through; returns the frontend's exit code and the Pyvorin exit
    code the adapter reported (``pyvorin: exit code N``), if any.
    """
    import importlib.util

    if importlib.util.find_spec("build") is None:
        raise UsageError(
            "the 'build' package is not installed in this environment "
            f"({sys.executable}); install it with: python -m pip install build"
        )
    command = [sys.executable, "-m", "build", "--outdir", str(dist)]
    command += (["--sdist"] if sdist else []) + (["--wheel"] if wheel else [])
    if not isolation:
        command.append("--no-isolation")
    command.append(str(project))
    return _run_build(command, env)


def build_with_cibuildwheel(
    project: Path, dist: Path, env: Mapping[str, str]
) -> tuple[int, ExitCode | None]:
    """``python -m cibuildwheel --platform linux``, configured by ``env`` (see
    :func:`pyvorin.wheels.cibuildwheel_environment`)."""
    import importlib.util

    if importlib.util.find_spec("cibuildwheel") is None:
        raise UsageError(
            "the 'cibuildwheel' package is not installed in this environment "
            f"({sys.executable}); install it with: python -m pip install cibuildwheel"
        )
    command = [sys.executable, "-m", "cibuildwheel", "--platform", "linux"]
    command += ["--output-dir", str(dist), str(project)]
    return _run_build(command, env)


def _run_build(command: list[str], env: Mapping[str, str]) -> tuple[int, ExitCode | None]:
    _say("building: " + " ".join(command[1:]))
    process = subprocess.Popen(
        command,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    assert process.stdout is not None
    code = None
    for line in process.stdout:
        sys.stderr.write(line)
        if line.startswith("pyvorin: exit code "):
            try:
                code = ExitCode(int(line.rsplit(" ", 1)[1]))
            except ValueError:
                code = None
    process.wait()
    return process.returncode, code


def verify_wheels(wheels: Sequence[Path]) -> dict[str, str]:
    """Verify every wheel's manifests; raise SignatureError naming each failure."""
    from .signing import VerificationKeys, verify_path

    if not wheels:
        raise SignatureError("no wheel was built: nothing to verify")
    status: dict[str, str] = {}
    problems: list[str] = []
    for wheel in wheels:
        # the release checks its own output (hashes, signatures, identity); the signing key
        # need not be in this runner's trust store: trust is decided where wheels are used
        failures = verify_path(wheel, VerificationKeys(strict=False))
        if failures:
            status[wheel.name] = "FAILED"
            problems.extend(f"  {failure.line()}" for failure in failures)
        else:
            status[wheel.name] = "verified"
    if problems:
        raise SignatureError("signature verification failed:\n" + "\n".join(problems))
    return status


def repair_wheels(wheels: Sequence[Path], dist: Path) -> list[Path]:
    """``pyvorin wheel repair`` each wheel into ``dist``; the unrepaired wheel is removed
    once its repaired, re-signed and verified replacement is there."""
    from .signing.repair import repair_wheel

    repaired = []
    for wheel in wheels:
        _say(f"repairing {wheel.name} (auditwheel, then sign after repair)")
        report = repair_wheel(wheel, dist)
        if report.wheel != wheel:
            wheel.unlink()
        repaired.append(report.wheel)
    return repaired


def before_build(env: Mapping[str, str]) -> int:
    """cibuildwheel's before-build step in a container: activate the licence there."""
    if not env.get("PYVORIN_LICENCE_KEY"):
        _say("no PYVORIN_LICENCE_KEY: builds use the licence already in PYVORIN_HOME")
        return int(ExitCode.OK)
    _say("activating the licence in this build environment")
    done = subprocess.run([sys.executable, "-m", "pyvorin", "licence", "activate"], env=dict(env))
    return done.returncode


def _append(path_var: str | None, text: str) -> None:
    if path_var:
        with open(path_var, "a", encoding="utf-8") as handle:
            handle.write(text)


def write_outputs(report: ReleaseReport, env: Mapping[str, str]) -> None:
    """``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``, when set."""
    wheels = " ".join(str(w) for w in report.wheels)
    _append(
        env.get("GITHUB_OUTPUT"),
        f"dist={report.dist}\nwheels={wheels}\nsarif={report.sarif}\n",
    )
    rows = [
        "## Pyvorin release",
        "",
        "| artifact | signature |",
        "| --- | --- |",
    ]
    rows += [f"| `{name}` | {state} |" for name, state in report.verified.items()]
    rows += [f"| `{s.name}` | sources (not compiled) |" for s in report.sdists]
    errors = [d for d in report.diagnostics if d.severity == "error"]
    rows += ["", f"Diagnostics: {len(report.diagnostics)} ({len(errors)} errors), see SARIF.", ""]
    _append(env.get("GITHUB_STEP_SUMMARY"), "\n".join(rows) + "\n")


def release(
    project: Path,
    dist: Path,
    sarif: Path,
    *,
    isolation: bool = True,
    sdist: bool = True,
    env: Mapping[str, str] | None = None,
    build_number: int | None = None,
    builder: str = "build",
    repair: bool = False,
    pythons: Sequence[str] = SUPPORTED_PYTHONS,
    pyvorin: str = "",
) -> ReleaseReport:
    env = os.environ if env is None else env
    if builder == "cibuildwheel":
        cibw_build(pythons)  # an unsupported version is refused before any work
    project = project.resolve()
    dist = dist if dist.is_absolute() else project / dist
    sarif = sarif if sarif.is_absolute() else project / sarif
    report = ReleaseReport(dist=dist, sarif=sarif)

    _say(f"checking the modules of {project / 'pyproject.toml'}")
    report.diagnostics = collect_diagnostics(project)
    write_sarif(sarif, report.diagnostics)
    errors = [d for d in report.diagnostics if d.severity == "error"]
    if errors:
        raise UnsupportedError(
            f"{len(errors)} unsupported construct(s); see {sarif}", report.diagnostics
        )

    before = set(dist.glob("*")) if dist.is_dir() else set()
    build_env = dict(env)
    build_env["PYVORIN_RELEASE"] = "1"  # signing refuses the per-installation key
    if build_number is not None:
        build_env["PYVORIN_BUILD_NUMBER"] = str(build_number)
    if builder == "cibuildwheel":
        returncode, pyvorin_code = 0, None
        if sdist:
            returncode, pyvorin_code = build_distributions(
                project, dist, isolation=isolation, sdist=True, wheel=False, env=build_env
            )
        if returncode == 0:
            cibw_env = cibuildwheel_environment(build_env, pythons=pythons, pyvorin=pyvorin)
            returncode, pyvorin_code = build_with_cibuildwheel(project, dist, cibw_env)
    else:
        returncode, pyvorin_code = build_distributions(
            project, dist, isolation=isolation, sdist=sdist, env=build_env
        )
    if returncode != 0:
        error = PyvorinError(
            f"the build failed (python -m build exited {returncode}); "
            "its output above names the module and stage that refused"
        )
        error.exit_code = pyvorin_code or ExitCode.INTERNAL
        raise error
    new = sorted(set(dist.glob("*")) - before)
    report.wheels = [p for p in new if p.suffix == ".whl"]
    report.sdists = [p for p in new if p.name.endswith(".tar.gz")]
    if repair and builder == "build":
        report.wheels = repair_wheels(report.wheels, dist)
    _say(f"verifying {len(report.wheels)} wheel(s)")
    report.verified = verify_wheels(report.wheels)
    if repair or builder == "cibuildwheel":
        problems = [p for p in map(platform_problem, report.wheels) if p]
        if problems:
            raise UsageError("not publishable:\n" + "\n".join(f"  {p}" for p in problems))
    write_outputs(report, env)
    return report


def _build_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 2**63 - 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, found {text!r}")
    return value


def _pythons(text: str) -> list[str]:
    return text.replace(",", " ").split()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pyvorin.release",
        description="Build, verify and check the signatures of a release (GitHub Action).",
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project directory")
    parser.add_argument("--dist", type=Path, default=Path("dist"), help="output directory")
    parser.add_argument("--sarif", type=Path, default=Path("pyvorin.sarif"), help="SARIF file")
    parser.add_argument("--no-isolation", action="store_true", help="build in this environment")
    parser.add_argument("--no-sdist", action="store_true", help="build the wheel only")
    parser.add_argument(
        "--build-number",
        type=_build_number,
        default=None,
        help="build number signed into the manifests (monotonic per distribution; in CI "
        "the run number); default: PYVORIN_BUILD_NUMBER, else the signing counter",
    )
    parser.add_argument(
        "--builder",
        choices=("build", "cibuildwheel"),
        default="build",
        help="build: one wheel for this Python (python -m build); cibuildwheel: manylinux "
        "wheels for every supported CPython, repaired and signed after repair",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="with --builder build: auditwheel repair, then sign after repair",
    )
    parser.add_argument(
        "--python-versions",
        type=_pythons,
        default=None,
        help="with --builder cibuildwheel: the CPython versions, e.g. '3.12 3.13' "
        "(default: PYVORIN_PYTHON_VERSIONS, else all Pyvorin supports)",
    )
    parser.add_argument(
        "--before-build",
        action="store_true",
        help="cibuildwheel's before-build step: activate PYVORIN_LICENCE_KEY here",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.before_build:
        return before_build(os.environ)
    pythons = args.python_versions or _pythons(os.environ.get("PYVORIN_PYTHON_VERSIONS", ""))
    try:
        report = release(
            args.project,
            args.dist,
            args.sarif,
            isolation=not args.no_isolation,
            sdist=not args.no_sdist,
            build_number=args.build_number,
            builder=args.builder,
            repair=args.repair,
            pythons=pythons or SUPPORTED_PYTHONS,
            pyvorin="pyvorin" + os.environ.get("PYVORIN_VERSION", ""),
        )
    except PyvorinError as exc:
        for line in str(exc).splitlines():
            print(f"pyvorin.release: error: {line}", file=sys.stderr)
        for diagnostic in getattr(exc, "diagnostics", []):
            print(diagnostic.format_text(), file=sys.stderr)
        return int(exc.exit_code)
    print(
        json.dumps(
            {
                "dist": str(report.dist),
                "wheels": [str(w) for w in report.wheels],
                "sdists": [str(s) for s in report.sdists],
                "sarif": str(report.sarif),
                "verified": report.verified,
            },
            indent=2,
        )
    )
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())

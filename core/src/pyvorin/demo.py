"""``pyvorin demo``: the whole product on the bundled example, offline, in one command.

Steps (each shown as it runs):

0. license the run: a demo-private ``PYVORIN_HOME`` in the work directory, a local
   licence server (the real ``pyvorin-server``) on 127.0.0.1 issuing a one-day licence,
   its issuer key trusted explicitly and the licence activated -- the same steps a user
   takes with a real licence; the user's own PYVORIN_HOME is never touched. That issuer
   is a development issuer (trusted from the demo's home), so the demo's build is a
   development build (``licence.mode: development`` in its manifests);
1. copy the bundled example project (``examples/numkit``) to a work directory;
2. build its wheel with the real setuptools adapter (``pip wheel`` with the
   ``pyvorin-setuptools`` backend, no index, no build isolation): the licence gate, the
   sandboxed compile, verification against CPython and signing all run there;
3. verify the wheel's signatures (as ``pyvorin signature verify`` does);
4. create a fresh virtual environment that sees this Pyvorin installation and
   ``pip install`` the wheel into it (``--no-index``: offline);
5. in that environment, import the compiled module (its signature is verified at load),
   check that every demo call gives the same result as the source under CPython, and
   time both.

The result is one table row per function: inputs verified (from the signed manifest),
CPython time, compiled time, speedup, signature status.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PyvorinError, SignatureError, ToolchainError, UsageError
from .exitcodes import ExitCode

EXAMPLE = "numkit"
MODULE = "numkit.kernels"


class DemoFailed(PyvorinError):
    def __init__(self, message: str, exit_code: ExitCode = ExitCode.INTERNAL) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class FunctionRow:
    name: str
    inputs: int | None
    cpython_seconds: float
    compiled_seconds: float
    same_result: bool

    @property
    def speedup(self) -> float:
        return self.cpython_seconds / self.compiled_seconds if self.compiled_seconds else 0.0


@dataclass
class DemoReport:
    workdir: Path
    wheel: Path
    signature: str
    loaded_from: str
    rows: list[FunctionRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "workdir": str(self.workdir),
            "wheel": str(self.wheel),
            "signature": self.signature,
            "loaded_from": self.loaded_from,
            "functions": [
                {
                    "name": r.name,
                    "inputs_verified": r.inputs,
                    "cpython_seconds": r.cpython_seconds,
                    "compiled_seconds": r.compiled_seconds,
                    "speedup": r.speedup,
                    "same_result": r.same_result,
                }
                for r in self.rows
            ],
        }


def example_dir() -> Path:
    """The bundled example: shipped in the package, else the repository's ``examples/``."""
    here = Path(__file__).resolve().parent
    candidates = [here / "_examples" / EXAMPLE, here.parents[2] / "examples" / EXAMPLE]
    for candidate in candidates:
        if (candidate / "pyproject.toml").is_file():
            return candidate
    raise UsageError(
        "the bundled example project was not found (looked in "
        + ", ".join(str(c) for c in candidates)
        + "); run pyvorin demo from an installation of the Pyvorin repository"
    )


def _site_dirs() -> list[str]:
    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE and os.path.isdir(site.getusersitepackages()):
        dirs.append(site.getusersitepackages())
    purelib = sysconfig.get_paths()["purelib"]
    if purelib not in dirs:
        dirs.insert(0, purelib)
    return [d for d in dirs if os.path.isdir(d)]


def make_venv(path: Path) -> Path:
    """A fresh virtual environment whose Python also sees this Pyvorin installation.

    It is created without pip (offline and fast); packages are installed into it with this
    interpreter's pip (``pip --python``). A ``.pth`` file adds this interpreter's
    site-packages (processing their own ``.pth`` files, so editable installs work) after
    the venv's own, so the runtime that verifies signatures at import is this Pyvorin.
    Returns the venv's Python.
    """
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(path)],
        check=True,
        capture_output=True,
    )
    python = path / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    lines = [f"import site; site.addsitedir({d!r})" for d in _site_dirs()]
    Path(purelib, "_pyvorin_parent_env.pth").write_text("\n".join(lines) + "\n")
    return python


def pip_install(python: Path, *args: str) -> subprocess.CompletedProcess:
    """``pip install --no-index`` into the environment of ``python``, with this pip."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "--disable-pip-version-check",
            "install",
            "--no-index",
            *args,
        ],
        capture_output=True,
        text=True,
    )


_NOT_PROGRESS = ("pyvorin: error:", "pyvorin: exit code", "pyvorin: the wheel was not built")


def build_wheel(
    project: Path,
    wheel_dir: Path,
    progress: Callable[[str], None],
    env: dict[str, str] | None = None,
) -> Path:
    """Build ``project``'s wheel with its own backend (offline, no isolation)."""
    import importlib.util

    if importlib.util.find_spec("pyvorin_setuptools") is None:
        raise UsageError(
            "the demo builds its wheel with the setuptools adapter, which is not installed "
            f"for {sys.executable}: pip install -e ./plugins/setuptools (from a clone) or "
            "pip install pyvorin-setuptools"
        )
    command = [
        sys.executable,
        "-m",
        "pip",
        "--disable-pip-version-check",
        "wheel",
        "-v",
        "--no-deps",
        "--no-index",
        "--no-build-isolation",
        "-w",
        str(wheel_dir),
        str(project),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        env=env,
    )
    output: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        stripped = line.strip()
        if stripped.startswith("pyvorin:") and not stripped.startswith(_NOT_PROGRESS):
            progress("  " + stripped[len("pyvorin:") :].strip())
    code = process.wait()
    wheels = sorted(wheel_dir.glob("*.whl"))
    if code != 0 or not wheels:
        errors = [ln.strip() for ln in output if "pyvorin: error:" in ln]
        exit_code = ExitCode.INTERNAL
        for ln in output:
            if "pyvorin: exit code " in ln:
                try:
                    exit_code = ExitCode(int(ln.rsplit(" ", 1)[1]))
                except ValueError:
                    pass
        if errors:
            message = "\n".join(e.split("pyvorin: error: ", 1)[1] for e in errors)
        else:
            tail = "".join(output[-25:])
            message = f"building the wheel failed (pip exited {code}):\n{tail}"
        raise DemoFailed(message, exit_code)
    return wheels[-1]


_TIMER = textwrap.dedent(
    """
    import importlib.util, json, sys, time
    from pathlib import Path

    source_file, calls_file = sys.argv[1], sys.argv[2]
    import numkit.kernels as compiled
    from pyvorin.verify.values import dumps, encode

    spec = importlib.util.spec_from_file_location("numkit_source_kernels", source_file)
    source = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(source)
    cspec = importlib.util.spec_from_file_location("numkit_demo_calls", calls_file)
    calls = importlib.util.module_from_spec(cspec)
    cspec.loader.exec_module(calls)

    def best(fn, args, repeat):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            for _ in range(repeat):
                fn(*args)
            times.append((time.perf_counter() - start) / repeat)
        return min(times)

    def same(a, b):
        return dumps(encode(a)) == dumps(encode(b))

    rows = []
    for name, (args, repeat) in calls.CALLS.items():
        expected = getattr(source, name)(*args)
        got = getattr(compiled, name)(*args)
        rows.append({
            "name": name,
            "same_result": same(expected, got),
            "cpython_seconds": best(getattr(source, name), args, repeat),
            "compiled_seconds": best(getattr(compiled, name), args, repeat),
        })
    loaded = getattr(compiled, "__file__", "") or ""
    print(json.dumps({"loaded_from": loaded, "rows": rows}))
    """
)


def _verification_report(project: Path) -> dict[str, Any]:
    """The verifier's report of the build (written beside the artifacts in build/)."""
    from .verify.report import REPORT_SUFFIX

    leaf = MODULE.replace(".", "/") + REPORT_SUFFIX
    found = sorted((project / "build").glob(f"**/{leaf}"))
    if not found:
        return {}
    return json.loads(found[-1].read_text(encoding="utf-8"))


def _inputs_verified(report: dict[str, Any], function: str) -> int | None:
    """Conclusive inputs ``function`` was verified on, from the verification report."""
    for entry in report.get("functions", []):
        if entry.get("name") == function and entry.get("result") == "passed":
            return int(entry["conclusive"])
    return None


def _manifest_of(wheel: Path) -> dict[str, Any]:
    import zipfile

    from .artifacts import MANIFEST_SUFFIX

    name = MODULE.replace(".", "/") + MANIFEST_SUFFIX
    with zipfile.ZipFile(wheel) as archive:
        try:
            return json.loads(archive.read(name))
        except KeyError as exc:
            raise SignatureError(f"{wheel}: no manifest {name} in the wheel") from exc


def _licensed_environment(work: Path, progress: Callable[[str], None]) -> tuple[Any, dict]:
    """Start a local licence server, issue and activate a demo licence in a private home.

    Returns the running server (stopped by the caller) and the environment for the
    build and import steps (``PYVORIN_HOME`` pointing at the demo's own home).
    """
    import importlib.util

    if importlib.util.find_spec("pyvorin_server") is None:
        raise UsageError(
            "the demo licenses itself with a local licence server, and pyvorin-server is "
            f"not installed for {sys.executable}: pip install -e ./server (from a clone) "
            "or pip install pyvorin-server"
        )
    from pyvorin_server.local import LicenceServer, activate_into

    home = work / "home"
    if home.exists():
        shutil.rmtree(home)
    progress("[0/5] licensing: a local licence server on 127.0.0.1 issues a 1-day demo licence")
    server = LicenceServer(work / "licence-server").start()
    try:
        activate_into(home, server, licensee="pyvorin demo", plan="team", seats=1, days=1)
    except BaseException:
        server.stop()
        raise
    progress(
        f"  development licence activated in the demo's own PYVORIN_HOME ({home}); server "
        f"{server.url} (its issuer is trusted by the demo's home: a development issuer)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYVORIN_")}
    env["PYVORIN_HOME"] = str(home)
    return server, env


def run_demo(
    workdir: Path | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> DemoReport:
    from .signing import verify_path

    owned = workdir is None
    work = Path(tempfile.mkdtemp(prefix="pyvorin-demo-")) if workdir is None else Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        server, env = _licensed_environment(work, progress)
        progress(f"[1/5] copying the example project {EXAMPLE} to {work}")
        project = work / EXAMPLE
        if project.exists():
            shutil.rmtree(project)
        shutil.copytree(
            example_dir(),
            project,
            ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__"),
        )

        progress("[2/5] building the wheel: licence, check, compile, verify, sign")
        wheel_dir = work / "wheels"
        if wheel_dir.exists():
            shutil.rmtree(wheel_dir)
        wheel = build_wheel(project, wheel_dir, progress, env)
        progress(f"  built {wheel.name}")

        progress("[3/5] verifying the wheel's signatures")
        # against the demo home's trust store: its local key signed the wheel there
        saved_home = os.environ.get("PYVORIN_HOME")
        os.environ["PYVORIN_HOME"] = env["PYVORIN_HOME"]
        try:
            failures = verify_path(wheel)
        finally:
            if saved_home is None:
                os.environ.pop("PYVORIN_HOME", None)
            else:
                os.environ["PYVORIN_HOME"] = saved_home
        if failures:
            raise SignatureError(f"{wheel}: " + "; ".join(failure.line() for failure in failures))
        manifest = _manifest_of(wheel)
        signers = [s.get("key_id", "?") for s in manifest.get("signatures", [])]
        signature = "signed by " + ", ".join(signers)

        progress("[4/5] installing the wheel into a fresh virtual environment (offline)")
        venv = work / "venv"
        if venv.exists():
            shutil.rmtree(venv)
        python = make_venv(venv)
        installed = pip_install(python, "--find-links", str(wheel_dir), "numkit")
        if installed.returncode != 0:
            raise DemoFailed(
                f"pip install of {wheel.name} failed:\n{installed.stdout}{installed.stderr}"
            )

        progress("[5/5] importing the compiled module (signature checked at load) and timing")
        timed = subprocess.run(
            [
                str(python),
                "-c",
                _TIMER,
                str(project / "src" / "numkit" / "kernels.py"),
                str(project / "demo_calls.py"),
            ],
            capture_output=True,
            text=True,
            cwd=work,
            env=env,
        )
        if timed.returncode != 0:
            raise DemoFailed(f"importing or running the compiled module failed:\n{timed.stderr}")
        data = json.loads(timed.stdout.strip().splitlines()[-1])
        report = DemoReport(work, wheel, signature, data["loaded_from"])
        verification = _verification_report(project)
        for row in data["rows"]:
            report.rows.append(
                FunctionRow(
                    row["name"],
                    _inputs_verified(verification, row["name"]),
                    row["cpython_seconds"],
                    row["compiled_seconds"],
                    row["same_result"],
                )
            )
        mismatched = [r.name for r in report.rows if not r.same_result]
        if mismatched:
            raise DemoFailed(
                "compiled results differ from CPython for: " + ", ".join(mismatched),
                ExitCode.VERIFICATION,
            )
        return report
    except subprocess.CalledProcessError as exc:
        raise ToolchainError(f"{' '.join(map(str, exc.cmd))} failed: {exc.stderr}") from exc
    finally:
        if server is not None:
            server.stop()
        if owned and os.environ.get("PYVORIN_DEMO_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)


def _seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.2f} ms"
    return f"{value * 1e6:.1f} µs"


def format_table(report: DemoReport) -> str:
    header = ("function", "inputs verified", "CPython", "compiled", "speedup", "signature")
    rows = [
        (
            r.name,
            str(r.inputs) if r.inputs is not None else "not reported",
            _seconds(r.cpython_seconds),
            _seconds(r.compiled_seconds),
            f"{r.speedup:.1f}x",
            "verified at load",
        )
        for r in report.rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)

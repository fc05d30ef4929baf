"""``pyvorin build -j N``: parallel module builds through the real CLI (real compiler,
real sandbox, real verification), compared with the serial build (docs/architecture.md,
"Parallel builds")."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyvorin.config import load_settings
from pyvorin.errors import ConfigError
from pyvorin.options import BuildOptions, available_cores, parse_jobs
from pyvorin.progress import STAGE_WORDS
from tests.core.test_atomic_outputs import _leftovers, snapshot
from tests.helpers import install_fake_distribution, run_cli

MODULES = ("alpha", "beta", "gamma")


def _source(name: str, k: int) -> str:
    return f'''\
def {name}_step(x: int, y: int) -> int:
    """
    >>> {name}_step(2, 3)
    {2 * 3 + k}
    """
    return x * y + {k}
'''


UNSUPPORTED = 'def nope() -> int:\n    return eval("1")\n'  # PV401, never compiled


def _project(root: Path, modules: tuple[str, ...] = MODULES) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(modules, start=1):
        (root / f"{name}.py").write_text(_source(name, k))
    listed = ", ".join(f'"{m}"' for m in modules)
    (root / "pyproject.toml").write_text(f"[tool.pyvorin]\nmodules = [{listed}]\n")
    return root


def _fresh_home(template: Path, where: Path) -> Path:
    """A licensed home with no caches: each build compiles and verifies for real."""
    from pyvorin_server.local import copy_licence_state

    copy_licence_state(template, where)
    return where


# -- the option: flag, environment, configuration --------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(1, 1), (3, 3), ("2", 2), (0, None), ("auto", None), ("AUTO", None)]
)
def test_parse_jobs(value: object, expected: int | None) -> None:
    assert parse_jobs(value, "-j") == (available_cores() if expected is None else expected)


@pytest.mark.parametrize("value", [-1, "-1", "x", "2.5", True, 1025, ""])
def test_parse_jobs_refuses_bad_values_naming_them(value: object) -> None:
    with pytest.raises(ConfigError) as info:
        parse_jobs(value, "-j/--jobs")
    assert str(info.value).startswith("-j/--jobs: expected a number of parallel jobs")
    assert repr(value) in str(info.value)


def test_jobs_precedence_flag_env_config(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["m"]\njobs = 3\n')
    settings = load_settings(tmp_path, env={})
    options = BuildOptions.resolve(settings, command="build", env={})
    assert (options.jobs, options.origins["jobs"]) == (3, str(tmp_path / "pyproject.toml"))
    env = {"PYVORIN_JOBS": "auto"}
    settings = load_settings(tmp_path, env=env)
    options = BuildOptions.resolve(settings, command="build", env=env)
    assert (options.jobs, options.origins["jobs"]) == (available_cores(), "env PYVORIN_JOBS")
    options = BuildOptions.resolve(settings, command="build", env=env, jobs="2")
    assert (options.jobs, options.origins["jobs"]) == (2, "flag")
    default = BuildOptions.resolve(load_settings(tmp_path / "none", env={}), command="build")
    assert default.jobs == 1  # the serial path unless asked


@pytest.mark.parametrize(
    ("args", "env", "config", "message"),
    [
        (["-j", "-3"], {}, "", "-j/--jobs: expected a number of parallel jobs"),
        (["--jobs", "many"], {}, "", "found 'many'"),
        ([], {"PYVORIN_JOBS": "lots"}, "", "environment variable PYVORIN_JOBS (for tool.pyvorin"),
        ([], {}, 'jobs = "all"\n', "tool.pyvorin.jobs: expected an integer >= 0 and <= 1024"),
        ([], {}, "jobs = -2\n", "found integer -2"),
    ],
)
def test_bad_jobs_values_exit_2_naming_the_flag_or_key(
    tmp_path: Path, args: list[str], env: dict[str, str], config: str, message: str
) -> None:
    root = _project(tmp_path / "p", ("alpha",))
    (root / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["alpha"]\n' + config)
    proc = run_cli("build", ".", "-o", "out", *args, cwd=root, env=env)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert not (root / "out").exists()


# -- -j 2 against -j 1 --------------------------------------------------------------------

# What differs between two builds of the same sources by design: when, which build and
# licence ticket, hence the signatures; what the sandbox measured (time, memory) and the
# per-run uid it ran the compiler under; the report's timings, hence its hash.
VOLATILE = {"created", "build_number", "signatures"}
MEASURED = {"cpu_seconds", "wall_seconds", "peak_memory_kb", "launcher_rss_kb", "uid"}


def _manifest(path: Path) -> dict:
    data = json.loads(path.read_text())
    for key in VOLATILE:
        data.pop(key)
    data["licence"].pop("ticket")
    data["verification"].pop("report_sha256")
    isolation = data["isolation"]
    uid = str(isolation["uid"])
    for layer in isolation["layers"]:  # the uid and the temporary build directory vary
        layer["detail"] = re.sub(r"/tmp/\S+", "<tmp>", layer["detail"].replace(uid, "<uid>"))
    data["isolation"] = {k: v for k, v in isolation.items() if k not in MEASURED}
    return data


def _report(path: Path) -> dict:
    data = json.loads(path.read_text())
    data.pop("created", None)
    assert data.pop("report") == f"{path.parent.name}/{path.name}"
    for entry in data["functions"]:
        for key in [k for k in entry if "seconds" in k or k.endswith("_ns") or k == "slowest"]:
            entry.pop(key)
    for key in [k for k in data if "seconds" in k or k in ("timing", "budget")]:
        data.pop(key)
    return data


def _stage_lines(stderr: str, module: str) -> list[str]:
    return [
        line.split(": ", 1)[1]
        for line in stderr.splitlines()
        if line.startswith(f"{module}: ") and line.split(": ", 1)[1] in STAGE_WORDS.values()
    ]


@pytest.mark.slow
def test_j2_builds_the_same_signed_artifacts_as_j1(
    tmp_path: Path, licensed_home_template: Path
) -> None:
    # one home with its signing key made, copied twice: the same key signs both builds,
    # and neither reuses the other's compile or verification
    seed_home = _fresh_home(licensed_home_template, tmp_path / "home")
    made = run_cli("keys", "generate", env={"PYVORIN_HOME": str(seed_home)})
    assert made.returncode == 0, made.stderr
    root = _project(tmp_path / "p")
    outs = {}
    for jobs in ("1", "2"):
        home = tmp_path / f"home{jobs}"
        shutil.copytree(seed_home, home, symlinks=True)
        proc = run_cli(
            "build", ".", "-o", f"out{jobs}", "-j", jobs, "--seed", "7",
            cwd=root, env={"PYVORIN_HOME": str(home)},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "reused" not in proc.stderr
        outs[jobs] = (root / f"out{jobs}", proc.stderr, home)

    serial, parallel = outs["1"][0], outs["2"][0]
    assert sorted(p.name for p in serial.iterdir()) == sorted(p.name for p in parallel.iterdir())
    for name in MODULES:
        (binary,) = serial.glob(f"{name}.pyvorin.*.so")
        assert binary.read_bytes() == (parallel / binary.name).read_bytes()
        assert (serial / f"{name}.py").read_bytes() == (parallel / f"{name}.py").read_bytes()
        assert _manifest(serial / f"{name}.pyvorin.json") == _manifest(
            parallel / f"{name}.pyvorin.json"
        )
        assert _report(serial / f"{name}.pyvorin-verify.json") == _report(
            parallel / f"{name}.pyvorin-verify.json"
        )
    home2 = {"PYVORIN_HOME": str(outs["2"][2])}
    # every artifact of the parallel build verifies and imports (the signature is checked)
    check = run_cli("signature", "verify", str(parallel), env=home2)
    assert check.returncode == 0, check.stdout + check.stderr
    code = "import alpha, gamma; print(alpha.alpha_step(4, 5), gamma.gamma_step(2, 2))"
    run = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ, PYTHONPATH=str(parallel), **home2),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split() == ["21", "7"], run.stderr

    stderr = outs["2"][1]
    assert "building 3 modules, 2 at a time" in stderr
    for name in MODULES:  # plain lines (stderr is a pipe), in order per module
        assert _stage_lines(stderr, name) == [
            "checking",
            "compiling",
            "verifying against CPython",
            "signing",
        ], stderr
    # the summary lists the modules in the configured order
    summary = [line.split(":")[0] for line in stderr.splitlines() if ": check ok" in line]
    assert summary == list(MODULES)
    # one audit log, its chain intact, with every module's stages (sent by the workers)
    audit = run_cli("audit", "verify", env=home2)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    shown = run_cli("audit", "show", "--format", "json", "--since", "1h", env=home2)
    assert shown.returncode == 0, shown.stderr
    outcomes = {
        (e["type"], e["details"]["module"])
        for e in json.loads(shown.stdout)
        if e["details"].get("outcome") == "ok" and "module" in e["details"]
    }
    for name in MODULES:
        assert {(stage, name) for stage in ("check", "compile", "verify", "sign")} <= outcomes


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_module_fails_j2_like_j1_and_writes_nothing(tmp_path: Path, jobs: str) -> None:
    root = _project(tmp_path / "p", ("alpha", "broken", "gamma"))
    (root / "broken.py").write_text(UNSUPPORTED)
    proc = run_cli("build", ".", "-o", "out", "-j", jobs, cwd=root)
    assert proc.returncode == 3, proc.stderr
    assert "broken: check failed" in proc.stderr
    assert "alpha: not written: another module failed" in proc.stderr
    assert "gamma: not written: another module failed" in proc.stderr
    assert not (root / "out").exists()


PAUSE_PLUGIN = """\
import os
import time
from pathlib import Path

from pyvorin.hookspecs import hookimpl


@hookimpl
def pyvorin_generate_inputs(ctx, module, function):
    marks = Path(os.environ["PAUSE_MARKS"])
    (marks / f"{module.name}.{os.getpid()}").write_text("")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.05)
    return []
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        status = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return status != "Z"


@pytest.mark.slow
def test_ctrl_c_stops_every_worker_and_leaves_the_output_as_it_was(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    first = run_cli("build", ".", "-o", "out", cwd=root)
    assert first.returncode == 0, first.stderr
    for name in MODULES:  # a changed module: a finished build would change out/
        (root / f"{name}.py").write_text(_source(name, 10))
    before = snapshot(root / "out")
    site, marks = tmp_path / "site", tmp_path / "marks"
    site.mkdir()
    marks.mkdir()
    install_fake_distribution(site, "pause-verify", "pause_verify", PAUSE_PLUGIN)
    env = dict(
        os.environ, PYTHONPATH=str(site), PYVORIN_PLUGINS="pause-verify", PAUSE_MARKS=str(marks)
    )
    log = tmp_path / "log.txt"
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyvorin", "build", ".", "-o", "out", "-j", "2"],
            cwd=root, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )  # fmt: skip
    deadline = time.monotonic() + 180
    while len(list(marks.iterdir())) < 2:  # two modules verifying, in two workers
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)
    time.sleep(0.2)
    workers = {int(p.name.rsplit(".", 1)[1]) for p in marks.iterdir()}
    assert len(workers) == 2 and proc.pid not in workers
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground job
    assert proc.wait(timeout=60) == 130, log.read_text()
    assert not [pid for pid in workers if _alive(pid)]
    assert snapshot(root / "out") == before
    assert _leftovers(root / "out") == []
    assert "gamma" not in {p.name.split(".")[0] for p in marks.iterdir()}  # never started


KILL_PLUGIN = """\
import os
import signal

from pyvorin.hookspecs import hookimpl


@hookimpl
def pyvorin_generate_inputs(ctx, module, function):
    if module.name == "beta":
        os.kill(os.getpid(), signal.SIGKILL)  # the worker dies outright, mid-verification
    return []
"""


@pytest.mark.slow
def test_a_worker_that_dies_fails_its_module_with_exit_1_and_nothing_written(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "p")
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "kill-beta", "kill_beta", KILL_PLUGIN)
    env = {"PYTHONPATH": str(site), "PYVORIN_PLUGINS": "kill-beta"}
    proc = run_cli("build", ".", "-o", "out", "-j", "2", cwd=root, env=env)
    assert proc.returncode == 1, proc.stderr
    assert re.search(
        r"beta: verify failed: the worker process building beta \(pid \d+\) ended without a "
        r"result during the verify stage \(killed by SIGKILL\)",
        proc.stderr,
    ), proc.stderr
    assert "alpha: not written: another module failed" in proc.stderr
    assert "gamma: not written: another module failed" in proc.stderr
    assert not (root / "out").exists()

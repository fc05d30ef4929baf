"""Atomic outputs, through the real CLI in subprocesses (docs/architecture.md, "Atomic outputs").

A test-only plugin (installed like any entry-point plugin and allowed with
``PYVORIN_PLUGINS``) stops a real ``pyvorin compile``/``pyvorin build`` at a chosen
point (in the compile stage, in the verify stage, just before the renames of the
commit), writes a mark file and waits; the test then signals the process and checks
that the output directory is byte-identical to what it was before the build.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pyvorin.outputs import JOURNAL_NAME, LOCK_NAME, STAGING_PREFIX
from tests.helpers import install_fake_distribution, run_cli

PLUGIN = """\
import os
import time
from pathlib import Path

from pyvorin.hookspecs import hookimpl

WHERE = os.environ.get("PAUSE_AT", "")


def _pause(point):
    if point != WHERE:
        return
    Path(os.environ["PAUSE_MARK"]).write_text(str(os.getpid()))
    go = Path(os.environ["PAUSE_GO"])
    deadline = time.monotonic() + 120
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


@hookimpl
def pyvorin_compile(ctx, module, backend, workdir):
    _pause("compile")
    return None  # the built-in backend compiles


@hookimpl
def pyvorin_generate_inputs(ctx, module, function):
    _pause("verify")
    return []


@hookimpl
def pyvorin_audit_event(event):
    if event.type != "build" or event.details.get("phase") != "commit":
        return
    _pause("commit")
    if WHERE == "raise":
        raise RuntimeError("a plugin failed just before the renames")
    if WHERE == "crash":  # die for real after N renames of the commit (power cut)
        real, count = os.replace, [0]

        def replace(src, dst):
            real(src, dst)
            if ".pyvorin-staging-" in str(src) and "commit" not in str(dst):  # a commit rename
                count[0] += 1
                if count[0] == int(os.environ["CRASH_AFTER"]):
                    os._exit(137)

        os.replace = replace
"""

V1 = '''\
def add(a: int, b: int) -> int:
    """
    >>> add(2, 3)
    5
    """
    return a + b
'''
V2 = V1.replace("return a + b", "return b + a + 0").replace("add(2, 3)\n    5", "add(2, 4)\n    6")
UNSUPPORTED = 'def nope() -> int:\n    return eval("1")\n'  # PV401, never compiled


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, licensed_home_template: Path) -> Path:
    """A project with one module built (v1) into out/ once for this file, with its home
    (licence, signing key) and the pause plugin installed in site/."""
    from pyvorin_server.local import copy_licence_state

    base = tmp_path_factory.mktemp("atomic")
    copy_licence_state(licensed_home_template, base / "home")
    root = base / "p"
    root.mkdir()
    (root / "mod.py").write_text(V1)
    (root / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["mod"]\n')
    site = base / "site"
    site.mkdir()
    install_fake_distribution(site, "pause-at", "pause_at", PLUGIN)
    first = run_cli("build", ".", "-o", "out", cwd=root, env={"PYVORIN_HOME": str(base / "home")})
    assert first.returncode == 0, first.stderr
    return base


@pytest.fixture
def project(built: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built project, its module changed to v2 (so a build changes out/)."""
    for name in ("p", "site", "home"):  # home: the key that signed out/, its builds seen
        shutil.copytree(built / name, tmp_path / name, symlinks=True)
    monkeypatch.setenv("PYVORIN_HOME", str(tmp_path / "home"))
    root = tmp_path / "p"
    (root / "mod.py").write_text(V2)
    return root


def _env(project: Path, where: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=str(project.parent / "site"),
        PYVORIN_PLUGINS="pause-at",
        PAUSE_AT=where,
        PAUSE_MARK=str(project.parent / f"mark-{where}"),
        PAUSE_GO=str(project.parent / f"go-{where}"),
        **extra,
    )
    return env


def snapshot(directory: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every entry under ``directory``: its mode and, for files, its bytes."""
    if not directory.exists():
        return {}
    entries = {}
    for path in sorted(directory.rglob("*")):
        mode = path.lstat().st_mode
        entries[path.relative_to(directory).as_posix()] = (
            mode,
            path.read_bytes() if path.is_file() else None,
        )
    return entries


def _start(project: Path, command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    args = ["compile", "mod.py"] if command == "compile" else ["build", "."]
    handle = log.open("w")
    return subprocess.Popen(
        [sys.executable, "-m", "pyvorin", *args, "-o", "out"],
        cwd=project,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def _wait_for(path: Path, proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended (exit {proc.returncode}) before {path.name}:\n"
                        + log.read_text()[-3000:])  # fmt: skip
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{path.name} never appeared:\n" + log.read_text()[-3000:])
        time.sleep(0.05)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith((STAGING_PREFIX, LOCK_NAME)))


CASES = [
    ("compile", signal.SIGINT, "compile"),
    ("build", signal.SIGTERM, "compile"),
    ("compile", signal.SIGTERM, "verify"),
    ("build", signal.SIGINT, "verify"),
    ("compile", signal.SIGINT, "commit"),
    ("build", signal.SIGTERM, "commit"),
    ("build", signal.SIGHUP, "verify"),  # a closed terminal: raised like SIGTERM
    ("compile", signal.SIGHUP, "commit"),  # held during the commit, acted on after it
]


@pytest.mark.parametrize(("command", "signum", "where"), CASES)
def test_an_interrupted_build_leaves_the_output_exactly_as_it_was(
    project: Path, command: str, signum: int, where: str
) -> None:
    out = project / "out"
    before = snapshot(out)
    assert "mod.pyvorin.json" in before
    env = _env(project, where)
    log = project.parent / "log.txt"
    proc = _start(project, command, env, log)
    _wait_for(Path(env["PAUSE_MARK"]), proc, log)
    staged = [p.relative_to(out).as_posix() for p in out.glob(STAGING_PREFIX + "*/*")]
    if where != "compile":  # the new binary is staged, never in out/ itself
        assert any(".pyvorin.cpython" in name or ".so" in name for name in staged), staged
        assert snapshot(out)["mod.pyvorin.json"] == before["mod.pyvorin.json"]
    if where == "commit":  # signed, not yet moved
        assert any(name.endswith("mod.pyvorin.json") for name in staged), staged
    os.kill(proc.pid, signum)
    code = proc.wait(timeout=120)
    output = log.read_text()
    assert code == 128 + signum, output
    assert f"interrupted by {signal.Signals(signum).name}" in output or (
        signum == signal.SIGINT and "pyvorin: interrupted" in output
    ), output
    assert snapshot(out) == before, output
    assert _leftovers(out) == []


def test_ctrl_c_to_the_whole_process_group_leaves_the_output_as_it_was(project: Path) -> None:
    """A terminal's Ctrl-C reaches every process of the job (workers included)."""
    out = project / "out"
    before = snapshot(out)
    env = _env(project, "verify")
    log = project.parent / "log.txt"
    proc = _start(project, "build", env, log)
    _wait_for(Path(env["PAUSE_MARK"]), proc, log)
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=120) == 130, log.read_text()
    assert snapshot(out) == before
    assert _leftovers(out) == []


def test_a_failing_stage_leaves_nothing(project: Path) -> None:
    """Two modules: the changed one compiles, the other is unsupported: exit 3 and out/
    is unchanged (the passing module's new artifacts are not half-committed either)."""
    (project / "other.py").write_text(UNSUPPORTED)
    (project / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["mod", "other"]\n')
    out = project / "out"
    before = snapshot(out)
    proc = run_cli("build", ".", "-o", "out", cwd=project)
    assert proc.returncode == 3, proc.stderr
    assert "mod: not written: another module failed" in proc.stderr
    assert snapshot(out) == before
    assert _leftovers(out) == []


def test_an_exception_just_before_the_renames_leaves_nothing(project: Path) -> None:
    out = project / "out"
    before = snapshot(out)
    proc = run_cli("compile", "mod.py", "-o", "out", cwd=project, env=_env(project, "raise"))
    assert proc.returncode == 1, proc.stderr
    assert "a plugin failed just before the renames" in proc.stderr
    assert snapshot(out) == before
    assert _leftovers(out) == []


def test_a_failed_first_build_does_not_create_the_output_directory(project: Path) -> None:
    (project / "mod.py").write_text(UNSUPPORTED)
    proc = run_cli("compile", "mod.py", "-o", "fresh/nested/out", cwd=project)
    assert proc.returncode == 3, proc.stderr
    assert not (project / "fresh").exists()


def _import_add(out: Path, project: Path) -> subprocess.CompletedProcess:
    code = (
        "try:\n    import mod\nexcept ImportError as exc:\n    print('refused:', exc)\n"
        "else:\n    print(mod.add(2, 4), mod.__file__)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.parent,
        env=dict(os.environ, PYTHONPATH=str(out)),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_a_crash_during_the_renames_fails_closed_and_the_next_build_finishes_them(
    project: Path,
) -> None:
    out = project / "out"
    before = snapshot(out)
    # killed for real after two renames (the report, then the binary): the manifest is old
    proc = run_cli(
        "compile", "mod.py", "-o", "out", cwd=project, env=_env(project, "crash", CRASH_AFTER="2")
    )
    assert proc.returncode == 137, proc.stderr
    after = snapshot(out)
    changed = sorted(n for n in before if after.get(n) != before[n])
    assert changed == ["mod.pyvorin-verify.json", next(n for n in before if ".cpython" in n)]
    journals = list(out.glob(STAGING_PREFIX + "*/" + JOURNAL_NAME))
    assert len(journals) == 1
    # the half-renamed module never loads: the old manifest does not cover the new binary
    verify = run_cli("signature", "verify", "out", cwd=project)
    assert verify.returncode == 5, verify.stdout + verify.stderr
    imported = _import_add(out, project)
    assert imported.stdout.startswith("refused: "), imported.stdout + imported.stderr
    assert "the manifest says" in imported.stdout

    # the next build finishes the renames first, even though it fails itself
    (project / "mod.py").write_text(UNSUPPORTED)
    failing = run_cli("compile", "mod.py", "-o", "out", cwd=project)
    assert failing.returncode == 3, failing.stderr
    assert "finished the commit of an interrupted build: 2 file(s)" in failing.stderr
    assert _leftovers(out) == []
    verify = run_cli("signature", "verify", "out", cwd=project)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    imported = _import_add(out, project)
    assert imported.returncode == 0, imported.stderr
    from pyvorin.artifacts import binary_path

    assert imported.stdout.split() == ["6", str(binary_path(out, "mod"))]  # v2, compiled


@pytest.mark.slow
def test_a_killed_build_leaves_a_staging_directory_the_next_build_removes(project: Path) -> None:
    out = project / "out"
    before = snapshot(out)
    env = _env(project, "verify")
    log = project.parent / "log.txt"
    proc = _start(project, "compile", env, log)
    _wait_for(Path(env["PAUSE_MARK"]), proc, log)
    os.kill(proc.pid, signal.SIGKILL)  # no cleanup can run
    proc.wait(timeout=60)
    assert [p.name for p in out.glob(STAGING_PREFIX + "*")], "a SIGKILL leaves the staging dir"
    untouched = {
        k: v for k, v in snapshot(out).items() if not k.startswith((STAGING_PREFIX, LOCK_NAME))
    }
    assert untouched == before  # and nothing else
    # the leftover (an unsigned binary in a directory no import can name) is not output
    verify = run_cli("signature", "verify", "out", cwd=project)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "1 verified, 0 failed" in verify.stdout
    again = run_cli("compile", "mod.py", "-o", "out", cwd=project)
    assert again.returncode == 0, again.stderr
    assert "removed the staging directory of a build that died" in again.stderr
    assert _leftovers(out) == []


@pytest.mark.slow
def test_a_second_build_waits_for_the_first_and_both_succeed(project: Path) -> None:
    out = project / "out"
    env = _env(project, "verify")
    log_a, log_b = project.parent / "a.txt", project.parent / "b.txt"
    first = _start(project, "compile", env, log_a)
    _wait_for(Path(env["PAUSE_MARK"]), first, log_a)
    second = _start(project, "build", dict(env, PAUSE_AT=""), log_b)
    deadline = time.monotonic() + 60
    while "is locked by another build" not in log_b.read_text():
        assert second.poll() is None, log_b.read_text()
        assert time.monotonic() < deadline, log_b.read_text()
        time.sleep(0.05)
    assert f"(pid {first.pid})" in log_b.read_text()
    Path(env["PAUSE_GO"]).touch()
    assert first.wait(timeout=180) == 0, log_a.read_text()
    assert second.wait(timeout=180) == 0, log_b.read_text()
    verify = run_cli("signature", "verify", "out", cwd=project)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert _leftovers(out) == []


def test_a_second_build_refuses_with_exit_8_when_told_not_to_wait(project: Path) -> None:
    out = project / "out"
    before = snapshot(out)
    env = _env(project, "compile")
    log = project.parent / "a.txt"
    first = _start(project, "compile", env, log)
    _wait_for(Path(env["PAUSE_MARK"]), first, log)
    try:
        refused = run_cli("compile", "mod.py", "-o", "out", "--lock-timeout", "0", cwd=project)
        assert refused.returncode == 8, refused.stderr
        assert f"is locked by another build (pid {first.pid}; lock file " in refused.stderr
        assert str(out / LOCK_NAME) in refused.stderr
        by_env = run_cli(
            "build", ".", "-o", "out", cwd=project, env={"PYVORIN_LOCK_TIMEOUT": "0.3"}
        )
        assert by_env.returncode == 8, by_env.stderr
        assert "gave up after 0.3 s" in by_env.stderr
        bad = run_cli("build", ".", "-o", "out", cwd=project, env={"PYVORIN_LOCK_TIMEOUT": "soon"})
        assert bad.returncode == 2
        assert "PYVORIN_LOCK_TIMEOUT: expected a number of seconds >= 0, found 'soon'" in (
            bad.stderr
        )
    finally:
        first.send_signal(signal.SIGINT)
        first.wait(timeout=120)
    assert snapshot(out) == before

"""The worker contract: compilers and Python run inside; results, reports, config, CLI."""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from pyvorin.audit import AuditLog
from pyvorin.config import load_settings
from pyvorin.errors import ConfigError
from pyvorin.sandbox import LAYERS, SandboxPolicy, run_command, run_python
from tests.helpers import run_cli

EXTENSION = r"""
#include <Python.h>
static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }
static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "tiny", NULL, -1, methods};
PyMODINIT_FUNC PyInit_tiny(void) { return PyModule_Create(&module); }
"""


def test_gcc_builds_an_extension_inside_and_python_imports_it_inside(workdir):
    gcc = shutil.which("gcc")
    assert gcc, "the compile stage needs gcc; this machine has none"
    (workdir / "tiny.c").write_text(EXTENSION)
    target = "tiny" + sysconfig.get_config_var("EXT_SUFFIX")
    include = sysconfig.get_paths()["include"]
    policy = SandboxPolicy(cpu_seconds=30, memory_mb=1024, wall_seconds=60)
    built = run_command(
        [gcc, "-shared", "-fPIC", "-O1", f"-I{include}", "tiny.c", "-o", target],
        workdir=workdir,
        policy=policy,
        purpose="compilation of tiny",
    )
    assert built.returncode == 0, built.stderr.decode()
    assert built.report.exit_reason == "exited"
    assert (workdir / target).is_file()
    # ownership goes back to the caller after the run
    assert (workdir / target).stat().st_uid == os.geteuid()
    used = run_python(
        ["-c", "import tiny, pyvorin, os; print(tiny.answer(), os.getcwd())"],
        workdir=workdir,
        policy=policy,
        purpose="verification of tiny:answer",
    )
    assert used.stdout.decode().split() == ["42", str(workdir.resolve())]
    assert used.returncode == 0


def test_a_plain_nonzero_exit_is_returned_not_raised(workdir, policy):
    result = run_python(["-c", "import sys; print('out'); print('err', file=sys.stderr); "
                         "sys.exit(5)"], workdir=workdir, policy=policy, purpose="t")  # fmt: skip
    assert (result.returncode, result.stdout, result.stderr) == (5, b"out\n", b"err\n")
    assert result.report.exit_reason == "exited"
    crashed = run_python(["-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"],
                         workdir=workdir, policy=policy, purpose="t")  # fmt: skip
    assert crashed.returncode == -11 and crashed.report.signal == "SIGSEGV"
    assert crashed.report.exit_reason == "signaled"


def test_an_uncaught_python_error_is_not_mistaken_for_a_limit(workdir, policy):
    result = run_python(["-c", "raise ValueError('nope')"], workdir=workdir, policy=policy,
                        purpose="t")  # fmt: skip
    assert result.returncode == 1 and b"ValueError: nope" in result.stderr
    assert result.report.exit_reason == "exited"


def test_stdin_is_fed_and_a_missing_command_is_reported(workdir, policy):
    data = b"line\n" * 50000  # larger than a pipe buffer
    result = run_python(["-c", "import sys; d = sys.stdin.buffer.read(); print(len(d))"],
                        workdir=workdir, policy=policy, purpose="t", stdin=data)  # fmt: skip
    assert result.stdout == f"{len(data)}\n".encode()
    missing = run_command(["no-such-compiler-xyz"], workdir=workdir, policy=policy, purpose="t")
    assert missing.returncode == 127
    assert b"no-such-compiler-xyz" in missing.stderr


def test_every_run_is_audited_with_its_isolation_report(workdir, policy):
    result = run_python(["-c", "pass"], workdir=workdir, policy=policy,
                        purpose="verification of pkg.mod:f")  # fmt: skip
    records = AuditLog().show(("sandbox",), None, None)
    assert len(records) == 1
    details = records[0]["details"]
    assert details["purpose"] == "verification of pkg.mod:f"
    assert [layer["name"] for layer in details["layers"]] == list(LAYERS)
    assert details["limits"]["memory_mb"] == 256
    assert details["exit_reason"] == "exited" and details["returncode"] == 0
    assert details["wall_seconds"] > 0 and details["peak_memory_kb"] > 0
    assert details == json.loads(json.dumps(result.report.to_dict() | {"argv0": sys.executable}))
    assert AuditLog().verify().ok
    seen = []
    run_python(["-c", "pass"], workdir=workdir, policy=policy, purpose="t",
               audit=lambda report, argv: seen.append(report))  # fmt: skip
    assert len(seen) == 1 and len(AuditLog().show(("sandbox",), None, None)) == 1


def test_policy_from_settings_and_the_override(tmp_path, pyvorin_home):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pyvorin.sandbox]\ncpu-seconds = 5\nmemory-mb = 512\nwall-seconds = 9\n"
        "max-processes = 8\nmax-open-files = 100\nmax-file-mb = 3\nrequire-isolation = true\n"
    )
    # widening what workers read is the user's setting (paths relative to the project)
    (pyvorin_home / "config.toml").write_text('[sandbox]\nreadable-paths = ["data"]\n')
    settings = load_settings(tmp_path)
    policy = SandboxPolicy.from_settings(settings)
    assert policy.limits() == {"cpu_seconds": 5, "memory_mb": 512, "wall_seconds": 9,
                               "max_processes": 8, "max_open_files": 100, "max_file_mb": 3,
                               "max_output_mb": 64}  # fmt: skip
    assert policy.require_isolation is True
    assert policy.read_only_paths == (str((tmp_path / "data").resolve()),)
    assert SandboxPolicy.from_settings(settings, require_isolation=False).require_isolation is False
    defaults = SandboxPolicy.from_settings(load_settings(tmp_path / "nowhere"))
    assert (defaults.cpu_seconds, defaults.memory_mb, defaults.require_isolation) == (
        60,
        2048,
        False,
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("max-processes = 0", "tool.pyvorin.sandbox.max-processes: expected an integer >= 1"),
        ("wall-seconds = 'x'", "tool.pyvorin.sandbox.wall-seconds: expected an integer"),
        ("max-open-files = 4", "tool.pyvorin.sandbox.max-open-files: expected an integer >= 16"),
    ],
)
def test_bad_sandbox_settings_name_the_key(tmp_path, body, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.pyvorin.sandbox]\n{body}\n")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_settings(tmp_path)


def test_bad_policies_and_workdirs_are_usage_errors(tmp_path):
    with pytest.raises(ConfigError, match="cpu_seconds must be a positive integer"):
        SandboxPolicy(cpu_seconds=0)
    with pytest.raises(ConfigError, match="unknown layer"):
        SandboxPolicy(disable=frozenset({"selinux"}))
    with pytest.raises(ConfigError, match="does not exist"):
        run_command(["true"], workdir=tmp_path / "missing", policy=SandboxPolicy(), purpose="t")


def test_cli_run_passes_the_exit_code_and_names_a_limit(tmp_path):
    ok = run_cli("sandbox", "run", "--", "/bin/sh", "-c", "echo hello; exit 3", cwd=tmp_path)
    assert (ok.returncode, ok.stdout) == (3, "hello\n")
    (tmp_path / "pyproject.toml").write_text("[tool.pyvorin.sandbox]\ncpu-seconds = 1\n")
    spin = run_cli("sandbox", "run", "--", "/bin/sh", "-c", "while :; do :; done", cwd=tmp_path)
    assert spin.returncode == 7
    assert spin.stderr.strip() == (
        "pyvorin: error: sandboxed command '/bin/sh' exceeded the CPU time limit (1 s)"
    )
    assert "Traceback" not in spin.stderr
    report = run_cli("sandbox", "run", "--report", "--", "/bin/true", cwd=tmp_path)
    assert report.returncode == 0
    assert json.loads(report.stderr)["exit_reason"] == "exited"


def test_workdir_contents_written_by_the_caller_are_usable_inside(workdir, policy):
    (workdir / "input.txt").write_text("data")
    (workdir / "sub").mkdir()
    code = "open('sub/out.txt', 'w').write(open('input.txt').read().upper())"
    result = run_python(["-c", code], workdir=workdir, policy=policy, purpose="t")
    assert result.returncode == 0, result.stderr
    assert (workdir / "sub" / "out.txt").read_text() == "DATA"
    assert Path(workdir / "sub").stat().st_uid == os.geteuid()


@pytest.mark.skipif(os.geteuid() != 0, reason="the per-run uid is given to root callers only")
def test_a_readable_ancestor_behind_a_private_directory_does_not_hide_the_workdir(tmp_path):
    # A caller's script directory (here: readable-paths) above its 0700 temporary
    # directory: binding it would leave the worker's uid unable to reach the workdir
    # (seen with a script in /tmp compiling into a tempfile.TemporaryDirectory).
    shared = tmp_path / "shared"
    private = shared / "private"
    private.mkdir(parents=True)
    shared.chmod(0o755)
    private.chmod(0o700)
    (shared / "visible.txt").write_text("v")
    work = private / "work"
    work.mkdir()
    policy = SandboxPolicy(read_only_paths=(str(shared),))
    code = "open('out.txt', 'w').write('ok')"
    result = run_python(["-c", code], workdir=work, policy=policy, purpose="t")
    assert result.returncode == 0, result.stderr
    assert (work / "out.txt").read_text() == "ok"
    # a readable path that does not lead through a private directory stays readable
    other = tmp_path / "other"
    other.mkdir()
    other.chmod(0o755)
    (other / "data.txt").write_text("d")
    policy = SandboxPolicy(read_only_paths=(str(other),))
    code = f"print(open({str(other / 'data.txt')!r}).read())"
    result = run_python(["-c", code], workdir=work, policy=policy, purpose="t")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == "d"

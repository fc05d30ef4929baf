"""The adapters' final wheel check and their project lock (docs/adapters/*, "Concurrent
builds"): :func:`pyvorin.build_api.verify_artifacts` with the configured modules refuses
a wheel that lost a module, ships its source instead of the stub, or carries a compiled
binary no manifest covers; two concurrent ``python -m build`` runs in one project
directory both produce a correct wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pyvorin import build_api
from pyvorin.artifacts import BINARY_SUFFIX
from pyvorin.errors import SignatureError
from pyvorin.exitcodes import ExitCode
from pyvorin.model import ModuleSpec

from .conftest import copy_example, require_tools, the_wheel, tool_env, wheel_names

MODULE = '''\
def twice(n: int) -> int:
    """
    >>> twice(4)
    8
    """
    return n * 2
'''


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, licensed_home_template: Path):
    """Two compiled modules of one package, built once through build_project."""
    import os

    from pyvorin_server.local import copy_licence_state

    base = tmp_path_factory.mktemp("wheelcheck")
    home = base / "home"
    copy_licence_state(licensed_home_template, home)
    project = base / "p"
    (project / "pkg").mkdir(parents=True)
    (project / "pkg" / "__init__.py").write_text("")
    (project / "pkg" / "a.py").write_text(MODULE)
    (project / "pkg" / "b.py").write_text(MODULE.replace("n * 2", "n + n"))
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1"\n[tool.pyvorin]\nmodules = ["pkg.a", "pkg.b"]\n'
    )
    saved = os.environ.get("PYVORIN_HOME")
    os.environ["PYVORIN_HOME"] = str(home)
    try:
        wheel = build_api.build_project(project, base / "out", actor="test")
    finally:
        if saved is None:
            os.environ.pop("PYVORIN_HOME", None)
        else:
            os.environ["PYVORIN_HOME"] = saved
    return home, project, wheel


def _zip(path: Path, files: dict[str, Path | bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("p-1.dist-info/METADATA", "Metadata-Version: 2.1\nName: p\nVersion: 1\n")
        for arcname, content in sorted(files.items()):
            data = content if isinstance(content, bytes) else Path(content).read_bytes()
            archive.writestr(arcname, data)
    return path


@pytest.fixture
def wheel_files(built, monkeypatch):
    home, project, wheel = built
    monkeypatch.setenv("PYVORIN_HOME", str(home))
    files: dict[str, Path | bytes] = dict(wheel.files)
    files["pkg/__init__.py"] = b""
    return files, wheel.modules, project


def test_a_complete_wheel_passes(wheel_files, tmp_path):
    files, modules, _ = wheel_files
    build_api.verify_artifacts(_zip(tmp_path / "p-1-py3-none-any.whl", files), modules)


def test_a_wheel_without_a_configured_module_is_refused(wheel_files, tmp_path):
    files, modules, _ = wheel_files
    kept = {name: data for name, data in files.items() if not name.startswith("pkg/b.")}
    wheel = _zip(tmp_path / "p.whl", kept)
    with pytest.raises(SignatureError) as info:
        build_api.verify_artifacts(wheel, modules)
    message = str(info.value)
    assert info.value.exit_code == ExitCode.SIGNATURE
    assert message.startswith(f"{wheel}: incomplete or does not verify:")
    for arcname, what in (
        ("pkg/b" + BINARY_SUFFIX, "compiled binary"),
        ("pkg/b.py", "loader stub"),
        ("pkg/b.pyvorin.json", "signed manifest"),
    ):
        assert (
            f"{wheel}!{arcname}: missing: the {what} of the configured module pkg.b is not "
            "there, so it would not be shipped compiled"
        ) in message
    assert "pkg.a" not in message


def test_the_946_byte_wheel_with_no_package_files_is_refused(wheel_files, tmp_path):
    """What two concurrent builds once produced: metadata only, and both said success."""
    _, modules, _ = wheel_files
    wheel = _zip(tmp_path / "p.whl", {})
    with pytest.raises(SignatureError) as info:
        build_api.verify_artifacts(wheel, modules)
    assert "no Pyvorin-compiled artifact found" in str(info.value)
    assert str(info.value).count(": missing: the ") == 6  # 3 files x 2 modules


def test_a_wheel_shipping_the_source_in_place_of_the_stub_is_refused(wheel_files, tmp_path):
    files, modules, project = wheel_files
    files = dict(files, **{"pkg/a.py": (project / "pkg" / "a.py").read_bytes()})
    with pytest.raises(SignatureError) as info:
        build_api.verify_artifacts(_zip(tmp_path / "p.whl", files), modules)
    assert "pkg/a.pyvorin.json" in str(info.value)
    assert "loader" in str(info.value)


def test_a_wheel_with_an_uncovered_binary_is_refused(wheel_files, tmp_path):
    files, modules, _ = wheel_files
    files = dict(files, **{"pkg/c" + BINARY_SUFFIX: files["pkg/a" + BINARY_SUFFIX]})
    wheel = _zip(tmp_path / "p.whl", files)
    with pytest.raises(SignatureError) as info:
        build_api.verify_artifacts(wheel, modules)
    assert f"{wheel}!pkg/c{BINARY_SUFFIX}: compiled binary without a manifest" in str(info.value)


def test_a_directory_is_checked_the_same_way(wheel_files, tmp_path):
    files, modules, _ = wheel_files
    for arcname, content in files.items():
        if arcname.startswith("pkg/a."):
            continue
        target = tmp_path / arcname
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else Path(content).read_bytes())
    with pytest.raises(SignatureError) as info:
        build_api.verify_artifacts(tmp_path, modules)
    assert f"{tmp_path}/pkg/a.pyvorin.json: missing: the signed manifest" in str(info.value)


# -- two concurrent builds in one project directory ---------------------------------------
def _start(command: list[str], project: Path, home: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=project,
        env=tool_env(home),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "flags"),
    [("setuptools", []), ("setuptools", ["--wheel"]), ("hatch", ["--wheel"])],
    ids=["setuptools-sdist-then-wheel", "setuptools-wheel", "hatch-wheel"],
)
def test_two_concurrent_builds_in_one_directory_both_produce_a_correct_wheel(
    backend, flags, tmp_path, session_home, monkeypatch
):
    require_tools()
    project = copy_example(tmp_path, backend)
    command = [sys.executable, "-m", "build", "--no-isolation", *flags, "."]
    logs = [tmp_path / "first.txt", tmp_path / "second.txt"]
    procs = [_start(command, project, session_home, log) for log in logs]
    codes = [proc.wait(timeout=1200) for proc in procs]
    outputs = [log.read_text() for log in logs]
    assert codes == [0, 0], "\n-----\n".join(o[-3000:] for o in outputs)
    if flags:  # both build in the project directory: one waited for the other's wheel
        assert f"the project {project.resolve()} is locked by another build (pid " in (
            "\n".join(outputs)
        )
    for output in outputs:
        assert "packaged 1 compiled module(s) into numkit-0.1.0-" in output, output[-3000:]
        assert "(checked: each one compiled, its manifest verifying)" in output
    wheel = the_wheel(project)
    names = wheel_names(wheel)
    assert {"numkit/kernels" + BINARY_SUFFIX, "numkit/kernels.pyvorin.json"} <= names
    assert "numkit/kernels.py" in names and "numkit/__init__.py" in names
    monkeypatch.setenv("PYVORIN_HOME", str(session_home))
    module = ModuleSpec("numkit.kernels", project / "src" / "numkit" / "kernels.py")
    build_api.verify_artifacts(wheel, [module])

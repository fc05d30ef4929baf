"""pyvorin-setuptools through the real host tools: ``python -m build``, ``pip install``."""

from __future__ import annotations

import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from pyvorin.artifacts import BINARY_SUFFIX, EXT_SUFFIX, MANIFEST_SUFFIX

from .conftest import (
    EXAMPLE,
    build_setuptools,
    copy_example,
    require_tools,
    run,
    the_wheel,
    tool_env,
    wheel_names,
)

SOURCE = (EXAMPLE / "src" / "numkit" / "kernels.py").read_text()


def use_wrapper_backend(project: Path) -> None:
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'build-backend = "setuptools.build_meta"',
            'build-backend = "pyvorin_setuptools.build_meta"',
        )
    )


# -- configuration translation (no build) ---------------------------------------------
def test_plugin_only_opts_in_projects_that_ask_for_it():
    from pyvorin_setuptools.plugin import opted_in

    asked = {
        "build-system": {"requires": ["setuptools>=70.1", "pyvorin-setuptools>=0.1"]},
        "tool": {"pyvorin": {"modules": ["m"]}},
    }
    assert opted_in(asked)
    assert opted_in(
        {
            "build-system": {"build-backend": "pyvorin_setuptools.build_meta"},
            "tool": {"pyvorin": {}},
        }
    )
    assert opted_in({**asked, "build-system": {"requires": ["Pyvorin_Setuptools"]}})
    # [tool.pyvorin] alone (e.g. for pytest --pyvorin) does not change a build.
    assert not opted_in({"build-system": {"requires": ["setuptools"]}, "tool": asked["tool"]})
    assert not opted_in({"build-system": asked["build-system"]})
    assert not opted_in({**asked, "build-system": {"requires": ["pyvorin-setuptools-extra"]}})


def test_backend_splits_pyvorin_config_settings_from_setuptools_ones():
    from pyvorin_setuptools.build_meta import split_settings

    ours, rest = split_settings({"pyvorin-include-source": "true", "--build-option": "-q"})
    assert ours == {"pyvorin-include-source": "true"}
    assert rest == {"--build-option": "-q"}
    assert split_settings(None) == ({}, None)
    with pytest.raises(SystemExit) as info:
        split_settings({"pyvorin-include-sources": "true"})
    assert info.value.code == 2


def test_backend_exposes_every_pep517_and_pep660_hook():
    from pyvorin_setuptools import build_meta

    for hook in (
        "build_wheel",
        "build_sdist",
        "build_editable",
        "get_requires_for_build_wheel",
        "get_requires_for_build_sdist",
        "get_requires_for_build_editable",
        "prepare_metadata_for_build_wheel",
        "prepare_metadata_for_build_editable",
    ):
        assert callable(getattr(build_meta, hook)), hook


# -- real builds ------------------------------------------------------------------------
@pytest.mark.slow
def test_a_project_that_did_not_opt_in_builds_a_pure_wheel_untouched(tmp_path, session_home):
    require_tools()
    project = tmp_path / "plain"
    (project / "plain").mkdir(parents=True)
    (project / "plain" / "__init__.py").write_text("def f() -> int:\n    return 1\n")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=70.1"]\n'
        'build-backend = "setuptools.build_meta"\n'
        '[project]\nname = "plain"\nversion = "1.0"\n'
        '[tool.setuptools]\npackages = ["plain"]\n'
    )
    built = build_setuptools(project, session_home)
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = the_wheel(project)
    assert wheel.name.endswith("-py3-none-any.whl")
    assert "pyvorin:" not in built.stderr


@pytest.mark.slow
def test_missing_runtime_dependency_fails_the_build_with_the_fix(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('dependencies = ["pyvorin-runtime"]', ""))
    built = build_setuptools(project, session_home)
    assert built.returncode != 0
    assert "[project] dependencies must include 'pyvorin-runtime'" in built.stderr
    assert not list((project / "dist").glob("*.whl")) if (project / "dist").exists() else True


@pytest.mark.slow
def test_unknown_config_setting_is_refused_by_name(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path)
    use_wrapper_backend(project)
    built = build_setuptools(project, session_home, "-C", "pyvorin-bogus=1")
    assert built.returncode != 0
    assert "config setting 'pyvorin-bogus' is not known" in built.stderr


@pytest.mark.slow
def test_sdist_carries_the_sources(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path)
    built = run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "."],
        project,
        tool_env(session_home),
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (sdist,) = (project / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if "/" in m.name}
        assert "pyproject.toml" in members
        source = archive.extractfile(members["src/numkit/kernels.py"]).read().decode()
    assert source == SOURCE
    assert not any(name.endswith(BINARY_SUFFIX) for name in members)


@pytest.mark.slow
def test_include_source_option_ships_the_source_beside_the_stub(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path)
    use_wrapper_backend(project)
    built = build_setuptools(project, session_home, "-C", "pyvorin-include-source=true")
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = the_wheel(project)
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("numkit/kernels.py.src").decode() == SOURCE
        assert archive.read("numkit/kernels.py").decode() != SOURCE


@pytest.mark.slow
def test_editable_install_keeps_the_source_and_says_so(tmp_path, session_home):
    require_tools()
    from .installed import assert_editable_keeps_source

    project = copy_example(tmp_path)
    assert_editable_keeps_source(project, session_home, tmp_path)


@pytest.mark.slow
def test_default_build_makes_the_wheel_from_the_sdist_with_compiled_modules(tmp_path, session_home):
    """``python -m build`` builds the sdist, then the wheel from the unpacked sdist."""
    require_tools()
    project = copy_example(tmp_path)
    command = [sys.executable, "-m", "build", "--no-isolation", "."]
    built = run(command, project, tool_env(session_home))
    assert built.returncode == 0, built.stderr[-3000:]
    assert len(list((project / "dist").glob("*.tar.gz"))) == 1
    names = wheel_names(the_wheel(project))
    assert "numkit/kernels" + BINARY_SUFFIX in names
    assert "numkit/kernels" + MANIFEST_SUFFIX in names
    # the licence gate's HTTP calls do not leak library log lines into the build output
    assert "HTTP Request" not in built.stdout + built.stderr


@pytest.mark.slow
def test_a_stale_extension_beside_a_compiled_module_fails_the_build(tmp_path, session_home):
    # an earlier in-place build left kernels<EXT_SUFFIX> in the source tree; copied into
    # the wheel beside the stub, Python would import it instead of the stub
    require_tools()
    project = copy_example(tmp_path)
    stale = project / "src" / "numkit" / ("kernels" + EXT_SUFFIX)
    stale.write_bytes(b"\x7fELF stale in-place build")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.setuptools.package-data]\nnumkit = ["*.so"]\n'
    )
    built = build_setuptools(project, session_home)
    assert built.returncode != 0
    assert f"kernels{EXT_SUFFIX}: unsigned extension module would be imported instead" in (
        built.stderr
    ), built.stderr[-3000:]
    assert "pyvorin: exit code 5" in built.stderr
    assert not list((project / "dist").glob("*.whl")) if (project / "dist").exists() else True


@pytest.mark.slow
def test_parallel_modules_show_their_progress_lines_through_pip_v(tmp_path, session_home):
    """``PYVORIN_JOBS=2``: two modules built at once inside ``pip wheel -v``; their plain
    progress lines reach pip's output whole, each module's in stage order."""
    require_tools()
    project = copy_example(tmp_path)
    (project / "src" / "numkit" / "tiny.py").write_text(
        "def triple(x: int) -> int:\n    return 3 * x\n"
    )
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'modules = ["numkit.kernels"]', 'modules = ["numkit.kernels", "numkit.tiny"]'
        )
    )
    command = [sys.executable, "-m", "pip", "wheel", "-v", "--no-build-isolation", "--no-deps"]
    built = run([*command, "-w", "dist", "."], project, tool_env(session_home, PYVORIN_JOBS="2"))
    assert built.returncode == 0, built.stderr[-3000:]
    lines = [line.strip() for line in (built.stdout + built.stderr).splitlines()]
    assert "pyvorin: building 2 modules, 2 at a time" in lines
    for module in ("numkit.kernels", "numkit.tiny"):
        stages = [
            line.rsplit(": ", 1)[1]
            for line in lines
            if line.startswith(f"pyvorin: {module}: ") and line.count(": ") == 2
        ]
        assert stages == ["checking", "compiling", "verifying against CPython", "signing"], lines
    names = wheel_names(the_wheel(project))
    for base in ("numkit/kernels", "numkit/tiny"):
        assert base + BINARY_SUFFIX in names and base + MANIFEST_SUFFIX in names

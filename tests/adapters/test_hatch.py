"""hatch-pyvorin through the real host tool: ``hatch build``, then ``pip install``."""

from __future__ import annotations

import zipfile

import pytest

from pyvorin.artifacts import BINARY_SUFFIX, EXT_SUFFIX

from .conftest import (
    BIN,
    EXAMPLE,
    build_hatch,
    copy_example,
    require_tools,
    run,
    the_wheel,
    tool_env,
)

SOURCE = (EXAMPLE / "src" / "numkit" / "kernels.py").read_text()


def set_hook_option(project, line: str) -> None:
    """Put ``line`` in the example's [tool.hatch.build.targets.wheel.hooks.pyvorin] table."""
    pyproject = project / "pyproject.toml"
    placeholder = "# include-source = true   # also ship numkit/kernels.py.src"
    pyproject.write_text(pyproject.read_text().replace(placeholder, line))


def test_hook_is_registered_with_hatchling_under_the_name_pyvorin():
    require_tools()
    from hatch_pyvorin import hooks
    from hatch_pyvorin.plugin import PyvorinBuildHook

    assert PyvorinBuildHook.PLUGIN_NAME == "pyvorin"
    assert hooks.hatch_register_build_hook() is PyvorinBuildHook
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="hatch") if ep.name == "pyvorin"]
    assert ep.value == "hatch_pyvorin.hooks"


@pytest.mark.slow
def test_unknown_hook_option_is_refused_by_name(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path, "hatch")
    set_hook_option(project, "include-sources = true")
    built = build_hatch(project, session_home)
    assert built.returncode != 0
    assert (
        "tool.hatch.build.targets.wheel.hooks.pyvorin.include-sources: unknown option"
        in built.stderr
    ), built.stderr[-2000:]
    assert not list((project / "dist").glob("*.whl")) if (project / "dist").exists() else True


@pytest.mark.slow
def test_sdist_carries_the_sources(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path, "hatch")
    built = run([BIN / "hatch", "build", "-t", "sdist"], project, tool_env(session_home))
    assert built.returncode == 0, built.stderr[-2000:]
    import tarfile

    (sdist,) = (project / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {m.name.split("/", 1)[1]: m for m in archive.getmembers() if "/" in m.name}
        assert archive.extractfile(names["src/numkit/kernels.py"]).read().decode() == SOURCE
    assert not any(name.endswith(BINARY_SUFFIX) for name in names)


@pytest.mark.slow
def test_include_source_hook_option_ships_the_source(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path, "hatch")
    set_hook_option(project, "include-source = true")
    built = build_hatch(project, session_home)
    assert built.returncode == 0, built.stderr[-3000:]
    with zipfile.ZipFile(the_wheel(project)) as archive:
        assert archive.read("numkit/kernels.py.src").decode() == SOURCE
        assert archive.read("numkit/kernels.py").decode() != SOURCE


@pytest.mark.slow
def test_editable_install_keeps_the_source_and_says_so(tmp_path, session_home):
    require_tools()
    from .installed import assert_editable_keeps_source

    project = copy_example(tmp_path, "hatch")
    assert_editable_keeps_source(project, session_home, tmp_path)


@pytest.mark.slow
def test_runtime_dependency_is_added_when_the_project_does_not_list_it(tmp_path, session_home):
    require_tools()
    project = copy_example(tmp_path, "hatch")
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('dependencies = ["pyvorin-runtime"]', ""))
    built = build_hatch(project, session_home)
    assert built.returncode == 0, built.stderr[-3000:]
    with zipfile.ZipFile(the_wheel(project)) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        assert "Requires-Dist: pyvorin-runtime\n" in archive.read(metadata).decode()


@pytest.mark.slow
def test_a_stale_extension_beside_a_compiled_module_fails_the_build(tmp_path, session_home):
    # hatch ships every file of the package directory: a stale in-place build beside the
    # stub would be imported instead of it; the hook checks the written wheel, deletes it
    require_tools()
    project = copy_example(tmp_path, "hatch")
    stale = project / "src" / "numkit" / ("kernels" + EXT_SUFFIX)
    stale.write_bytes(b"\x7fELF stale in-place build")
    built = build_hatch(project, session_home)
    assert built.returncode != 0
    assert f"kernels{EXT_SUFFIX}: unsigned extension module would be imported instead" in (
        built.stderr
    ), built.stdout[-2000:] + built.stderr[-3000:]
    assert "pyvorin: exit code 5" in built.stderr
    assert not list((project / "dist").glob("*.whl")) if (project / "dist").exists() else True

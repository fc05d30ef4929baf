"""Configuration: precise errors for malformed [tool.pyvorin] tables, sources for values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyvorin.config import load_settings
from pyvorin.errors import ConfigError
from pyvorin.project import resolve_modules
from tests.helpers import run_cli

MALFORMED = [
    pytest.param(
        '[tool.pyvorin]\nmodules = ["a"\nbackend = 1\n',
        ["invalid TOML", "line 3", "column"],
        id="toml-syntax",
    ),
    pytest.param("[tool.pyvorin\n", ["invalid TOML", "line 1"], id="toml-header"),
    pytest.param(
        "[tool.pyvorin]\nmodulez = []\n",
        ["tool.pyvorin.modulez: unknown key", "did you mean tool.pyvorin.modules?"],
        id="unknown-key",
    ),
    pytest.param(
        "[tool.pyvorin.verify]\nmin_inputs = 5\n",
        ["tool.pyvorin.verify.min_inputs: unknown key", "tool.pyvorin.verify.min-inputs"],
        id="unknown-nested-key",
    ),
    pytest.param(
        '[tool.pyvorin]\nmodules = "pkg.mod"\n',
        ["tool.pyvorin.modules: expected an array of strings, found string 'pkg.mod'"],
        id="modules-not-array",
    ),
    pytest.param(
        "[tool.pyvorin]\nmodules = [1]\n",
        ["tool.pyvorin.modules: expected an array of strings, found array [1]"],
        id="modules-item-int",
    ),
    pytest.param(
        "[tool.pyvorin]\nbackend = 3\n",
        ["tool.pyvorin.backend: expected a non-empty string, found integer 3"],
        id="backend-int",
    ),
    pytest.param(
        '[tool.pyvorin]\nbackend = ""\n',
        ["tool.pyvorin.backend: expected a non-empty string, found string ''"],
        id="backend-empty",
    ),
    pytest.param(
        "[tool.pyvorin.verify]\nmin-inputs = 0\n",
        ["tool.pyvorin.verify.min-inputs: expected an integer >= 1, found integer 0"],
        id="min-inputs-range",
    ),
    pytest.param(
        '[tool.pyvorin.verify]\nmin-inputs = "100"\n',
        ["tool.pyvorin.verify.min-inputs: expected an integer >= 1, found string '100'"],
        id="min-inputs-string",
    ),
    pytest.param(
        "[tool.pyvorin.verify]\nmin-inputs = true\n",
        ["tool.pyvorin.verify.min-inputs: expected an integer >= 1, found boolean True"],
        id="min-inputs-bool",
    ),
    pytest.param(
        "[tool.pyvorin.sandbox]\ncpu-seconds = 100000\n",
        [
            "tool.pyvorin.sandbox.cpu-seconds: expected an integer >= 1 and <= 86400, "
            "found integer 100000"
        ],
        id="cpu-seconds-max",
    ),
    pytest.param(
        "[tool.pyvorin.sandbox]\nmemory-mb = 10\n",
        ["tool.pyvorin.sandbox.memory-mb: expected an integer >= 64, found integer 10"],
        id="memory-min",
    ),
    pytest.param(
        '[tool.pyvorin.sandbox]\nrequire-isolation = "yes"\n',
        [
            "tool.pyvorin.sandbox.require-isolation: expected a boolean (true or false), "
            "found string 'yes'"
        ],
        id="require-isolation-string",
    ),
    pytest.param(
        "[tool.pyvorin]\nverify = 5\n",
        ["tool.pyvorin.verify: expected a table, found integer 5"],
        id="section-not-table",
    ),
    pytest.param(
        "[tool]\npyvorin = [1, 2]\n",
        ["tool.pyvorin: expected a table, found array [1, 2]"],
        id="root-not-table",
    ),
    pytest.param(
        '[tool.pyvorin.verify]\nexamples = "missing.toml"\n',
        ["tool.pyvorin.verify.examples: expected an existing file, found 'missing.toml'"],
        id="examples-missing",
    ),
    pytest.param(
        '[tool.pyvorin]\ninterpreted = "pkg.mod:f"\n',
        ["tool.pyvorin.interpreted: expected an array of strings, found string 'pkg.mod:f'"],
        id="interpreted-not-array",
    ),
    pytest.param(
        '[tool.pyvorin]\ninterpreted = ["pkg.mod.f"]\n',
        [
            "tool.pyvorin.interpreted: entry 'pkg.mod.f': expected 'pkg.mod:func' or "
            "'pkg.mod:Class.method' (one colon)"
        ],
        id="interpreted-no-colon",
    ),
    pytest.param(
        '[tool.pyvorin]\ninterpreted = ["pkg.mod:outer.inner.deeper"]\n',
        [
            "tool.pyvorin.interpreted: entry 'pkg.mod:outer.inner.deeper': "
            "'outer.inner.deeper' names a nested function or a method of a nested class"
        ],
        id="interpreted-nested",
    ),
    pytest.param(
        '[tool.pyvorin]\ninterpreted = ["pkg.mod:f.<locals>.<lambda>"]\n',
        ["entry 'pkg.mod:f.<locals>.<lambda>': a lambda or a nested function cannot be"],
        id="interpreted-lambda",
    ),
    pytest.param(
        '[tool.pyvorin]\ninterpreted = ["pkg-x.mod:f"]\n',
        ["entry 'pkg-x.mod:f': 'pkg-x.mod' is not a dotted module name"],
        id="interpreted-bad-module",
    ),
]


@pytest.mark.parametrize(("text", "expected"), MALFORMED)
def test_malformed_configuration_is_exit_2_with_precise_message(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(text)
    proc = run_cli("config", "show", "--project", str(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(pyproject) in proc.stderr
    for fragment in expected:
        assert fragment in proc.stderr, proc.stderr


def test_unknown_module_names_the_entry_and_where_it_looked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = ["pkg.nothere"]\n')
    (tmp_path / "pkg").mkdir()
    with pytest.raises(ConfigError) as info:
        resolve_modules(load_settings(tmp_path, env={}))
    message = str(info.value)
    assert "tool.pyvorin.modules: module 'pkg.nothere' not found" in message
    assert "pkg/nothere.py" in message
    assert info.value.exit_code == 2


def test_interpreted_entry_for_a_module_not_built_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["pkg.mod"]\ninterpreted = ["pkg.mod:f", "pkg.other:g"]\n'
    )
    settings = load_settings(tmp_path)
    assert settings["interpreted"] == ["pkg.mod:f", "pkg.other:g"]
    with pytest.raises(ConfigError) as info:
        resolve_modules(settings)
    assert str(tmp_path / "pyproject.toml") in str(info.value)
    assert "tool.pyvorin.interpreted: entry 'pkg.other:g'" in str(info.value)
    assert "pkg.other is not in tool.pyvorin.modules" in str(info.value)


def test_modules_resolve_dotted_names_and_globs(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pyvorin]\nmodules = ["pkg.kernels", "src/pkg/fast/*.py"]\n'
    )
    fast = tmp_path / "src" / "pkg" / "fast"
    fast.mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "kernels.py").write_text("")
    (fast / "a.py").write_text("")
    (fast / "b.py").write_text("")
    specs = resolve_modules(load_settings(tmp_path, env={}))
    assert [s.name for s in specs] == ["pkg.kernels", "pkg.fast.a", "pkg.fast.b"]
    assert all(s.path.is_file() for s in specs)


def test_environment_value_errors_name_the_variable(tmp_path: Path) -> None:
    proc = run_cli(
        "config", "show", "--project", str(tmp_path), env={"PYVORIN_REQUIRE_ISOLATION": "maybe"}
    )
    assert proc.returncode == 2
    assert "environment variable PYVORIN_REQUIRE_ISOLATION" in proc.stderr
    assert "tool.pyvorin.sandbox.require-isolation" in proc.stderr


def test_config_show_reports_the_source_of_each_value(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.pyvorin]\nmodules = []\n[tool.pyvorin.verify]\nmin-inputs = 700\n"
    )
    proc = run_cli(
        "config",
        "show",
        "--project",
        str(tmp_path),
        "--format",
        "json",
        env={"PYVORIN_REQUIRE_ISOLATION": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    settings = json.loads(proc.stdout)["settings"]
    assert settings["verify.min-inputs"] == {
        "value": 700,
        "source": str(tmp_path / "pyproject.toml"),
    }
    assert settings["sandbox.require-isolation"] == {
        "value": True,
        "source": "env PYVORIN_REQUIRE_ISOLATION",
    }
    assert settings["backend"] == {"value": "native", "source": "default"}

    text = run_cli("config", "show", "--project", str(tmp_path)).stdout
    assert "tool.pyvorin.verify.min-inputs = 700  # " + str(tmp_path / "pyproject.toml") in text
    assert 'tool.pyvorin.backend = "native"  # default' in text


def test_typed_access_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.pyvorin.sandbox]\nmemory-mb = 512\n")
    settings = load_settings(tmp_path, env={})
    assert settings.sandbox.memory_mb == 512
    assert settings.sandbox.cpu_seconds == 60
    assert settings.verify.min_inputs == 100
    assert settings.backend == "native"
    assert settings.root == tmp_path


def test_plugins_allow_list_merges_file_and_environment(tmp_path: Path, pyvorin_home) -> None:
    # plugins is a security setting: the user's configuration, never the project's
    (pyvorin_home / "config.toml").write_text('plugins = ["a"]\n')
    settings = load_settings(tmp_path, env={"PYVORIN_PLUGINS": "b, a"})
    assert settings["plugins"] == ["a", "b"]
    assert settings.origins["plugins"] == "env PYVORIN_PLUGINS"


def test_explicit_missing_pyproject_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "pyproject.toml", env={})

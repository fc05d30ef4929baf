"""The GitHub Action: its metadata is schema-valid, its logic is the tested release entry."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO

from .conftest import BIN, copy_example, require_tools, tool_env

ACTION = REPO / "plugins" / "github-actions" / "action.yml"
WORKFLOW = REPO / "docs" / "adapters" / "release-workflow.yml"


def _check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess:
    tool = BIN / "check-jsonschema"
    if not tool.exists():
        pytest.fail("check-jsonschema is not installed (python -m pip install check-jsonschema)")
    return subprocess.run(
        [str(tool), "--builtin-schema", schema, str(path)], capture_output=True, text=True
    )


def _load(path: Path) -> dict:
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(path.read_text())


def test_action_metadata_is_valid_against_the_github_actions_schema():
    checked = _check_jsonschema("vendor.github-actions", ACTION)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_docs_release_workflow_is_valid_against_the_workflow_schema():
    checked = _check_jsonschema("vendor.github-workflows", WORKFLOW)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    page = (REPO / "docs" / "adapters" / "github-actions.md").read_text()
    assert WORKFLOW.read_text().strip() in page, "the guide must show the tested workflow"


def test_schema_check_rejects_a_broken_action(tmp_path):
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("using: composite", "using: compost"))
    checked = _check_jsonschema("vendor.github-actions", broken)
    assert checked.returncode != 0


def test_action_steps_hold_no_shell_logic_and_never_interpolate_into_scripts():
    action = _load(ACTION)
    steps = action["runs"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs, "the action runs commands"
    for script in runs:
        assert "\n" not in script.strip(), f"multi-line shell in action.yml: {script!r}"
        assert not re.search(r"&&|\|\||;|\bif\b|\bfor\b", script), script
        # Inputs (and so secrets) reach scripts through env, never via ${{ }} (injection).
        assert "${{" not in script, script
    assert (
        "python -m pyvorin.release --project . --dist dist --sarif pyvorin.sarif "
        "--builder cibuildwheel"
    ) in runs
    used = set(re.findall(r"inputs\.([a-z-]+)", ACTION.read_text()))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    assert action["inputs"]["signing-key"]["required"] is True
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any(u.startswith("actions/attest-build-provenance@") for u in uses)
    assert any(u.startswith("actions/upload-artifact@") for u in uses)


def _release_key() -> str:
    """A fresh Ed25519 release key as PEM text, the way a CI secret holds it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )


def _release(project: Path, home: Path, tmp_path: Path, *extra: str, key: str | None = ""):
    output = tmp_path / "github_output"
    summary = tmp_path / "step_summary"
    env = tool_env(home, GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary))
    env.pop("PYVORIN_SIGNING_KEY", None)
    if key:
        env["PYVORIN_SIGNING_KEY"] = key
    done = subprocess.run(
        [sys.executable, "-m", "pyvorin.release", "--project", str(project), *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return done, output, summary


def test_release_refuses_a_project_without_modules(tmp_path, release_home):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    done, output, _ = _release(tmp_path, release_home, tmp_path, "--no-isolation")
    assert done.returncode == 2, done.stderr
    assert "[tool.pyvorin] modules: no modules configured" in done.stderr
    assert not output.exists()


def test_release_refuses_an_invalid_configuration_naming_the_key(tmp_path, release_home):
    (tmp_path / "pyproject.toml").write_text('[tool.pyvorin]\nmodules = "numkit"\n')
    done, _, _ = _release(tmp_path, release_home, tmp_path)
    assert done.returncode == 2
    assert "tool.pyvorin.modules: expected an array of strings" in done.stderr


def test_release_writes_sarif_and_stops_on_unsupported_constructs(tmp_path, release_home):
    require_tools()
    project = copy_example(tmp_path)
    kernels = project / "src" / "numkit" / "kernels.py"
    kernels.write_text(
        kernels.read_text() + "\n\ndef evaluate(text: str) -> int:\n    return eval(text)\n"
    )
    done, _, _ = _release(project, release_home, tmp_path, "--no-isolation")
    assert done.returncode == 3, done.stderr
    sarif = json.loads((project / "pyvorin.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert results and all(r["ruleId"].startswith("PV") for r in results)
    assert not (project / "dist").exists()


@pytest.mark.parametrize("value", ["0", "-3", "seven"])
def test_release_refuses_a_build_number_that_is_not_one(value, capsys):
    from pyvorin.release import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--build-number", value])
    assert exit_info.value.code == 2
    assert f"--build-number: expected an integer >= 1, found {value!r}" in capsys.readouterr().err


def test_release_refuses_to_sign_with_the_per_installation_key(tmp_path, release_home):
    require_tools()
    project = copy_example(tmp_path)
    done, output, _ = _release(project, release_home, tmp_path, "--no-isolation", key=None)
    assert done.returncode == 5, done.stderr[-3000:]
    assert "a --release build needs a configured signing key" in done.stderr
    assert not output.exists()
    assert not list((project / "dist").glob("*.whl"))


def test_release_builds_verifies_and_reports(tmp_path, release_home):
    require_tools()
    project = copy_example(tmp_path)
    key = _release_key()
    done, output, summary = _release(
        project, release_home, tmp_path, "--no-isolation", "--build-number", "77", key=key
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert key.splitlines()[1] not in done.stdout + done.stderr, "the key must never be printed"
    report = json.loads(done.stdout)
    (wheel,) = report["wheels"]
    assert Path(wheel).is_file() and not wheel.endswith("-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        manifest = json.loads(archive.read("numkit/kernels.pyvorin.json"))
    assert (manifest["distribution"], manifest["build_number"]) == ("numkit", 77)
    assert report["verified"] == {Path(wheel).name: "verified"}
    assert len(report["sdists"]) == 1
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    assert outputs["wheels"] == wheel
    assert outputs["dist"] == str(project / "dist")
    assert f"| `{Path(wheel).name}` | verified |" in summary.read_text()
    sarif = json.loads((project / "pyvorin.sarif").read_text())
    assert sarif["version"] == "2.1.0"

    # A tampered wheel in the same dist directory is refused by the verify step.
    from pyvorin.release import verify_wheels

    from .installed import tamper

    bad = tamper(Path(wheel), tmp_path / "bad")
    shutil.copy(bad, project / "dist" / bad.name)
    from pyvorin.errors import SignatureError

    with pytest.raises(SignatureError, match="signature verification failed"):
        verify_wheels([project / "dist" / bad.name])


def test_release_refuses_a_development_licence_before_building(tmp_path, session_home):
    """The session's ordinary home holds a development licence: the release refuses it at
    its first step (the licence gate of the check), with exit 6, and builds nothing."""
    require_tools()
    project = copy_example(tmp_path)
    done, output, _ = _release(
        project, session_home, tmp_path, "--no-isolation", key=_release_key()
    )
    assert done.returncode == 6, done.stderr[-3000:]
    assert "--release refuses a development licence" in done.stderr
    assert "development issuer" in done.stderr and "pyvorin licence activate" in done.stderr
    assert not output.exists()
    assert not (project / "dist").exists()

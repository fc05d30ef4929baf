"""Build numbers: signed into every manifest, and no older build loads after a newer one.

Every test builds real signed artifacts with the sign stage and imports them in fresh
interpreters (``python -c "import pkg.mod"``) sharing the test's ``PYVORIN_HOME``, where
the runtime records the builds it loaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pyvorin.artifacts import manifest_path
from pyvorin.audit import AuditLog

from ..helpers import run_cli
from .conftest import run_python

IMPORT = "import pkg.mod as m; print(m.answer())"


def _build(sign_module, out: Path, **options) -> Path:
    """One run of the sign stage for pkg.mod and pkg.other into ``out``."""
    sign_module("pkg.mod", out, **options)
    sign_module("pkg.other", out, **options)
    (out / "pkg" / "__init__.py").write_text("")
    return out


def _manifest(out: Path, module: str = "pkg.mod") -> dict:
    return json.loads(manifest_path(out, module).read_text())


def _put_back(older: Path, newer: Path, leaf: str = "mod") -> None:
    """Copy the older build's files of ``pkg.<leaf>`` over the newer one's (a downgrade)."""
    for path in (older / "pkg").iterdir():
        if path.is_file() and path.name.split(".")[0] == leaf:
            shutil.copyfile(path, newer / "pkg" / path.name)


def _recorded(home: Path) -> dict:
    return json.loads((home / "runtime" / "builds.json").read_text())["distributions"]


def test_each_run_signs_the_next_build_number_into_every_manifest(tmp_path, sign_module):
    first = _build(sign_module, tmp_path / "first")
    second = _build(sign_module, tmp_path / "second")
    for out, number in ((first, 1), (second, 2)):
        for module in ("pkg.mod", "pkg.other"):  # one run, one number for the distribution
            manifest = _manifest(out, module)
            assert (manifest["distribution"], manifest["build_number"]) == ("demo", number)
    proc = run_cli("signature", "verify", str(second))
    assert proc.returncode == 0, proc.stderr
    assert all("; build 2 of demo)" in line for line in proc.stdout.splitlines()[:-1])


def test_an_older_build_put_back_is_refused_at_import(tmp_path, sign_module, pyvorin_home):
    older = _build(sign_module, tmp_path / "older")
    newer = _build(sign_module, tmp_path / "newer")
    proc = run_python(IMPORT, newer)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "compiled mod"
    [(key, entry)] = _recorded(pyvorin_home)["demo"].items()
    assert entry["build"] == 2 and entry["modules"] == ["pkg.mod"]
    assert key.startswith("local-") and " sha256:" in key
    assert (pyvorin_home / "runtime" / "builds.json").stat().st_mode & 0o777 == 0o600

    _put_back(older, newer)
    proc = run_python(IMPORT, newer)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("pyvorin_runtime.loader.RefusedDowngrade: "), last
    assert f"{manifest_path(newer, 'pkg.mod')}: refused to load pkg.mod: " in last
    assert "build 1 of demo is older than build 2 of demo already loaded" in last
    assert "If you mean to go back to it, forget the recorded builds first: " in last
    assert "pyvorin signature forget-builds demo" in last
    refusal = AuditLog().show(types=("refusal",))[-1]
    assert refusal["actor"] == "runtime" and refusal["details"]["module"] == "pkg.mod"
    assert (refusal["details"]["build"], refusal["details"]["seen"]) == (1, 2)

    # the sibling of the newer build still loads; the state was not lowered
    proc = run_python("import pkg.other as m; print(m.answer())", newer)
    assert proc.returncode == 0, proc.stderr
    assert _recorded(pyvorin_home)["demo"][key]["build"] == 2

    verify = run_cli("signature", "verify", str(newer))
    assert verify.returncode == 5
    assert "build 1 of demo is older than build 2 of demo" in verify.stderr


def test_the_same_build_again_is_a_reinstall_and_loads(tmp_path, sign_module):
    out = _build(sign_module, tmp_path / "out")
    copy = tmp_path / "reinstalled"
    for _ in range(2):
        assert run_python(IMPORT, out).returncode == 0
    shutil.copytree(out, copy)
    proc = run_python(IMPORT, copy)
    assert proc.returncode == 0, proc.stderr


def test_refused_in_the_loader_api_too(tmp_path, sign_module):
    older = _build(sign_module, tmp_path / "older")
    newer = _build(sign_module, tmp_path / "newer")
    code = (
        "import pyvorin_runtime\n"
        "import pkg.mod\n"
        "from pyvorin_runtime.loader import verify_for_import\n"
        "try:\n"
        f"    verify_for_import('pkg.mod', {str(older / 'pkg' / 'mod.py')!r})\n"
        "except pyvorin_runtime.RefusedDowngrade as exc:\n"
        "    print(type(exc).__mro__[1].__name__, exc.distribution, exc.build, exc.seen)\n"
    )
    proc = run_python(code, newer)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["RefusedImport", "demo", "1", "2"]


def _legacy(out: Path, module: str = "pkg.mod") -> None:
    """Re-sign ``module``'s manifest as one written before build numbers (same key)."""
    from pyvorin.keys import select_signer
    from pyvorin.signing import load_manifest, sign_manifest, write_manifest

    path = manifest_path(out, module)
    manifest = load_manifest(path)
    del manifest["distribution"], manifest["build_number"]
    write_manifest(path, sign_manifest(manifest, [select_signer(None, release=False)]))


def test_a_manifest_without_a_build_number_loads_until_a_numbered_build_of_it_did(
    tmp_path, sign_module
):
    legacy = _build(sign_module, tmp_path / "legacy")
    _legacy(legacy)
    newer = _build(sign_module, tmp_path / "newer")
    proc = run_python(IMPORT, legacy)  # nothing recorded yet: an old install keeps working
    assert proc.returncode == 0, proc.stderr
    listed = run_cli("signature", "verify", str(legacy / "pkg" / "mod.pyvorin.json"))
    assert "no build number (counts as build 0)" in listed.stdout

    assert run_python(IMPORT, newer).returncode == 0
    _put_back(legacy, newer)
    proc = run_python(IMPORT, newer)
    assert proc.returncode == 1
    assert (
        "pkg.mod has no build number (a manifest from before build numbers counts as build 0), "
        "but build 2 of demo was already loaded on this machine"
    ) in proc.stderr


def test_a_manifest_without_a_build_number_is_refused_once_its_distribution_loaded(
    tmp_path, project, sign_module
):
    # outside a named project the distribution is the top-level package, "pkg", which is
    # also what a manifest without one is filed under: a numbered build of pkg.other
    # having loaded is enough to refuse a legacy pkg.mod that never loaded
    (project / "pyproject.toml").write_text("[tool.pyvorin]\n")
    legacy = _build(sign_module, tmp_path / "legacy")
    _legacy(legacy)
    newer = _build(sign_module, tmp_path / "newer")
    assert _manifest(newer)["distribution"] == "pkg"
    assert run_python("import pkg.other", newer).returncode == 0
    _put_back(legacy, newer)
    proc = run_python(IMPORT, newer)
    assert proc.returncode == 1
    assert "pkg.mod has no build number" in proc.stderr
    assert "but build 2 of pkg was already loaded" in proc.stderr


def test_a_forged_build_number_is_refused_by_the_signature_check(tmp_path, sign_module):
    out = _build(sign_module, tmp_path / "out")
    path = manifest_path(out, "pkg.mod")
    manifest = json.loads(path.read_text())
    manifest["build_number"] = 10**6
    path.write_text(json.dumps(manifest))
    proc = run_python(IMPORT, out)
    assert proc.returncode == 1
    assert "does not verify: the manifest or its signature was altered" in proc.stderr
    verify = run_cli("signature", "verify", str(out))
    assert verify.returncode == 5 and "does not verify" in verify.stderr


def test_forget_builds_lets_an_older_build_load_again(tmp_path, sign_module, pyvorin_home):
    older = _build(sign_module, tmp_path / "older")
    newer = _build(sign_module, tmp_path / "newer")
    assert run_python(IMPORT, newer).returncode == 0
    _put_back(older, newer)
    assert run_python(IMPORT, newer).returncode == 1

    usage = run_cli("signature", "forget-builds")
    assert usage.returncode == 2 and "name the distributions" in usage.stderr
    proc = run_cli("signature", "forget-builds", "Demo", "unknown_dist")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("forgot build 2 of demo (key 'local-") and "pkg.mod" in lines[0]
    assert lines[1] == "no build of unknown-dist is recorded"
    event = AuditLog().show(types=("access",))[-1]
    assert event["details"]["event"] == "builds-forgotten"
    assert event["details"]["builds"] == {"demo": 2}

    proc = run_python(IMPORT, newer)  # the older build, now loaded on purpose
    assert proc.returncode == 0, proc.stderr
    assert [e["build"] for e in _recorded(pyvorin_home)["demo"].values()] == [1]

    everything = run_cli("signature", "forget-builds", "--all")
    assert everything.returncode == 0 and "forgot build 1 of demo" in everything.stdout
    assert not (pyvorin_home / "runtime" / "builds.json").exists()


def test_explicit_build_numbers_and_the_counter(tmp_path, sign_module, capsys):
    released = _build(sign_module, tmp_path / "released", build_number=41)
    assert _manifest(released)["build_number"] == 41
    after = _build(sign_module, tmp_path / "after")  # the counter went up to 41
    assert _manifest(after)["build_number"] == 42
    capsys.readouterr()
    lower = _build(sign_module, tmp_path / "lower", build_number=7)
    assert _manifest(lower)["build_number"] == 7
    warning = capsys.readouterr().err
    assert "build number 7 (flag) is below build 42, the last this installation signed" in warning
    assert _manifest(_build(sign_module, tmp_path / "next"))["build_number"] == 43


def test_build_number_from_the_environment_and_configuration(tmp_path, project, sign_module):
    from pyvorin.config import load_settings
    from pyvorin.errors import ConfigError
    from pyvorin.options import BuildOptions

    (project / "pyproject.toml").write_text(
        '[project]\nname = "Demo_Pkg"\n\n[tool.pyvorin.signing]\nbuild-number = 12\n'
    )
    options = BuildOptions.resolve(load_settings(project), command="api")
    assert options.build_number == 12
    env = {"PYVORIN_BUILD_NUMBER": "300"}
    options = BuildOptions.resolve(load_settings(project, env=env), command="api", env=env)
    assert (options.build_number, options.origins["build_number"]) == (
        300,
        "env PYVORIN_BUILD_NUMBER",
    )
    with pytest.raises(ConfigError, match=r"PYVORIN_BUILD_NUMBER .* expected an integer >= 1"):
        load_settings(project, env={"PYVORIN_BUILD_NUMBER": "0"})
    out = _build(sign_module, tmp_path / "out")
    assert (_manifest(out)["distribution"], _manifest(out)["build_number"]) == ("demo-pkg", 12)


def test_the_distribution_is_the_project_name_else_the_top_level_package(tmp_path):
    from types import SimpleNamespace

    from pyvorin.config import load_settings
    from pyvorin.options import BuildOptions
    from pyvorin.signing.builds import distribution_for

    def ctx(settings, **options):
        return SimpleNamespace(
            settings=settings, options=BuildOptions.resolve(settings, command="api", **options)
        )

    named = tmp_path / "named"
    named.mkdir()
    (named / "pyproject.toml").write_text('[project]\nname = "My.Project"\n')
    assert distribution_for(ctx(load_settings(named)), "pkg.mod") == "my-project"
    # the adapter's name for the project wins (setup.cfg-only projects have no [project])
    adapter = ctx(load_settings(named), distribution="From_Adapter")
    assert distribution_for(adapter, "pkg.mod") == "from-adapter"
    bare = tmp_path / "bare"
    bare.mkdir()
    assert distribution_for(ctx(load_settings(bare)), "my_pkg.sub.mod") == "my-pkg"


def test_each_signing_key_counts_its_own_builds(tmp_path, project, sign_module):
    # a developer's local key and a release key number independently: a low build of
    # another key is not a downgrade of this one
    release = _build(sign_module, tmp_path / "local", build_number=90)
    assert run_python(IMPORT, release).returncode == 0
    proc = run_cli("keys", "generate", "--id", "team-key")
    assert proc.returncode == 0, proc.stderr
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.pyvorin.signing]\nkey-id = "team-key"\n'
    )
    other = _build(sign_module, tmp_path / "team")
    assert _manifest(other)["build_number"] == 1
    proc = run_python(IMPORT, other)
    assert proc.returncode == 0, proc.stderr

"""The runtime's record of loaded builds, and the import hook, without compiled artifacts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.machinery import PathFinder
from pathlib import Path

import pytest

import _pyvorin_guard
from pyvorin_runtime import builds, guard, names
from pyvorin_runtime.errors import SignatureError
from pyvorin_runtime.manifest import schema_problem

KEY = "release-1 sha256:" + "ab" * 32


def _admit(module="pkg.mod", distribution="demo", build=1, keys=(KEY,)):
    return builds.admit(module=module, distribution=distribution, build=build, keys=list(keys))


def test_names_are_normalised_as_pep_503_says():
    assert builds.normalize_distribution("My__Project.Name-2") == "my-project-name-2"
    assert builds.fallback_distribution("my_pkg.sub.mod") == "my-pkg"
    for good in ("demo", "my-pkg", "a1"):
        assert builds.is_distribution(good)
    for bad in ("", "Demo", "my_pkg", "-x", "x-", "a--b", None, 3):
        assert not builds.is_distribution(bad)
    assert builds.is_build_number(0) and builds.is_build_number(2**63 - 1)
    for bad in (-1, True, 1.0, "3", 2**63):
        assert not builds.is_build_number(bad)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"distribution": "demo"}, "'distribution' and 'build_number' must be given together"),
        ({"build_number": 3}, "'distribution' and 'build_number' must be given together"),
        ({"distribution": "Demo", "build_number": 3}, "not a normalised distribution name"),
        ({"distribution": "demo", "build_number": True}, "'build_number' is not a build number"),
        ({"distribution": "demo", "build_number": -1}, "'build_number' is not a build number"),
    ],
)
def test_manifest_schema_checks_the_build_fields(fields, problem):
    manifest = {
        "schema": "pyvorin.manifest/1",
        "module": "pkg.mod",
        "artifact": {"file": "mod.pyvorin.so", "sha256": "0" * 64, "size": 1},
        "loader": {"file": "mod.py", "sha256": "0" * 64},
        "signatures": [],
    }
    assert schema_problem(manifest) is None  # a manifest from before build numbers
    assert problem in schema_problem({**manifest, **fields})
    assert schema_problem({**manifest, "distribution": "demo", "build_number": 0}) is None


def test_higher_and_equal_builds_load_lower_ones_are_refused(pyvorin_home: Path):
    assert _admit(build=3) is None
    assert _admit(build=3) is None  # a reinstall
    refused = _admit(build=2)
    assert (refused.build, refused.seen, refused.seen_in) == (2, 3, "demo")
    assert "build 2 of demo is older than build 3 of demo already loaded" in refused.reason()
    assert "signed by the same key 'release-1' (sha256:abab" in refused.reason()
    # another key's sequence, another distribution: separate
    assert _admit(build=1, keys=["other-key"]) is None
    assert _admit(build=1, distribution="other") is None
    # a manifest without a build number: refused by its distribution's record ...
    assert _admit(distribution="demo", build=None, module="pkg.new") is not None
    # ... or by its module's record under another name; else it loads, unrecorded
    assert _admit(distribution="pkg", build=None).seen_in == "demo"
    assert _admit(distribution="pkg", build=None, module="pkg.never_seen") is None
    state = builds.read_state()
    assert state["demo"][KEY]["build"] == 3 and state["demo"][KEY]["modules"] == ["pkg.mod"]
    assert "pkg" not in state
    path = pyvorin_home / "runtime" / "builds.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (pyvorin_home / "runtime").stat().st_mode & 0o777 == 0o700


def test_a_corrupt_state_fails_closed_and_names_the_way_out(pyvorin_home: Path):
    path = pyvorin_home / "runtime" / "builds.json"
    path.parent.mkdir()
    for text in (
        "{",
        '{"schema": "x"}',
        '{"schema": "pyvorin.builds-seen/1", "distributions": {"d": {"k": {"build": "1"}}}}',
    ):
        path.write_text(text)
        with pytest.raises(
            SignatureError, match=r"recorded build numbers are corrupt.*forget-builds --all"
        ):
            _admit()
    assert builds.forget(None) == {}
    assert not path.exists()
    assert _admit() is None


def test_an_unwritable_home_still_checks_and_loads(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PYVORIN_HOME", str(blocker / "home"))
    assert _admit(build=5) is None  # cannot record: loads, nothing refused
    assert builds.read_state() == {}


def test_forget_by_name_and_everything(pyvorin_home: Path):
    _admit(distribution="demo", build=4)
    _admit(distribution="other", build=9)
    removed = builds.forget(["Demo", "missing"])
    assert list(removed) == ["demo"] and removed["demo"][KEY]["build"] == 4
    assert list(builds.read_state()) == ["other"]
    assert _admit(distribution="demo", build=1) is None  # forgotten: an older one loads
    removed = builds.forget(None)
    assert sorted(removed) == ["demo", "other"] and removed["other"][KEY]["build"] == 9


_WORKER = r"""
import sys
from pyvorin_runtime import builds
worker = int(sys.argv[1])
for round in range(25):
    # its own key in a distribution shared with others: a new build every round
    own = builds.admit(
        module=f"pkg.m{worker}", distribution=f"dist-{worker % 3}", build=round + 1,
        keys=[f"key-{worker}"],
    )
    # one entry every worker updates: the same build, each adding its module
    shared = builds.admit(
        module=f"pkg.m{worker}", distribution="shared", build=7, keys=["shared-key"]
    )
    assert own is None and shared is None
"""


def test_concurrent_imports_never_lose_or_corrupt_an_entry(pyvorin_home: Path):
    workers = [
        subprocess.Popen([sys.executable, "-c", _WORKER, str(i)], env=dict(os.environ))
        for i in range(8)
    ]
    assert [w.wait(timeout=120) for w in workers] == [0] * 8
    path = pyvorin_home / "runtime" / "builds.json"
    document = json.loads(path.read_text())
    assert document["schema"] == "pyvorin.builds-seen/1"
    state = document["distributions"]
    for i in range(8):
        assert state[f"dist-{i % 3}"][f"key-{i}"]["build"] == 25
        assert state[f"dist-{i % 3}"][f"key-{i}"]["modules"] == [f"pkg.m{i}"]
    assert state["shared"]["shared-key"]["modules"] == [f"pkg.m{i}" for i in range(8)]
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".builds.json.")]


def test_the_import_hook_sits_just_before_the_path_finder_once():
    code = (
        "import sys, importlib.machinery as m\n"
        "import pyvorin_runtime, pyvorin_runtime.guard as g\n"
        "assert g.install() and g.install()\n"
        "finders = sys.meta_path\n"
        "i = finders.index(g.ShadowGuard)\n"
        "print(finders[i + 1] is m.PathFinder, sum(f is g.ShadowGuard for f in finders))\n"
        "import json, email.mime.text\n"  # ordinary imports are not disturbed
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "1"]
    assert PathFinder in sys.meta_path and guard.ShadowGuard in sys.meta_path


def test_the_start_up_hook_is_the_runtime_guard():
    # pyvorin-shadow-guard.pth installs _pyvorin_guard's hook; pyvorin_runtime.guard is it
    assert guard.ShadowGuard is _pyvorin_guard.ShadowGuard
    assert guard.install is _pyvorin_guard.install
    assert _pyvorin_guard.MANIFEST_SUFFIX == names.MANIFEST_SUFFIX


def test_shadows_lists_what_would_be_imported_instead_of_a_stub(tmp_path: Path):
    (tmp_path / "mod.pyvorin.json").write_text("{}")
    names = [
        "mod.py",
        "mod.pyvorin.cpython-311-x86_64-linux-gnu.so",  # the binary's own name
        "mod.abi3.so",
        "mod.so",
        "other.so",  # not a compiled module's name
    ]
    for name in names:
        (tmp_path / name).write_text("")
    (tmp_path / "mod").mkdir()
    assert guard.shadows(str(tmp_path)) == [str(tmp_path / "mod.abi3.so"), str(tmp_path / "mod.so")]
    (tmp_path / "mod" / "__init__.cpython-311.pyc").write_text("")
    assert guard.shadows(str(tmp_path))[0] == str(tmp_path / "mod") + os.sep

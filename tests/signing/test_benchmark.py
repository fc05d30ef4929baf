"""The import-check benchmark runs and reports its numbers (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..helpers import REPO

pytestmark = pytest.mark.slow  # builds and signs a 1 MB extension, times fresh interpreters


def test_import_check_benchmark_reports_medians() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "import_check.py"),
            "--size-mb",
            "1",
            "--repeat",
            "5",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["artifact_bytes"] >= 1024 * 1024
    for key in ("check_ms", "check_and_copy_ms", "import_verified_ms", "cold_runtime_import_ms"):
        assert report[key] > 0, key
    assert report["check_and_copy_ms"] >= report["check_ms"]
    assert report["target_ms"] == 5.0

"""The console load benchmark runs end to end (tiny counts, SQLite) and reports numbers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


@pytest.mark.slow
def test_console_load_benchmark_runs(tmp_path):
    from benchmarks.console_load import main

    out = tmp_path / "bench.json"
    argv = ["--backend", "sqlite", "--signins", "2", "--pages", "8", "--exchanges", "4"]
    argv += ["--concurrency", "2"]
    assert main([*argv, "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [(r["backend"], r["phase"], r["requests"], r["errors"]) for r in rows] == [
        ("sqlite", "sign-in", 2, 0),
        ("sqlite", "pages", 8, 0),
        ("sqlite", "api-token", 4, 0),
    ]
    assert all(r["p50_ms"] > 0 and r["per_second"] > 0 for r in rows)

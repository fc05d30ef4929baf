"""The plugin example in docs/architecture.md works exactly as printed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pyvorin.config import load_settings
from pyvorin.pipeline import make_context
from tests.helpers import REPO, install_fake_distribution, run_cli


def _example_source() -> str:
    text = (REPO / "docs" / "architecture.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    return next(block for block in blocks if block.startswith("# pyvorin_events.py"))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "events", "pyvorin_events", _example_source())
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    return site


def test_documented_sink_receives_pipeline_events(site: Path, tmp_path: Path, monkeypatch) -> None:
    events_file = tmp_path / "events.jsonl"
    monkeypatch.setenv("EVENTS_FILE", str(events_file))
    ctx = make_context(load_settings(tmp_path, env={"PYVORIN_PLUGINS": "events"}), tmp_path)
    ctx.audit("build", phase="start", modules=["pkg.mod"])
    lines = [json.loads(line) for line in events_file.read_text().splitlines()]
    assert lines == [
        {"type": "build", "actor": "cli", "details": {"phase": "start", "modules": ["pkg.mod"]}}
    ]


def test_documented_sink_is_listed_and_loaded_when_allowed(site: Path) -> None:
    proc = run_cli("plugins", env={"PYVORIN_PLUGINS": "events"})
    assert proc.returncode == 0, proc.stderr
    line = next(line for line in proc.stdout.splitlines() if "events" in line)
    assert line.startswith("loaded") and "pyvorin_audit_event" in line


def test_configuration_reference_documents_every_key() -> None:
    from pyvorin.config import SCHEMA

    text = (REPO / "docs" / "configuration.md").read_text()
    missing = [key.path for key in SCHEMA if f"| `{key.path}` |" not in text]
    assert missing == []

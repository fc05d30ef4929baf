"""Helpers shared by tests: run the real CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, **kw):
    """Run the real ``pyvorin`` command in a subprocess (same interpreter)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pyvorin", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=kw.pop("timeout", 300),
        **kw,
    )


def install_fake_distribution(site: Path, dist: str, module: str, source: str) -> None:
    """Install a distribution the way pip lays it out: a module plus its .dist-info."""
    (site / f"{module}.py").write_text(source)
    info = site / f"{dist.replace('-', '_')}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[pyvorin]\n{dist} = {module}\n")
    (info / "RECORD").write_text("")

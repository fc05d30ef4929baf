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

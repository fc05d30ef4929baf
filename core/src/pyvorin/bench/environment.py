"""The machine a benchmark ran on, as recorded with its results (docs/performance.md)."""

from __future__ import annotations

import os
import platform
import subprocess
import sysconfig
from pathlib import Path

from .common import NOT_INSTALLED, first_line
from .contenders import dist_version


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cc_version() -> str:
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    try:
        proc = subprocess.run(
            [*cc, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return f"{cc[0]} (not found)"
    return first_line(proc.stdout) or f"{cc[0]} (unknown version)"


def environment_info() -> dict[str, str]:
    return {
        "cpu": _cpu_model(),
        "cores": str(os.cpu_count() or "unknown"),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cc": _cc_version(),
        "mypy": dist_version("mypy") or NOT_INSTALLED,
        "cython": dist_version("Cython") or dist_version("cython") or NOT_INSTALLED,
        "load": _load_average(),
    }


def _load_average() -> str:
    """The 1/5/15-minute load average when the report was made: other work skews timings."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"

"""Names every part of the benchmark runner shares: the statuses of one contender on one
kernel, the run defaults, and two text helpers."""

from __future__ import annotations

MIN_REPEAT = 5


DEFAULT_TIMEOUT = 300.0


ENTRY = "main"


# Statuses of one contender on one kernel.
OK = "ok"


WRONG = "wrong result"


NOT_INSTALLED = "not installed"


UNAVAILABLE = "unavailable"


BUILD_FAILED = "build failed"


REJECTED = "rejected"


ERROR = "error"


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def format_seconds(seconds: float) -> str:
    """Three significant digits in a readable unit: ``451 ms``, ``1.23 s``, ``8.10 us``."""
    if seconds >= 1.0:
        value, unit = seconds, "s"
    elif seconds >= 1e-3:
        value, unit = seconds * 1e3, "ms"
    else:
        value, unit = seconds * 1e6, "us"
    digits = 2 if value < 10 else 1 if value < 100 else 0
    return f"{value:.{digits}f} {unit}"

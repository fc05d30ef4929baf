"""Fixtures: each conformance source is compiled once per session (real C compiler), shared
by the xdist workers (harness.compile_and_load)."""

from __future__ import annotations

import pytest

from .harness import CONFORMANCE, compile_and_load, load_python


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory):
    """pair(name) -> (CPython module, compiled module) for conformance/<name>.py."""
    loaded: dict[str, tuple] = {}

    def get(name: str):
        if name not in loaded:
            src = CONFORMANCE / f"{name}.py"
            loaded[name] = (
                load_python(src, f"pyconf_{name}"),
                compile_and_load(src, f"pvconf_{name}", tmp_path_factory),
            )
        return loaded[name]

    return get

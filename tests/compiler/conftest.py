"""Fixtures: each conformance source is compiled once per session (real C compiler)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import CONFORMANCE, compile_and_load, load_python, shared_cache


@pytest.fixture(scope="session")
def build_area(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return tmp_path_factory.mktemp("pvcompiler") / "out", shared_cache(tmp_path_factory)


@pytest.fixture(scope="session")
def pair(build_area):
    """pair(name) -> (CPython module, compiled module) for conformance/<name>.py."""
    out, cache = build_area
    loaded: dict[str, tuple] = {}

    def get(name: str):
        if name not in loaded:
            src = CONFORMANCE / f"{name}.py"
            loaded[name] = (
                load_python(src, f"pyconf_{name}"),
                compile_and_load(src, f"pvconf_{name}", out, cache),
            )
        return loaded[name]

    return get

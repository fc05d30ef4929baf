"""Fixtures for the verification tests: a project with the ``kernels`` module."""

from __future__ import annotations

from pathlib import Path

import pytest

from .backend import MutantBackend, compile_with, make_context, make_project


@pytest.fixture(autouse=True)
def _allow_project_weakening(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests use small min-inputs and [exhaustive] on purpose: the user's opt-in
    (tests/trust/test_project_settings.py shows the refusal without it)."""
    monkeypatch.setenv("PYVORIN_ALLOW_PROJECT_WEAKENING", "1")


@pytest.fixture
def verify_run(tmp_path: Path):
    """Compile the kernels with the given mutations and verify; (result, report, stats)."""
    from pyvorin.verify.verifier import verify_module

    def run(mutations=(), **project):
        root = tmp_path / f"project{len(list(tmp_path.iterdir()))}"
        module = make_project(root, **project)
        ctx = make_context(root, MutantBackend(list(mutations)))
        compiled = compile_with(ctx, module, tmp_path)
        return verify_module(ctx, module, compiled)

    return run

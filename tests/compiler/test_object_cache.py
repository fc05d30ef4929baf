"""The generic tier's C runtime is compiled once per installation, not once per module.

Its object files go to the build cache under the installation's MAC; a later build links
them; an entry changed by anyone without the MAC key is not used but recompiled.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from pyvorin.compiler import compile_module
from pyvorin.model import ModuleSpec

SOURCE = """\
def f(x):
    try:
        return x + {n}
    except TypeError:
        return None
"""


def _build(tmp_path: Path, n: int, cache: Path):
    work = tmp_path / f"m{n}"
    work.mkdir()
    source = work / f"m{n}.py"
    source.write_text(SOURCE.format(n=n))
    result = compile_module(
        ModuleSpec(f"m{n}", source), work / "out", workdir=work, cache_dir=cache
    )
    spec = importlib.util.spec_from_file_location(f"m{n}", result.artifact)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.f(1) == 1 + n and module.f("a") is None
    return result


def test_runtime_objects_are_reused_and_a_tampered_one_is_recompiled(tmp_path: Path):
    cache = tmp_path / "cache"
    first = _build(tmp_path, 1, cache)
    assert first.facts["tier"] == "generic"
    runtime_units = first.facts["c_units"] - 1
    assert runtime_units >= 3  # the module's unit and every runtime source
    stored = sorted((cache / "objects").rglob("*.so"))
    assert len(stored) == runtime_units
    second = _build(tmp_path, 2, cache)
    assert second.facts["c_units"] == 1  # only the module's own unit was compiled
    victim = stored[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    third = _build(tmp_path, 3, cache)
    assert third.facts["c_units"] == 2  # the tampered object was compiled again
    assert victim.read_bytes() != bytes(data)  # and its entry replaced


def test_release_builds_do_not_use_the_object_cache(tmp_path: Path):
    cache = tmp_path / "cache"
    _build(tmp_path, 1, cache)
    work = tmp_path / "release"
    work.mkdir()
    source = work / "r.py"
    source.write_text(SOURCE.format(n=0))
    result = compile_module(
        ModuleSpec("r", source), work / "out", workdir=work, cache_dir=cache, use_cache=False
    )
    assert result.facts["c_units"] >= 4

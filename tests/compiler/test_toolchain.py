"""Toolchain: real C compiler runs, the build cache, --keep-c, compiler failures."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pyvorin.artifacts import binary_path
from pyvorin.compiler import compile_module, generate_c
from pyvorin.errors import ToolchainError, UnsupportedError
from pyvorin.model import ModuleSpec

from .harness import load_extension

SOURCE = """\
def tri(n: int) -> int:
    total = 0
    for i in range(n + 1):
        total += i
    return total
"""


@pytest.fixture
def module(tmp_path: Path) -> ModuleSpec:
    src = tmp_path / "src" / "tri.py"
    src.parent.mkdir()
    src.write_text(SOURCE)
    return ModuleSpec("pkg.tri", src)


def test_compile_writes_binary_with_full_module_name(module, tmp_path: Path) -> None:
    work = tmp_path / "work"
    result = compile_module(module, tmp_path / "out", workdir=work, cache_dir=tmp_path / "c")
    assert result.artifact == binary_path(tmp_path / "out", "pkg.tri")
    assert result.artifact.is_file() and not result.cached
    assert result.backend == "native"
    facts = result.facts
    for key in (
        "compiler",
        "compiler_version",
        "cflags",
        "ext_suffix",
        "soabi",
        "python",
        "pyvorin_version",
        "source_sha256",
    ):
        assert facts[key], key
    assert "-ffp-contract=off" in facts["cflags"] and "-fno-fast-math" in facts["cflags"]
    assert not any("fast-math" in f and f != "-fno-fast-math" for f in facts["cflags"])
    mod = load_extension(result.artifact, "pkg.tri")
    assert mod.__name__ == "pkg.tri" and mod.tri(100) == 5050
    # no generated C left behind
    assert not list(work.glob("*.c")) and not list(work.glob("*.h"))


def test_cache_hit_on_unchanged_source(module, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = compile_module(module, tmp_path / "o1", workdir=tmp_path / "w1", cache_dir=cache)
    started = time.perf_counter()
    second = compile_module(module, tmp_path / "o2", workdir=tmp_path / "w2", cache_dir=cache)
    elapsed = time.perf_counter() - started
    assert not first.cached and second.cached
    assert second.artifact.read_bytes() == first.artifact.read_bytes()
    assert first.facts["cache_key"] == second.facts["cache_key"]
    print(f"cached recompilation took {elapsed:.4f} s")
    # a changed source is a cache miss
    Path(module.path).write_text(SOURCE.replace("total = 0", "total = 1"))
    third = compile_module(module, tmp_path / "o3", workdir=tmp_path / "w3", cache_dir=cache)
    assert not third.cached and third.facts["cache_key"] != first.facts["cache_key"]


def test_corrupted_cache_entry_is_rebuilt(module, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = compile_module(module, tmp_path / "o1", workdir=tmp_path / "w", cache_dir=cache)
    entry = next(cache.rglob("*.so"))
    entry.write_bytes(b"not an extension module")
    second = compile_module(module, tmp_path / "o2", workdir=tmp_path / "w", cache_dir=cache)
    assert not second.cached
    assert second.artifact.read_bytes() == first.artifact.read_bytes()
    assert compile_module(module, tmp_path / "o3", workdir=tmp_path / "w", cache_dir=cache).cached


def test_default_cache_is_under_pyvorin_home(module, tmp_path: Path, pyvorin_home) -> None:
    compile_module(module, tmp_path / "o", workdir=tmp_path / "w")
    again = compile_module(module, tmp_path / "o", workdir=tmp_path / "w")
    assert again.cached
    # the module's own entry (the C runtime's objects are under objects/, tests/buildcache.py)
    key = again.facts["cache_key"]
    assert (pyvorin_home / "cache" / "native" / key[:2] / f"{key}.so").is_file()


def test_keep_c(module, tmp_path: Path) -> None:
    keep = tmp_path / "keep"
    compile_module(
        module, tmp_path / "o", workdir=tmp_path / "w", keep_c=keep, cache_dir=tmp_path / "c"
    )
    c_file = keep / "tri.c"
    assert c_file.is_file() and (keep / "pyvorin_rt.h").is_file()
    assert "PyInit_tri" in c_file.read_text()
    assert not list((tmp_path / "w").glob("*.c"))


def test_missing_compiler(module, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(ToolchainError) as info:
        compile_module(module, tmp_path / "o", workdir=tmp_path / "w", cache_dir=tmp_path / "c")
    assert "no C compiler found" in str(info.value) and "/nonexistent/cc" in str(info.value)


def test_compiler_error_shows_compiler_output(module, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CC", "cc -include /nonexistent/missing.h")
    with pytest.raises(ToolchainError) as info:
        compile_module(module, tmp_path / "o", workdir=tmp_path / "w", cache_dir=tmp_path / "c")
    text = str(info.value)
    assert "the C compiler failed" in text and "missing.h" in text
    assert "No such file or directory" in text
    assert not binary_path(tmp_path / "o", "pkg.tri").exists()


def test_run_command_injection(module, tmp_path: Path) -> None:
    from pyvorin.compiler.toolchain import default_run_command

    calls = []

    def run(argv, cwd):
        calls.append(list(argv))
        return default_run_command(argv, cwd)

    result = compile_module(
        module, tmp_path / "o", workdir=tmp_path / "w", cache_dir=tmp_path / "c", run_command=run
    )
    assert result.artifact.is_file()
    assert any(str(a).endswith("tri.c") for a in calls[-1])


def test_unsupported_source_raises_with_diagnostics(tmp_path: Path) -> None:
    src = tmp_path / "bad.py"
    src.write_text("import os\ndef f(x) -> int:\n    return eval(x)\n")
    with pytest.raises(UnsupportedError) as info:
        generate_c(ModuleSpec("bad", src))
    assert [(d.code, d.line) for d in info.value.diagnostics] == [("PV401", 3)]


def test_relative_work_and_output_directories(
    module, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = compile_module(
        module, Path("rel-out"), workdir=Path("rel-work"), cache_dir=tmp_path / "c"
    )
    assert result.artifact.is_file()
    assert load_extension(result.artifact.resolve(), "pkg.tri").tri(10) == 55

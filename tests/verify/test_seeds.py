"""Per-build seeds: a new seed each build unless one is given, recorded, reproducible."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from pyvorin.verify.generate import targeted
from pyvorin.verify.signature import parse_functions
from pyvorin.verify.verifier import verify_module

from .backend import KERNELS, MutantBackend, compile_with, make_context, make_project

MEAN_BUG = [("return s / len(xs)", "return s * (1.0 / len(xs))")]


def build(root: Path, out: str, seed_option: int | None = None):
    module = make_project(root, seed=None, min_inputs=30)
    ctx = make_context(root, MutantBackend(MEAN_BUG), out=root / out)
    if seed_option is not None:
        options = dataclasses.replace(ctx.options, verify_seed=seed_option)
        ctx = dataclasses.replace(ctx, options=options)
    result, report, _ = verify_module(ctx, module, compile_with(ctx, module, root))
    mean = next(f for f in report["functions"] if f["name"] == "mean")
    seeded = [f["input"]["call"] for f in mean["findings"] if "seeded" in f["origin"]]
    return result, report, seeded


def test_each_build_draws_a_seed_and_the_seed_reproduces_it(tmp_path: Path):
    first, report1, seeded1 = build(tmp_path / "p", "out1")
    second, report2, seeded2 = build(tmp_path / "p", "out2")
    assert report1["seed_source"] == report2["seed_source"] == "per-build"
    assert first.summary["seed"] != second.summary["seed"]  # 1 in 2**32 to collide
    assert seeded1 and seeded2 and seeded1 != seeded2
    assert "reproduce with --seed" in first.message

    _, report3, seeded3 = build(tmp_path / "p", "out3", seed_option=first.summary["seed"])
    assert report3["seed"] == first.summary["seed"] and report3["seed_source"] == "--seed"
    assert seeded3 == seeded1  # the same seed: the same generated inputs, the same findings


def test_the_targeted_set_is_the_same_whatever_the_seed():
    functions = parse_functions("kernels", KERNELS)
    for function in functions:
        assert [c.key for c in targeted(function)] == [c.key for c in targeted(function)]


def test_cli_seed_option_is_recorded_in_the_manifest(tmp_path: Path):
    from tests.helpers import run_cli

    (tmp_path / "mod.py").write_text("def double(n: int) -> int:\n    return n * 2\n")
    proc = run_cli("compile", "mod.py", "-o", "out", "--seed", "4242", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = json.loads((tmp_path / "out" / "mod.pyvorin.json").read_text())
    record = manifest["verification"]
    assert record["seed"] == 4242 and record["seed_source"] == "--seed"
    assert record["verifier"]["name"] == "pyvorin.verify"
    report = (tmp_path / "out" / record["report"]).read_bytes()
    import hashlib

    assert record["report_sha256"] == hashlib.sha256(report).hexdigest()
    assert record["coverage"]["lowest_percent"] == 100.0
    proc = run_cli("compile", "mod.py", "-o", "out2", "--seed", "-1", cwd=tmp_path)
    assert proc.returncode == 2 and "--seed" in proc.stderr

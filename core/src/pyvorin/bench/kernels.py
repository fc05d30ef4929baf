"""Benchmark kernels: plain typed modules with ``main(n)``, ``BENCH_SIZE`` and
``QUICK_SIZE``, found and checked."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .common import ENTRY


class KernelError(UsageError):
    """A kernel file does not follow the benchmark conventions (exit 2)."""


@dataclass(frozen=True)
class Kernel:
    name: str
    path: Path
    size: int
    quick_size: int
    doc: str = ""
    suite: str = ""  # "" for benchmarks/kernels/*.py, else the subdirectory (e.g. "objects")


def _int_constant(tree: ast.Module, name: str, path: Path) -> int:
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == name:
            if isinstance(value, ast.Constant) and type(value.value) is int and value.value > 0:
                return value.value
            raise KernelError(f"{path}:{node.lineno}: {name} must be a positive int literal")
    raise KernelError(f"{path}: kernel has no module-level {name} = <int> constant")


def load_kernel(path: Path) -> Kernel:
    """Read a kernel's conventions (entry function, sizes) without importing it."""
    path = Path(path)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KernelError(f"{path}: cannot read kernel: {exc.strerror or exc}") from None
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        raise KernelError(f"{path}:{exc.lineno}: kernel is not valid Python: {exc.msg}") from None
    if not path.stem.isidentifier():
        raise KernelError(f"{path}: kernel file name {path.stem!r} is not a module name")
    entry = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == ENTRY]
    if not entry:
        raise KernelError(f"{path}: kernel has no entry function {ENTRY}(n: int)")
    args = entry[0].args
    if len(args.posonlyargs) + len(args.args) != 1:
        raise KernelError(
            f"{path}:{entry[0].lineno}: entry function {ENTRY} must take exactly one "
            "parameter, the size"
        )
    size = _int_constant(tree, "BENCH_SIZE", path)
    quick = _int_constant(tree, "QUICK_SIZE", path)
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    return Kernel(path.stem, path, size, quick, doc[0] if doc else "")


def _kernel_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.py") if not p.name.startswith("_") and p.is_file())


def discover_kernels(directory: Path) -> list[Kernel]:
    """The kernels of ``directory``, then those of each subdirectory (a suite, by name).

    ``benchmarks/kernels/*.py`` are the numeric kernels; ``benchmarks/kernels/objects/``
    holds kernels that use classes, dicts and strings. Kernel names are unique across suites.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise KernelError(f"{directory}: kernel directory does not exist")
    directory = directory.resolve()
    kernels = [load_kernel(p) for p in _kernel_files(directory)]
    for suite in sorted(d for d in directory.iterdir() if d.is_dir()):
        if suite.name.startswith(("_", ".")):
            continue
        for path in _kernel_files(suite):
            kernels.append(dataclasses.replace(load_kernel(path), suite=suite.name))
    if not kernels:
        raise KernelError(f"{directory}: no kernel files (*.py) found")
    seen: dict[str, Path] = {}
    for kernel in kernels:
        if kernel.name in seen:
            raise KernelError(
                f"{kernel.path}: kernel name {kernel.name!r} is already used by {seen[kernel.name]}"
            )
        seen[kernel.name] = kernel.path
    return kernels


def default_kernels_dir(start: Path | None = None) -> Path | None:
    """``benchmarks/kernels`` in the current directory or a parent, else the source tree's."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "benchmarks" / "kernels"
        if candidate.is_dir():
            return candidate
    # An editable/source checkout: core/src/pyvorin/bench.py -> <repo>/benchmarks/kernels
    candidate = Path(__file__).resolve().parents[3] / "benchmarks" / "kernels"
    return candidate if candidate.is_dir() else None


def select_kernels(kernels: Sequence[Kernel], names: Iterable[str]) -> list[Kernel]:
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return list(kernels)
    by_name = {k.name: k for k in kernels}
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise UsageError(
            f"unknown kernel {', '.join(repr(n) for n in unknown)}; "
            f"available: {', '.join(sorted(by_name))}"
        )
    return [by_name[n] for n in wanted]

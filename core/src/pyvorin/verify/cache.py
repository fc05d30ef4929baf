"""Reuse: verification outcomes cached per function, so an unchanged module re-verifies fast.

A function's outcome is reused when nothing that could change it has changed. Its key is
the sha256 of:

* the verifier (its version and the edge values it derives from the runtime header);
* the compiler's identity: the sha256 of every source file of ``pyvorin.compiler`` (code
  generator, C runtime, frontend, ...), the backend name and the C toolchain facts; for a
  backend other than the built-in ``native`` one, the sha256 of the whole artifact;
* the function's own source, the sources of every module function it calls (directly or
  through others: a changed callee re-verifies its callers), and the module's top-level
  code that is not a function (imports, constants, classes); a method's own source is its
  whole class (its ``__init__`` builds the instance the method is called on);
* the sha256 of each sibling module whose classes its parameters are built from
  (:mod:`.objects`): a changed ``__init__`` there changes its inputs;
* its chosen inputs (examples, doctests, recorded calls, exactly as encoded) and the
  settings that shape the rest (min-inputs, call-seconds, memory-mb, min-coverage,
  ``--release``); an explicit seed (``--seed`` or configured) is part of the key, a
  per-build seed is not (any seed is as good as another: the cached outcome records the
  one it used).

Only passed outcomes are stored: a failing function always runs again. Entries live in
``$PYVORIN_HOME/cache/verify/<key[:2]>/<key>.json``; a corrupt or foreign entry is ignored
(and replaced), never trusted for anything but a skip of work the build would redo anyway.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .. import __version__

FORMAT = "pyvorin-verify-cache"
# the facts of a build that say which compiler made it (not where or from what source)
TOOLCHAIN_FACTS = (
    "backend", "compiler", "compiler_version", "cflags", "ldflags", "ext_suffix", "soabi",
    "python", "implementation", "pyvorin_version",
)  # fmt: skip
VERSION = 1


@functools.lru_cache(maxsize=4)
def compiler_identity(package: Path | None = None) -> str:
    """sha256 over the compiler package's source files (names and contents)."""
    root = package or Path(__file__).resolve().parent.parent / "compiler"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".h", ".c")
            and "__pycache__" not in path.parts
        ):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def verifier_identity() -> str:
    from .boundaries import float_classes, header_facts, int_classes

    digest = hashlib.sha256(f"{__version__}:{FORMAT}:{VERSION}".encode())
    digest.update(repr(header_facts()).encode())
    digest.update(repr(sorted(int_classes().items())).encode())
    digest.update(repr([(k, [v.hex() for v in vs]) for k, vs in float_classes().items()]).encode())
    own = Path(__file__).resolve().parent
    for path in sorted(own.glob("*.py")):
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class SourceSlices:
    """Each top-level function's source, its callees in the module, and the rest."""

    def __init__(self, source: str) -> None:
        tree = ast.parse(source)
        self.functions: dict[str, str] = {}
        self.calls: dict[str, set[str]] = {}
        others = []
        for node in tree.body:
            text = ast.get_source_segment(source, node) or ast.dump(node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                decorators = "".join(
                    (ast.get_source_segment(source, d) or "") + "\n" for d in node.decorator_list
                )
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[node.name] = decorators + text
                self.calls[node.name] = names
                continue
            others.append(text)
            if isinstance(node, ast.ClassDef):
                # a method's outcome depends on its whole class (its __init__ builds the
                # instance, its other methods are called): its slice is the class, and
                # the module functions the class calls are its callees
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self.functions[f"{node.name}.{item.name}"] = decorators + text
                        self.calls[f"{node.name}.{item.name}"] = names
        self.module_code = "\n".join(others)

    def closure(self, name: str) -> list[str]:
        """``name`` and every module function it reaches through calls, sorted."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.functions:
                continue
            seen.add(current)
            todo.extend(self.calls.get(current, ()))
        return sorted(seen)


def function_key(
    *,
    artifact: str | None,
    slices: SourceSlices,
    function: str,
    module: str,
    backend: str,
    toolchain: dict[str, Any],
    chosen_inputs: list[str],
    settings: dict[str, Any],
    explicit_seed: int | None,
    siblings: dict[str, str] | None = None,
) -> str:
    facts = {k: toolchain.get(k) for k in TOOLCHAIN_FACTS}
    material = {
        "verifier": verifier_identity(),
        "artifact": artifact,
        "compiler": compiler_identity(),
        "backend": backend,
        "toolchain": facts,
        "module": module,
        "function": function,
        "sources": {name: slices.functions[name] for name in slices.closure(function)},
        "module_code": slices.module_code,
        "inputs": chosen_inputs,
        "settings": settings,
        "seed": explicit_seed,
        "siblings": siblings or {},
    }
    text = json.dumps(material, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class OutcomeCache:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or data.get("version") != VERSION
            or data.get("key") != key
            or not isinstance(data.get("entry"), dict)
            or data["entry"].get("result") != "passed"
        ):
            return None
        return data

    def put(self, key: str, entry: dict[str, Any], seed: int) -> None:
        if entry.get("result") != "passed":
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "version": VERSION, "key": key, "seed": seed, "entry": entry}
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, sort_keys=True)
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


__all__ = ["OutcomeCache", "SourceSlices", "compiler_identity", "function_key"]

"""Input source 3: the recorded corpus, a versioned JSON file of real calls.

Written by :mod:`pyvorin.verify.recorder` while a project's own tests run; read here.
Format (no pickle; values tagged as in :mod:`pyvorin.verify.values`)::

    {
      "format": "pyvorin-corpus",
      "version": 1,
      "functions": {
        "pkg.mod:f": [ {"args": [{"int": "3"}, {"float": "0x1.4000000000000p+1"}],
                        "kwargs": {}} ]
      }
    }

Entries that no longer match the function's signature (the source changed since they
were recorded) are left out and reported through the build's progress output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..home import atomic_write
from ..hookspecs import hookimpl
from ..model import BuildContext, ModuleSpec
from .inputs import InputCase
from .signature import FunctionInfo
from .values import ValueFormatError, decode

FORMAT = "pyvorin-corpus"
VERSION = 1
_cache: dict[tuple[str, int, int], dict[str, list[dict[str, Any]]]] = {}


def corpus_file(ctx: BuildContext) -> Path:
    return (ctx.settings.root / ctx.settings["verify.corpus"]).resolve()


def empty() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "functions": {}}


def read_corpus(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The recorded calls by ``module:function``; a missing file is an empty corpus."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    cache_key = (str(path), stat.st_size, stat.st_mtime_ns)
    if cache_key in _cache:
        return _cache[cache_key]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: not a readable pyvorin corpus: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ConfigError(f'{path}: not a pyvorin corpus (expected "format": {FORMAT!r})')
    version = document.get("version")
    if version != VERSION:
        raise ConfigError(
            f"{path}: corpus version {version!r} is not supported (this pyvorin reads "
            f"version {VERSION}); record the corpus again"
        )
    functions = document.get("functions")
    if not isinstance(functions, dict) or not all(isinstance(v, list) for v in functions.values()):
        raise ConfigError(f'{path}: "functions" must map "module:function" to arrays')
    _cache.clear()
    _cache[cache_key] = functions
    return functions


def write_corpus(path: Path, functions: dict[str, list[dict[str, Any]]]) -> None:
    document = empty()
    document["functions"] = {name: functions[name] for name in sorted(functions)}
    data = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(Path(path), data.encode("utf-8"))


def cases_for(path: Path, function: FunctionInfo) -> tuple[list[InputCase], int]:
    """The corpus inputs of ``function`` and how many entries were stale or malformed."""
    entries = read_corpus(path).get(function.qualname, [])
    cases, stale = [], 0
    for number, entry in enumerate(entries, start=1):
        try:
            args = tuple(decode(a) for a in entry["args"])
            kwargs = {k: decode(v) for k, v in entry.get("kwargs", {}).items()}
        except (ValueFormatError, KeyError, TypeError, AttributeError, RecursionError):
            stale += 1
            continue
        bound = function.bind(args, kwargs)
        if isinstance(bound, str):
            stale += 1
            continue
        cases.append(InputCase(bound[0], bound[1], "corpus", f"{path.name} #{number}"))
    return cases, stale


@hookimpl
def pyvorin_generate_inputs(
    ctx: BuildContext, module: ModuleSpec, function: FunctionInfo
) -> list[InputCase]:
    path = corpus_file(ctx)
    cases, stale = cases_for(path, function)
    if stale:
        ctx.progress(
            f"{function.qualname}: {stale} recorded call(s) in {path} no longer match "
            f"{function.signature_text()}; left out"
        )
    return cases

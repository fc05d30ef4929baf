"""The recorder: captures the arguments of real calls while a project's tests run.

Usage (the pytest adapter does this around a test session)::

    from pyvorin.verify.recorder import Recorder

    recorder = Recorder({"pkg.mod": Path("src/pkg/mod.py")}, corpus=Path(".pyvorin/corpus.json"))
    recorder.start()        # wraps the modules' top-level functions, now and on import
    ...                     # run the tests
    recorder.stop()         # unwraps everything
    recorder.save()         # merges into the corpus file (versioned JSON, no pickle)

Arguments are deep-copied *before* the call, so a function that mutates its list
argument records the list as it was passed. Only calls whose arguments are all of the
verifiable types (int, float, bool, None, str, bytes, bytearray, list, tuple, dict) are
recorded; duplicates are
recorded once, and at most ``limit`` calls per function are kept.

Functions are wrapped where they live (the module's attribute), so ``import mod;
mod.f()`` and ``from mod import f`` after :meth:`start` both go through the wrapper; a
reference taken before :meth:`start` is not recorded. Modules imported later are wrapped
when their import finishes (an import hook on ``sys.meta_path``).
"""

from __future__ import annotations

import copy
import functools
import importlib.abc
import sys
import threading
import types
from pathlib import Path
from typing import Any

from . import corpus as corpus_mod
from .values import ValueFormatError, decode, dumps, encode

DEFAULT_LIMIT = 1000
_RECORDABLE = (type(None), bool, int, float, str, bytes, bytearray, list, tuple, dict)


def _recordable(value: Any, depth: int = 0) -> bool:
    if depth > 50 or type(value) not in _RECORDABLE:
        return False
    if isinstance(value, (list, tuple)):
        return all(_recordable(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return all(_recordable(v, depth + 1) for pair in value.items() for v in pair)
    return True


def _canonical(entry: dict[str, Any]) -> str:
    """The canonical text of a corpus entry (so ``0x1.0p+0`` equals ``0x1.0000000000000p+0``)."""
    try:
        return dumps(
            {
                "args": [encode(decode(a)) for a in entry["args"]],
                "kwargs": {k: encode(decode(v)) for k, v in entry.get("kwargs", {}).items()},
            }
        )
    except (ValueFormatError, KeyError, TypeError, AttributeError):
        return dumps(entry)


class _ImportHook(importlib.abc.MetaPathFinder):
    """Wraps a watched module's functions as soon as its import has executed it."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname not in self.recorder.modules:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _RecordingLoader(spec.loader, self.recorder)
                return spec
        return None


class _RecordingLoader(importlib.abc.Loader):
    """Delegates to the real loader; wraps the functions once the module has executed."""

    def __init__(self, loader: Any, recorder: Recorder) -> None:
        self._loader = loader
        self._recorder = recorder

    def create_module(self, spec):  # type: ignore[no-untyped-def]
        return self._loader.create_module(spec)

    def exec_module(self, module):  # type: ignore[no-untyped-def]
        self._loader.exec_module(module)
        self._recorder._wrap_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class Recorder:
    """Records calls to the top-level functions of the watched modules."""

    def __init__(
        self,
        modules: dict[str, Path | None] | list[str],
        corpus: Path,
        limit: int = DEFAULT_LIMIT,
    ) -> None:
        self.modules = dict.fromkeys(modules) if isinstance(modules, list) else dict(modules)
        self.corpus = Path(corpus)
        self.limit = limit
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self._seen: dict[str, set[str]] = {}
        self.skipped = 0
        self._lock = threading.Lock()
        self._wrapped: list[tuple[types.ModuleType, str, Any]] = []
        self._hook: _ImportHook | None = None

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> Recorder:
        for name in self.modules:
            module = sys.modules.get(name)
            if module is not None:
                self._wrap_module(module)
        self._hook = _ImportHook(self)
        sys.meta_path.insert(0, self._hook)
        return self

    def stop(self) -> None:
        if self._hook is not None and self._hook in sys.meta_path:
            sys.meta_path.remove(self._hook)
        self._hook = None
        for module, name, original in reversed(self._wrapped):
            if getattr(getattr(module, name, None), "__pyvorin_recorder__", None) is self:
                setattr(module, name, original)
        self._wrapped.clear()

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- wrapping ---------------------------------------------------------------------
    def _wrap_module(self, module: types.ModuleType) -> None:
        for name, value in list(vars(module).items()):
            if (
                isinstance(value, types.FunctionType)
                and value.__module__ == module.__name__
                and value.__qualname__ == name
                and getattr(value, "__pyvorin_recorder__", None) is not self
            ):
                wrapper = self._wrapper(module.__name__, value)
                setattr(module, name, wrapper)
                self._wrapped.append((module, name, value))

    def _wrapper(self, module_name: str, function: Any) -> Any:
        qualname = f"{module_name}:{function.__name__}"
        recorder = self

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            recorder._record(qualname, args, kwargs)
            return function(*args, **kwargs)

        wrapper.__pyvorin_recorder__ = recorder  # type: ignore[attr-defined]
        return wrapper

    def _record(self, qualname: str, args: tuple, kwargs: dict[str, Any]) -> None:
        try:
            if not (_recordable(args) and _recordable(tuple(kwargs.values()))):
                self.skipped += 1
                return
            args, kwargs = copy.deepcopy((args, kwargs))
            entry = {
                "args": [encode(a) for a in args],
                "kwargs": {k: encode(v) for k, v in sorted(kwargs.items())},
            }
        except Exception:  # recording must never change what the test observes
            self.skipped += 1
            return
        text = dumps(entry)
        with self._lock:
            seen = self._seen.setdefault(qualname, set())
            calls = self.calls.setdefault(qualname, [])
            if text in seen or len(calls) >= self.limit:
                return
            seen.add(text)
            calls.append(entry)

    # -- output -----------------------------------------------------------------------
    def save(self) -> Path:
        """Merge the recorded calls into the corpus file (existing entries kept first)."""
        existing = corpus_mod.read_corpus(self.corpus) if self.corpus.exists() else {}
        merged: dict[str, list[dict[str, Any]]] = {k: list(v) for k, v in existing.items()}
        for qualname, calls in self.calls.items():
            entries = merged.setdefault(qualname, [])
            seen = {_canonical(e) for e in entries}
            for entry in calls:
                if len(entries) >= self.limit:
                    break
                if _canonical(entry) not in seen:
                    seen.add(_canonical(entry))
                    entries.append(entry)
        corpus_mod.write_corpus(self.corpus, merged)
        return self.corpus

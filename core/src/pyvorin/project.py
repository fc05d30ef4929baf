"""Resolve ``[tool.pyvorin] modules`` entries to source files and module names."""

from __future__ import annotations

import glob
from pathlib import Path

from .config import ROOT, Settings, interpreted_entry
from .errors import ConfigError
from .model import ModuleSpec


def _source_roots(root: Path) -> list[Path]:
    roots = [root / "src"] if (root / "src").is_dir() else []
    return [*roots, root]


def module_name_for(path: Path, root: Path) -> str:
    """The dotted name of ``path``: relative to ``src/`` if present, else the project root."""
    path = path.resolve()
    for base in _source_roots(root.resolve()):
        try:
            relative = path.relative_to(base)
        except ValueError:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)
    return path.stem


def spec_for_file(path: Path, root: Path | None = None) -> ModuleSpec:
    """A ModuleSpec for a file named on the command line."""
    path = Path(path)
    if path.suffix != ".py":
        raise ConfigError(f"{path}: expected a Python source file ending in .py")
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    name = module_name_for(path, root) if root else path.stem
    return ModuleSpec(name=name, path=path.resolve())


def resolve_modules(settings: Settings) -> list[ModuleSpec]:
    """Every module named by ``[tool.pyvorin] modules``, in order, without duplicates."""
    root = settings.root
    where = settings.file or root
    specs: dict[Path, ModuleSpec] = {}
    for entry in settings["modules"]:
        if entry.endswith(".py") or any(ch in entry for ch in "*?[/"):
            matches = sorted(Path(p) for p in glob.glob(str(root / entry), recursive=True))
            matches = [m for m in matches if m.suffix == ".py" and m.is_file()]
            if not matches:
                raise ConfigError(f"{where}: {ROOT}.modules: {entry!r} matches no .py file")
            for match in matches:
                specs.setdefault(
                    match.resolve(), ModuleSpec(module_name_for(match, root), match.resolve())
                )
            continue
        relative = Path(*entry.split("."))
        candidates = [base / relative.with_suffix(".py") for base in _source_roots(root)] + [
            base / relative / "__init__.py" for base in _source_roots(root)
        ]
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ConfigError(
                f"{where}: {ROOT}.modules: module {entry!r} not found "
                f"(looked for {', '.join(str(c.relative_to(root)) for c in candidates)})"
            )
        specs.setdefault(found.resolve(), ModuleSpec(entry, found.resolve()))
    _check_interpreted_modules(settings, {spec.name for spec in specs.values()})
    return list(specs.values())


def _check_interpreted_modules(settings: Settings, names: set[str]) -> None:
    """An ``interpreted`` entry for a module the project does not build is a mistake (a
    typo would otherwise leave the declaration silently unused)."""
    for entry in settings["interpreted"]:
        module, _ = interpreted_entry(entry)
        if module not in names:
            raise ConfigError(
                f"{settings.file or settings.root}: {ROOT}.interpreted: entry {entry!r}: "
                f"{module} is not in {ROOT}.modules ({', '.join(sorted(names)) or 'none'})"
            )

"""PEP 517/660 backend: setuptools' own, plus Pyvorin options from ``config_settings``.

Use it for projects that want to pass options at build time::

    [build-system]
    requires = ["setuptools>=70.1", "pyvorin-setuptools"]
    build-backend = "pyvorin_setuptools.build_meta"

    python -m build --wheel -C pyvorin-include-source=true

Every hook delegates to :mod:`setuptools.build_meta`; the ``pyvorin-*`` keys are taken
out of ``config_settings`` and handed to the ``build_py`` command of
:mod:`pyvorin_setuptools.plugin` (setuptools runs the build in this process). Unknown
``pyvorin-*`` keys are refused with their name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from setuptools import build_meta as _backend

from . import plugin

KNOWN_OPTIONS = ("pyvorin-include-source",)

__all__ = [
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]


def split_settings(
    config_settings: Mapping[str, Any] | None,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Split ``config_settings`` into (Pyvorin options, what setuptools receives)."""
    if not config_settings:
        return {}, None if config_settings is None else dict(config_settings)
    ours: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in config_settings.items():
        if key.startswith("pyvorin-"):
            if key not in KNOWN_OPTIONS:
                print(
                    f"pyvorin: error: config setting {key!r} is not known "
                    f"(known: {', '.join(KNOWN_OPTIONS)})",
                    file=sys.stderr,
                    flush=True,
                )
                raise SystemExit(2)
            ours[key] = value
        else:
            rest[key] = value
    return ours, rest


@contextmanager
def _options(config_settings: Mapping[str, Any] | None) -> Iterator[dict[str, Any] | None]:
    ours, rest = split_settings(config_settings)
    saved = dict(plugin.OPTIONS)
    plugin.OPTIONS.clear()
    plugin.OPTIONS.update(ours)
    try:
        yield rest
    finally:
        plugin.OPTIONS.clear()
        plugin.OPTIONS.update(saved)


def get_requires_for_build_wheel(config_settings: Mapping[str, Any] | None = None) -> list[str]:
    with _options(config_settings) as rest:
        return _backend.get_requires_for_build_wheel(rest)


def get_requires_for_build_sdist(config_settings: Mapping[str, Any] | None = None) -> list[str]:
    with _options(config_settings) as rest:
        return _backend.get_requires_for_build_sdist(rest)


def get_requires_for_build_editable(
    config_settings: Mapping[str, Any] | None = None,
) -> list[str]:
    with _options(config_settings) as rest:
        return _backend.get_requires_for_build_editable(rest)


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: Mapping[str, Any] | None = None
) -> str:
    with _options(config_settings) as rest:
        return _backend.prepare_metadata_for_build_wheel(metadata_directory, rest)


def prepare_metadata_for_build_editable(
    metadata_directory: str, config_settings: Mapping[str, Any] | None = None
) -> str:
    with _options(config_settings) as rest:
        return _backend.prepare_metadata_for_build_editable(metadata_directory, rest)


def build_wheel(
    wheel_directory: str,
    config_settings: Mapping[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    with _options(config_settings) as rest:
        return _backend.build_wheel(wheel_directory, rest, metadata_directory)


def build_sdist(sdist_directory: str, config_settings: Mapping[str, Any] | None = None) -> str:
    with _options(config_settings) as rest:
        return _backend.build_sdist(sdist_directory, rest)


def build_editable(
    wheel_directory: str,
    config_settings: Mapping[str, Any] | None = None,
    metadata_directory: str | None = None,
) -> str:
    with _options(config_settings) as rest:
        return _backend.build_editable(wheel_directory, rest, metadata_directory)

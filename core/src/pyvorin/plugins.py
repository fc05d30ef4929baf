"""The plugin manager: built-in stages and allowed third-party plugins.

Built-in stage plugins are registered exactly like third-party ones. Third-party plugins
come from the entry-point group ``pyvorin`` and load only when allowed, because they run
in the same process as licence and signing keys:

* ``[tool.pyvorin] plugins = ["name", ...]`` or ``PYVORIN_PLUGINS=name,name`` allow them
  by entry-point name;
* ``PYVORIN_DISABLE_PLUGIN_AUTOLOAD=1`` loads none at all.

Every installed plugin that is not loaded is reported with the reason, never dropped
silently (``pyvorin plugins``).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata

import pluggy

from . import __version__, hookspecs
from .errors import ConfigError, PyvorinError

ENTRY_POINT_GROUP = "pyvorin"

# Modules whose hook implementations form the built-in stages, in registration order.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "pyvorin.audit",
    "pyvorin.licensing.gate",
    "pyvorin.compiler.plugin",
    "pyvorin.signing.plugin",
    "pyvorin.verify.verifier",
    "pyvorin.verify.examples",
    "pyvorin.verify.doctests",
    "pyvorin.verify.corpus",
    "pyvorin.verify.generate",
)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    origin: str  # "builtin" or "entry-point"
    distribution: str
    version: str
    status: str  # "loaded" | "skipped"
    reason: str = ""
    hooks: tuple[str, ...] = ()


def _hooks_of(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    callers = pm.get_hookcallers(plugin) or []
    return tuple(sorted(caller.name for caller in callers))


def _allowed_names(allow_list: list[str], env: Mapping[str, str]) -> list[str]:
    names = list(allow_list)
    for name in env.get("PYVORIN_PLUGINS", "").split(","):
        if name.strip() and name.strip() not in names:
            names.append(name.strip())
    return names


def build_plugin_manager(
    allow_list: list[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[pluggy.PluginManager, list[PluginInfo]]:
    """Create the plugin manager and report on every plugin, loaded or skipped."""
    env = os.environ if env is None else env
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    infos: list[PluginInfo] = []

    for module_name in BUILTIN_PLUGINS:
        module = importlib.import_module(module_name)
        pm.register(module, name=module_name)
        infos.append(
            PluginInfo(
                module_name, "builtin", "pyvorin", __version__, "loaded", "", _hooks_of(pm, module)
            )
        )

    allowed = _allowed_names(allow_list or [], env)
    autoload_disabled = env.get("PYVORIN_DISABLE_PLUGIN_AUTOLOAD", "") not in ("", "0")
    entry_points = sorted(
        metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: (ep.name, ep.value)
    )
    found = set()
    for ep in entry_points:
        found.add(ep.name)
        dist = ep.dist.name if ep.dist is not None else "?"
        version = ep.dist.version if ep.dist is not None else "?"
        if autoload_disabled:
            reason = "PYVORIN_DISABLE_PLUGIN_AUTOLOAD is set"
        elif ep.name not in allowed:
            reason = (
                f"not in the allow-list; add {ep.name!r} to [tool.pyvorin] plugins "
                "or PYVORIN_PLUGINS to load it"
            )
        else:
            reason = ""
        if reason:
            infos.append(PluginInfo(ep.name, "entry-point", dist, version, "skipped", reason))
            continue
        try:
            plugin = ep.load()
        except Exception as exc:  # a broken plugin must name itself
            raise PyvorinError(
                f"plugin {ep.name!r} from {dist} {version} failed to load: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        try:
            pm.register(plugin, name=f"{ENTRY_POINT_GROUP}:{ep.name}")
        except pluggy.PluginValidationError as exc:
            raise ConfigError(
                f"plugin {ep.name!r} from {dist} {version} is invalid: {exc}"
            ) from exc
        infos.append(
            PluginInfo(ep.name, "entry-point", dist, version, "loaded", "", _hooks_of(pm, plugin))
        )

    if not autoload_disabled:
        missing = [name for name in allowed if name not in found]
        if missing:
            raise ConfigError(
                f"allowed plugin(s) {', '.join(map(repr, missing))} not installed: no "
                f"distribution provides them in the entry-point group {ENTRY_POINT_GROUP!r}"
            )

    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigError(f"a plugin implements a hook that does not exist: {exc}") from exc
    return pm, infos

"""The server's plugin hooks (pluggy), entry-point group ``pyvorin_server``.

* ``pyvorin_server_kek_provider(name, config)``: return a key-encryption-key provider
  (an object with ``name``, ``current() -> (id, 32 bytes)`` and ``get(id) -> 32 bytes``)
  when ``PYVORIN_SERVER_KEK_PROVIDER`` names yours, e.g. a KMS; else None.
* ``pyvorin_server_alert_sinks(config)``: return a list of alert sinks (objects with
  ``name`` and ``deliver(alert: dict) -> None``) to add to the configured ones.

The built-in providers (file, env) and sinks (log, webhook) are not plugins of this
manager; they are selected by configuration, and plugins add to them.
"""

from __future__ import annotations

import functools
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("pyvorin_server")
hookimpl = pluggy.HookimplMarker("pyvorin_server")


class ServerHooks:
    @hookspec
    def pyvorin_server_kek_provider(self, name: str, config: Any) -> Any:
        """A KEK provider for ``name``, or None."""

    @hookspec
    def pyvorin_server_alert_sinks(self, config: Any) -> list[Any]:
        """Extra alert sinks."""


@functools.lru_cache(maxsize=1)
def plugin_manager() -> pluggy.PluginManager:
    manager = pluggy.PluginManager("pyvorin_server")
    manager.add_hookspecs(ServerHooks)
    manager.load_setuptools_entrypoints("pyvorin_server")
    return manager

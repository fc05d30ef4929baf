"""Build numbers on the signing side: which distribution a module is built for, its number.

Every manifest carries ``distribution`` and ``build_number`` (signed with the rest); the
runtime refuses a build lower than one of the same distribution and signing key it has
already loaded (:mod:`pyvorin_runtime.builds`).

* The **distribution** is the name of the project being built, normalised as in PEP 503:
  the name the adapter passes (its host's project metadata), else the ``[project] name``
  of the ``pyproject.toml`` whose ``[tool.pyvorin]`` settings apply, else the module's
  top-level package (a plain ``pyvorin compile`` outside a project).
* The **build number** is ``--build-number`` / ``[tool.pyvorin.signing] build-number`` /
  ``PYVORIN_BUILD_NUMBER`` when given (CI release pipelines, whose runner starts with
  no state, pass their run number); otherwise this installation's counter for (signing
  key id, distribution), plus one. The counter lives in
  ``PYVORIN_HOME/signing/build-numbers.json`` (0600), updated under an exclusive lock
  with an atomic replace; an explicit number moves it up to that number, never down.
  One run signs every module of a distribution with the same number
  (``BuildContext.build_numbers``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pyvorin_runtime.builds import (
    fallback_distribution,
    is_build_number,
    is_distribution,
    normalize_distribution,
)

from ..errors import ConfigError, SignatureError
from ..home import file_lock, state_dir, write_private

COUNTER_SCHEMA = "pyvorin.build-numbers/1"
COUNTER_FILE = "build-numbers.json"


def counter_path() -> Path:
    return state_dir("signing") / COUNTER_FILE


def project_distribution(settings: Any) -> str | None:
    """The normalised ``[project] name`` of the settings' ``pyproject.toml`` (None: none)."""
    from ..config import read_pyproject

    file = getattr(settings, "file", None)
    if file is None:
        return None
    project = read_pyproject(Path(file)).get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name.strip():
        return None
    normalised = normalize_distribution(name)
    if not is_distribution(normalised):
        raise ConfigError(f"{file}: [project] name {name!r} is not a valid distribution name")
    return normalised


def distribution_for(ctx: Any, module_name: str) -> str:
    """The distribution ``module_name`` is built for in this run (see the module docs)."""
    name = ctx.options.distribution or project_distribution(ctx.settings)
    return name or fallback_distribution(module_name)


def _read_counters(path: Path) -> dict[str, dict[str, int]]:
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SignatureError(
            f"{path}: the build-number counters are unreadable or corrupt ({exc}); fix or "
            "remove the file, and pass --build-number above the last build you released"
        ) from exc
    counters = document.get("counters") if isinstance(document, dict) else None
    if (
        not isinstance(document, dict)
        or document.get("schema") != COUNTER_SCHEMA
        or not isinstance(counters, dict)
        or not all(
            isinstance(per_key, dict) and all(map(is_build_number, per_key.values()))
            for per_key in counters.values()
        )
    ):
        raise SignatureError(
            f"{path}: the build-number counters are corrupt (not a {COUNTER_SCHEMA} "
            "document); fix or remove the file, and pass --build-number above the last "
            "build you released"
        )
    return counters


def take_build_number(key_id: str, distribution: str, explicit: int | None) -> tuple[int, int]:
    """(the number to sign with, the counter's previous value) for (key id, distribution).

    Without ``explicit`` the counter is incremented; with it the counter is raised to it
    (never lowered). Serialised across processes by a lock beside the file.
    """
    path = counter_path()
    with file_lock(path.with_name(COUNTER_FILE + ".lock")):
        counters = _read_counters(path)
        previous = counters.get(key_id, {}).get(distribution, 0)
        number = previous + 1 if explicit is None else explicit
        counters.setdefault(key_id, {})[distribution] = max(previous, number)
        document = {"schema": COUNTER_SCHEMA, "counters": counters}
        write_private(path, json.dumps(document, indent=2, sort_keys=True).encode() + b"\n")
    return number, previous


def assign_build_number(ctx: Any, key_id: str, module_name: str) -> tuple[str, int]:
    """(distribution, build number) for ``module_name`` signed by ``key_id`` in this run.

    An explicit number below the counter is signed as asked, with a warning on stderr
    (machines that loaded a later build will refuse it)."""
    distribution = distribution_for(ctx, module_name)
    taken = ctx.build_numbers.get((key_id, distribution))
    if taken is not None:
        return distribution, taken
    explicit = ctx.options.build_number
    number, previous = take_build_number(key_id, distribution, explicit)
    ctx.build_numbers[(key_id, distribution)] = number
    origin = "counter" if explicit is None else ctx.options.origins.get("build_number", "flag")
    if explicit is not None and number < previous:
        print(
            f"pyvorin: warning: {distribution}: build number {number} ({origin}) is below "
            f"build {previous}, the last this installation signed with key {key_id!r}: "
            "machines that loaded a later build will refuse this one as a downgrade",
            file=sys.stderr,
        )
    ctx.audit(
        "sign",
        event="build-number",
        distribution=distribution,
        build_number=number,
        key_id=key_id,
        origin=origin,
    )
    return distribution, number


def flag_downgrades(results: list[Any]) -> None:
    """Fail each verified result whose build is older than one this user has loaded.

    The comparison the runtime makes at import (:func:`pyvorin_runtime.builds.find_downgrade`
    against the recorded builds), for ``pyvorin signature verify``; nothing is recorded.
    """
    from pyvorin_runtime.builds import find_downgrade, read_state, state_path

    path = state_path()
    state = read_state(path)
    for result in results:
        if not result.ok or not result.keys:
            continue
        found = find_downgrade(
            state,
            module=result.module,
            distribution=result.distribution,
            build=result.build,
            keys=result.keys,
            path=path,
        )
        if found is not None:
            result.ok = False
            result.reason = found.reason()

"""Build numbers: refusing an older signed build than one this machine has loaded.

Manifests carry ``distribution`` (the normalised name of the project the module was
built for) and ``build_number`` (monotonic per distribution and signing key, assigned by
the signer), both covered by the signatures. A manifest from before build numbers has
neither: it is build 0 of the distribution named after the module's top-level package.

The loader records, per user, the highest build it has loaded of each distribution
*per signing key* (key id and public-key fingerprint; HMAC keys by id) in
``<home>/runtime/builds.json`` (0600, replaced atomically, updated under an exclusive
lock so concurrent imports never lose an entry), and refuses to load a lower build: an
older signed build put in place of a newer one (a downgrade). The same build again is a
reinstall and loads. Numbers of different keys are separate sequences (a developer's
local key and the CI release key count independently), so the state keys them apart.

A manifest without a build number is refused once a numbered build of its distribution
by the same key was loaded, or once its very module was loaded from a numbered build of
any distribution by that key (the name a legacy manifest is filed under is a guess).

Going back deliberately: ``pyvorin signature forget-builds DIST`` (:func:`forget`), or
delete the distribution's entry (or the file) by hand. The user can always do that; what
the state protects against is a project, an installer or an attacker with write access
to ``site-packages`` swapping an older, validly signed build in (see docs/security.md).

Nothing here imports more than :mod:`os` and :mod:`time` (and ``fcntl``/``msvcrt`` when
a lock is taken).
"""

from __future__ import annotations

import os

from .cjson import loads
from .errors import SignatureError
from .home import atomic_write, home_dir

STATE_SCHEMA = "pyvorin.builds-seen/1"
STATE_DIR = "runtime"
STATE_FILE = "builds.json"


def forget_command() -> str:
    """``forget-builds`` as this machine can run it (the compiler's, or the runtime's)."""
    from .errors import fix_command

    return fix_command("pyvorin signature forget-builds", "python -m pyvorin_runtime forget-builds")


MAX_BUILD = 2**63 - 1

_DIST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


# -- names and numbers ----------------------------------------------------------------------
def normalize_distribution(name: str) -> str:
    """PEP 503 normalisation: lower case, every run of ``-``, ``_`` and ``.`` one ``-``."""
    out: list[str] = []
    for char in name.strip().lower():
        if char in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(char)
    return "".join(out)


def is_distribution(value) -> bool:
    """A normalised distribution name: ``[a-z0-9]([a-z0-9-]*[a-z0-9])?``, no ``--``."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= 200
        and _DIST_CHARS.issuperset(value)
        and value[0] != "-"
        and value[-1] != "-"
        and "--" not in value
    )


def is_build_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_BUILD


def fallback_distribution(module: str) -> str:
    """The distribution a manifest without one is filed under: its top-level package."""
    return normalize_distribution(module.partition(".")[0])


def identity(key_id: str, fingerprint: str | None) -> str:
    """How the state names a signing key: ``<key id> <fingerprint>`` (HMAC keys: the id)."""
    return f"{key_id} {fingerprint}" if fingerprint else key_id


def describe_key(name: str) -> str:
    key_id, _, fingerprint = name.partition(" ")
    return f"key {key_id!r} ({fingerprint})" if fingerprint else f"key {key_id!r}"


# -- the state file -------------------------------------------------------------------------
def state_path() -> str:
    return os.path.join(home_dir(), STATE_DIR, STATE_FILE)


def read_state(path: str | None = None) -> dict:
    """``{distribution: {key identity: entry}}``; empty when there is no file yet.

    An unreadable or corrupt file is a SignatureError naming it: the loader refuses
    rather than silently forgetting every build it recorded.
    """
    path = path or state_path()
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as exc:
        raise SignatureError(
            f"{path}: cannot read the recorded build numbers: {exc.strerror or exc}"
        ) from exc
    problem = None
    try:
        document = loads(data)
    except ValueError as exc:
        document, problem = None, f"not valid JSON ({exc})"
    if problem is None:
        problem = _state_problem(document)
    if problem:
        raise SignatureError(
            f"{path}: the recorded build numbers are corrupt: {problem}; to start over, "
            f"run `{forget_command()} --all` (or delete the file)"
        )
    return document["distributions"]


def _state_problem(document) -> str | None:
    if not isinstance(document, dict) or document.get("schema") != STATE_SCHEMA:
        return f"not a {STATE_SCHEMA} document"
    distributions = document.get("distributions")
    if not isinstance(distributions, dict):
        return "no 'distributions' table"
    for dist, keys in distributions.items():
        if not isinstance(keys, dict):
            return f"entry {dist!r} is not a table"
        for key, entry in keys.items():
            if (
                not isinstance(entry, dict)
                or not is_build_number(entry.get("build"))
                or not isinstance(entry.get("modules"), list)
            ):
                return f"entry {dist!r} / {key!r} is malformed"
    return None


def _write_state(path: str, distributions: dict) -> None:
    """Atomically replace ``path`` (0600 from creation) with ``distributions``."""
    from .cjson import canonical

    data = canonical({"schema": STATE_SCHEMA, "distributions": distributions}) + b"\n"
    atomic_write(path, data, 0o600)


def _state_dir(path: str) -> None:
    """Create the home and its ``runtime`` directory (0700) where missing."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        home = os.path.dirname(directory)
        if not os.path.isdir(home):
            os.makedirs(home, mode=0o700, exist_ok=True)
        os.makedirs(directory, mode=0o700, exist_ok=True)


class _Locked:
    """An exclusive lock on ``<state>.lock`` (flock; msvcrt.locking on Windows)."""

    def __init__(self, path: str) -> None:
        self.path = path + ".lock"
        self.fd = -1

    def __enter__(self) -> _Locked:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                import fcntl
            except ImportError:  # Windows
                import msvcrt

                msvcrt.locking(self.fd, msvcrt.LK_LOCK, 1)
            else:
                fcntl.flock(self.fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(self.fd)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            try:
                import fcntl
            except ImportError:
                import msvcrt

                os.lseek(self.fd, 0, 0)
                msvcrt.locking(self.fd, msvcrt.LK_UNLCK, 1)
            else:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            os.close(self.fd)


# -- checking and recording -----------------------------------------------------------------
class Downgrade:
    """A refused build: which it is, and the higher build by the same key loaded before."""

    __slots__ = ("build", "distribution", "key", "module", "numbered", "seen", "seen_in", "state")

    def __init__(
        self,
        *,
        module: str,
        distribution: str,
        build: int | None,
        key: str,
        seen: int,
        seen_in: str,
        state: str,
    ) -> None:
        self.module, self.distribution, self.key, self.state = module, distribution, key, state
        self.numbered = build is not None
        self.build = build or 0
        self.seen, self.seen_in = seen, seen_in

    def reason(self) -> str:
        seen = f"build {self.seen} of {self.seen_in}"
        if self.numbered:
            what = f"build {self.build} of {self.distribution} is older than {seen}"
        else:
            what = (
                f"{self.module} has no build number (a manifest from before build numbers "
                f"counts as build 0), but {seen} was"
            )
        return (
            f"{what} already loaded on this machine, signed by the same "
            f"{describe_key(self.key)}: an older signed build was put in place of a newer "
            f"one (a downgrade). If you mean to go back to it, forget the recorded builds "
            f"first: {forget_command()} {self.seen_in} (they are kept in {self.state})"
        )


def find_downgrade(
    state: dict,
    *,
    module: str,
    distribution: str,
    build: int | None,
    keys: list[str],
    path: str | None = None,
) -> Downgrade | None:
    """The highest recorded build above ``build`` among ``keys`` (None: not a downgrade).

    ``build`` None is a manifest without a build number (build 0, ``distribution`` the
    fallback name): it is also compared with every numbered build of ``module`` itself.
    """
    number = build or 0
    worst: Downgrade | None = None
    for key in keys:
        candidates = [(distribution, state.get(distribution, {}).get(key))]
        if build is None:
            candidates += [
                (dist, entries.get(key))
                for dist, entries in state.items()
                if dist != distribution and module in (entries.get(key) or {}).get("modules", ())
            ]
        for dist, entry in candidates:
            if entry is None or entry["build"] <= number:
                continue
            if worst is None or entry["build"] > worst.seen:
                worst = Downgrade(
                    module=module,
                    distribution=distribution,
                    build=build,
                    key=key,
                    seen=entry["build"],
                    seen_in=dist,
                    state=path or state_path(),
                )
    return worst


def _needs_update(state: dict, module: str, distribution: str, build: int, keys: list[str]):
    entries = state.get(distribution, {})
    for key in keys:
        entry = entries.get(key)
        if entry is None or entry["build"] < build or module not in entry["modules"]:
            return True
    return False


def admit(
    *, module: str, distribution: str, build: int | None, keys: list[str]
) -> Downgrade | None:
    """Check ``build`` against the state and record it; a Downgrade when it is refused.

    Reading needs no lock (the file is replaced atomically); an update re-reads and
    re-checks under the lock, so two imports racing cannot lose each other's entry. A
    manifest without a build number is checked, never recorded. When the state cannot
    be written (a read-only home) the module still loads: only what was recorded can be
    refused. A corrupt state file raises SignatureError.
    """
    path = state_path()
    state = read_state(path)
    found = find_downgrade(
        state, module=module, distribution=distribution, build=build, keys=keys, path=path
    )
    if (
        found is not None
        or not build
        or not _needs_update(state, module, distribution, build, keys)
    ):
        return found
    try:
        _state_dir(path)
        with _Locked(path):
            state = read_state(path)
            found = find_downgrade(
                state, module=module, distribution=distribution, build=build, keys=keys, path=path
            )
            if found is not None:
                return found
            import time

            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            entries = state.setdefault(distribution, {})
            for key in keys:
                entry = entries.setdefault(key, {"build": build, "modules": []})
                entry["build"] = max(entry["build"], build)
                if module not in entry["modules"]:
                    entry["modules"] = sorted([*entry["modules"], module])
                entry["updated"] = now
            _write_state(path, state)
    except OSError:
        pass  # cannot record here (read-only home): the module was checked, it loads
    return None


def forget(distributions: list[str] | None) -> dict[str, dict]:
    """Remove what is recorded for ``distributions`` (None: everything); return it.

    Names are normalised first. A corrupt state file is replaced only when everything
    is forgotten.
    """
    path = state_path()
    if distributions is None:
        try:
            removed = read_state(path)
        except SignatureError:
            removed = {}
        for name in (path, path + ".lock"):
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass
        return removed
    wanted = [normalize_distribution(d) for d in distributions]
    if not os.path.exists(path):
        return {}
    with _Locked(path):
        state = read_state(path)
        removed = {d: state.pop(d) for d in wanted if d in state}
        if removed:
            _write_state(path, state)
    return removed


def forget_report(removed: dict[str, dict], distributions: list[str] | None) -> list[str]:
    """The lines both ``forget-builds`` commands print for what :func:`forget` returned."""
    lines = []
    for distribution, entries in sorted(removed.items()):
        for key, entry in sorted(entries.items()):
            modules = ", ".join(entry.get("modules", []))
            lines.append(
                f"forgot build {entry['build']} of {distribution} ({describe_key(key)}; {modules})"
            )
    for name in distributions or []:
        if normalize_distribution(name) not in removed:
            lines.append(f"no build of {normalize_distribution(name)} is recorded")
    if distributions is None and not removed:
        lines.append("no build is recorded")
    return lines

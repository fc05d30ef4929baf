"""The issuer public keys this installation trusts, and whether each is a production or a
development issuer.

**Production issuers** (a licence they signed can build releases) come only from places
a user of the installation cannot write to in the ordinary course:

* the distribution: ``*.pem``/``*.pub`` files in this package's ``issuers/`` directory
  (package data, :func:`package_issuers_dir`); empty in the repository, filled at build
  time by whoever distributes Pyvorin (``issuers/README.md``);
* the administrator: ``*.pem``/``*.pub`` files in ``/etc/pyvorin/issuers/``
  (:data:`SYSTEM_ISSUERS_DIR`), used only when that directory, every directory above it
  and each key file are owned by root, are not writable by group or others and are not
  symbolic links; otherwise the directory (or the file) is ignored with a warning.

**Development issuers** (a licence they signed works in development mode only: every
manifest records ``licence.mode: development`` and ``--release`` refuses it) are every
key the user can add:

* ``pyvorin licence trust-issuer FILE`` and ``pyvorin licence dev``, stored in
  ``PYVORIN_HOME/licence/issuers/<kid>.pem``;
* ``PYVORIN_LICENCE_ISSUER_KEYS``: comma-separated entries, each a path to a PEM file or
  the base64 of a raw 32-byte Ed25519 public key.

No user-level setting (environment, the project's ``pyproject.toml``, the user's
configuration) names a production issuer: there is no such setting. A key found in both
sets is a production issuer (it is the same key; a copy in the user store adds nothing).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..errors import ConfigError
from ..home import atomic_write, pyvorin_home
from .tokens import key_id, load_public_key, public_pem

ENV = "PYVORIN_LICENCE_ISSUER_KEYS"
PRODUCTION = "production"
DEVELOPMENT = "development"
SYSTEM_ISSUERS_DIR = Path("/etc/pyvorin/issuers")
KEY_SUFFIXES = (".pem", ".pub")


@dataclass(frozen=True)
class Issuer:
    """A trusted issuer key: its mode (production or development) and where it came from."""

    key: Ed25519PublicKey
    mode: str
    origin: str


def issuers_dir(home: Path | None = None) -> Path:
    """The user's store of development issuer keys."""
    return (home or pyvorin_home()) / "licence" / "issuers"


def package_issuers_dir() -> Path:
    """The distribution's production issuer keys (package data of this module)."""
    return Path(__file__).resolve().parent / "issuers"


_warned: set[str] = set()


def _warn(message: str) -> None:
    """Say once per process that a production issuer source was ignored."""
    if message not in _warned:
        _warned.add(message)
        print(f"pyvorin: warning: {message}", file=sys.stderr)


def _ownership_problem(path: Path, info: os.stat_result) -> str | None:
    """Why ``info`` (of ``path``, not followed) is not root's alone (None when it is)."""
    if stat.S_ISLNK(info.st_mode):
        return f"{path} is a symbolic link"
    if info.st_uid != 0:
        return f"{path} is owned by uid {info.st_uid}, not root"
    if info.st_mode & 0o022:
        return f"{path} is writable by group or others (mode {stat.S_IMODE(info.st_mode):o})"
    return None


def admin_owned_problem(path: Path) -> str | None:
    """Why ``path`` is not under the administrator's sole control (None when it is).

    ``path`` and every directory above it must be owned by root, not writable by group or
    others, and not a symbolic link (checked with ``lstat``, nothing is followed).
    """
    path = Path(os.path.abspath(path))
    for part in (path, *path.parents):
        try:
            problem = _ownership_problem(part, os.lstat(part))
        except OSError as exc:
            return f"{part}: cannot inspect it: {exc.strerror}"
        if problem:
            return problem
    return None


def _read_admin_file(path: Path) -> tuple[bytes | None, str | None]:
    """The bytes of a root-owned, not group/other-writable regular file, read without
    following a symbolic link; (None, why) otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return None, f"{path}: cannot open it without following links: {exc.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"{path} is not a regular file"
        problem = _ownership_problem(path, info)
        if problem:
            return None, problem
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(), None
    finally:
        os.close(fd)


def _key_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.name.endswith(KEY_SUFFIXES))


def _add(keys: dict[str, Issuer], key: Ed25519PublicKey, mode: str, origin: str) -> None:
    kid = key_id(key)
    if kid in keys and keys[kid].mode == PRODUCTION:
        return  # a production issuer stays one, whatever else names the same key
    keys[kid] = Issuer(key, mode, origin)


def production_issuers(
    *, package_dir: Path | None = None, system_dir: Path | None = None
) -> dict[str, Issuer]:
    """kid -> issuer, from the distribution and the administrator's directory.

    ``package_dir``/``system_dir`` replace the defaults (for tests in-process; no setting
    of a user reaches them).
    """
    keys: dict[str, Issuer] = {}
    shipped = package_issuers_dir() if package_dir is None else Path(package_dir)
    if shipped.is_dir():
        for path in _key_files(shipped):
            key = load_public_key(path.read_bytes(), str(path))
            _add(keys, key, PRODUCTION, f"the distribution: {path}")
    system = SYSTEM_ISSUERS_DIR if system_dir is None else Path(system_dir)
    try:
        os.lstat(system)
    except FileNotFoundError:
        return keys  # no administrator's directory: nothing to say
    except OSError as exc:
        _warn(f"{system}: production issuer keys ignored: {exc.strerror}")
        return keys
    problem = admin_owned_problem(system)
    if problem:
        _warn(
            f"{system}: production issuer keys ignored: {problem}; this directory and every "
            "directory above it must be owned by root and writable by root only"
        )
        return keys
    for path in _key_files(system):
        data, problem = _read_admin_file(path)
        if data is None:
            _warn(f"{path}: production issuer key ignored: {problem}")
            continue
        _add(keys, load_public_key(data, str(path)), PRODUCTION, f"the administrator's {path}")
    return keys


def trusted_issuers(
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    package_dir: Path | None = None,
    system_dir: Path | None = None,
) -> dict[str, Issuer]:
    """kid -> issuer: the production issuers, then the user's development issuers."""
    env = os.environ if env is None else env
    keys = production_issuers(package_dir=package_dir, system_dir=system_dir)
    directory = issuers_dir(home)
    if directory.is_dir():
        for path in sorted(directory.glob("*.pem")):
            key = load_public_key(path.read_bytes(), str(path))
            _add(keys, key, DEVELOPMENT, f"the user's trust store: {path}")
    for entry in env.get(ENV, "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        path = Path(entry).expanduser()
        if path.is_file():
            key = load_public_key(path.read_bytes(), f"{ENV} entry {entry!r}")
        elif "/" in entry and not entry.endswith("="):
            raise ConfigError(f"{ENV}: {entry!r}: no such file")
        else:
            key = load_public_key(entry.encode(), f"{ENV} entry {entry[:12]!r}...")
        _add(keys, key, DEVELOPMENT, f"the environment variable {ENV}")
    return keys


def keys_of(issuers: Mapping[str, Issuer]) -> dict[str, Ed25519PublicKey]:
    """kid -> public key, for :func:`~.tokens.verify_token`."""
    return {kid: issuer.key for kid, issuer in issuers.items()}


def trusted_keys(
    home: Path | None = None, env: Mapping[str, str] | None = None
) -> dict[str, Ed25519PublicKey]:
    """kid -> public key of every trusted issuer, production and development."""
    return keys_of(trusted_issuers(home, env))


def store_issuer_key(key: Ed25519PublicKey, home: Path | None = None) -> str:
    """Add ``key`` to the user's store (a development issuer); return its key id."""
    kid = key_id(key)
    directory = issuers_dir(home)
    directory.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    atomic_write(directory / f"{kid}.pem", public_pem(key), mode=0o644)
    return kid


def trust_issuer(source: Path, home: Path | None = None) -> str:
    """Store the public key in ``source`` in the user's store; return its key id.

    A key stored this way is a development issuer (see the module docstring)."""
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read: {exc.strerror}") from exc
    if b"PRIVATE KEY" in data:
        raise ConfigError(
            f"{source}: this is a private key; give the issuer's public key (issuer.pub)"
        )
    return store_issuer_key(load_public_key(data, str(source)), home)

"""Reusable helpers: a real licence server on loopback, a licensed PYVORIN_HOME, PostgreSQL.

These start real processes (``python -m pyvorin_server run`` and, for PostgreSQL, the
installed ``initdb``/``postgres`` binaries); nothing is mocked.

Licensing the whole test suite (what the lead adds to ``tests/conftest.py`` once the gate
is in ``BUILTIN_PLUGINS``)::

    from tests.licensing.support import LicenceServer, activate_into, copy_licence_state

    @pytest.fixture(scope="session")
    def licensed_home_template(tmp_path_factory):
        workdir = tmp_path_factory.mktemp("licence-server")
        with LicenceServer(workdir) as server:          # SQLite, free port, 127.0.0.1
            template = workdir / "home"
            activate_into(template, server, plan="enterprise", seats=1)
            yield template                               # server keeps running meanwhile

    @pytest.fixture(autouse=True)
    def pyvorin_home(tmp_path_factory, monkeypatch, licensed_home_template):
        home = tmp_path_factory.mktemp("pyvorin-home")
        copy_licence_state(licensed_home_template, home)
        monkeypatch.setenv("PYVORIN_HOME", str(home))
        ...

Every copy holds the same activation (same machine, same seat), so all tests share one
seat; the gate refreshes the lease online on each pipeline run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

LOOPBACK = "127.0.0.1"
POSTGRES_ENV = "PYVORIN_TEST_POSTGRES_URL"


class LicenceServer:
    """A real ``pyvorin-server run`` process on 127.0.0.1 with a free port.

    ``database_url=None`` uses a fresh SQLite file in ``workdir``. ``env`` adds
    environment variables (e.g. rate limits). Use as a context manager, or call
    :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self,
        workdir: Path,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.workdir = Path(workdir)
        self.home = self.workdir / "server-home"
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.admin_token = ""

    @property
    def issuer_pub(self) -> Path:
        return self.home / "issuer.pub"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYVORIN_")}
        env["PYVORIN_SERVER_HOME"] = str(self.home)
        if self.database_url:
            env["PYVORIN_DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run ``pyvorin-server ARGS`` against this server's home and database."""
        result = subprocess.run(
            [sys.executable, "-m", "pyvorin_server", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"pyvorin-server {' '.join(args)} failed:\n{result.stderr}")
        return result

    def start(self) -> LicenceServer:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.cli("init")
        self.admin_token = (self.home / "admin-token").read_text().strip()
        ready = self.workdir / "ready"
        ready.unlink(missing_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pyvorin_server",
                "run",
                "--host",
                LOOPBACK,
                "--port",
                "0",
                "--ready-file",
                str(ready),
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self.startup_timeout
        while not ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"licence server did not start:\n{self.log_path.read_text()[-3000:]}"
                )
            time.sleep(0.05)
        self.url = ready.read_text().strip()
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def __enter__(self) -> LicenceServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- admin API ----------------------------------------------------------------------
    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        with httpx.Client(base_url=self.url, timeout=30) as http:
            return http.request(method, path, headers=headers, **kw)

    def issue(
        self,
        licensee: str = "Test Suite",
        plan: str = "team",
        seats: int = 1,
        days: int = 30,
        **extra: Any,
    ) -> tuple[str, str]:
        """Issue a licence through the admin API; returns (licence id, key)."""
        body = {"licensee": licensee, "plan": plan, "seats": seats, "days": days, **extra}
        response = self.admin("POST", "/v1/licences", json=body)
        response.raise_for_status()
        data = response.json()
        return data["licence_id"], data["key"]

    def revoke(self, licence_id: str, reason: str = "test") -> dict:
        response = self.admin("POST", f"/v1/licences/{licence_id}/revoke", json={"reason": reason})
        response.raise_for_status()
        return response.json()

    def status(self, licence_id: str) -> dict:
        response = self.admin("GET", f"/v1/licences/{licence_id}")
        response.raise_for_status()
        return response.json()


def activate_into(home: Path, server: LicenceServer, key: str | None = None, **issue: Any) -> Path:
    """Trust ``server``'s issuer key in ``home`` and activate a licence there.

    Issues a licence (``issue`` keyword arguments) unless ``key`` is given. Runs the real
    client in-process against the real server. Returns ``home / "licence"`` - the
    directory to copy into other homes (:func:`copy_licence_state`).
    """
    from pyvorin.licensing.client import LicenceClient
    from pyvorin.licensing.trust import trust_issuer

    home = Path(home)
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    if key is None:
        _, key = server.issue(**issue)
    trust_issuer(server.issuer_pub, home)
    LicenceClient(home, env={}).activate(key, server.url)
    return home / "licence"


def copy_licence_state(source_home: Path, target_home: Path) -> None:
    """Copy the trust store and lease of ``source_home`` into ``target_home`` (0600 kept)."""
    shutil.copytree(
        Path(source_home) / "licence", Path(target_home) / "licence", dirs_exist_ok=True
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


# -- PostgreSQL -----------------------------------------------------------------------------
def _pg_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


@dataclass
class PostgresCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (trust auth), or an external URL."""

    url: str
    datadir: Path | None = None
    bindir: Path | None = None
    port: int = 0
    user: str | None = None

    def create_database(self, name: str) -> str:
        """Create database ``name``; return its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        base = self.url.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def stop(self) -> None:
        if self.datadir is None or self.bindir is None:
            return
        _as_user(
            self.user,
            [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"],
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _as_user(user: str | None, argv: list[str]) -> subprocess.CompletedProcess:
    if user:
        argv = ["runuser", "-u", user, "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def start_postgres(workdir: Path) -> PostgresCluster:
    """A PostgreSQL to test against.

    ``PYVORIN_TEST_POSTGRES_URL`` (e.g. from ``.ci/postgres.sh``) wins. Otherwise a
    throwaway cluster is started from the installed binaries (initdb into a temporary
    directory, run as the ``postgres`` user when we are root, since postgres refuses to
    run as root). Raises RuntimeError saying how to get one when neither is possible.
    """
    external = os.environ.get(POSTGRES_ENV)
    if external:
        return PostgresCluster(url=external)
    bindir = _pg_bindir()
    if bindir is None:
        raise RuntimeError(
            f"PostgreSQL is not installed and {POSTGRES_ENV} is not set: run "
            "`. .ci/postgres.sh` (installs postgresql from Debian packages, starts a "
            f"cluster and exports {POSTGRES_ENV}) or point {POSTGRES_ENV} at a database"
        )
    user = None
    if os.geteuid() == 0:
        user = "postgres"
    # a directory the postgres user can write (pytest's tmp dirs are 0700 root)
    base = Path(
        subprocess.run(
            ["mktemp", "-d", "/tmp/pyvorin-pg.XXXXXX"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    if user:
        shutil.chown(base, user=user)
    datadir = base / "data"
    init = _as_user(
        user,
        [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    )
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr or init.stdout}")
    for _attempt in range(5):
        port = free_port()
        started = _as_user(
            user,
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(datadir),
                "-l",
                str(base / "log"),
                "-w",
                "-t",
                "60",
                "-o",
                f"-p {port} -h 127.0.0.1 -k {base} -c fsync=off -c max_connections=200",
                "start",
            ],
        )
        if started.returncode == 0:
            break
    else:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{log[-2000:]}")
    return PostgresCluster(
        url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        datadir=datadir,
        bindir=bindir,
        port=port,
        user=user,
    )

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
from dataclasses import dataclass
from pathlib import Path

from pyvorin_server.local import (  # noqa: F401  (re-exported for the tests)
    LOOPBACK,
    LicenceServer,
    activate_into,
    copy_licence_state,
)

POSTGRES_ENV = "PYVORIN_TEST_POSTGRES_URL"


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

    ``PYVORIN_TEST_POSTGRES_URL`` (a database you run yourself) wins. Otherwise a
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
            "`bash .ci/postgres.sh` (installs the Debian package postgresql; the tests "
            f"then start and stop their own cluster) or point {POSTGRES_ENV} at a database"
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


# -- a cuttable network path to a server ------------------------------------------------------
class Gateway:
    """A real TCP forwarder on 127.0.0.1 in front of a server.

    Activating through ``gateway.url`` binds the activation to that URL (the server signs
    it into the lease); :meth:`cut` then closes the port (connections are refused: the
    bound server is unreachable, as when the network is down) and :meth:`restore` listens
    on the same port again. Nothing is simulated: every byte crosses real sockets.
    """

    def __init__(self, target_url: str) -> None:
        import threading

        host_port = target_url.split("://", 1)[1].rstrip("/")
        host, _, port = host_port.rpartition(":")
        self.target = (host, int(port))
        self.port = free_port()
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        import threading

        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()


def activate_through(home: Path, server: LicenceServer, gateway: Gateway, **issue) -> str:
    """Issue a licence and activate it in ``home`` through ``gateway`` (the activation is
    bound to the gateway's URL). Returns the licence id."""
    from pyvorin.licensing.client import LicenceClient
    from pyvorin.licensing.trust import trust_issuer

    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    lid, key = server.issue(**issue)
    trust_issuer(server.issuer_pub, home)
    LicenceClient(home, env={}).activate(key, gateway.url)
    return lid

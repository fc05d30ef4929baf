"""A local licence server in a child process: for ``pyvorin demo``, development and tests.

It runs the real ``pyvorin-server`` (``python -m pyvorin_server run``) on 127.0.0.1 with
a fresh SQLite database (or ``database_url``), so a machine with no network can issue
itself a licence, trust the server's issuer key and activate it, explicitly. Nothing
here is a bypass of the licence gate: the client still verifies the issuer signature,
the server-signed lease and the machine binding. The issuer is trusted from the home's
own store, so such a licence is a development licence (``--release`` refuses it; see
docs/licensing.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

LOOPBACK = "127.0.0.1"


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
        run_args: tuple[str, ...] = (),
        verify: Any = True,
    ) -> None:
        self.workdir = Path(workdir)
        self.home = self.workdir / "server-home"
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.startup_timeout = startup_timeout
        self.run_args = tuple(run_args)  # e.g. ("--tls-cert", ..., "--tls-key", ...)
        self.verify = verify  # httpx `verify` for the admin calls (a CA for https)
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
        token_file = self.home / "admin-token"  # an operator may have deleted it
        if token_file.exists():
            self.admin_token = token_file.read_text().strip()
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
                *self.run_args,
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
        with httpx.Client(base_url=self.url, timeout=30, verify=self.verify) as http:
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

"""A real uvicorn server on loopback running the app with a test clock, and a small
cookie-keeping HTTP client that behaves like a browser for the console.

The server runs in a thread of the test process so the tests can move its clock
(session idle/absolute timeouts, sign-in lockout) without sleeping; everything else is
real: uvicorn, HTTP on 127.0.0.1, the database (SQLite or the suite's PostgreSQL).
"""

from __future__ import annotations

import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import uvicorn

from pyvorin_server import accounts, auth
from pyvorin_server.app import create_app
from pyvorin_server.config import ServerConfig
from tests.server import signed  # machine calls are signed (request signing)
from tests.server.accounts_support import server_config, session_factory

PASSWORD = "correct horse battery staple"


@lru_cache(maxsize=1)
def password_hash() -> str:
    """One argon2id hash of PASSWORD, shared by the test users (hashing is slow)."""
    return auth.hash_password(PASSWORD)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class ConsoleServer:
    def __init__(self, url: str, home: Path, **settings) -> None:
        self.config: ServerConfig = server_config(url, home, **settings)
        self.clock = Clock()
        self.app = create_app(self.config, clock=self.clock)
        self.sessions = session_factory(url)
        self.url = ""

    def __enter__(self) -> ConsoleServer:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        )
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the console server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)
        self.app.state.engine.dispose()
        self.sessions.kw["bind"].dispose()

    # -- set-up straight in the database (what an operator's CLI would do) --------------
    def org(self, name: str) -> str:
        op = accounts.operator_principal("cli", "cli")
        with self.sessions() as s, s.begin():
            return accounts.create_org(s, op, name).id

    def user(self, org_id: str, role: str, email: str | None = None) -> str:
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        op = accounts.operator_principal("cli", "cli")
        with self.sessions() as s, s.begin():
            user = accounts.create_user(
                s, op, email=email, name=role.title(), password_hash=password_hash()
            )
            accounts.set_role(s, op, org_id=org_id, user_id=user.id, role=role)
        return email

    def admin_token(self) -> str:
        return (self.config.home / "admin-token").read_text().strip()

    def issue(self, org_id: str | None, seats: int = 2, **extra) -> tuple[str, str]:
        body = {"licensee": "Tenant", "plan": "team", "seats": seats, "org_id": org_id, **extra}
        response = httpx.post(
            f"{self.url}/v1/licences",
            json=body,
            headers={"Authorization": f"Bearer {self.admin_token()}"},
        )
        assert response.status_code == 201, response.text
        return response.json()["licence_id"], response.json()["key"]

    def activate(self, key: str, hostname: str = "build-01") -> tuple[str, str]:
        response = signed.activate(self.url, key, uuid.uuid4().hex, hostname)
        assert response.status_code == 201, response.text
        data = response.json()
        return data["activation_id"], f"{data['activation_id']}.{data['activation_secret']}"

    def report_usage(self, bearer: str, count: int, kind: str = "compile") -> None:
        response = signed.call(
            self.url,
            "POST",
            "/v1/usage",
            bearer,
            json={"idempotency_key": uuid.uuid4().hex, "kind": kind, "count": count},
        )
        assert response.status_code == 200, response.text


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Browser:
    """Keeps cookies like a browser on a secure context (``__Host-`` cookies are Secure,
    which http.cookiejar would not send over plain HTTP), and reads CSRF tokens."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)
    csrf: str = ""

    def request(self, method: str, path: str, **kw) -> httpx.Response:
        headers = kw.pop("headers", {})
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = httpx.request(
            method, self.base + path, headers=headers, follow_redirects=False, timeout=30, **kw
        )
        self.set_cookies = response.headers.get_list("set-cookie")
        for header in self.set_cookies:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        html = "html" in response.headers.get("content-type", "")
        found = CSRF.search(response.text) if html else None
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, path: str, **kw) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kw):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.request("POST", path, data=form, **kw)

    def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/console/login")
        response = self.post("/console/login", {"email": email, "password": password})
        if response.status_code == 303:
            self.get("/console/organisation")  # a signed-in page: picks up the CSRF token
        return response

    @property
    def session(self) -> str | None:
        return self.cookies.get("__Host-pyvorin_session")

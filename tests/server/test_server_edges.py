"""The server's edges under attack (issue 13, finding 7), against real server processes on
loopback, on SQLite and PostgreSQL:

* wrong admin tokens cost no argon2 (bounded memory, fast answers) and are limited per
  address, while the right token from another address still works; an admin hash made
  the old way (argon2id) keeps working and is upgraded;
* request bodies over the limit are refused with 413 before they are read (declared
  length, and chunked bodies that never end), on admin, machine and console routes;
* unsigned or forged activations naming a victim's licence do not lock the victim out:
  the limit keyed by licence and machine applies only after the signatures verified, and
  the attacker's own address is limited instead;
* two server processes on one database count the same limits.

Clients take distinct loopback addresses (127.0.0.x) so that "another client" really
comes from another address.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from argon2 import PasswordHasher

from pyvorin.licensing import transport
from pyvorin.licensing.tokens import KEY_PREFIX, parse_unverified, sign_token
from pyvorin_server.config import ServerConfig, ServerConfigError
from tests.licensing.support import LicenceServer
from tests.server import signed
from tests.server.conftest import BACKENDS, database_for

MiB = 1 << 20


def fp() -> str:
    return uuid.uuid4().hex


def client_from(address: str) -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (in 127.0.0.0/8)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60)


def peak_rss_bytes(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM): argon2 frees its 64 MiB after
    each verification, so only the peak shows what a flood cost."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM")


def wrong_admin_token() -> str:
    return "pva_admin_" + secrets.token_urlsafe(32)  # well-formed: reaches the comparison


def start_server(request, backend: str, tmp_path: Path, name: str, **env: str) -> LicenceServer:
    url = database_for(request, backend, f"edges_{name}")
    server = LicenceServer(tmp_path / name, url, env={k.upper(): v for k, v in env.items()})
    server.start()
    request.addfinalizer(server.stop)
    return server


def forged_key(key: str) -> str:
    """A licence key naming the same licence, signed by a key nobody trusts."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    payload = parse_unverified(key, KEY_PREFIX)[0]
    return sign_token(KEY_PREFIX, dict(payload), Ed25519PrivateKey.generate())


# -- admin token ----------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_wrong_admin_tokens_are_cheap_and_limited_per_address(request, backend, tmp_path):
    server = start_server(
        request, backend, tmp_path, "admin", pyvorin_server_admin_failures_per_minute_per_ip="50"
    )
    assert (server.home / "admin-token.hash").read_text().startswith("sha256:")
    assert server.admin("GET", "/healthz").status_code == 200
    pid = server.process.pid
    before = peak_rss_bytes(pid)

    def attempt(_: int) -> tuple[int, float]:
        with client_from("127.0.0.5") as http:
            started = time.monotonic()
            answer = http.get(
                f"{server.url}/v1/licences/lic_0000000000000000",
                headers={"Authorization": f"Bearer {wrong_admin_token()}"},
            )
            return answer.status_code, time.monotonic() - started

    with ThreadPoolExecutor(48) as pool:
        started = time.monotonic()
        results = list(pool.map(attempt, range(48)))
        elapsed = time.monotonic() - started
    after = peak_rss_bytes(pid)
    assert [status for status, _ in results] == [401] * 48
    # argon2id (64 MiB each, up to 40 at once in the thread pool) took the server past
    # 2 GiB; a SHA-256 comparison and a counter row cost next to nothing
    assert after - before < 200 * MiB, (before, after)
    assert elapsed < 20 and max(t for _, t in results) < 10, results

    with client_from("127.0.0.5") as http:
        wrong = {"Authorization": f"Bearer {wrong_admin_token()}"}
        path = f"{server.url}/v1/licences/lic_0000000000000000"
        assert [http.get(path, headers=wrong).status_code for _ in range(2)] == [401, 401]
        limited = http.get(path, headers=wrong)
        assert limited.status_code == 429 and limited.json()["error"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        # a malformed token is refused too, without being hashed, and so is the right one
        # from this address until its window closes
        bad = http.get(path, headers={"Authorization": "Bearer pva_admin_x"})
        assert bad.status_code == 429
        right = {"Authorization": f"Bearer {server.admin_token}"}
        assert http.get(path, headers=right).status_code == 429
    # the right token from another client still works
    lid, _ = server.issue()
    with client_from("127.0.0.6") as http:
        answer = http.get(
            f"{server.url}/v1/licences/{lid}",
            headers={"Authorization": f"Bearer {server.admin_token}"},
        )
        assert answer.status_code == 200 and answer.json()["licence_id"] == lid
    assert peak_rss_bytes(pid) - before < 200 * MiB


def test_an_argon2_admin_hash_from_an_old_home_works_and_is_upgraded(tmp_path):
    server = LicenceServer(tmp_path)
    server.start()
    try:
        token = server.admin_token
        hash_file = server.home / "admin-token.hash"
        assert hash_file.read_text() == "sha256:" + hashlib.sha256(token.encode()).hexdigest()
        server.stop()

        # a home initialised the old way: argon2id (argon2-cffi's defaults), and the
        # operator deleted the admin-token file as the docs allow
        hash_file.write_text(PasswordHasher().hash(token))
        (server.home / "admin-token").unlink()
        server.start()
        assert hash_file.read_text().startswith("$argon2id$")
        wrong = httpx.get(
            f"{server.url}/v1/licences/lic_x",
            headers={"Authorization": f"Bearer {wrong_admin_token()}"},
        )
        assert wrong.status_code == 401
        assert hash_file.read_text().startswith("$argon2id$")
        lid, _ = server.issue()  # the first success replaces the hash with the fast form
        digest = "sha256:" + hashlib.sha256(token.encode()).hexdigest()
        assert hash_file.read_text() == digest
        assert oct(hash_file.stat().st_mode & 0o777) == "0o600"
        assert server.status(lid)["licence_id"] == lid
        server.stop()

        # with the admin-token file still there, the upgrade happens at start
        hash_file.write_text(PasswordHasher().hash(token))
        (server.home / "admin-token").write_text(token + "\n")
        server.start()
        assert hash_file.read_text() == digest
        assert server.status(lid)["licence_id"] == lid
    finally:
        server.stop()


# -- request bodies -------------------------------------------------------------------------
def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    sock.settimeout(30)
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest


def _head(url: str, path: str, headers: dict[str, str]) -> bytes:
    netloc = urlsplit(url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {netloc}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def declared_too_large(url: str, path: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    """Declare a 200 MB body, send 1 KiB of it, and wait for the answer."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(_head(url, path, {**headers, "Content-Length": str(200_000_000)}))
        sock.sendall(b"x" * 1024)
        return _read_response(sock)


def chunked_too_large(
    url: str, path: str, headers: dict[str, str], limit: int
) -> tuple[int, dict, bytes, int]:
    """Stream a chunked body that never ends until the server answers; returns the
    answer and how many bytes were sent (never the terminating chunk)."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    sent = 0
    with socket.create_connection((host, port)) as sock:
        sock.sendall(_head(url, path, {**headers, "Transfer-Encoding": "chunked"}))
        piece = b"a" * 16384
        chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        sock.settimeout(0.05)
        answered = False
        while sent < 64 * limit:
            try:
                sock.sendall(chunk)
                sent += len(piece)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            try:
                if sock.recv(1, socket.MSG_PEEK):
                    answered = True
                    break
            except (BlockingIOError, TimeoutError):
                pass
            except ConnectionResetError:
                break
        assert answered or sent < 64 * limit, "the server never answered a body without end"
        status, answer_headers, body = _read_response(sock)
        return status, answer_headers, body, sent


@pytest.mark.parametrize("backend", BACKENDS)
def test_oversized_bodies_get_413_before_being_read(request, backend, tmp_path):
    limit = 64 * 1024
    server = start_server(request, backend, tmp_path, "body", pyvorin_server_max_body_bytes="64k")
    admin = {"Authorization": f"Bearer {server.admin_token}", "Content-Type": "application/json"}
    routes = {
        "admin": ("/v1/licences", admin),
        "machine": ("/v1/activate", {"Content-Type": "application/json"}),
        "machine-signed": (
            "/v1/refresh",
            {"Content-Type": "application/json", "Authorization": "Bearer act_x.y"},
        ),
        "console form": ("/console/login", {"Content-Type": "application/x-www-form-urlencoded"}),
    }
    for kind, (path, headers) in routes.items():
        status, answer_headers, body = declared_too_large(server.url, path, headers)
        assert status == 413, (kind, status, body[:200])
        assert answer_headers.get("connection") == "close", kind
        if path.startswith("/console"):
            assert b"larger than this server accepts" in body, kind
        else:
            assert json.loads(body)["error"] == "body_too_large", kind

        status, answer_headers, body, sent = chunked_too_large(server.url, path, headers, limit)
        assert status == 413, (kind, status, body[:200])
        assert sent >= limit, kind  # refused for its size, not for something else
        if not path.startswith("/console"):
            assert json.loads(body)["error"] == "body_too_large", kind
        else:
            assert b"larger than this server accepts" in body, kind

    # bodies within the limit are served as before, the server is still healthy
    lid, key = server.issue(licensee="x" * 200)
    assert signed.activate(server.url, key, fp()).status_code == 201
    assert server.status(lid)["seats_used"] == 1


def test_body_limit_setting_is_checked():
    def config(value: str) -> ServerConfig:
        return ServerConfig.from_env(Path("/nonexistent"), {"PYVORIN_SERVER_MAX_BODY_BYTES": value})

    assert config("65536").max_body_bytes == 65536
    assert config("64k").max_body_bytes == config("64KiB").max_body_bytes == 65536
    assert config("2m").max_body_bytes == 2 * MiB
    assert ServerConfig.from_env(Path("/nonexistent"), {}).max_body_bytes == MiB
    for bad, words in (
        ("lots", "expected a size in bytes"),
        ("-5", "expected a size in bytes"),
        ("1g", "expected a size in bytes"),
        ("100", "expected between 16384 bytes"),
        ("2048m", "expected between 16384 bytes"),
    ):
        with pytest.raises(ServerConfigError, match="PYVORIN_SERVER_MAX_BODY_BYTES") as info:
            config(bad)
        assert words in str(info.value), bad
    with pytest.raises(ServerConfigError, match="PYVORIN_SERVER_ARGON2_CONCURRENCY"):
        ServerConfig.from_env(Path("/x"), {"PYVORIN_SERVER_ARGON2_CONCURRENCY": "0"})


# -- lock-out -------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_forged_activations_naming_a_licence_do_not_lock_its_owner_out(request, backend, tmp_path):
    server = start_server(
        request, backend, tmp_path, "lockout", pyvorin_server_auth_failures_per_minute_per_ip="10"
    )
    _, key = server.issue(seats=2)
    forged = forged_key(key)
    lid = signed.licence_id_of(key)
    attacker_statuses = []
    with client_from("127.0.0.7") as http:
        for i in range(40):
            body = {"key": forged, "fingerprint": fp(), "hostname": "attacker"}
            if i % 3 == 0:  # unsigned
                answer = http.post(f"{server.url}/v1/activate", json=body)
            elif i % 3 == 1:  # signed with a key derived from the forged licence key
                answer = signed.send(
                    server.url,
                    "POST",
                    "/v1/activate",
                    key=transport.activation_key(forged),
                    credential=lid,
                    json=body,
                    client=http,
                )
            else:  # the real key's text, signed with a guessed key
                answer = signed.send(
                    server.url,
                    "POST",
                    "/v1/activate",
                    key=secrets.token_bytes(32),
                    credential=lid,
                    json={**body, "key": key},
                    client=http,
                )
            attacker_statuses.append(answer.status_code)
    assert all(s in (400, 401, 403) for s in attacker_statuses[:10]), attacker_statuses
    assert attacker_statuses[10:] == [429] * 30, attacker_statuses

    # the owner activates and refreshes as usual
    machine = fp()
    answer = signed.activate(server.url, key, machine)
    assert answer.status_code == 201, answer.text
    data = answer.json()
    bearer = f"{data['activation_id']}.{data['activation_secret']}"
    refreshed = signed.call(
        server.url, "POST", "/v1/refresh", bearer, json={"fingerprint": machine}
    )
    assert refreshed.status_code == 200, refreshed.text

    # calls naming the owner's activation with a wrong secret are counted against the
    # caller's address, not the activation
    with client_from("127.0.0.8") as http:
        statuses = [
            signed.send(
                server.url,
                "POST",
                "/v1/refresh",
                key=secrets.token_bytes(32),
                credential=data["activation_id"],
                json={"fingerprint": machine},
                headers={"Authorization": f"Bearer {data['activation_id']}.wrong"},
                client=http,
            ).status_code
            for _ in range(40)
        ]
    assert statuses == [401] * 10 + [429] * 30, statuses
    for _ in range(3):
        again = signed.call(
            server.url, "POST", "/v1/refresh", bearer, json={"fingerprint": machine}
        )
        assert again.status_code == 200, again.text


def test_verified_activations_are_limited_per_licence_and_machine(request, tmp_path):
    server = start_server(
        request, "sqlite", tmp_path, "permachine", pyvorin_server_activations_per_minute="5"
    )
    _, key = server.issue(seats=3)
    machine, other = fp(), fp()
    codes = [signed.activate(server.url, key, machine).status_code for _ in range(6)]
    assert codes == [201] * 5 + [429]
    # another machine of the same licence has its own budget
    assert signed.activate(server.url, key, other).status_code == 201


@pytest.mark.parametrize("backend", BACKENDS)
def test_machine_calls_are_limited_per_activation_after_verification(request, backend, tmp_path):
    server = start_server(
        request, backend, tmp_path, "peract", pyvorin_server_machine_calls_per_minute="4"
    )
    _, key = server.issue(seats=2)
    first, second = fp(), fp()
    bearers = []
    for machine in (first, second):
        data = signed.activate(server.url, key, machine).json()
        bearers.append(f"{data['activation_id']}.{data['activation_secret']}")

    def refresh(bearer: str, machine: str) -> int:
        return signed.call(
            server.url, "POST", "/v1/refresh", bearer, json={"fingerprint": machine}
        ).status_code

    assert [refresh(bearers[0], first) for _ in range(5)] == [200] * 4 + [429]
    usage = signed.call(
        server.url, "POST", "/v1/usage", bearers[0], json={"idempotency_key": "k" * 16}
    )
    assert usage.status_code == 429 and 1 <= int(usage.headers["Retry-After"]) <= 60
    assert refresh(bearers[1], second) == 200  # the other machine is not affected


# -- several processes ----------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_two_server_processes_share_the_limits(request, backend, tmp_path):
    env = {
        "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE": "6",
        "PYVORIN_SERVER_AUTH_FAILURES_PER_MINUTE_PER_IP": "6",
        "PYVORIN_SERVER_ADMIN_FAILURES_PER_MINUTE_PER_IP": "4",
    }
    url = database_for(request, backend, "edges_shared")
    first = LicenceServer(tmp_path / "a", url, env=env)
    url = url or f"sqlite:///{first.home / 'pyvorin-server.db'}"
    second = LicenceServer(tmp_path / "b", url, env=env)
    second.home = first.home  # the same issuer key and admin token
    with first, second:
        assert first.process.pid != second.process.pid and first.url != second.url
        servers = [first.url, second.url]
        _, key = first.issue(seats=1)
        machine = fp()
        codes = [signed.activate(servers[i % 2], key, machine).status_code for i in range(8)]
        assert codes == [201] * 6 + [429] * 2

        with client_from("127.0.0.9") as http:
            refused = [
                signed.send(
                    servers[i % 2],
                    "POST",
                    "/v1/refresh",
                    key=secrets.token_bytes(32),
                    credential="act_0",
                    json={"fingerprint": machine},
                    headers={"Authorization": "Bearer act_0.nope"},
                    client=http,
                ).status_code
                for i in range(8)
            ]
            assert refused == [401] * 6 + [429] * 2
            wrong = {"Authorization": f"Bearer {wrong_admin_token()}"}
            admin = [
                http.get(f"{servers[i % 2]}/v1/licences/lic_x", headers=wrong).status_code
                for i in range(6)
            ]
            assert admin == [401] * 4 + [429] * 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_hits_are_all_counted(request, backend, tmp_path):
    from pyvorin_server.config import normalise_db_url
    from pyvorin_server.db import make_engine, migrate
    from pyvorin_server.ratelimit import RateLimitStore

    url = database_for(request, backend, "edges_counter") or f"sqlite:///{tmp_path}/c.db"
    url = normalise_db_url(url)
    migrate(url)
    engines = [make_engine(url), make_engine(url)]  # two "processes"
    try:
        stores = [RateLimitStore(engine) for engine in engines]
        barrier = threading.Barrier(24)

        def hit(i: int) -> bool:
            barrier.wait()
            return stores[i % 2].hit("test", "one key", 10, 60) is None

        with ThreadPoolExecutor(24) as pool:
            allowed = list(pool.map(hit, range(24)))
        assert allowed.count(True) == 10
        # the window closes: maintenance deletes the counter and the key starts afresh
        from pyvorin_server.maintenance import run_maintenance

        config = ServerConfig(home=tmp_path, database_url=url)
        counts = run_maintenance(engines[0], config, now=time.time() + 120)
        assert counts["rate_limits"] == 1
        assert stores[0].hit("test", "one key", 10, 60) is None
    finally:
        for engine in engines:
            engine.dispose()


def test_argon2_computations_are_bounded(monkeypatch):
    from pyvorin_server import auth

    running, peak, lock = 0, 0, threading.Lock()

    class Counting:
        def verify(self, *_args):
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            time.sleep(0.05)
            with lock:
                running -= 1
            return True

    monkeypatch.setattr(auth, "HASHER", Counting())
    previous = auth.ARGON2_CONCURRENCY
    auth.set_concurrency(2)
    try:
        with ThreadPoolExecutor(16) as pool:
            assert all(pool.map(lambda _: auth.verify_password("h", "p"), range(16)))
    finally:
        auth.set_concurrency(previous)
    assert peak == 2

"""Load benchmark of the web console on loopback: sign-in and page throughput and latency
(p50/p99), on SQLite and on PostgreSQL.

    python benchmarks/console_load.py [--signins 40] [--pages 400] [--exchanges 200]
                                      [--concurrency 8] [--backend sqlite|postgres|both]
                                      [--json FILE]

Starts a real ``pyvorin-server run`` process on 127.0.0.1 per backend (PostgreSQL as in
licence_load.py), creates an organisation and its members with the real CLI, a licence
with machines and usage through the API, then measures: ``sign-in`` (each pays one
argon2id verification and creates a session), and ``GET`` of the licences list, a licence
with its machines, the usage chart and the audit trail, spread over the signed-in
sessions (and the API tokens page); then ``api-token``: a member's API token, made with the
console form, exchanged at ``POST /v1/access-token`` for an RS256 access token (a hash
lookup, the membership check and one RSA signature each). The per-address sign-in limit
is raised for the run (PYVORIN_SERVER_LOGINS_PER_MINUTE_PER_IP): the benchmark measures
the server, not the limiter.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.licence_load import phase
from tests.licensing.support import LicenceServer, start_postgres
from tests.server import signed

PASSWORD = "benchmark password 0"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PAGES = (
    "/console/licences",
    "/console/licences/{lid}",
    "/console/usage",
    "/console/audit",
    "/console/tokens",
)


def sign_in(http: httpx.Client, base: str, email: str) -> str | None:
    """Sign in like a browser; returns the session cookie value, or None."""
    form = http.get(f"{base}/console/login")
    login_cookie = form.cookies.get("__Host-pyvorin_login") or re.search(
        r"__Host-pyvorin_login=([^;]+)", form.headers.get("set-cookie", "")
    ).group(1)
    token = CSRF.search(form.text).group(1)
    response = http.post(
        f"{base}/console/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        headers={"cookie": f"__Host-pyvorin_login={login_cookie}"},
    )
    if response.status_code != 303:
        return None
    found = re.search(
        r"__Host-pyvorin_session=([^;]+)", ";".join(response.headers.get_list("set-cookie"))
    )
    return found.group(1) if found else None


def bench_backend(backend: str, args, workdir: Path) -> list[dict]:
    url = cluster = None
    if backend == "postgres":
        cluster = start_postgres(workdir / "pg")
        url = cluster.create_database("pyvorin_console_bench")
    env = {"PYVORIN_SERVER_LOGINS_PER_MINUTE_PER_IP": str(10**9)}
    try:
        with LicenceServer(workdir / backend, url, env=env) as server:
            org = server.cli("org", "create", "Bench Ltd").stdout.strip()
            emails = [f"member{i}@bench.example" for i in range(4)]
            for i, email in enumerate(emails):
                made = subprocess_input(
                    server,
                    PASSWORD,
                    "user",
                    "create",
                    email,
                    "--org",
                    org,
                    "--role",
                    "owner" if i == 0 else "admin",
                )
                assert made.returncode == 0, made.stderr
            lid, key = server.issue(seats=20, org_id=org)
            with httpx.Client(timeout=30) as http:
                for n in range(10):
                    act = signed.activate(  # machine calls are signed
                        server.url, key, uuid.uuid4().hex, f"ci-{n}", client=http
                    )
                    assert act.status_code == 201, act.text
            sessions: list[str] = []

            def signin(http: httpx.Client, i: int) -> bool:
                cookie = sign_in(http, server.url, emails[i % len(emails)])
                if cookie is not None:
                    sessions.append(cookie)
                return cookie is not None

            results = [phase("sign-in", args.signins, args.concurrency, signin)]
            assert sessions, "no sign-in succeeded"

            def page(http: httpx.Client, i: int) -> bool:
                path = PAGES[i % len(PAGES)].format(lid=lid)
                response = http.get(
                    server.url + path,
                    headers={"cookie": f"__Host-pyvorin_session={sessions[i % len(sessions)]}"},
                )
                return response.status_code == 200 and "<html" in response.text

            results.append(phase("pages", args.pages, args.concurrency, page))
            secret = api_token(server.url, sessions[0])

            def exchange(http: httpx.Client, i: int) -> bool:
                response = http.post(
                    server.url + "/v1/access-token",
                    headers={"Authorization": f"Bearer {secret}"},
                )
                return response.status_code == 200 and "access_token" in response.json()

            results.append(phase("api-token", args.exchanges, args.concurrency, exchange))
            for result in results:
                result["backend"] = backend
            return results
    finally:
        if cluster is not None:
            cluster.stop()


def api_token(base: str, session: str) -> str:
    """A new API token made with the console's form (the secret is on the answer page)."""
    cookie = {"cookie": f"__Host-pyvorin_session={session}"}
    with httpx.Client(timeout=60) as http:
        form = http.get(f"{base}/console/tokens", headers=cookie)
        made = http.post(
            f"{base}/console/tokens",
            data={
                "csrf_token": CSRF.search(form.text).group(1),
                "name": "benchmark",
                "permission": ["licences:read"],
            },
            headers=cookie,
        )
    assert made.status_code == 201, made.text[-500:]
    return re.search(r'id="secret">(pvt_[^<]+)<', made.text).group(1)


def subprocess_input(server: LicenceServer, stdin: str, *args: str):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "pyvorin_server", *args, "--password-stdin"],
        input=stdin + "\n",
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signins", type=int, default=40)
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--exchanges", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="pyvorin-console-bench-") as tmp:
        for backend in backends:
            rows += bench_backend(backend, args, Path(tmp))
    print(
        f"{'backend':<9} {'phase':<9} {'requests':>8} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    for r in rows:
        print(
            f"{r['backend']:<9} {r['phase']:<9} {r['requests']:>8} {r['errors']:>6} "
            f"{r['per_second']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if all(r["errors"] == 0 and r["requests"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

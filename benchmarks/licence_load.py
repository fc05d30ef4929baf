"""Load benchmark of the licence server on loopback: activation, refresh and API-token
issue/verify throughput and latency (p50/p99), on SQLite and on PostgreSQL.

    python benchmarks/licence_load.py [--activations 300] [--refreshes 600] [--tokens 300]
                                      [--concurrency 8] [--backend sqlite|postgres|both]

Every call is signed as the pyvorin client signs it (HMAC-SHA256, nonce). Token phases:
``token-issue`` (activation grant with a DPoP proof: a new RS256 access token and a
refresh-token family), ``token-rotate`` (refresh grant: rotation of a device-bound refresh
token), ``token-verify`` (``GET /v1/status`` with a DPoP-bound access token: RS256 and
DPoP verification, nonce store, the status query). ``--inproc`` adds the CPU cost of
issuing and verifying one access token in process (no HTTP, no database).

Starts real ``pyvorin-server`` processes on 127.0.0.1 (a fresh SQLite file; PostgreSQL
from PYVORIN_TEST_POSTGRES_URL or a throwaway cluster of the installed binaries, which
``bash .ci/postgres.sh`` installs). Counts and a per-phase time limit keep a run
bounded. The activation rate limit is raised for the run
(PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE), since the benchmark measures the database
path, not the limiter. Prints a table and, with ``--json FILE``, writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pyvorin.licensing import transport
from tests.licensing.support import LicenceServer, start_postgres
from tests.server import signed

PHASE_LIMIT_SECONDS = 60.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def phase(name: str, count: int, concurrency: int, call) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + PHASE_LIMIT_SECONDS
    local = threading.local()

    def one(i: int) -> None:
        nonlocal errors
        if time.monotonic() > deadline:
            return
        if not hasattr(local, "http"):
            local.http = httpx.Client(timeout=30)
        started = time.perf_counter()
        ok = call(local.http, i)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            errors += 0 if ok else 1

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(count)))
    wall = time.perf_counter() - started
    return {
        "phase": name,
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(wall, 3),
        "per_second": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 50) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
    }


def bench_backend(backend: str, args, workdir: Path) -> list[dict]:
    url = None
    cluster = None
    if backend == "postgres":
        cluster = start_postgres(workdir / "pg")
        url = cluster.create_database("pyvorin_bench")
    env = {
        "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE": str(10**9),
        "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE_PER_IP": str(10**9),
    }
    try:
        with LicenceServer(workdir / backend, url, env=env) as server:
            _, key = server.issue(seats=args.activations + 10, plan="enterprise")
            bearers: list[tuple[str, str]] = []
            bearer_lock = threading.Lock()

            def activate(http: httpx.Client, _i: int) -> bool:
                fp = uuid.uuid4().hex
                response = signed.activate(server.url, key, fp, "bench", client=http)
                if response.status_code != 201:
                    return False
                data = response.json()
                with bearer_lock:
                    bearers.append((f"{data['activation_id']}.{data['activation_secret']}", fp))
                return True

            def refresh(http: httpx.Client, i: int) -> bool:
                bearer, fp = bearers[i % len(bearers)]
                response = signed.call(
                    server.url,
                    "POST",
                    "/v1/refresh",
                    bearer,
                    json={"fingerprint": fp},
                    client=http,
                )
                return response.status_code == 200

            token_url = f"{server.url}/v1/token"
            devices = [ec.generate_private_key(ec.SECP256R1()) for _ in range(args.tokens)]
            pairs: list[dict | None] = [None] * args.tokens
            chain_locks = [threading.Lock() for _ in range(args.tokens)]

            def token_issue(http: httpx.Client, i: int) -> bool:
                bearer, _ = bearers[i % len(bearers)]
                response = signed.call(
                    server.url,
                    "POST",
                    "/v1/token",
                    bearer,
                    json={"grant_type": transport.ACTIVATION_GRANT},
                    headers={"DPoP": transport.dpop_proof(devices[i], "POST", token_url)},
                    client=http,
                )
                if response.status_code != 200:
                    return False
                pairs[i] = {"aid": bearer.split(".")[0], **response.json()}
                return True

            def token_rotate(http: httpx.Client, i: int) -> bool:
                slot = i % args.tokens
                with chain_locks[slot]:
                    pair = pairs[slot]
                    if pair is None:
                        return False
                    response = http.post(
                        token_url,
                        json={
                            "grant_type": "refresh_token",
                            "refresh_token": pair["refresh_token"],
                        },
                        headers={"DPoP": transport.dpop_proof(devices[slot], "POST", token_url)},
                    )
                    if response.status_code != 200:
                        return False
                    pairs[slot] = {"aid": pair["aid"], **response.json()}
                return True

            def token_verify(http: httpx.Client, i: int) -> bool:
                slot = i % args.tokens
                pair = pairs[slot]
                if pair is None:
                    return False
                access = pair["access_token"]
                proof = transport.dpop_proof(
                    devices[slot], "GET", f"{server.url}/v1/status", access
                )
                response = signed.send(
                    server.url,
                    "GET",
                    "/v1/status",
                    key=signed.REQUEST_KEYS[pair["aid"]],
                    credential=pair["aid"],
                    headers={"Authorization": f"DPoP {access}", "DPoP": proof},
                    client=http,
                )
                return response.status_code == 200

            results = [phase("activate", args.activations, args.concurrency, activate)]
            results.append(phase("refresh", args.refreshes, args.concurrency, refresh))
            if args.tokens:
                results.append(phase("token-issue", args.tokens, args.concurrency, token_issue))
                results.append(phase("token-rotate", args.tokens, args.concurrency, token_rotate))
                results.append(
                    phase("token-verify", args.tokens * 2, args.concurrency, token_verify)
                )
            for result in results:
                result["backend"] = backend
            return results
    finally:
        if cluster is not None:
            cluster.stop()


def inproc_tokens(count: int = 2000) -> list[dict]:
    """CPU cost of one RS256 access token: issue (sign) and verify, in process."""
    from sqlalchemy import create_engine

    from pyvorin_server import apitokens, atrest
    from pyvorin_server.db import migrate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/t.db"
        migrate(url)
        engine = create_engine(url)
        atrest.install(atrest.Vault(engine, atrest.FileKek(Path(tmp) / "kek")).load())
        service = apitokens.TokenService(engine, "bench")
        service.current_kid()
        rows = []
        tokens: list[str] = []
        for name in ("issue", "verify"):
            latencies = []
            started = time.perf_counter()
            for i in range(count):
                t0 = time.perf_counter()
                if name == "issue":
                    tokens.append(service.issue("s", apitokens.AUD_ADMIN, {"licences:read"})[0])
                else:
                    service.verify(tokens[i], apitokens.AUD_ADMIN, {"licences:read"})
                latencies.append(time.perf_counter() - t0)
            wall = time.perf_counter() - started
            rows.append(
                {
                    "backend": "inproc",
                    "phase": f"jwt-{name}",
                    "requests": count,
                    "errors": 0,
                    "seconds": round(wall, 3),
                    "per_second": round(count / wall, 1),
                    "p50_ms": round(percentile(latencies, 50) * 1000, 3),
                    "p99_ms": round(percentile(latencies, 99) * 1000, 3),
                    "mean_ms": round(statistics.fmean(latencies) * 1000, 3),
                }
            )
        engine.dispose()
        return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activations", type=int, default=300)
    parser.add_argument("--refreshes", type=int, default=600)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--inproc", action="store_true", help="also time in-process issue/verify")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="pyvorin-licence-bench-") as tmp:
        for backend in backends:
            rows += bench_backend(backend, args, Path(tmp))
    if args.inproc:
        rows += inproc_tokens()
    header = (
        f"{'backend':<9} {'phase':<13} {'requests':>8} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['backend']:<9} {r['phase']:<13} {r['requests']:>8} {r['errors']:>6} "
            f"{r['per_second']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8}"
        )
    print(
        f"(loopback, {args.concurrency} client threads, one server process, "
        f"{time.strftime('%Y-%m-%d')})"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())

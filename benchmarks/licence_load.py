"""Load benchmark of the licence server on loopback: activation and refresh throughput
and latency (p50/p99), on SQLite and on PostgreSQL.

    python benchmarks/licence_load.py [--activations 300] [--refreshes 600]
                                      [--concurrency 8] [--backend sqlite|postgres|both]

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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.licensing.support import LicenceServer, start_postgres

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
                response = http.post(
                    f"{server.url}/v1/activate",
                    json={"key": key, "fingerprint": fp, "hostname": "bench"},
                )
                if response.status_code != 201:
                    return False
                data = response.json()
                with bearer_lock:
                    bearers.append((f"{data['activation_id']}.{data['activation_secret']}", fp))
                return True

            def refresh(http: httpx.Client, i: int) -> bool:
                bearer, fp = bearers[i % len(bearers)]
                response = http.post(
                    f"{server.url}/v1/refresh",
                    json={"fingerprint": fp},
                    headers={"Authorization": f"Bearer {bearer}"},
                )
                return response.status_code == 200

            results = [phase("activate", args.activations, args.concurrency, activate)]
            results.append(phase("refresh", args.refreshes, args.concurrency, refresh))
            for result in results:
                result["backend"] = backend
            return results
    finally:
        if cluster is not None:
            cluster.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activations", type=int, default=300)
    parser.add_argument("--refreshes", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="pyvorin-licence-bench-") as tmp:
        for backend in backends:
            rows += bench_backend(backend, args, Path(tmp))
    header = (
        f"{'backend':<9} {'phase':<9} {'requests':>8} {'errors':>6} {'req/s':>8} "
        f"{'p50 ms':>8} {'p99 ms':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['backend']:<9} {r['phase']:<9} {r['requests']:>8} {r['errors']:>6} "
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

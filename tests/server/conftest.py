"""Server fixtures: one real server process per database backend, shared by the session.

Each test issues its own licences, so tests stay independent on a shared server. The
PostgreSQL variant uses PYVORIN_TEST_POSTGRES_URL when set, else starts a throwaway
cluster from the installed binaries; if neither is possible the tests FAIL saying how
to get one (they are never skipped).
"""

from __future__ import annotations

import os

import pytest

from tests.licensing.support import LicenceServer, PostgresCluster, start_postgres

BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
SERVER_ENV = {
    "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE": "30",
    "PYVORIN_SERVER_ACTIVATIONS_PER_MINUTE_PER_IP": "100000",
    # the suite sends many refused requests from 127.0.0.1 on purpose (bad signatures,
    # wrong tokens, fuzzing): the per-address limits on refusals have their own tests
    # (test_server_edges.py) on servers of their own
    "PYVORIN_SERVER_AUTH_FAILURES_PER_MINUTE_PER_IP": "100000",
    "PYVORIN_SERVER_ADMIN_FAILURES_PER_MINUTE_PER_IP": "100000",
}


@pytest.fixture(scope="session")
def postgres_cluster(tmp_path_factory: pytest.TempPathFactory):
    try:
        cluster = start_postgres(tmp_path_factory.mktemp("postgres"))
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield cluster
    cluster.stop()


def database_for(request: pytest.FixtureRequest, backend: str, name: str) -> str | None:
    """A fresh database ``name`` on the cluster (None for SQLite).

    Under pytest-xdist each worker has its own cluster, but an external
    PYVORIN_TEST_POSTGRES_URL is shared: the worker id keeps the names apart.
    """
    if backend == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return cluster.create_database(f"{name}_{worker}" if worker else name)


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    backend = request.param
    url = database_for(request, backend, "pyvorin_server_tests")
    workdir = tmp_path_factory.mktemp(f"server-{backend}")
    with LicenceServer(workdir, url, env=SERVER_ENV) as running:
        running.backend = backend
        yield running

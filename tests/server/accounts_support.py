"""Helpers for the account tests: a migrated database (SQLite or the suite's PostgreSQL)
and a configured server home, without a server process."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from pyvorin_server.config import ServerConfig, initialise, normalise_db_url
from pyvorin_server.db import make_engine, migrate
from tests.server.conftest import database_for


def migrated_url(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str:
    name = f"acct_{uuid.uuid4().hex[:12]}"
    url = database_for(request, backend, name) or f"sqlite:///{tmp_path}/{name}.db"
    url = normalise_db_url(url)
    migrate(url)
    return url


def server_config(url: str, home: Path, **overrides) -> ServerConfig:
    config = ServerConfig(home=home, database_url=url, **overrides)
    initialise(config)
    return config


def session_factory(url: str, home: Path | None = None):
    """Sessions on ``url``. With ``home``: first load (and install) the at-rest keys of
    that server home (file KEK), as a server or the CLI would: sealed columns need them."""
    engine = make_engine(url)
    if home is not None:
        from pyvorin_server import atrest

        atrest.install(atrest.Vault(engine, atrest.FileKek(Path(home) / "kek")).load())
    return sessionmaker(engine, expire_on_commit=False)

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


def session_factory(url: str):
    return sessionmaker(make_engine(url), expire_on_commit=False)

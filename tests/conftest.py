"""Shared fixtures: one migrated database per run, emptied after every test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. Tests
commit for real (views, concurrent requests and the browser's server thread all need that),
so isolation comes from emptying every table afterwards rather than from a rolled-back
transaction.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from pytest_httpserver import HTTPServer
from sqlalchemy import text
from werkzeug.serving import make_server

from app import create_app
from app.demo_lms.demo import demo_platform, ensure_registered
from app.extensions import db
from config import Settings, load_settings
from tests.support.lms import LocalLms
from tests.support.settings import configured


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'imr-test.sqlite'}"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    env = {
        "IMR_PROFILE": "test",
        "DATABASE_URL": _database_url(tmp_path_factory.mktemp("db")),
        "DEMO_LMS": "true",
        # The test LMSs are local HTTP servers; one test turns this off to see it refused.
        "PRIVATE_OUTBOUND_ALLOWED": "true",
    }
    return load_settings(env)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    application = create_app(settings)
    with application.app_context():
        _reset_schema()
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


def _reset_schema() -> None:
    """Start from an empty database: a PostgreSQL test database may hold an earlier run's tables."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))


def empty_all_tables() -> None:
    """Delete every row of every table the migrations made, children before parents.

    DELETE rather than PostgreSQL's TRUNCATE: on tables this small it takes a few milliseconds,
    where TRUNCATE of forty tables (new files for each, synced at commit) took about a second
    after every test. Identities are not restarted; no test relies on an id's value.
    """
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 (table names from our metadata)


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        application: Flask = request.getfixturevalue("app")
        with application.app_context():
            db.session.remove()
            empty_all_tables()


@pytest.fixture
def app_with(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Makes another app on the test database with some settings changed (Redis down, say).

    Each has an engine of its own, closed after the test: left to the garbage collector, its
    open PostgreSQL connections warned in whichever later test happened to collect them.
    """
    made: list[Flask] = []

    def make(**changes: object) -> Flask:
        made.append(create_app(settings.with_overrides(**changes)))
        return made[-1]

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def lms(app: Flask, httpserver: HTTPServer) -> LocalLms:
    """An LMS registered with the tool, serving its key set over HTTP."""
    platform = LocalLms.start(httpserver)
    with app.app_context():
        platform.register()
    return platform


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a free local port, for the demo LMS and the browser.

    Its address becomes the app's PUBLIC_URL for the test, as an operator would configure it.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    address = f"http://127.0.0.1:{server.server_port}"
    with configured(app, public_url=address):
        with app.app_context():
            ensure_registered(demo_platform())
            db.session.commit()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield address
        server.shutdown()
        thread.join()

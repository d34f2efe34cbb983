"""Benchmark: a complete LTI launch of IMR Academy against the same launch of a bare pylti1p3 tool.

Run with `make bench`, or `.venv/bin/python bench/launch.py` (SQLite in a temporary folder) and
`DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/launch.py`
(that database is emptied first); add `REDIS_URL=redis://127.0.0.1:6379/9` for the shared store
production uses (state, nonces and launch data in Redis, not in database rows). One LMS (the test suite's, signing real RS256 id_tokens and
serving its key set over HTTP) launches a practitioner into both tools, alternately, each time
from a new browser: OIDC login, the launch, the landing page (the LMS's authorisation answer
between them is off the clock). It prints both medians, their ratio (the goal is at most 1.3),
and the statements and commits one IMR Academy launch sends to the database.

It measures twice: through Flask's test client, which times the tools' own work alone, and as a
browser meets it, each tool served by a real WSGI server on a local port and reached over HTTP
(sockets, HTTP parsing and cookies on the clock, as in any real launch).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jwcrypto.jwk import JWK
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, event, text
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app import create_app
from app.demo_lms.platform import new_private_key_pem
from app.extensions import db
from bench.bare_tool import create_bare_tool
from config import load_settings
from tests.support.lms import COURSE, LINK, PRACTITIONER, LocalLms

RUNS = int(os.environ.get("BENCH_LAUNCHES", "40"))
WARM_UP = 3


def product(url: str) -> Flask:
    """IMR Academy on a freshly migrated database (a PostgreSQL one is emptied first)."""
    settings = {"IMR_PROFILE": "test", "DATABASE_URL": url, "PRIVATE_OUTBOUND_ALLOWED": "true"}
    if os.environ.get("REDIS_URL"):
        settings["REDIS_URL"] = os.environ["REDIS_URL"]  # the shared store as production has it
    app = create_app(load_settings(settings))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
    return app


def bare(lms: LocalLms, database_url: str | None = None) -> Flask:
    """The bare tool, registered with the same LMS under the same client and deployment (with a
    database URL, the one that also records who launched)."""
    issuer = lms.platform.issuer
    registration = {
        "issuer": issuer,
        "default": True,
        "client_id": lms.platform.client_id,
        "auth_login_url": issuer + "/auth",
        "auth_token_url": issuer + "/token",
        "key_set_url": lms.server.url_for(lms.jwks_path),
        "key_set": None,
        "deployment_ids": [lms.platform.deployment_id],
    }
    private = new_private_key_pem()
    public = JWK.from_pem(private.encode()).export_to_pem().decode()
    return create_bare_tool(registration, private, public, database_url)


def one_launch(app: Flask, lms: LocalLms) -> float:
    """Seconds the tool spends on one launch from a new browser, landing page included.

    The LMS's own work (answering the authorisation request, signing the id_token) is left out
    of the clock: it is the same for both tools and is not theirs to make faster.
    """
    client: FlaskClient = app.test_client()
    started = time.perf_counter()
    asked = lms.begin(client, PRACTITIONER)
    login = time.perf_counter() - started
    fields = lms.platform.launch(asked, PRACTITIONER, COURSE, LINK)
    started = time.perf_counter()
    response = client.post("/lti/launch", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get(response.location).status_code == 200
    return login + time.perf_counter() - started


@contextmanager
def counted(engine: Engine) -> Iterator[dict[str, int]]:
    """How many statements and commits reach the database while the block runs."""
    counts = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def interleaved(runs: int, tools: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Each tool once per round, so a slow moment of the machine hits both alike."""
    timings: dict[str, list[float]] = {name: [] for name in tools}
    for round_number in range(WARM_UP + runs):
        for name, run in tools.items():
            elapsed = run()
            if round_number >= WARM_UP:
                timings[name].append(elapsed)
    return timings


@contextmanager
def registered(database_name: str) -> Iterator[tuple[Flask, LocalLms]]:
    """IMR Academy on DATABASE_URL (else a new SQLite file), with the LMS registered and serving."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp()}/{database_name}"
    app = product(url)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        with app.app_context():
            lms = LocalLms.start(server)
            lms.register("Bench organisation")
        yield app, lms
    finally:
        server.stop()


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app behind a real WSGI server on a free local port, for launches over HTTP."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request on the console
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def one_launch_over_http(base: str, lms: LocalLms) -> float:
    """One launch as a new browser makes it over HTTP; the LMS's signing is off the clock again."""
    browser = requests.Session()
    started = time.perf_counter()
    login = browser.get(
        base + "/lti/login",
        params=lms.platform.login_initiation(PRACTITIONER, LINK),
        allow_redirects=False,
        timeout=10,
    )
    elapsed = time.perf_counter() - started
    assert login.status_code == 302, login.text
    asked = dict(parse_qsl(urlsplit(login.headers["Location"]).query))
    fields = lms.platform.launch(asked, PRACTITIONER, COURSE, LINK)
    started = time.perf_counter()
    launch = browser.post(base + "/lti/launch", data=fields, allow_redirects=False, timeout=10)
    assert launch.status_code == 302, launch.text
    landing = browser.get(urljoin(base, launch.headers["Location"]), timeout=10)
    assert landing.status_code == 200
    return elapsed + time.perf_counter() - started


def _ratio(way: str, timings: dict[str, list[float]]) -> str:
    imr, floor, storing = (
        statistics.median(timings[name]) * 1000 for name in ("imr", "bare", "storing")
    )
    return (
        f"{way} ({RUNS} interleaved): IMR Academy median {imr:.1f} ms, "
        f"bare pylti1p3 tool {floor:.1f} ms, ratio {imr / floor:.2f}; "
        f"the bare tool recording who launched {storing:.1f} ms "
        f"(ratio {storing / floor:.2f} to the bare tool, IMR Academy {imr / storing:.2f} to it)"
    )


def main() -> None:
    with registered("launch.sqlite") as (app, lms):
        with app.app_context():
            engine = db.engine
        tools = {"bare": bare(lms), "storing": bare(lms, people_url(engine))}
        one_launch(app, lms)
        with counted(engine) as counts:
            one_launch(app, lms)
        runs = {name: partial(one_launch, tool, lms) for name, tool in tools.items()}
        timings = interleaved(RUNS, {"imr": lambda: one_launch(app, lms), **runs})
        with ExitStack() as stack:
            served_at = {
                name: stack.enter_context(served(t)) for name, t in {"imr": app, **tools}.items()
            }
            over_http = interleaved(
                RUNS,
                {name: partial(one_launch_over_http, url, lms) for name, url in served_at.items()},
            )
    print(
        f"launch on {engine.dialect.name}: {_ratio('test client', timings)}; "
        f"{counts['statements']} statements and {counts['commits']} commits per launch"
    )
    print(f"launch on {engine.dialect.name}: {_ratio('over HTTP', over_http)}")


def people_url(engine: Engine) -> str:
    """Where the storing floor keeps its people: IMR Academy's own database (its own table)."""
    return engine.url.render_as_string(hide_password=False)


if __name__ == "__main__":
    main()

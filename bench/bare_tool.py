"""The floor the launch benchmark compares against: a bare pylti1p3 Flask tool.

It does what the library's own Flask example does and nothing else: OIDC login, a validated
launch, a landing page. Registrations come from a dict, launch data and the platform's key set
live in this process's memory, there is no database. IMR Academy does more on purpose (shared
state across workers, single-use nonces bound to the state, a person recorded per launch), so
the benchmark reports how close the product comes to this floor, not an equality.

Given a database URL, the same tool also does the least any tool that knows its users must: the
launch upserts the person (one statement, one commit) and the landing page reads their name back
(one statement). That second floor shows what a database alone adds to a launch.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from flask import Flask, redirect, render_template_string, session, url_for
from pylti1p3.contrib.flask import (
    FlaskCookieService,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.tool_config import ToolConfDict
from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.wrappers import Response

LANDING = "<!doctype html><title>Bare tool</title><h1>Hello {{ name }}</h1>"


class MemoryStorage(LaunchDataStorage[Any]):
    """Launch data and key sets in a dict, with expiry: one process needs nothing more."""

    _session_cookie_name = None  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[str, tuple[Any, float]] = {}

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        value, expires = self._values.get(key, (None, 0.0))
        return value if expires > time.monotonic() else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._values[key] = (value, time.monotonic() + (exp or 3600))

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None


PEOPLE = Table(
    "bare_tool_person",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("subject", String(255), unique=True, nullable=False),
    Column("name", String(300), nullable=False),
)


def _people(database_url: str) -> Engine:
    """The storing floor's one table, new in the given database (on SQLite with the write-ahead
    log and commit durability IMR Academy uses, so that neither pays more per commit)."""
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _like_the_product)
    PEOPLE.drop(engine, checkfirst=True)
    PEOPLE.create(engine)
    return engine


def _like_the_product(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _record(engine: Engine, subject: str, name: str) -> int:
    """The person's row, inserted or renamed, in one statement and one commit."""
    insert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert
    statement = insert(PEOPLE).values(subject=subject, name=name)
    statement = statement.on_conflict_do_update(
        index_elements=["subject"], set_={"name": statement.excluded.name}
    ).returning(PEOPLE.c.id)
    with engine.begin() as conn:
        return int(conn.execute(statement).scalar_one())


def _name(engine: Engine, person_id: int) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(PEOPLE.c.name).where(PEOPLE.c.id == person_id)).scalar())


def create_bare_tool(
    registration: dict[str, Any],
    private_key: str,
    public_key: str,
    database_url: str | None = None,
) -> Flask:
    """A tool registered with one platform (pylti1p3's ToolConfDict layout for one client);
    with a database URL, one that also records who launched."""
    app = Flask(__name__)
    app.secret_key = secrets.token_hex(32)
    issuer = registration["issuer"]
    config = ToolConfDict({issuer: [registration]})
    config.set_private_key(issuer, private_key, client_id=registration["client_id"])
    config.set_public_key(issuer, public_key, client_id=registration["client_id"])
    storage = MemoryStorage()
    people = _people(database_url) if database_url else None

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Response:
        flask_request = FlaskRequest()
        cookies = FlaskCookieService(flask_request)
        oidc = FlaskOIDCLogin(
            flask_request, config, cookie_service=cookies, launch_data_storage=storage
        )
        target = flask_request.get_param("target_link_uri")
        return oidc.redirect(target)

    @app.post("/lti/launch")
    def launch() -> Response:
        message = FlaskMessageLaunch(FlaskRequest(), config, launch_data_storage=storage)
        message.set_public_key_caching(storage, cache_lifetime=7200)
        data = message.get_launch_data()
        session["name"] = data.get("name", "")
        if people is not None:
            session["person"] = _record(people, data["sub"], session["name"])
        return redirect(url_for("landing"))

    @app.get("/home")
    def landing() -> str:
        name = _name(people, session["person"]) if people else session.get("name", "")
        return render_template_string(LANDING, name=name)

    return app

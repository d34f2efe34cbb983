"""The limits kept on the database (PostgreSQL): a request it cannot finish in time is stopped,
told so in words, and saves nothing; a migration may take as long as it needs; and two releases
at once take turns."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text, update

from app.extensions import db
from app.models.people import Person
from config import MIGRATION_LOCK_KEY
from tests.support.lms import PRACTITIONER, LocalLms, csrf_token
from tests.support.locks import Meanwhile, postgresql_only


def test_a_request_stuck_behind_a_lock_is_stopped_at_the_limit_and_saves_nothing(
    app: Flask, app_with: Callable[..., Flask], lms: LocalLms
):
    postgresql_only(app)
    limited = app_with(database_statement_timeout_seconds=1)
    browser = limited.test_client()
    lms.launch(browser, PRACTITIONER)
    token = csrf_token(browser.get("/practitioner"))
    with app.app_context(), db.engine.connect() as holder:
        # Another transaction holds the practitioner's row, as a long change would.
        holder.execute(update(Person).values(name=Person.name))
        signing_out = Meanwhile(
            limited, lambda: browser.post("/sign-out", data={"csrf_token": token})
        )
        try:
            answer = signing_out.finish()
        finally:
            holder.rollback()
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503
    assert "IMR Academy took too long to answer" in page
    assert "nothing of it was saved" in page
    assert browser.get("/practitioner").status_code == 200, "the sign-out was not saved"
    with app.app_context():
        assert db.session.scalar(select(Person.sign_outs)) == 0


BEFORE_THE_STATE_DEFAULT_WENT = "e8b3f1a6c2d4"


def _a_lock_wait_outlasted(seconds: int) -> bool:
    """Whether, by the database's own clock, a statement has waited for a lock this long."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND clock_timestamp() - query_start > :limit"
    )
    with db.engine.connect() as connection:
        return bool(connection.execute(query, {"limit": timedelta(seconds=seconds)}).scalar())


def test_a_migration_may_wait_past_the_limit_that_stops_a_page(
    app: Flask, app_with: Callable[..., Flask]
):
    postgresql_only(app)
    limited = app_with(database_statement_timeout_seconds=1)
    with app.app_context():
        db.session.remove()
        downgrade(revision=BEFORE_THE_STATE_DEFAULT_WENT)
    try:
        with app.app_context(), db.engine.connect() as holder:
            holder.exec_driver_sql("LOCK TABLE certificate IN ACCESS SHARE MODE")
            migrating = Meanwhile(limited, upgrade)  # its ALTER TABLE waits for the lock
            assert migrating.still_running_when(lambda: _a_lock_wait_outlasted(seconds=1))
            holder.rollback()
        migrating.finish()  # raises if the limit had stopped it
    finally:
        with app.app_context():
            upgrade()
    with limited.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "1s"


def test_a_second_release_waits_for_the_first_to_finish_migrating(
    app: Flask, app_with: Callable[..., Flask]
):
    postgresql_only(app)
    second = app_with()
    with app.app_context(), db.engine.connect() as first:
        first.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")  # migrating
        releasing = Meanwhile(second, upgrade)
        assert releasing.waits_for_a_lock(), "the second release migrated alongside the first"
        first.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
    releasing.finish()


def test_with_the_database_down_a_page_says_unavailable_not_that_something_broke(
    app: Flask, app_with: Callable[..., Flask], lms: LocalLms, tmp_path
):
    """A database that did not answer gave the 500 page ("something went wrong on our side"),
    and its session's header would have asked the same database again."""
    browser = app.test_client()
    lms.launch(browser, PRACTITIONER)
    unreachable = (
        "postgresql://postgres@127.0.0.1:9/nowhere"
        if "postgresql" in app.config["SQLALCHEMY_DATABASE_URI"]
        else f"sqlite:///{tmp_path}/no-such-folder/imr.sqlite"
    )
    down = app_with(database_url=unreachable).test_client()
    down.set_cookie("imr_session", browser.get_cookie("imr_session").value)
    for page in ("/practitioner", "/verify/7K3Q-9XMD-2RPA-W4HN-T"):
        answer = down.get(page)
        assert answer.status_code == 503, page
        assert "IMR Academy is temporarily unavailable" in answer.get_data(as_text=True)

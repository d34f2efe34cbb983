"""The group schedule form: a searchable time zone list checked on the server, date, time and
number inputs, one ending at a time, and each error next to the field it concerns."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.domain.certificates import date_in_words
from app.domain.consultation import SCHEDULING_WINDOW
from app.extensions import db
from app.models.consultation import ConsultationGroup
from tests.support.forms import group_form
from tests.support.lms import TRAINER, LocalLms, csrf_token

NEXT_WEEK = date.today() + timedelta(days=7)


@pytest.fixture
def trainer(app: Flask, lms: LocalLms) -> FlaskClient:
    client = app.test_client()
    lms.launch(client, TRAINER)
    return client


def _form(token: str, **changes: str) -> dict[str, object]:
    """A Thursday afternoon group in New York, with any field changed."""
    zone = {"timezone": "America/New_York", "weekday": "3", "local_time": "14:30"}
    return group_form(token, NEXT_WEEK, **(zone | changes))


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


def test_the_form_offers_every_zone_and_the_right_kind_of_input(trainer):
    html = trainer.get("/consultation/").get_data(as_text=True)
    assert 'list="timezone-options"' in _input(html, "timezone")
    assert '<datalist id="timezone-options">' in html
    assert '<option value="America/New_York">' in html
    assert '<option value="Pacific/Auckland">' in html
    assert 'type="time"' in _input(html, "local_time")
    for name in ("first_date", "end_date"):
        assert 'type="date"' in _input(html, name)
    for name in ("duration_minutes", "weeks", "excused_allowed"):
        assert 'type="number"' in _input(html, name)
    assert "For a number of sessions" in html
    assert "Until a last date" in html
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "is not a time zone we know"),
        ({"ends": "date", "end_date": ""}, "end_date", "Give the last date"),
        ({"ends": "weeks", "weeks": ""}, "weeks", "Give the number of sessions"),
        ({"duration_minutes": "5"}, "duration_minutes", "Between 15 and 240 minutes"),
    ],
)
def test_an_error_sits_next_to_its_field_and_is_named_by_it(trainer, changes, field, words):
    token = csrf_token(trainer.get("/consultation/"))
    response = trainer.post("/consultation/groups", data=_form(token, **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    tag = _input(html, field)
    assert 'aria-invalid="true"' in tag
    assert f"{field}-error" in re.search(r'aria-describedby="([^"]+)"', tag).group(1)
    error = re.search(rf'<p class="field-error" id="{field}-error">([^<]+)</p>', html)
    assert error
    assert words in error.group(1)


def test_a_known_zone_schedules_the_group_in_it(trainer):
    token = csrf_token(trainer.get("/consultation/"))
    created = trainer.post("/consultation/groups", data=_form(token))
    assert created.status_code == 302
    page = trainer.get(created.location).get_data(as_text=True)
    assert "14:30 E" in page  # EST or EDT: the group's own wall-clock time


FAR_AWAY = [
    {"first_date": "9999-12-31", "timezone": "America/Los_Angeles", "local_time": "23:30"},
    {"first_date": "0001-01-01", "timezone": "Asia/Tokyo", "local_time": "00:30"},
    {"first_date": "0001-01-01", "timezone": "Asia/Tokyo", "local_time": "00:30", "weekday": "0"},
]


def _window_error() -> str:
    first, last = SCHEDULING_WINDOW.bounds(datetime.now(UTC).date())
    return f"Choose a date between {date_in_words(first)} and {date_in_words(last)}."


def _groups(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ConsultationGroup))


@pytest.mark.parametrize("changes", FAR_AWAY)
def test_a_first_date_outside_the_window_is_a_field_error_and_schedules_nothing(
    app, trainer, changes
):
    token = csrf_token(trainer.get("/consultation/"))
    data = _form(token, weekday="4", ends="weeks", weeks="1") | changes
    response = trainer.post("/consultation/groups", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in _input(html, "first_date")
    error = re.search(r'<p class="field-error" id="first_date-error">([^<]+)</p>', html)
    assert error
    assert error.group(1) == _window_error()
    assert _groups(app) == 0
    assert trainer.get("/consultation/").status_code == 200


def test_a_last_date_outside_the_window_is_a_field_error(app, trainer):
    token = csrf_token(trainer.get("/consultation/"))
    response = trainer.post(
        "/consultation/groups", data=_form(token, ends="date", end_date="9999-12-31")
    )
    assert response.status_code == 400
    error = re.search(
        r'<p class="field-error" id="end_date-error">([^<]+)</p>', response.get_data(as_text=True)
    )
    assert error
    assert error.group(1) == _window_error()
    assert _groups(app) == 0


def test_the_window_edges_are_allowed(app, trainer):
    first, last = SCHEDULING_WINDOW.bounds(datetime.now(UTC).date())
    token = csrf_token(trainer.get("/consultation/"))
    for day in (first, last):
        data = _form(token, weekday=str(day.weekday()), weeks="1") | {"first_date": str(day)}
        assert trainer.post("/consultation/groups", data=data).status_code == 302
    assert _groups(app) == 2

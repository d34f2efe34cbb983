"""Weekly consultation through the web: scheduling, attendance, apologies, feeds and rosters."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta

import icalendar
import ics
import pytest
from flask import Flask
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from app.domain.certificates import date_in_words
from app.domain.consultation import SCHEDULING_WINDOW, ScheduleError
from app.domain.toolkit import Toolkit
from app.extensions import db
from app.models.certification import AuditEntry, CertificationPolicy
from app.models.consultation import (
    Apology,
    AttendanceChange,
    AttendanceMark,
    ConsultationGroup,
    ConsultationSession,
)
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort
from app.services import consultation
from tests.support.content import content_changed, content_of
from tests.support.forms import group_form
from tests.support.lms import PRACTITIONER, PRACTITIONER_2, TRAINER, LocalLms, csrf_token
from tests.support.toolkit import fixture_toolkit

NEXT_MONDAY = date.today() + timedelta(days=7 - date.today().weekday())


def _trainer(app: Flask, lms: LocalLms, claims: dict | None = None):
    lms.launch(app.test_client(), PRACTITIONER)
    lms.launch(app.test_client(), PRACTITIONER_2)
    client = app.test_client()
    lms.launch(client, TRAINER, claims=claims)
    return client, csrf_token(client.get("/consultation/"))


def _group_form(token: str, **changes: object) -> dict[str, object]:
    return group_form(token, NEXT_MONDAY, **changes)


def _people(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {p.name: p.id for p in db.session.scalars(select(Person))}


def _policy_asks_for(app: Flask, sessions: int, rate: int = 75) -> None:
    """The organisation's certification policy: at least `sessions`, and `rate`% of the period."""
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        db.session.merge(
            CertificationPolicy(
                organisation_id=cohort.organisation_id,
                consultation_sessions=sessions,
                consultation_rate=rate,
            )
        )
        db.session.commit()


def _create(app: Flask, client, token: str, **changes: object) -> int:
    created = client.post("/consultation/groups", data=_group_form(token, **changes))
    assert created.status_code == 302, created.get_data(as_text=True)
    group_id = int(created.location.rsplit("/", 1)[1])
    people = _people(app)
    client.post(
        f"/consultation/groups/{group_id}/members",
        data={"csrf_token": token, "members": [people["Maya Chen"], people["Tom Baker"]]},
    )
    return group_id


def _sessions(app: Flask, group_id: int) -> list[tuple[int, datetime]]:
    with app.app_context():
        group = db.session.get_one(ConsultationGroup, group_id)
        return [(s.id, s.starts_at) for s in group.sessions]


def _pretend_held(app: Flask, group_id: int, count: int) -> None:
    """Move the first sessions into the past, as if the weeks had gone by."""
    with app.app_context():
        group = db.session.get_one(ConsultationGroup, group_id)
        for weeks_ago, session in zip(range(count, 0, -1), group.sessions[:count], strict=False):
            session.starts_at = datetime.now(UTC) - timedelta(weeks=weeks_ago)
        db.session.commit()


def test_a_trainer_schedules_a_weekly_group_from_the_rule(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    starts = [start for _, start in _sessions(app, group_id)]
    assert len(starts) == 8
    assert all(
        start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London")).hour == 10
        for start in starts
    )
    page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    assert "Maya Chen" in page
    assert "Tom Baker" in page


def test_bad_schedules_get_form_errors_and_create_nothing(app, lms):
    client, token = _trainer(app, lms)
    for changes, words in [
        ({"timezone": "Europe/Atlantis"}, "is not a time zone we know"),
        ({"ends": "date", "end_date": ""}, "Give the last date"),
        ({"weeks": "500"}, "From 1 to 104 sessions"),
        ({"excused_allowed": "30"}, "From 0 to 20."),
        ({"location": "Room 4\r\nsecond floor"}, "Where the group meets must be on one line"),
    ]:
        response = client.post("/consultation/groups", data=_group_form(token, **changes))
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ConsultationGroup)) == 0


def test_attendance_defaults_to_present_keeps_an_audit_trail_and_feeds_rates(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    _pretend_held(app, group_id, 3)
    people = _people(app)
    maya, tom = people["Maya Chen"], people["Tom Baker"]
    sessions = [sid for sid, _ in _sessions(app, group_id)]
    form = client.get(f"/consultation/sessions/{sessions[0]}").get_data(as_text=True)
    assert f'id="mark-{maya}-present" name="mark-{maya}" value="present" checked' in form
    for sid, tom_mark in zip(sessions[:3], ["absent", "absent", "absent"], strict=True):
        client.post(
            f"/consultation/sessions/{sid}",
            data={
                "csrf_token": token,
                f"mark-{maya}": "present",
                f"mark-{tom}": tom_mark,
                f"note-{maya}": "Brought a practice question",
            },
        )
    changed = client.post(
        f"/consultation/sessions/{sessions[0]}",
        data={"csrf_token": token, f"mark-{maya}": "late", f"mark-{tom}": "absent"},
        follow_redirects=True,
    )
    assert "1 earlier mark(s) changed" in changed.get_data(as_text=True)
    with app.app_context():
        [change] = db.session.scalars(select(AttendanceChange)).all()
        assert (change.old_mark.value, change.new_mark.value, change.old_note) == (
            "present",
            "late",
            "Brought a practice question",
        )
        [entry] = db.session.scalars(
            select(AuditEntry).filter_by(action="attendance changed")
        ).all()
        assert entry.reason == "present → late"
        assert entry.subject.startswith("Maya Chen, Tuesday consultation")
    page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    assert "Can no longer reach the minimum" in page  # Tom: 0 of 3 held, 5 left, needs 12
    by_name = _attendance_csv(client, group_id)
    assert (
        by_name["Maya Chen"]["Attended"],
        by_name["Maya Chen"]["Required"],
        by_name["Maya Chen"]["Hours"],
    ) == ("3", "12", "3.00")  # the policy's minimum of 12: more than 75% of these 8 sessions
    assert by_name["Tom Baker"]["Can no longer reach the minimum"] == "yes"


def _attendance_csv(client, group_id: int) -> dict[str, dict[str, str]]:
    exported = client.get(f"/consultation/groups/{group_id}/attendance.csv")
    rows = csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff")))
    return {row["Practitioner"]: row for row in rows}


def test_a_practitioner_who_joins_late_has_missed_nothing_held_before(app, lms):
    """Sessions whose attendance was taken before someone joined the group are not theirs."""
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    people = _people(app)
    maya, tom = people["Maya Chen"], people["Tom Baker"]
    client.post(
        f"/consultation/groups/{group_id}/members", data={"csrf_token": token, "members": [maya]}
    )
    _pretend_held(app, group_id, 2)
    for sid, _ in _sessions(app, group_id)[:2]:
        client.post(
            f"/consultation/sessions/{sid}", data={"csrf_token": token, f"mark-{maya}": "present"}
        )
    client.post(
        f"/consultation/groups/{group_id}/members",
        data={"csrf_token": token, "members": [maya, tom]},
    )
    by_name = _attendance_csv(client, group_id)
    assert by_name["Tom Baker"]["Missed"] == "0", "he was not in the group then"
    assert by_name["Maya Chen"]["Attended"] == "2"


def test_excused_absences_past_the_allowance_show_once_as_missed(app, lms):
    """Four held sessions read as four: 1 attended, 2 excused (the allowance), 1 missed."""
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)  # excused_allowed 2
    _pretend_held(app, group_id, 4)
    maya, tom = _people(app)["Maya Chen"], _people(app)["Tom Baker"]
    for sid, mark in zip(
        [sid for sid, _ in _sessions(app, group_id)[:4]],
        ["present", "excused", "excused", "excused"],
        strict=True,
    ):
        client.post(
            f"/consultation/sessions/{sid}",
            data={"csrf_token": token, f"mark-{maya}": mark, f"mark-{tom}": "present"},
        )
    maya_row = _attendance_csv(client, group_id)["Maya Chen"]
    shown = [maya_row[name] for name in ("Attended", "Excused (forgiven)", "Missed", "Held")]
    assert shown == ["1", "2", "1", "4"]


def test_a_held_session_without_attendance_is_work_to_do_not_a_missed_session(app, lms):
    client, token = _trainer(app, lms)
    _policy_asks_for(app, sessions=0)  # 75% of the period alone: 6 of these 8 sessions
    group_id = _create(app, client, token)
    _pretend_held(app, group_id, 3)
    people = _people(app)
    maya, tom = people["Maya Chen"], people["Tom Baker"]
    first, second, third = [sid for sid, _ in _sessions(app, group_id)][:3]
    for sid in (first, second):
        client.post(
            f"/consultation/sessions/{sid}",
            data={"csrf_token": token, f"mark-{maya}": "present", f"mark-{tom}": "absent"},
        )
    home = client.get("/trainer").get_data(as_text=True)
    assert "Attendance to take (1)" in home
    assert f'href="/consultation/sessions/{third}"' in home
    group = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    assert group.count("Attendance not taken</span>") == 1
    # Tom missed two of three held; the third is not taken, so he can still reach 6 of 8.
    assert "Can no longer reach the minimum" not in group
    assert 'aria-label="Attended 2 of 6 sessions needed"' in group
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    mine = practitioner.get("/consultation/mine").get_data(as_text=True)
    assert "You have attended 2 of the 6 sessions certification needs" in mine
    assert "has not yet taken attendance for 1 session" in mine
    client.post(
        f"/consultation/sessions/{third}",
        data={"csrf_token": token, f"mark-{maya}": "present", f"mark-{tom}": "absent"},
    )
    home = client.get("/trainer").get_data(as_text=True)
    assert "Attendance to take" not in home
    assert "Nothing is waiting" in home
    group = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    assert "Attendance not taken</span>" not in group
    assert "Can no longer reach the minimum" in group  # now 0 of 3, 5 to come, needs 6


def test_every_page_asks_for_the_sessions_the_certification_policy_needs(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token, weeks="24")
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)

    def shown() -> tuple[str, str, str]:
        group = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
        home = practitioner.get("/practitioner").get_data(as_text=True)
        mine = practitioner.get("/consultation/mine").get_data(as_text=True)
        return group, home, mine

    group, home, mine = shown()  # 75% of 24 sessions is 18, more than the minimum of 12
    assert "Certification needs 75% of the period's sessions and at least 12" in group
    assert 'aria-label="Attended 0 of 18 sessions needed"' in group
    assert 'Consultation sessions attended: <span class="tracker-count">0 of 18</span>' in home
    assert "18 more consultation sessions (18 are needed: 75% of the period&#39;s 24)" in home
    assert "You have attended 0 of the 18 sessions certification needs" in mine
    _policy_asks_for(app, sessions=12, rate=40)  # the director changes the policy
    group, home, mine = shown()
    assert "Certification needs 40% of the period's sessions and at least 12" in group
    assert "0 of 12</span>" in home
    assert "12 more consultation sessions (at least 12 are needed)" in home
    assert "You have attended 0 of the 12 sessions certification needs" in mine


def test_editing_the_series_keeps_past_sessions_and_their_attendance(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    _pretend_held(app, group_id, 2)
    people = _people(app)
    held = _sessions(app, group_id)[:2]
    client.post(
        f"/consultation/sessions/{held[0][0]}",
        data={
            "csrf_token": token,
            f"mark-{people['Maya Chen']}": "present",
            f"mark-{people['Tom Baker']}": "late",
        },
    )
    edited = client.post(
        f"/consultation/groups/{group_id}/edit",
        data=_group_form(token, weekday="3", local_time="14:30", weeks="10"),
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    after = _sessions(app, group_id)
    assert after[:2] == held, "sessions already held are untouched"
    london = __import__("zoneinfo").ZoneInfo("Europe/London")
    future = [start.astimezone(london) for _, start in after[2:]]
    assert all((s.weekday(), s.hour, s.minute) == (3, 14, 30) for s in future)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(AttendanceMark).filter_by(session_id=held[0][0])
            )
            == 2
        )


def test_renaming_a_series_keeps_its_upcoming_sessions_apologies_and_focuses(app, lms):
    """A new name or room moves no session: nothing the practitioners or trainer added is lost."""
    with fixture_toolkit(app):
        client, token = _trainer(app, lms)
        group_id = _create(app, client, token)
        before = _sessions(app, group_id)
        every = {f"focus-{session_id}": "" for session_id, _ in before}
        client.post(
            f"/consultation/groups/{group_id}/focuses",
            data={**every, "csrf_token": token, f"focus-{before[1][0]}": "oars"},
        )
        practitioner = app.test_client()
        lms.launch(practitioner, PRACTITIONER)
        practitioner.post(
            f"/consultation/sessions/{before[3][0]}/apology",
            data={
                "csrf_token": csrf_token(practitioner.get("/consultation/mine")),
                "reason": "Leave",
            },
        )
        edited = client.post(
            f"/consultation/groups/{group_id}/edit",
            data=_group_form(token, name="Monday consultation", location="Room 2"),
        )
        assert edited.status_code == 302, edited.get_data(as_text=True)
        assert _sessions(app, group_id) == before, "the same eight sessions, not new ones"
        page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
        assert "Leave" in page, "the practitioner's apology is still there"
        with app.app_context():
            assert db.session.get_one(ConsultationSession, before[1][0]).focus == "oars"


def test_lengthening_a_series_adds_weeks_after_the_sessions_it_keeps(app, lms):
    client, token, group_id, before = _scheduled(app, lms)
    edited = client.post(
        f"/consultation/groups/{group_id}/edit",
        data=_group_form(token, weeks="10", duration_minutes="90"),
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    after = _sessions(app, group_id)
    assert len(after) == 10
    assert after[:8] == before
    assert after[9][1] - after[7][1] == timedelta(weeks=2)
    with app.app_context():
        group = db.session.get_one(ConsultationGroup, group_id)
        assert {session.duration_minutes for session in group.sessions} == {90}


def test_editing_a_series_does_not_refill_the_slot_a_moved_session_left(app, lms):
    client, token, group_id, before = _scheduled(app, lms)
    moved_to = (before[2][1] + timedelta(days=1)).date()
    client.post(
        f"/consultation/sessions/{before[2][0]}/move",
        data={"csrf_token": token, "date": moved_to.isoformat(), "time": "16:00"},
    )
    client.post(f"/consultation/groups/{group_id}/edit", data=_group_form(token, name="Renamed"))
    after = _sessions(app, group_id)
    assert len(after) == 8
    assert before[2][1] not in [start for _, start in after], "no second session in its old slot"


def test_an_apology_typed_to_the_limit_in_paragraphs_is_taken_whole(app, lms):
    """The browser's maxlength counts a line break as one character and sends it as two."""
    *_, sessions = _scheduled(app, lms)
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    paragraphs = ["a" * 122, "b" * 122, "c" * 122, "d" * 131]
    typed = "\n".join(paragraphs)
    assert len(typed) == 500  # what the text area's counter allowed
    sent = practitioner.post(
        f"/consultation/sessions/{sessions[3][0]}/apology",
        data={
            "csrf_token": csrf_token(practitioner.get("/consultation/mine")),
            "reason": "\r\n".join(paragraphs),
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Apology)).one().reason == typed


def test_an_attendance_change_is_logged_under_the_day_the_group_met(app, lms):
    """23:30 in Los Angeles is 07:30 the next day in UTC; the audit log names the group's day."""
    client, token = _trainer(app, lms)
    group_id = _create(
        app, client, token, local_time="23:30", timezone="America/Los_Angeles", weekday="0"
    )
    _pretend_held(app, group_id, 1)
    with app.app_context():
        session = db.session.get_one(ConsultationGroup, group_id).sessions[0]
        session.starts_at = datetime(2026, 11, 17, 7, 30, tzinfo=UTC)  # 16 Nov, 23:30 PST
        db.session.commit()
        session_id = session.id
    people = _people(app)
    maya, tom = people["Maya Chen"], people["Tom Baker"]
    for mark in ("present", "absent"):
        client.post(
            f"/consultation/sessions/{session_id}",
            data={"csrf_token": token, f"mark-{maya}": mark, f"mark-{tom}": "present"},
        )
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).filter_by(action="attendance changed")).one()
    assert entry.subject.endswith(", 16 Nov 2026")


def test_cancel_move_makeup_and_an_apology(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    sessions = _sessions(app, group_id)
    client.post(
        f"/consultation/sessions/{sessions[1][0]}/cancel",
        data={"csrf_token": token, "reason": "Trainer at a fidelity review"},
    )
    new_day = (sessions[2][1] + timedelta(days=1)).date()
    client.post(
        f"/consultation/sessions/{sessions[2][0]}/move",
        data={"csrf_token": token, "date": new_day.isoformat(), "time": "16:00"},
    )
    client.post(
        f"/consultation/groups/{group_id}/makeup",
        data={
            "csrf_token": token,
            "replaces": str(sessions[1][0]),
            "date": new_day.isoformat(),
            "time": "18:00",
            "duration_minutes": "45",
        },
    )
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    p_token = csrf_token(practitioner.get("/consultation/mine"))
    mine = practitioner.get("/consultation/mine").get_data(as_text=True)
    assert "Cancelled</strong>: Trainer at a fidelity review" in mine
    assert "make-up" in mine
    assert "more sessions needed" in mine
    practitioner.post(
        f"/consultation/sessions/{sessions[3][0]}/apology",
        data={"csrf_token": p_token, "reason": "Annual leave"},
    )
    group_page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    assert "Annual leave" in group_page
    with app.app_context():
        apology = db.session.scalars(select(Apology)).one()
        moved = db.session.get_one(ConsultationSession, sessions[2][0])
        assert moved.moved_from == sessions[2][1]
    client.post(
        f"/consultation/apologies/{apology.id}", data={"csrf_token": token, "decision": "accept"}
    )
    with app.app_context():
        assert (
            db.session.scalars(select(AttendanceMark).filter_by(session_id=sessions[3][0]))
            .one()
            .mark.value
            == "excused"
        )
    again = client.post(
        f"/consultation/apologies/{apology.id}",
        data={"csrf_token": token, "decision": "decline"},
        follow_redirects=True,
    )
    assert "That apology was already accepted." in again.get_data(as_text=True)
    _pretend_held(app, group_id, 1)
    held = client.post(
        f"/consultation/sessions/{sessions[0][0]}/cancel",
        data={"csrf_token": token, "reason": "Too late"},
        follow_redirects=True,
    )
    assert "A session already held cannot be cancelled" in held.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(Apology, apology.id).decision == "accepted"
        assert not db.session.get_one(ConsultationSession, sessions[0][0]).cancelled


def test_calendar_feeds_parse_with_two_parsers_and_die_when_replaced(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    sessions = _sessions(app, group_id)
    client.post(
        f"/consultation/sessions/{sessions[0][0]}/cancel",
        data={"csrf_token": token, "reason": "Public holiday"},
    )
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    assert 'class="feed-url"' not in practitioner.get("/consultation/mine").get_data(as_text=True)
    path = _feed_path(practitioner)
    feed = app.test_client().get(path)
    assert feed.status_code == 200
    assert feed.mimetype == "text/calendar"
    events = list(icalendar.Calendar.from_ical(feed.data).walk("VEVENT"))
    assert len(events) == 8
    cancelled = [e for e in events if str(e["STATUS"]) == "CANCELLED"]
    assert len(cancelled) == 1
    assert "Public holiday" in str(cancelled[0]["DESCRIPTION"])
    second = ics.Calendar(feed.get_data(as_text=True))
    assert len(second.events) == 8
    assert sorted(e.begin.datetime for e in second.events)[1] == sessions[1][1]
    p_token = csrf_token(practitioner.get("/consultation/mine"))
    practitioner.post("/consultation/feed", data={"csrf_token": p_token})
    assert app.test_client().get(path).status_code == 404
    assert app.test_client().get("/consultation/calendar/guessed-token.ics").status_code == 404


def _feed_path(practitioner) -> str:
    practitioner.post(
        "/consultation/feed", data={"csrf_token": csrf_token(practitioner.get("/practitioner"))}
    )
    page = practitioner.get("/consultation/mine").get_data(as_text=True)
    return (
        page.split('class="feed-url">', 1)[1]
        .split("</code>", 1)[0]
        .removeprefix("http://localhost")
    )


def _place_in_course(app: Flask, name: str, active: bool) -> None:
    """What a roster sync records when the LMS says the practitioner left, or came back."""
    with app.app_context():
        person = db.session.scalars(select(Person).filter_by(name=name)).one()
        db.session.scalars(select(Enrolment).filter_by(person_id=person.id)).one().active = active
        db.session.commit()


def test_a_practitioners_calendar_stops_when_they_leave_the_course(app, lms):
    """Where the group meets (often a video link) is not for someone no longer in the course."""
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token, location="https://meet.example.org/room-4711")
    practitioner = app.test_client()
    lms.launch(practitioner, PRACTITIONER)
    path = _feed_path(practitioner)
    assert "room-4711" in app.test_client().get(path).get_data(as_text=True)
    _place_in_course(app, "Maya Chen", active=False)
    left = app.test_client().get(path)
    assert left.status_code == 404
    assert "room-4711" not in left.get_data(as_text=True)
    group_feed = app.test_client().get(_group_feed(client, token, group_id))
    assert group_feed.status_code == 200, "the group's own feed is the trainer's, and goes on"
    _place_in_course(app, "Maya Chen", active=True)
    assert app.test_client().get(path).status_code == 200, "back in the course, back in the feed"


# --- Names and Role Provisioning Services ---

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


def _serve_roster(server: HTTPServer, pages: list[list[dict]]) -> None:
    server.expect_request("/lms/token", method="POST").respond_with_json(
        {"access_token": "nrps-token", "token_type": "bearer", "expires_in": 3600}
    )

    def page(request: Request) -> Response:
        assert request.headers["Accept"] == MEMBERSHIP_TYPE
        assert request.headers["Authorization"] == "Bearer nrps-token"
        number = int(request.args.get("page", "1"))
        body = {
            "id": server.url_for("/lms/memberships"),
            "context": {"id": "course-imr-autumn"},
            "members": pages[number - 1],
        }
        headers = {}
        if number < len(pages):
            headers["Link"] = (
                f'<{server.url_for("/lms/memberships")}?page={number + 1}>; rel="next"'
            )
        return Response(json.dumps(body), headers=headers, content_type=MEMBERSHIP_TYPE)

    server.expect_request("/lms/memberships", method="GET").respond_with_handler(page)


def test_roster_sync_pages_through_the_membership_container(app, lms, httpserver, runner):
    claims = {
        NRPS: {
            "context_memberships_url": httpserver.url_for("/lms/memberships"),
            "service_versions": ["2.0"],
        }
    }
    client, token = _trainer(app, lms, claims)
    _serve_roster(
        httpserver,
        [
            [
                {
                    "status": "Active",
                    "user_id": TRAINER.sub,
                    "name": TRAINER.name,
                    "roles": [f"{LIS}Instructor"],
                },
                {
                    "status": "Active",
                    "user_id": PRACTITIONER.sub,
                    "name": "Maya Chen",
                    "email": "maya.chen@example.org",
                    "roles": [f"{LIS}Learner"],
                },
            ],
            [
                {
                    "status": "Active",
                    "user_id": "user-new",
                    "name": "Ama Mensah",
                    "given_name": "Ama",
                    "family_name": "Mensah",
                    "email": "ama@example.org",
                    "roles": [f"{LIS}Learner"],
                },
                {
                    "status": "Inactive",
                    "user_id": "user-paused",
                    "name": "Lee Wong",
                    "roles": [f"{LIS}Learner"],
                },
            ],
        ],
    )
    synced = client.post(
        "/consultation/roster/sync", data={"csrf_token": token}, follow_redirects=True
    )
    assert "2 added, 0 updated, 1 marked as left" in synced.get_data(
        as_text=True
    )  # Tom is no longer on the LMS roster
    with app.app_context():
        enrolments = {e.person.name: e for e in db.session.scalars(select(Enrolment))}
        assert enrolments["Ama Mensah"].active
        assert not enrolments["Lee Wong"].active
        assert not enrolments["Tom Baker"].active, "people who left are marked, not deleted"
        assert enrolments["Ama Mensah"].last_launch_at is None
    group_page = client.post(
        "/consultation/groups", data=_group_form(token), follow_redirects=True
    ).get_data(as_text=True)
    assert "Ama Mensah" in group_page, "practitioners who never launched can join a group"
    again = runner.invoke(args=["lti", "sync-roster"])
    assert again.exit_code == 0
    assert "0 added, 0 updated, 0 marked as left" in again.output


def test_a_roster_with_entries_no_launch_could_carry_keeps_the_usable_ones(app, lms, httpserver):
    claims = {
        NRPS: {
            "context_memberships_url": httpserver.url_for("/lms/memberships"),
            "service_versions": ["2.0"],
        }
    }
    client, token = _trainer(app, lms, claims)
    learner = [f"{LIS}Learner"]
    listed = [
        {"status": "Active", "user_id": TRAINER.sub, "roles": [f"{LIS}Instructor"]},
        {"user_id": "u-surrogate", "name": "A\ud800B", "roles": learner},
        {"user_id": "u-long", "name": "N" * 100_000, "email": "e" * 5000, "roles": learner},
        {"user_id": "u-nul", "name": "A\x00B", "roles": [5, None, {}, *learner]},
        {"user_id": "u-odd", "name": {"first": "Ama"}, "roles": "Learner"},
        {"user_id": "u-twice", "name": "Listed Twice", "roles": learner},
        {"user_id": "u-twice", "name": "Listed Twice", "roles": learner},
        {"user_id": "x" * 300, "name": "Too Long An Id", "roles": learner},
        {"user_id": "\udc00", "name": "Surrogate Id", "roles": learner},
        {"user_id": {"a": 1}, "name": "Object Id", "roles": learner},
        "not a member",
        ["nor", "this"],
    ]
    _serve_roster(httpserver, [listed])
    synced = client.post("/consultation/roster/sync", data={"csrf_token": token})
    assert synced.status_code == 302
    page = client.get(synced.location).get_data(as_text=True)
    assert "4 added, 0 updated" in page
    with app.app_context():
        people = {p.subject: p for p in db.session.scalars(select(Person))}
        assert people["u-surrogate"].name == "AB"
        assert len(people["u-long"].name) == 300
        assert people["u-long"].email is None  # far too long to be an address
        assert people["u-nul"].name == "AB"
        assert "u-odd" not in people  # roles as one text, not a list: no role, not enrolled
        assert "Listed Twice" in [p.name for p in people.values()]
        assert not {"x" * 300, "\udc00"} & people.keys()
        assert not [p for p in people.values() if p.name in {"Too Long An Id", "Object Id"}]


@pytest.mark.parametrize(
    ("members", "said"),
    [
        ("x", "holds no list of members"),
        ([["not", "a member"], 5, {"name": "No Id"}], "none of the 3 entries"),
    ],
)
def test_a_roster_that_cannot_be_read_is_refused_and_marks_nobody_as_left(
    app, lms, httpserver, members, said
):
    claims = {
        NRPS: {
            "context_memberships_url": httpserver.url_for("/lms/memberships"),
            "service_versions": ["2.0"],
        }
    }
    client, token = _trainer(app, lms, claims)
    _serve_roster(httpserver, [members])
    refused = client.post("/consultation/roster/sync", data={"csrf_token": token})
    page = client.get(refused.location).get_data(as_text=True)
    assert "The roster could not be refreshed" in page
    assert said in page
    with app.app_context():
        assert all(e.active for e in db.session.scalars(select(Enrolment)))


def _roster_service(app, lms, httpserver):
    """A trainer signed in to a course whose LMS offers its roster at /lms/memberships."""
    claims = {
        NRPS: {
            "context_memberships_url": httpserver.url_for("/lms/memberships"),
            "service_versions": ["2.0"],
        }
    }
    return _trainer(app, lms, claims)


def _with_trainer(*others: dict) -> list[dict]:
    """A roster page that keeps the trainer on the course (else their session ends)."""
    return [{"user_id": TRAINER.sub, "name": TRAINER.name, "roles": [f"{LIS}Instructor"]}, *others]


def _sync(client, token: str) -> str:
    synced = client.post("/consultation/roster/sync", data={"csrf_token": token})
    return client.get(synced.location).get_data(as_text=True)


BROKEN_TOKENS = {
    "no token": {"token_type": "bearer"},
    "token a number": {"access_token": 5, "expires_in": 3600},
    "token with a line break": {"access_token": "a\r\nX-Evil: 1", "expires_in": 3600},
    "a list": [1, 2],
}


@pytest.mark.parametrize("case", BROKEN_TOKENS, ids=list(BROKEN_TOKENS))
def test_a_token_answer_the_lms_broke_fails_the_refresh_plainly_and_is_not_kept(
    app, lms, httpserver, case
):
    client, token = _roster_service(app, lms, httpserver)
    httpserver.expect_request("/lms/token", method="POST").respond_with_json(BROKEN_TOKENS[case])
    page = _sync(client, token)
    assert "The roster could not be refreshed" in page
    assert "access_token" in page
    assert "X-Evil" not in page
    httpserver.clear()
    ama = {"user_id": "user-new", "name": "Ama", "roles": [f"{LIS}Learner"]}
    _serve_roster(httpserver, [_with_trainer(ama)])
    assert "1 added" in _sync(client, token)  # the mended answer is asked for at once


def test_a_revoked_token_is_forgotten_and_a_long_one_kept_a_day_at_most(app, lms, httpserver):
    client, token = _roster_service(app, lms, httpserver)
    learner = _with_trainer({"user_id": "user-new", "name": "Ama", "roles": [f"{LIS}Learner"]})
    httpserver.clear()
    httpserver.expect_request("/lms/token", method="POST").respond_with_json(
        {"access_token": "nrps-token", "token_type": "bearer", "expires_in": 10**9}
    )
    httpserver.expect_request("/lms/memberships", method="GET").respond_with_data("", status=401)
    assert "HTTP 401" in _sync(client, token)
    paths = [request.path for request, _ in httpserver.log]
    assert paths.count("/lms/token") == paths.count("/lms/memberships") > 1, (
        "each try after a 401 asked for a new token instead of reusing the revoked one"
    )
    httpserver.clear()
    _serve_roster(httpserver, [learner])
    assert "1 added" in _sync(client, token)
    with app.app_context():
        from app.models.lti import StoreEntry

        entry = db.session.scalars(
            select(StoreEntry).where(StoreEntry.key.like("access-token-%"))
        ).one()
        expires = entry.expires_at.replace(tzinfo=entry.expires_at.tzinfo or UTC)
        assert expires - datetime.now(UTC) <= timedelta(days=1)


def test_roster_pages_keep_their_cursor_and_stay_on_the_lms(app, lms, httpserver):
    client, token = _roster_service(app, lms, httpserver)
    httpserver.expect_request("/lms/token", method="POST").respond_with_json(
        {"access_token": "nrps-token", "token_type": "bearer", "expires_in": 3600}
    )
    first = {
        "members": _with_trainer({"user_id": "user-a", "name": "Ama", "roles": [f"{LIS}Learner"]})
    }
    second = {"members": [{"user_id": "user-b", "name": "Ben", "roles": [f"{LIS}Learner"]}]}
    cursor = httpserver.url_for("/lms/memberships") + "?cursor=AbCdEF"
    httpserver.expect_request("/lms/memberships", query_string="cursor=AbCdEF").respond_with_json(
        second
    )
    httpserver.expect_request("/lms/memberships", query_string="").respond_with_json(
        first, headers={"Link": f'<{cursor}>; rel="next"'}
    )
    assert "2 added" in _sync(client, token)
    httpserver.clear()
    httpserver.expect_request("/lms/token", method="POST").respond_with_json(
        {"access_token": "nrps-token", "token_type": "bearer", "expires_in": 3600}
    )
    httpserver.expect_request("/lms/memberships").respond_with_json(
        first, headers={"Link": '<https://elsewhere.example.org/steal>; rel="next"'}
    )
    assert "next roster page is on another server" in _sync(client, token)


# --- Skill focuses from the consultation guide (#20) ---


def test_a_trainer_gives_sessions_a_focus_that_members_see_and_their_calendar_shows(app, lms):
    with fixture_toolkit(app):
        client, token = _trainer(app, lms)
        group_id = _create(app, client, token)
        sessions = _sessions(app, group_id)
        page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
        assert f'action="/consultation/groups/{group_id}/focuses"' in page
        assert page.count('form="focuses"') == len(sessions), "one list per upcoming session"
        assert '<option value="oars">Week 4: Open questions and reflections</option>' in page
        every = {f"focus-{session_id}": "" for session_id, *_ in sessions}
        chosen = client.post(
            f"/consultation/groups/{group_id}/focuses",
            data={**every, "csrf_token": token, f"focus-{sessions[0][0]}": "oars"},
        )
        assert chosen.status_code == 302
        shown = client.get(chosen.location).get_data(as_text=True)
        assert "Skill focus saved for 1 session." in shown
        with app.app_context():
            assert db.session.get(ConsultationSession, sessions[0][0]).focus == "oars"
            assert db.session.get(ConsultationSession, sessions[1][0]).focus is None

        practitioner = app.test_client()
        lms.launch(practitioner, PRACTITIONER)
        practitioner.post(
            "/consultation/feed",
            data={"csrf_token": csrf_token(practitioner.get("/practitioner"))},
        )
        mine = practitioner.get("/consultation/mine").get_data(as_text=True)
        assert "Skill focus: <strong>Open questions and reflections</strong>." in mine
        url = mine.split('class="feed-url">', 1)[1].split("</code>", 1)[0]
        feed = app.test_client().get(url.removeprefix("http://localhost"))
        events = sorted(
            icalendar.Calendar.from_ical(feed.data).walk("VEVENT"), key=lambda e: e["DTSTART"].dt
        )
        assert str(events[0]["DESCRIPTION"]).startswith(
            "Skill focus: Open questions and reflections. Use open questions and reflections."
        )
        assert "DESCRIPTION" not in events[1]


def test_a_focus_is_only_ever_one_of_the_guides_never_free_text_nor_a_get(app, lms):
    with fixture_toolkit(app):
        client, token = _trainer(app, lms)
        group_id = _create(app, client, token)
        first, second = (row[0] for row in _sessions(app, group_id)[:2])
        url = f"/consultation/groups/{group_id}/focuses"

        def focuses() -> tuple[str | None, str | None]:
            with app.app_context():
                return tuple(db.session.get(ConsultationSession, s).focus for s in (first, second))

        def saved(**chosen: str) -> str:
            fields = {f"focus-{session_id}": value for session_id, value in chosen.items()}
            answer = client.post(url, data={"csrf_token": token, **fields})
            return client.get(answer.location).get_data(as_text=True)

        typed = saved(**{str(first): "oars", str(second): "Maya's hard week"})
        assert "Choose each focus from the consultation guide" in typed
        assert focuses() == (None, None), "one typed answer saves nothing, not even the good one"
        assert client.post(url, data={f"focus-{first}": "oars"}).status_code == 400  # no CSRF
        assert client.get(url).status_code == 405
        assert "not in this group" in saved(**{"999999": "oars"})
        assert "Skill focus saved for 2 sessions." in saved(
            **{str(first): "oars", str(second): "oars"}
        )
        assert "Skill focus saved for 1 session." in saved(**{str(first): "", str(second): "oars"})
        assert "No focus changed." in saved(**{str(first): "", str(second): "oars"})
        assert focuses() == (None, "oars")
        _pretend_held(app, group_id, 1)
        late = saved(**{str(first): "oars", str(second): ""})
        assert "held or cancelled since the page opened" in late
        assert focuses() == (None, "oars"), "a held session's focus stays, and so does the rest"


def test_without_a_consultation_guide_no_focus_is_offered(app, lms):
    real = content_of(app).toolkit
    without = Toolkit(
        tuple(item for item in real.items if item.id != "consultation-guide"), real.sessions
    )
    with content_changed(app, toolkit=without):
        client, token = _trainer(app, lms)
        group_id = _create(app, client, token)
        page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    assert "Skill focus" not in page
    assert "/focus" not in page


# --- Dates a trainer may schedule: a year back to five years ahead ---


def _window_error() -> str:
    first, last = SCHEDULING_WINDOW.bounds(datetime.now(UTC).date())
    return f"Choose a date between {date_in_words(first)} and {date_in_words(last)}."


def _group_feed(client, token: str, group_id: int) -> str:
    """The group's private calendar path, made as a trainer makes it."""
    client.post(f"/consultation/groups/{group_id}/feed", data={"csrf_token": token})
    page = client.get(f"/consultation/groups/{group_id}").get_data(as_text=True)
    return (
        page.split('class="feed-url">', 1)[1]
        .split("</code>", 1)[0]
        .removeprefix("http://localhost")
    )


def _scheduled(app, lms):
    """A trainer with a new weekly group: the client, a CSRF token, the group and its sessions."""
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    return client, token, group_id, _sessions(app, group_id)


def test_a_move_outside_the_window_is_refused_and_the_session_keeps_its_date(app, lms):
    client, token, group_id, before = _scheduled(app, lms)
    session_id = before[1][0]
    for day, at in [("0001-01-01", "00:00"), ("9999-12-31", "23:30")]:
        refused = client.post(
            f"/consultation/sessions/{session_id}/move",
            data={"csrf_token": token, "date": day, "time": at},
        )
        assert refused.status_code == 400
        assert f"The session was not moved. {_window_error()}" in refused.get_data(as_text=True)
    assert _sessions(app, group_id) == before
    with app.app_context():
        assert db.session.get_one(ConsultationSession, session_id).moved_from is None
    assert client.get(f"/consultation/groups/{group_id}").status_code == 200
    assert client.get(f"/consultation/sessions/{session_id}").status_code == 200


def test_a_makeup_outside_the_window_is_refused_and_the_calendar_still_opens(app, lms):
    client, token, group_id, before = _scheduled(app, lms)
    refused = client.post(
        f"/consultation/groups/{group_id}/makeup",
        data={
            "csrf_token": token,
            "date": "9999-12-31",
            "time": "23:30",
            "replaces": str(before[0][0]),
            "duration_minutes": "60",
        },
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert f"No make-up session was added. {_window_error()}" in page
    assert 'value="9999-12-31"' in page, "the make-up form keeps what the trainer typed"
    assert _sessions(app, group_id) == before
    feed = app.test_client().get(_group_feed(client, token, group_id))
    assert feed.status_code == 200
    assert len(list(icalendar.Calendar.from_ical(feed.data).walk("VEVENT"))) == len(before)


def test_editing_a_series_into_year_9999_is_refused_and_changes_nothing(app, lms):
    client, token, group_id, before = _scheduled(app, lms)
    edited = client.post(
        f"/consultation/groups/{group_id}/edit",
        data=group_form(
            token,
            date(9999, 12, 31),
            weekday="4",
            local_time="23:30",
            timezone="America/Los_Angeles",
            weeks="1",
        ),
    )
    assert edited.status_code == 400
    assert _window_error() in edited.get_data(as_text=True)
    assert _sessions(app, group_id) == before
    with app.app_context():
        assert db.session.get_one(ConsultationGroup, group_id).first_date == NEXT_MONDAY
    assert client.get(f"/consultation/groups/{group_id}").status_code == 200


def test_a_series_begun_over_a_year_ago_can_still_be_edited(app, lms):
    client, token = _trainer(app, lms)
    group_id = _create(app, client, token)
    long_ago = NEXT_MONDAY - timedelta(weeks=60)
    with app.app_context():
        db.session.get_one(ConsultationGroup, group_id).first_date = long_ago
        db.session.commit()
    edited = client.post(
        f"/consultation/groups/{group_id}/edit",
        data=group_form(token, long_ago, weeks="104", location="Room 9"),
    )
    assert edited.status_code == 302, edited.get_data(as_text=True)
    with app.app_context():
        assert db.session.get_one(ConsultationGroup, group_id).location == "Room 9"


def test_the_services_refuse_dates_outside_the_window_whatever_the_form(app, lms):
    _, _, group_id, before = _scheduled(app, lms)
    far = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    with app.app_context():
        group = db.session.get_one(ConsultationGroup, group_id)
        session = group.sessions[1]
        with pytest.raises(ScheduleError, match="Choose a date between"):
            consultation.move_session(session, far)
        with pytest.raises(ScheduleError, match="Choose a date between"):
            consultation.add_makeup(group, far, 60, group.sessions[0])
        with pytest.raises(ScheduleError, match="Choose a date between"):
            consultation.edit_group(group, first_date=date(1, 1, 1))
        with pytest.raises(ScheduleError, match="Choose a date between"):
            consultation.create_group(
                group.cohort,
                name="Far away",
                location="Room 1",
                excused_allowed=2,
                weekday=4,
                local_time=time(23, 30),
                timezone="UTC",
                duration_minutes=60,
                first_date=date(9999, 12, 31),
                weeks=1,
                end_date=None,
            )
        db.session.rollback()
    assert _sessions(app, group_id) == before
